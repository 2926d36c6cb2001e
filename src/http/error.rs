//! `AppError`: the one error type of the HTTP layer.
//!
//! Every variant renders as the JSON envelope `{"code": <status>, "detail": <message>}` (plus
//! `"errors"` for validation failures and `"info"` where a view adds it). Outside `/api` the
//! [`html_errors`] middleware turns the same error into a small HTML page, so a browser never sees
//! JSON and a script never sees HTML. Internal causes are logged once, inside the request span
//! (which carries the request id), and never sent to the client.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

/// The one answer to a wrong username or password (no enumeration).
pub const LOGIN_FAILED: &str = "Invalid username or password.";

pub use crate::domain::FieldErrors;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body or query failed validation: 400 with per-field messages.
    #[error("invalid input")]
    Validation(FieldErrors),
    /// A malformed request that is not about one field: 400.
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    /// Wrong credentials, or no such user: one answer for both.
    #[error("login failed")]
    LoginFailed,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// 404 with a message naming what is missing.
    #[error("{0}")]
    Missing(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    /// 422: the request was fine but what it refers to cannot be used (Monobank rejected the
    /// stored token).
    #[error("{0}")]
    Unprocessable(String),
    /// 502: Monobank answered with an error or garbage.
    #[error("{0}")]
    BadGateway(String),
    /// 400 "Incorrect currency pair." with the pairs that exist, as the seed answers.
    #[error("incorrect currency pair")]
    IncorrectPair(Vec<String>),
    #[error("request body too large")]
    PayloadTooLarge,
    /// 408: the body did not arrive in full within its time.
    #[error("request body too slow")]
    RequestTimeout,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many requests; `retry_after` in seconds goes into the `Retry-After` header.
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    /// 401 to an unknown or revoked API key (`WWW-Authenticate: Bearer`).
    #[error("unknown API key")]
    BadKey,
    /// 401 to an unknown API key from an address that presented too many: the credentials are
    /// refused as before, and `Retry-After` says when the address may try another.
    #[error("too many unknown API keys")]
    KeysThrottled { retry_after: u64 },
    /// Not ready yet, and when to ask again: 503 with `Retry-After`.
    #[error("{detail}")]
    Pending { detail: String, retry_after: u64 },
    /// A dependency (the database, Monobank) cannot answer now: 503.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure: 500 with a generic message; the cause is logged.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Wraps an unexpected failure; the text is logged, never sent.
    pub fn internal(cause: impl fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }

    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// The message shown to the client.
    pub fn detail(&self) -> String {
        match self {
            AppError::Validation(_) => "Invalid input.".into(),
            AppError::BadRequest(msg)
            | AppError::Forbidden(msg)
            | AppError::Conflict(msg)
            | AppError::Missing(msg)
            | AppError::Unprocessable(msg)
            | AppError::BadGateway(msg)
            | AppError::Unavailable(msg)
            | AppError::Pending { detail: msg, .. } => msg.clone(),
            AppError::IncorrectPair(_) => "Incorrect currency pair.".into(),
            AppError::Unauthorized => "Authentication credentials were not provided.".into(),
            AppError::LoginFailed => LOGIN_FAILED.into(),
            AppError::BadKey => "The API key is unknown or revoked.".into(),
            AppError::NotFound => "Not found.".into(),
            AppError::MethodNotAllowed => "Method not allowed.".into(),
            AppError::PayloadTooLarge => "Request body is too large.".into(),
            AppError::RequestTimeout => {
                "The request body did not arrive in time; the connection is closed.".into()
            }
            AppError::UnsupportedMediaType => {
                "Unsupported media type: send the body as application/json.".into()
            }
            AppError::RateLimited { retry_after } => {
                format!("Too many requests. Try again in {retry_after} seconds.")
            }
            AppError::KeysThrottled { retry_after } => format!(
                "Too many unknown API keys from this address. Try again in {retry_after} seconds."
            ),
            AppError::Internal(_) => "Internal server error.".into(),
        }
    }
}

/// The JSON envelope of every `/api` response.
#[derive(Serialize)]
pub struct Envelope<'a, T: Serialize> {
    pub code: u16,
    pub detail: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a FieldErrors>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<serde_json::Value>,
}

/// Marks a response as a rendered error, so [`html_errors`] can re-render it as a page.
#[derive(Clone)]
struct ErrorPage {
    detail: String,
    /// A page needs a logged-in user: send the browser to the login page instead.
    login_required: bool,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::BadRequest(_) | AppError::IncorrectPair(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::Unauthorized
            | AppError::LoginFailed
            | AppError::BadKey
            | AppError::KeysThrottled { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Pending { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let detail = self.detail();
        let pair_errors;
        let errors = match self {
            AppError::Validation(errors) => Some(errors),
            AppError::IncorrectPair(_) => {
                pair_errors = BTreeMap::from([("currency".to_owned(), vec![detail.clone()])]);
                Some(&pair_errors)
            }
            _ => None,
        };
        let mut response = HttpResponse::build(status);
        if let AppError::RateLimited { retry_after }
        | AppError::KeysThrottled { retry_after }
        | AppError::Pending { retry_after, .. } = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        match self {
            // RFC 6750, 3.1: the key was presented and is not good.
            AppError::BadKey | AppError::KeysThrottled { .. } => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="monoweb", error="invalid_token""#,
                ));
            }
            _ if status == StatusCode::UNAUTHORIZED => {
                response.insert_header((header::WWW_AUTHENTICATE, "Cookie"));
            }
            _ => {}
        }
        let info = match self {
            AppError::IncorrectPair(pairs) => Some(serde_json::json!({"currencies pairs": pairs})),
            _ => None,
        };
        let mut response = response.json(Envelope {
            code: status.as_u16(),
            detail: &detail,
            errors,
            info,
        });
        response.extensions_mut().insert(ErrorPage {
            detail,
            login_required: matches!(self, AppError::Unauthorized),
        });
        response
    }
}

impl AppError {
    /// The response for this error (for handlers that answer with a plain `HttpResponse`).
    pub fn error_response_owned(self) -> HttpResponse {
        ResponseError::error_response(&self)
    }

    /// Our answer for an error status actix-web answered by itself (its own text is not shown:
    /// it can name types, as in `can not parse "abc" to a i64`). `None` for a status we leave
    /// as it is.
    fn answered_by_actix(status: StatusCode) -> Option<AppError> {
        Some(match status {
            StatusCode::BAD_REQUEST => {
                AppError::BadRequest("The request could not be read.".into())
            }
            StatusCode::NOT_FOUND => AppError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
            _ => return None,
        })
    }
}

#[derive(Template)]
#[template(path = "error_plain.html")]
struct ErrorTemplate<'a> {
    code: u16,
    title: &'a str,
    detail: &'a str,
}

/// Renders a page in the site's layout for an error (the user's navigation when logged in):
/// the web layer gives it as app data ([`ErrorPages`]), so errors need not know the pages.
/// `None` when it cannot: the standalone page is served.
pub type PageRenderer = fn(
    actix_web::HttpRequest,
    StatusCode,
    String,
) -> futures_util::future::LocalBoxFuture<'static, Option<String>>;

/// The app data that renders error pages in the layout.
#[derive(Clone, Copy)]
pub struct ErrorPages(pub PageRenderer);

/// A person's title for an error status, and a sentence for the bare "Not found." kind of detail,
/// in the page's language.
pub fn words(status: StatusCode, detail: &str) -> (String, String) {
    let title = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
        StatusCode::METHOD_NOT_ALLOWED => "Not possible here",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::SERVICE_UNAVAILABLE => "Not available just now",
        other => other.canonical_reason().unwrap_or("Error"),
    };
    let detail = match status {
        StatusCode::NOT_FOUND if detail == "Not found." => {
            "There is nothing at this address. The link may be old or mistyped."
        }
        _ => detail,
    };
    (crate::i18n::said(title), crate::i18n::said(detail))
}

/// Renders a small standalone HTML error page.
pub fn html_page(status: StatusCode, detail: &str) -> HttpResponse {
    let (title, detail) = words(status, detail);
    let page = ErrorTemplate {
        code: status.as_u16(),
        title: &title,
        detail: &detail,
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(detail.to_owned())
        }
    }
}

/// Middleware: outside `/api` and the probes, an error rendered by `AppError` is re-rendered as
/// an HTML page with the same status and headers (e.g. `Retry-After`), and a page that needs a
/// login redirects (303) to `/login?next=<the page>`.
pub async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_json = is_json_path(req.path());
    let target = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    let res = next.call(req).await?;
    // An error answered by actix-web itself (the router's 405, which names the allowed methods;
    // a path, query or body extractor's 400, 404 or 413) gets the envelope (or a page) like any
    // other error, and keeps its `Allow`.
    let foreign = (res.status() == StatusCode::METHOD_NOT_ALLOWED
        || res.response().error().is_some())
        && res.response().extensions().get::<ErrorPage>().is_none();
    let res = match foreign
        .then(|| AppError::answered_by_actix(res.status()))
        .flatten()
    {
        Some(error) => {
            let allow = res.headers().get(header::ALLOW).cloned();
            let (req, _) = res.into_parts();
            let mut answer = error.error_response_owned();
            if let Some(allow) = allow {
                answer.headers_mut().insert(header::ALLOW, allow);
            }
            ServiceResponse::new(req, answer)
        }
        None => res.map_into_boxed_body(),
    };
    let page = res.response().extensions().get::<ErrorPage>().cloned();
    match page {
        Some(ErrorPage {
            login_required: true,
            ..
        }) if !is_json => {
            let location = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
            );
            let (req, _) = res.into_parts();
            let redirect = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
            Ok(ServiceResponse::new(req, redirect))
        }
        Some(ErrorPage { detail, .. }) if !is_json => {
            let (req, res) = res.into_parts();
            let status = res.status();
            let in_layout = match req.app_data::<ErrorPages>() {
                Some(ErrorPages(render)) => render(req.clone(), status, detail.clone()).await,
                None => None,
            };
            let body = match in_layout {
                Some(html) => actix_web::body::BoxBody::new(html),
                None => html_page(status, &detail).into_body(),
            };
            let mut answer = res.set_body(body);
            let headers = answer.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.remove(header::CONTENT_LENGTH);
            Ok(ServiceResponse::new(req, answer))
        }
        _ => Ok(res.map_into_boxed_body()),
    }
}

/// Whether errors on this path are for machines (the JSON API, the health probes, the metrics),
/// not for a person in a browser. The webhook receiver answers like any page, so an unknown
/// secret's 404 is the same as any unknown path's.
pub fn is_json_path(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/api"
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App};

    use super::*;

    async fn needs_login() -> Result<HttpResponse, AppError> {
        Err(AppError::Unauthorized)
    }

    #[actix_web::test]
    async fn pages_redirect_to_login_and_the_api_answers_401() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(html_errors))
                .route("/statement", web::get().to(needs_login))
                .route("/api/x", web::get().to(needs_login)),
        )
        .await;
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/statement?from=2026-01-01&to=x")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers().get("location").unwrap(),
            "/login?next=%2Fstatement%3Ffrom%3D2026-01-01%26to%3Dx"
        );
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/api/x").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers().get("www-authenticate").unwrap(), "Cookie");
    }
}
