//! `/webhook`: register a URL with Monobank for this token's transactions.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{done, page, validated, Form, FormState, Layout};
use crate::api::mono::WebhookSerializer;
use crate::auth::current_user::CurrentUser;
use crate::error::AppError;
use crate::services::{mono, tokens};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "webhook.html")]
struct WebhookPage {
    layout: Layout,
    connected: bool,
    current: String,
    form: FormState,
}

#[derive(Debug, Deserialize)]
pub struct WebhookForm {
    #[serde(default, rename = "webHookUrl")]
    url: String,
}

async fn render(
    state: &AppState,
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    form: FormState,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(state, user.id).await?;
    page(
        status,
        &WebhookPage {
            layout: Layout::new(session, Some(user), "webhook", "Webhook")?,
            connected: token.connected,
            current: token.webhook_url.unwrap_or_default(),
            form,
        },
    )
}

/// `GET /webhook`.
pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        StatusCode::OK,
        &session,
        &user,
        FormState::default(),
    )
    .await
}

/// `POST /webhook`: registers the URL at Monobank.
pub async fn save(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: Form<WebhookForm>,
) -> Result<HttpResponse, AppError> {
    let url = form.0.url;
    let attempt = async {
        let body = validated(WebhookSerializer {
            webHookUrl: url.clone(),
        })?;
        mono::set_webhook(&state, user.id, body.webHookUrl).await
    };
    match attempt.await {
        Ok(()) => Ok(done(&session, "Webhook registered.", "/webhook")),
        Err(error) => {
            let (status, form) = FormState::again(&[("webHookUrl", &url)], error)?;
            render(&state, status, &session, &user, form).await
        }
    }
}
