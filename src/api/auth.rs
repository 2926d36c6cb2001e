//! `/api/auth/*`: register, login, logout, me, password, API keys (README, "HTTP API").

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use rand::Rng;
use secrecy::SecretString;
use serde::Deserialize;
use validator::Validate;

use super::answers::{reply, ApiKeyInfo, LoginDetail, MeDetail, NewApiKeyDetail, NewUser};
use super::extract::ValidJson;
use crate::auth::api_keys::Scope;
use crate::auth::password::NewPassword;
use crate::config::Settings;
use crate::domain::Username;
use crate::http::client::client_ip;
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::http::sessions::{ADDRESS_KEY, DEVICE_KEY, LOGIN_ID_KEY, STAMP_KEY};
use crate::services::accounts::Accounts;
use crate::services::accounts::{self, capitalize};
use actix_web::http::StatusCode;

/// `POST /api/auth/register` body.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[validate(length(min = 3, max = 32, message = "Username must be 3 to 32 characters."))]
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )]
    pub username: String,
    #[validate(length(
        min = 12,
        max = 128,
        message = "Password must be 12 to 128 characters."
    ))]
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

impl RegisterRequest {
    /// The name and password as domain types: the name's rules, then the password's (length,
    /// not common, not like the name).
    pub fn parse(self) -> Result<(Username, NewPassword), AppError> {
        let username = Username::parse(&self.username)
            .map_err(|e| AppError::field("username", capitalize(&e.to_string())))?;
        let password = NewPassword::parse(SecretString::from(self.password), &username)
            .map_err(|e| AppError::field("password", capitalize(&e.0)))?;
        Ok((username, password))
    }
}

/// `POST /api/auth/login` body.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 150, message = "This field may not be blank."))]
    #[schema(min_length = 1, max_length = 150)]
    pub username: String,
    #[validate(length(min = 1, max = 1024, message = "This field may not be blank."))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// `POST /api/auth/password` body.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    #[validate(length(min = 1, max = 1024, message = "This field may not be blank."))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[validate(length(
        min = 12,
        max = 128,
        message = "Password must be 12 to 128 characters."
    ))]
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

/// `POST /api/auth/keys` body.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// A name to tell the key apart, e.g. the script that uses it.
    #[validate(
        length(min = 1, max = 64, message = "Name the key in 1 to 64 characters."),
        custom(function = "no_control_characters")
    )]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]+$"
    )]
    pub name: String,
    /// `read` (the default): every view that only reads; `write`: also attach or remove the
    /// token, register the webhook and ask for history.
    #[serde(default = "read_scope")]
    #[schema(default = "read")]
    pub scope: Scope,
}

fn read_scope() -> Scope {
    Scope::Read
}

fn no_control_characters(text: &str) -> Result<(), validator::ValidationError> {
    if text.chars().any(char::is_control) {
        return Err(validator::ValidationError::new("control")
            .with_message("No control characters, please.".into()));
    }
    Ok(())
}

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

/// Starts a fresh session for `user`: pre-login state dropped, a new key (and so a new CSRF
/// secret), the login id and security stamp recorded, and where it was started from (the
/// client's address and a summary of its User-Agent, for the owner's list of sessions).
pub fn start_session(
    req: &HttpRequest,
    session: &Session,
    user: &crate::db::users::User,
    address: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    session.clear();
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    session
        .insert(LOGIN_ID_KEY, hex::encode(bytes))
        .and_then(|()| session.insert(STAMP_KEY, &user.security_stamp))
        .and_then(|()| session.insert(DEVICE_KEY, crate::auth::device::summary(agent)))
        .and_then(|()| {
            session.insert(
                ADDRESS_KEY,
                address.map(|a| a.to_string()).unwrap_or_default(),
            )
        })
        .map_err(AppError::internal)?;
    Identity::login(&req.extensions(), user.id.to_string()).map_err(AppError::internal)?;
    Ok(())
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
