//! `/settings`: change the password; see the active sessions and end the others.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::format::{age, date_time};
use super::{done, page, validated, Empty, Form, FormState, Layout};
use crate::api::auth::PasswordRequest;
use crate::auth::current_user::CurrentUser;
use crate::auth::sessions::STAMP_KEY;
use crate::error::{AppError, FieldErrors};
use crate::services::accounts;
use crate::services::accounts::Accounts;

pub struct SessionLine {
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    form: FormState,
    sessions: Vec<SessionLine>,
    others: usize,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn render(
    state: &Accounts,
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    form: FormState,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let sessions: Vec<SessionLine> = accounts::sessions_of(state, user.id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            started: date_time(s.created_at),
            last_seen: age(now - s.last_seen_at),
            current: s.login_id.as_deref() == Some(user.login_id.as_str()),
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.current).count();
    page(
        status,
        &SettingsPage {
            layout: Layout::new(session, user, "settings", "Settings")?,
            form,
            sessions,
            others,
        },
    )
}

/// `GET /settings`.
pub async fn show(
    state: web::Data<Accounts>,
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

/// `POST /settings/password`: every other session of the user ends.
pub async fn password(
    state: web::Data<Accounts>,
    session: Session,
    user: CurrentUser,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let attempt = async {
        if form.new_password != form.confirm_password {
            return Err(AppError::Validation(FieldErrors::from([(
                "confirm_password".to_owned(),
                vec!["The two new passwords differ.".to_owned()],
            )])));
        }
        let body = validated(PasswordRequest {
            current_password: form.current_password,
            new_password: form.new_password,
        })?;
        Ok(accounts::change_password(
            &state,
            user.id,
            user.login_id.clone(),
            SecretString::from(body.current_password),
            SecretString::from(body.new_password),
        )
        .await?)
    };
    match attempt.await {
        Ok(stamp) => {
            session
                .insert(STAMP_KEY, stamp)
                .map_err(AppError::internal)?;
            Ok(done(
                &session,
                "Password changed. Your other sessions have ended.",
                "/settings",
            ))
        }
        Err(error) => {
            let (status, form) = FormState::again(&[], error)?;
            render(&state, status, &session, &user, form).await
        }
    }
}

/// `POST /settings/sessions`: ends every session but this one.
pub async fn end_sessions(
    state: web::Data<Accounts>,
    session: Session,
    user: CurrentUser,
    _form: Form<Empty>,
) -> Result<HttpResponse, AppError> {
    let ended = accounts::end_other_sessions(&state, user.id, user.login_id.clone()).await?;
    let text = match ended {
        0 => "There were no other sessions.".to_owned(),
        1 => "1 other session ended.".to_owned(),
        n => format!("{n} other sessions ended."),
    };
    Ok(done(&session, text, "/settings"))
}
