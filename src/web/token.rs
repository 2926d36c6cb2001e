//! `/token`: attach, replace or remove the Monobank token; only its last four characters shown.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::date_time;
use super::{done, page, validated, Form, FormState, Layout};
use crate::api::mono::MonoTokenSerializer;
use crate::auth::current_user::CurrentUser;
use crate::error::AppError;
use crate::services::tokens::{self, TokenError, TokenStatus};
use crate::services::Context;
use monobank::MonoToken;

#[derive(Template)]
#[template(path = "token.html")]
struct TokenPage {
    layout: Layout,
    connected: bool,
    hint: String,
    created: String,
    updated: String,
    /// Monobank has answered a call made with the token.
    verified: bool,
    /// When Monobank rejected the token, shown until it is replaced.
    rejected: Option<String>,
    form: FormState,
    /// The removal was asked for: the page asks to confirm it.
    confirming: bool,
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    mono_token: String,
}

fn render(
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    token: TokenStatus,
    form: FormState,
) -> Result<HttpResponse, AppError> {
    page(
        status,
        &TokenPage {
            layout: Layout::new(session, user, "token", "Monobank token")?,
            connected: token.connected,
            hint: token.token_hint.unwrap_or_default(),
            created: token.created_at.map(date_time).unwrap_or_default(),
            updated: token.updated_at.map(date_time).unwrap_or_default(),
            verified: token.verified,
            rejected: token.rejected_at.map(date_time),
            confirming: false,
            form,
        },
    )
}

/// `GET /token`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(&state, user.id).await?;
    render(StatusCode::OK, &session, &user, token, FormState::default())
}

/// `POST /token`: attaches the token, or replaces the attached one.
pub async fn save(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let current = tokens::status(&state, user.id).await?;
    let attempt = async {
        let body = validated(MonoTokenSerializer {
            mono_token: form.0.mono_token,
        })?;
        let token = MonoToken::parse(&body.mono_token)
            .map_err(|_| AppError::field("mono_token", "Invalid token."))?;
        let (stored, message) = if current.connected {
            let stored = tokens::replace(&state, user.id, token).await?;
            (stored, "Mono changed successfully.")
        } else {
            let stored = tokens::attach(&state, user.id, token).await?;
            (stored, "Mono added successfully.")
        };
        Ok(if stored.verified {
            message.to_owned()
        } else {
            format!("{message} Monobank has not confirmed it yet; the first sync will.")
        })
    };
    match attempt.await {
        Ok(message) => Ok(done(&session, message, "/token")),
        Err(error) => {
            // The token is a secret: it is never written back into the page.
            let (status, form) = FormState::again(&[], error)?;
            render(status, &session, &user, current, form)
        }
    }
}

/// `GET /token/remove`: asks to confirm the removal.
pub async fn confirm_remove(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(&state, user.id).await?;
    if !token.connected {
        return Ok(super::see_other("/token"));
    }
    page(
        StatusCode::OK,
        &TokenPage {
            layout: Layout::new(&session, &user, "token", "Remove the Monobank token")?,
            connected: true,
            hint: token.token_hint.unwrap_or_default(),
            created: token.created_at.map(date_time).unwrap_or_default(),
            updated: token.updated_at.map(date_time).unwrap_or_default(),
            verified: token.verified,
            rejected: token.rejected_at.map(date_time),
            form: FormState::default(),
            confirming: true,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    /// `yes` from the confirmation page; anything else asks again.
    #[serde(default)]
    confirm: String,
}

/// `POST /token/remove`: removes the token once confirmed.
pub async fn remove(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    if form.0.confirm != "yes" {
        return Ok(super::see_other("/token/remove"));
    }
    match tokens::remove(&state, user.id).await {
        Ok(()) | Err(TokenError::NotAdded) => {
            Ok(done(&session, "Mono deleted successfully.", "/token"))
        }
        Err(e) => Err(e.into()),
    }
}
