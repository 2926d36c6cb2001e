//! `/api/auth/*`: register, login, logout, me, password, API keys (README, "HTTP API").

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;

use super::answers::{reply, ApiKeyInfo, LoginDetail, MeDetail, NewApiKeyDetail, NewUser};
use crate::config::Settings;
use crate::http::client::client_ip;
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::http::extract::ValidJson;
use crate::http::serializers::{LoginRequest, NewKeyRequest, PasswordRequest, RegisterRequest};
use crate::http::sessions::start_session;
use crate::http::sessions::STAMP_KEY;
use crate::services::accounts::Accounts;
use crate::services::accounts::{self};
use actix_web::http::StatusCode;

/// `GET /api/auth/keys`: the user's API keys, oldest first (session only).
pub async fn keys_list(
    state: web::Data<crate::services::Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    user.require_session()?;
    let keys = crate::services::api_keys::list(&state, user.id).await?;
    Ok(reply(
        StatusCode::OK,
        keys.iter().map(ApiKeyInfo::of).collect::<Vec<_>>(),
    ))
}

/// `POST /api/auth/keys`: 201 with the new key, shown this once (session only).
pub async fn keys_create(
    state: web::Data<crate::services::Context>,
    user: CurrentUser,
    body: ValidJson<NewKeyRequest>,
) -> Result<HttpResponse, AppError> {
    user.require_session()?;
    let body = body.into_inner();
    let (row, key) =
        crate::services::api_keys::create(&state, user.id, body.name, body.scope).await?;
    Ok(reply(
        StatusCode::CREATED,
        NewApiKeyDetail {
            info: ApiKeyInfo::of(&row),
            key,
        },
    ))
}

/// `DELETE /api/auth/keys/{id}`: 204; the key stops working at once (session only).
pub async fn keys_revoke(
    state: web::Data<crate::services::Context>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_session()?;
    crate::services::api_keys::revoke(&state, user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/auth/register`: 201 `{id, username}`.
pub async fn register(
    accounts: web::Data<Accounts>,
    settings: web::Data<Settings>,
    req: HttpRequest,
    body: ValidJson<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let (username, password) = body.into_inner().parse()?;
    let ip = client_ip(&req, &settings.trusted_proxies);
    let user = accounts::register(&accounts, ip, username, password).await?;
    Ok(reply(
        StatusCode::CREATED,
        NewUser {
            id: user.id,
            username: user.username,
        },
    ))
}

/// `POST /api/auth/login`: 200 `{username}` and a new session cookie.
pub async fn login(
    accounts: web::Data<Accounts>,
    settings: web::Data<Settings>,
    req: HttpRequest,
    session: Session,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let ip = client_ip(&req, &settings.trusted_proxies);
    let user = accounts::login(
        &accounts,
        ip,
        &body.username,
        SecretString::from(body.password),
    )
    .await?;
    start_session(&req, &session, &user, ip)?;
    Ok(reply(
        StatusCode::OK,
        LoginDetail {
            username: user.username,
        },
    ))
}

/// `POST /api/auth/logout`: 204; the session row is deleted.
pub async fn logout(session: Session, identity: Option<Identity>) -> HttpResponse {
    match identity {
        Some(identity) => identity.logout(),
        None => session.purge(),
    }
    tracing::info!("logged out");
    HttpResponse::NoContent().finish()
}

/// `GET /api/auth/me`.
pub async fn me(
    state: web::Data<crate::services::Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let has_token = crate::services::tokens::status(&state, user.id)
        .await?
        .connected;
    Ok(reply(
        StatusCode::OK,
        MeDetail {
            username: user.username,
            is_admin: user.is_admin,
            has_token,
        },
    ))
}

/// `POST /api/auth/password`: 200; every other session of the user ends.
pub async fn password(
    accounts: web::Data<Accounts>,
    ctx: web::Data<crate::services::Context>,
    settings: web::Data<Settings>,
    req: HttpRequest,
    session: Session,
    user: CurrentUser,
    body: ValidJson<PasswordRequest>,
) -> Result<HttpResponse, AppError> {
    user.require_session()?;
    let body = body.into_inner();
    let stamp = accounts::change_password(
        &accounts,
        client_ip(&req, &settings.trusted_proxies),
        user.id,
        user.login_id.clone(),
        SecretString::from(body.current_password),
        SecretString::from(body.new_password),
    )
    .await?;
    session
        .insert(STAMP_KEY, stamp)
        .map_err(AppError::internal)?;
    let webhook =
        crate::services::webhook_reset::reclaim(&ctx, user.id, crate::db::tokens::CAUSE_PASSWORD)
            .await;
    let detail = match webhook.sentence("Your") {
        Some(sentence) => format!("Password changed. {sentence}"),
        None => "Password changed.".to_owned(),
    };
    Ok(reply(StatusCode::OK, detail))
}
