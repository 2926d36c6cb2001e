//! The request bodies that the JSON API and the pages both read: each plays the part of a DRF
//! serializer, checked before any service runs (the API's other serializers are in `api::mono`).

use secrecy::SecretString;
use serde::Deserialize;
use validator::{Validate, ValidationError};

use crate::auth::api_keys::Scope;
use crate::auth::password::NewPassword;
use crate::domain::Username;
use crate::http::error::AppError;
use crate::services::accounts::capitalize;
use monobank::MonoToken;

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

fn token_format(raw: &str) -> Result<(), ValidationError> {
    MonoToken::parse(raw).map(drop).map_err(|e| {
        ValidationError::new("token_format")
            .with_message(format!("{}.", capitalized(&e.to_string())).into())
    })
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An http(s) URL with a host, written in printable ASCII (an international name in its
/// punycode form): the URL parser would quietly drop tabs and newlines, and the document's
/// pattern says the same.
fn http_url(raw: &str) -> Result<(), ValidationError> {
    let printable = raw.bytes().all(|b| matches!(b, b'!'..=b'~'));
    match url::Url::parse(raw) {
        Ok(url)
            if printable
                && matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(ValidationError::new("url")
            .with_message("Enter a valid http:// or https:// URL.".into())),
    }
}

/// `MonoTokenSerializer`: `{"mono_token": "<44 characters of [A-Za-z0-9_-]>"}`.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonoTokenSerializer {
    #[validate(custom(function = "token_format"))]
    #[schema(min_length = 44, max_length = 44, pattern = "^[A-Za-z0-9_-]{44}$")]
    pub mono_token: String,
}

pub use webhook_serializer::WebhookSerializer;

mod webhook_serializer {
    // The field keeps Mono's (and the seed's) name, so errors name it too.
    #![allow(non_snake_case)]
    use serde::Deserialize;
    use validator::Validate;

    use super::http_url;

    /// `WebhookSerializer`: `{"webHookUrl": "<http(s) URL, at most 2048 characters>"}`, or `{}` for
    /// monoweb's own receiver.
    #[derive(Debug, Default, Deserialize, Validate, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct WebhookSerializer {
        #[serde(default)]
        #[validate(
            length(
                max = 2048,
                message = "Ensure this field has no more than 2048 characters."
            ),
            custom(function = "http_url")
        )]
        #[schema(
            max_length = 2048,
            pattern = r#"^[Hh][Tt][Tt][Pp][Ss]?://[!"$-.0->@-~][!-~]*$"#
        )]
        pub webHookUrl: Option<String>,
    }
}
