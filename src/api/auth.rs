//! `/api/auth/*`: register, login, logout, me, password, API keys (README, "HTTP API").

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;

use super::answers::{reply, ApiKeyInfo, LoginDetail, MeDetail, NewApiKeyDetail, NewUser};
// The answers' schemas, named by the operations' descriptions.
use super::answers::{ApiKeys, Failure, LoggedIn, Me, Message, NewApiKey, Registered};
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

/// List API keys
///
/// The user's personal API keys, oldest first: name, scope, first characters, creation and last
/// use. Never the keys themselves.
#[utoipa::path(get, path = "/api/auth/keys", tag = "accounts", security(("session" = [])),
    responses((status = 200, description = "the user's API keys, oldest first", body = ApiKeys)))]
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

/// Create an API key
///
/// Makes a personal API key (`read` or `write`) to send as `Authorization: Bearer`. The key is
/// in this answer only; the server keeps its hash. At most 20 keys per user.
#[utoipa::path(post, path = "/api/auth/keys", tag = "accounts", security(("session" = [])), request_body = crate::http::serializers::NewKeyRequest,
    responses((status = 201, description = "the new key, shown this once; only its hash is kept", body = NewApiKey,
                links(("revoke" = (operation_id = "keys_revoke", description = "revoke the key just made", parameters(("id" = "$response.body#/detail/id")))))),
               (status = 409, description = "the user holds 20 keys already", body = Failure)))]
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

/// Revoke an API key
///
/// The key stops working at once.
#[utoipa::path(delete, path = "/api/auth/keys/{id}", tag = "accounts", security(("session" = [])),
    params(("id" = i64, Path, description = "the key's id")),
    responses((status = 204, description = "revoked: the key stops working at once"),
               (status = 404, description = "no such key among the user's", body = Failure)))]
pub async fn keys_revoke(
    state: web::Data<crate::services::Context>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_session()?;
    crate::services::api_keys::revoke(&state, user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create an account
///
/// Registers a user with a name and a password (at least 12 characters, not a common one). The
/// first user of a server becomes its admin. Closed unless the server allows registration;
/// throttled per address.
#[utoipa::path(post, path = "/api/auth/register", tag = "accounts", security(), request_body = RegisterRequest,
    responses((status = 201, body = Registered), (status = 400, body = Failure), (status = 403, description = "registration is closed", body = Failure),
               (status = 409, description = "name taken", body = Failure), (status = 429, body = Failure)))]
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

/// Log in
///
/// Checks the name and password and starts a new session: the answer sets the session cookie
/// that every later request sends. One answer whether or not the user exists; failed attempts
/// are throttled per user and per address.
#[utoipa::path(post, path = "/api/auth/login", tag = "accounts", security(), request_body = LoginRequest,
    responses((status = 200, description = "logged in; a new session cookie is set", body = LoggedIn,
                links(("me" = (operation_id = "me", description = "the user just logged in")))),
               (status = 401, description = "one message whether or not the user exists", body = Failure),
               (status = 429, description = "throttled; see Retry-After", body = Failure)))]
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
    start_session(&req, &session, &user, ip, false)?;
    Ok(reply(
        StatusCode::OK,
        LoginDetail {
            username: user.username,
        },
    ))
}

/// Log out
///
/// Ends the session on the server (its row is deleted); without a session there is nothing to
/// do.
#[utoipa::path(post, path = "/api/auth/logout", tag = "accounts", security((), ("session" = [])),
    responses((status = 204, description = "the session is deleted on the server; without one, nothing to do")))]
pub async fn logout(session: Session, identity: Option<Identity>) -> HttpResponse {
    match identity {
        Some(identity) => identity.logout(),
        None => session.purge(),
    }
    tracing::info!("logged out");
    HttpResponse::NoContent().finish()
}

/// Who am I
///
/// The logged-in user's name, whether they are an admin and whether a Monobank token is
/// attached.
#[utoipa::path(get, path = "/api/auth/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = Failure)))]
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

/// Change the password
///
/// Needs the current password. Every other session of the user ends and every API key stops
/// working; a Monobank webhook pointed elsewhere goes back to monoweb's receiver.
#[utoipa::path(post, path = "/api/auth/password", tag = "accounts", security(("session" = [])), request_body = PasswordRequest,
    responses((status = 200, description = "changed; every other session ends, and a webhook registered elsewhere goes back to monoweb's receiver (the detail says so)", body = Message), (status = 400, body = Failure), (status = 401, body = Failure),
               (status = 429, description = "too many wrong current passwords (they count as failed logins); see Retry-After", body = Failure)))]
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
