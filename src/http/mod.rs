//! The HTTP layer that the JSON API (`api`), the pages (`web`) and the receivers (`hooks`) share
//! as siblings: `AppError` with its JSON envelope and error pages, the extractors of the current
//! user, the session store, CSRF and host checks, the client's address and the request's log span.
//! Nothing below this layer names actix-web, askama or a status code (`tests/it/layers.rs`).

pub mod client;
pub mod csrf;
pub mod current_user;
pub mod error;
pub mod extract;
pub mod keys;
pub mod serializers;
pub mod sessions;
pub mod span;

use actix_web::{web, HttpResponse, Resource};

use error::AppError;

/// Largest JSON body accepted (`docs/security.md`, S25); [`extract::ValidJson`] enforces it through the
/// app's `PayloadConfig`.
pub const JSON_LIMIT: usize = 64 * 1024;

/// Largest form body accepted (`docs/security.md`, S25).
pub const FORM_LIMIT: usize = 16 * 1024;

/// Form bodies: at most 16 KiB (413).
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|err, _req| {
            use actix_web::error::UrlencodedError as E;
            match err {
                E::Overflow { .. } => AppError::PayloadTooLarge,
                E::ContentType => AppError::UnsupportedMediaType,
                other => AppError::BadRequest(format!("Could not read the form: {other}.")),
            }
            .into()
        })
}

/// A resource. Its unsupported methods get the router's 405, which lists the allowed ones in
/// `Allow` (RFC 9110, 15.5.6); `error::html_errors` gives it the envelope (or a page).
pub fn resource(path: &str) -> Resource {
    web::resource(path)
}

/// The app-wide fallback: 404 (as JSON under `/api`, as a page elsewhere).
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Middleware: a `HEAD` request is answered as its `GET` would be, without the body (RFC 9110
/// §9.3.2), so every page and read answers it, not 405. The connection's encoder knows the
/// request was a `HEAD` and sends the headers only, with the `GET`'s `Content-Length`.
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether the public URL is https (cookies are then `Secure` with the `__Host-` prefix).
pub fn is_https(req: &actix_web::HttpRequest) -> bool {
    req.app_data::<web::Data<crate::config::Settings>>()
        .is_some_and(|s| s.is_https())
}
