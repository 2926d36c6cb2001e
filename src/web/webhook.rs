//! `/webhook`: register a URL with Monobank for this token's transactions.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::date_time;
use super::{done, page, validated, Form, FormState, Layout};
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::http::serializers::WebhookSerializer;
use crate::services::Context;
use crate::services::{mono, receiver, sync, tokens};

#[derive(Template)]
#[template(path = "webhook.html")]
struct WebhookPage {
    layout: Layout,
    connected: bool,
    current: String,
    /// The registered webhook is monoweb's own receiver.
    own: bool,
    /// Connected through the Monobank app: the deployment's provider webhook brings the
    /// operations; there is nothing to set per user.
    provider: bool,
    /// monoweb took the webhook back from another URL: what the user is told until they
    /// register one again.
    reset: Option<ResetNote>,
    form: FormState,
}

struct ResetNote {
    when: String,
    /// Why: the password changed, other sessions were logged out, the account was disabled.
    why: String,
    from: String,
    /// Now monoweb's own receiver (else removed).
    own: bool,
}

impl ResetNote {
    fn of(reset: crate::db::tokens::WebhookReset) -> Self {
        use crate::db::tokens::{CAUSE_DISABLED, CAUSE_SESSIONS, RESET_TO_OWN};
        Self {
            when: date_time(reset.at),
            why: crate::i18n::t(match reset.cause.as_str() {
                CAUSE_SESSIONS => "reset-cause-sessions",
                CAUSE_DISABLED => "reset-cause-disabled",
                _ => "reset-cause-password",
            }),
            own: reset.to == RESET_TO_OWN,
            from: reset.from,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WebhookForm {
    #[serde(default, rename = "webHookUrl")]
    url: String,
    /// Present when the "use monoweb's own receiver" button was pressed.
    own: Option<String>,
}

async fn render(
    state: &Context,
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    form: FormState,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(state, user.id).await?;
    page(
        status,
        &WebhookPage {
            layout: Layout::new(session, user, "webhook", crate::i18n::t("nav-webhook"))?,
            connected: token.connected,
            provider: token.kind == Some(crate::db::tokens::PROVIDER),
            own: token.webhook_url.as_deref() == Some(receiver::own_prefix(state).as_str()),
            current: token.webhook_url.unwrap_or_default(),
            reset: token.webhook_reset.map(ResetNote::of),
            form,
        },
    )
}

/// `GET /webhook`.
pub async fn show(
    state: web::Data<Context>,
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
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<WebhookForm>,
) -> Result<HttpResponse, AppError> {
    let WebhookForm { url, own } = form.0;
    let attempt = async {
        if own.is_some() {
            return Ok(sync::register_own_webhook(&state, user.id).await?);
        }
        let body = validated(WebhookSerializer {
            webHookUrl: Some(url.clone()),
        })?;
        Ok(mono::set_webhook(&state, user.id, body.webHookUrl.unwrap_or_default()).await?)
    };
    match attempt.await {
        Ok(()) => Ok(done(
            &session,
            crate::i18n::t("webhook-registered"),
            "/webhook",
        )),
        Err(error) => {
            let (again, form) = FormState::again(&[("webHookUrl", &url)], error)?;
            again.send(render(&state, again.status, &session, &user, form).await)
        }
    }
}
