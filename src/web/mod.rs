//! The HTML pages (README, "Pages"): server-rendered with askama, usable without JavaScript.
//!
//! Handlers here only read the request, call the same services as the JSON views, and turn the
//! result into a template's view model; templates only print what they are given. Every form
//! posts back with the session's CSRF token ([`Form`] refuses it otherwise with 403), and every
//! successful post redirects with 303 and a flash message (post/redirect/get). A form with
//! errors is rendered again with the messages next to its fields and the input kept (never a
//! password or a token).

pub mod admin;
pub mod assets;
pub mod auth;
pub mod dashboard;
pub mod format;
pub mod language;
pub mod months;
pub mod rates;
pub mod settings;
pub mod statement;
pub mod token;
pub mod webhook;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::crypto::MasterSecret;
use crate::http::csrf;
use crate::http::current_user::CurrentUser;
use crate::http::error::{AppError, FieldErrors};
use crate::i18n::{self, Lang};

/// The session key of pending flash messages.
const FLASH_KEY: &str = "flash";
/// The name of the CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";

/// A one-time message shown on the next page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `success`, `error` or `info` (the CSS class).
    pub kind: String,
    pub text: String,
}

/// What the base layout shows: navigation, the user, flash messages, the form token.
pub struct Layout {
    pub title: String,
    /// The navigation entry of this page.
    pub active: &'static str,
    pub user: Option<CurrentUser>,
    pub flashes: Vec<Flash>,
    pub csrf: String,
}

impl Layout {
    /// The layout of a logged-in page, taking the session's pending flash messages.
    pub fn new(
        session: &Session,
        user: &CurrentUser,
        active: &'static str,
        title: impl Into<String>,
    ) -> Result<Self, AppError> {
        let flashes = session
            .remove_as::<Vec<Flash>>(FLASH_KEY)
            .and_then(Result::ok)
            .unwrap_or_default();
        Ok(Layout {
            title: title.into(),
            active,
            user: Some(user.clone()),
            flashes,
            csrf: csrf::session_form_token(session)?,
        })
    }

    /// A layout without a user, flashes or form token (error pages of visitors).
    pub fn plain(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            active: "",
            user: None,
            flashes: Vec::new(),
            csrf: String::new(),
        }
    }

    /// The layout of a page for visitors without a session (login, registration): it reads and
    /// writes no session, so a flood of such views stores nothing.
    pub fn guest(
        req: &HttpRequest,
        secret: &MasterSecret,
        active: &'static str,
        title: impl Into<String>,
    ) -> Result<Self, AppError> {
        Ok(Layout {
            title: title.into(),
            active,
            user: None,
            flashes: Vec::new(),
            csrf: csrf::guest_form_token(req, secret)?,
        })
    }

    pub fn is_active(&self, entry: &str) -> bool {
        self.active == entry
    }
}

/// Queues a flash message for the next page.
pub fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    let mut all = session
        .get::<Vec<Flash>>(FLASH_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    all.push(Flash {
        kind: kind.into(),
        text: text.into(),
    });
    if let Err(e) = session.insert(FLASH_KEY, all) {
        tracing::warn!(error = %e, "flash message not kept");
    }
}

/// Tells what became of a webhook taken back: the reader's own (`whose` is `None`) or the named
/// user's; nothing when it was untouched.
pub fn flash_webhook(
    session: &Session,
    outcome: &crate::services::webhook_reset::Outcome,
    whose: Option<&str>,
) {
    use crate::services::webhook_reset::Outcome;
    let (id, from) = match outcome {
        Outcome::Untouched => return,
        Outcome::Own { from } => ("webhook-outcome-own", from.as_str()),
        Outcome::Removed { from } => ("webhook-outcome-removed", from.as_str()),
        Outcome::Failed { from } => ("webhook-outcome-failed", from.as_str()),
        Outcome::Unchecked => ("webhook-outcome-unchecked", ""),
    };
    let text = match whose {
        None => i18n::t1(&format!("{id}-yours"), "from", from),
        Some(name) => i18n::t2(&format!("{id}-users"), "from", from, "name", name),
    };
    let kind = if matches!(outcome, Outcome::Failed { .. }) {
        "error"
    } else {
        "info"
    };
    flash(session, kind, text);
}

/// Field errors of the services (English) in the page's language.
pub fn said_errors(errors: FieldErrors) -> FieldErrors {
    errors
        .into_iter()
        .map(|(field, messages)| (field, messages.iter().map(|m| i18n::said(m)).collect()))
        .collect()
}

/// What an error says on a page, in the page's language (the API says [`AppError::detail`]).
pub fn words_of(error: &AppError) -> String {
    match error {
        AppError::RateLimited { retry_after } => i18n::t1("said-try-again-in", "n", *retry_after),
        other => i18n::said(&other.detail()),
    }
}

/// Whether a page marks data "stale": Monobank could not be asked for it, and it is at least a
/// minute old. Fresher data is not stale in any sense a reader cares about (the lane was only
/// busy with the sync), and marking it so beside "just now" only makes the badge flicker.
pub fn shown_stale(stale: bool, age_secs: i64) -> bool {
    stale && age_secs >= 60
}

/// 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The end of a successful post: a flash message and 303 to `location`.
/// What the pages say while Monobank rejects the stored token, or after the user revoked the
/// provider connection in the Monobank app.
pub fn rejected_notice(error: &crate::services::tokens::TokenError) -> Option<String> {
    use crate::services::tokens::TokenError;
    match error {
        TokenError::Rejected { at } => Some(i18n::t1(
            "notice-token-rejected",
            "when",
            format::date_time(*at),
        )),
        TokenError::AccessRevoked { at } => Some(i18n::t1(
            "notice-access-revoked",
            "when",
            format::date_time(*at),
        )),
        _ => None,
    }
}

pub fn done(session: &Session, text: impl Into<String>, location: &str) -> HttpResponse {
    flash(session, "success", text);
    see_other(location)
}

/// A rendered page with `status`.
pub fn page(status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    let html = template.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// A rendered page, 200.
pub fn ok(template: &impl Template) -> Result<HttpResponse, AppError> {
    page(StatusCode::OK, template)
}

/// How a page answers that shows a form again after an error: the error's status and, for a
/// throttled attempt, the `Retry-After` the JSON API sends too.
#[derive(Clone, Copy, Debug)]
pub struct Again {
    pub status: StatusCode,
    retry_after: Option<u64>,
}

impl Again {
    /// A form shown after a success.
    pub fn ok() -> Self {
        Again {
            status: StatusCode::OK,
            retry_after: None,
        }
    }

    /// `page` with the headers of this answer.
    pub fn send(self, page: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
        let mut page = page?;
        if let Some(secs) = self.retry_after {
            page.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs),
            );
        }
        Ok(page)
    }
}

/// A form's input and its errors, for rendering it again.
#[derive(Debug, Default)]
pub struct FormState {
    values: BTreeMap<String, String>,
    pub errors: FieldErrors,
    /// An error about the whole form.
    pub message: Option<String>,
}

impl FormState {
    /// A form showing `values`.
    pub fn with(values: &[(&str, &str)]) -> Self {
        FormState {
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..FormState::default()
        }
    }

    /// The state of a form being shown again after `error`: `values` are the fields safe to
    /// echo. Errors that are not the user's to fix on the form are returned as they are.
    pub fn again(values: &[(&str, &str)], error: AppError) -> Result<(Again, Self), AppError> {
        use actix_web::ResponseError;
        let again = Again {
            status: error.status_code(),
            retry_after: match error {
                AppError::RateLimited { retry_after } => Some(retry_after),
                _ => None,
            },
        };
        let mut state = FormState::with(values);
        match error {
            AppError::Validation(errors) => state.errors = said_errors(errors),
            // Failures that are the user's to fix are shown on the form; others are error pages.
            AppError::LoginFailed
            | AppError::Conflict(_)
            | AppError::Forbidden(_)
            | AppError::Missing(_)
            | AppError::Unprocessable(_)
            | AppError::BadGateway(_)
            | AppError::Unavailable(_)
            | AppError::RateLimited { .. } => state.message = Some(words_of(&error)),
            other => return Err(other),
        }
        Ok((again, state))
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn errors(&self, field: &str) -> &[String] {
        self.errors.get(field).map_or(&[], Vec::as_slice)
    }

    pub fn has_errors(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

/// A form body that carries this session's CSRF token (403 otherwise, before anything else is
/// read), then deserialized into `T` without that field. Bodies are at most 16 KiB and must be
/// `application/x-www-form-urlencoded`.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fields = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        let session = req.get_session();
        let req = req.clone();
        Box::pin(async move {
            let fields = fields
                .await
                .map_err(|e| match e.as_response_error().status_code() {
                    StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
                    _ => AppError::BadRequest("The form could not be read.".into()),
                })?;
            let (tokens, rest): (Vec<_>, Vec<_>) = fields
                .into_inner()
                .into_iter()
                .partition(|(k, _)| k == CSRF_FIELD);
            let secret = req
                .app_data::<web::Data<crate::services::Context>>()
                .map(|ctx| ctx.secret.clone())
                .ok_or_else(|| AppError::internal("no app state"))?;
            let valid = matches!(tokens.as_slice(), [(_, token)] if csrf::verify_form_token(&req, &session, &secret, token));
            if !valid {
                tracing::warn!("form refused: missing or wrong CSRF token");
                return Err(AppError::Forbidden(
                    "This form has expired or did not come from this site. Go back, reload the \
                     page and try again."
                        .into(),
                ));
            }
            let encoded = serde_urlencoded::to_string(&rest).map_err(AppError::internal)?;
            serde_urlencoded::from_str(&encoded)
                .map(Form)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
        })
    }
}

/// `value` after its serializer's checks (the same structs as the JSON views).
pub fn validated<T: validator::Validate>(value: T) -> Result<T, AppError> {
    value
        .validate()
        .map_err(|e| AppError::Validation(crate::http::extract::validation_errors(&e)))?;
    Ok(value)
}

/// A form with no fields but the token (logout, remove, …).
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// Where to go after logging in: a path on this site, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Every page route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::http::resource;
    cfg.service(resource("/").route(web::get().to(dashboard::show)))
        .service(
            resource("/login")
                .route(web::get().to(auth::login_page))
                .route(web::post().to(auth::login)),
        )
        .service(
            resource("/register")
                .route(web::get().to(auth::register_page))
                .route(web::post().to(auth::register)),
        )
        .service(resource("/logout").route(web::post().to(auth::logout)))
        .service(
            resource("/token")
                .route(web::get().to(token::show))
                .route(web::post().to(token::save)),
        )
        .service(resource("/token/connect").route(web::post().to(token::connect)))
        .service(
            resource("/token/remove")
                .route(web::get().to(token::confirm_remove))
                .route(web::post().to(token::remove)),
        )
        .service(resource("/rates").route(web::get().to(rates::show)))
        .service(resource("/statement").route(web::get().to(statement::show)))
        .service(resource("/months").route(web::get().to(months::show)))
        .service(resource("/statement/history").route(web::post().to(statement::request_history)))
        .service(
            resource("/webhook")
                .route(web::get().to(webhook::show))
                .route(web::post().to(webhook::save)),
        )
        .service(resource("/language").route(web::post().to(language::set)))
        .service(resource("/settings").route(web::get().to(settings::show)))
        .service(resource("/settings/password").route(web::post().to(settings::password)))
        .service(resource("/settings/amounts").route(web::post().to(settings::amount_style)))
        .service(resource("/settings/sessions").route(web::post().to(settings::end_sessions)))
        .service(
            resource("/settings/sessions/{login_id}/end")
                .route(web::post().to(settings::end_session)),
        )
        .service(resource("/settings/keys").route(web::post().to(settings::create_key)))
        .service(resource("/settings/keys/{id}/revoke").route(web::post().to(settings::revoke_key)))
        .service(resource("/admin").route(web::get().to(admin::show)))
        .service(resource("/admin/users/{id}/active").route(web::post().to(admin::set_active)))
        .service(resource("/static/{file}").route(web::get().to(assets::serve)))
        .service(resource("/favicon.ico").route(web::get().to(assets::favicon)))
        .service(resource("/manifest.webmanifest").route(web::get().to(assets::manifest)));
}

/// The cookie that keeps a visitor's choice of language (and a user's, for the login page
/// after logging out).
pub const LANG_COOKIE: &str = "monoweb_lang";

/// The stored row of the request's logged-in user; `None` for visitors, or when the user cannot
/// be read (the page itself then answers the error).
async fn user_row(req: &HttpRequest) -> Option<crate::db::users::User> {
    let claim = crate::http::current_user::SessionUser::from_request(req, &mut Payload::None)
        .await
        .ok()?;
    let pool = req.app_data::<web::Data<crate::db::DbPool>>()?;
    let hot = req.app_data::<web::Data<crate::cache::Hot>>()?;
    crate::http::current_user::user_row(pool, hot, claim.id)
        .await
        .ok()?
}

/// The language of a page: the user's setting, else the visitor's remembered choice, else the
/// browser's `Accept-Language`, else Ukrainian.
fn page_lang(req: &HttpRequest, setting: Option<&str>) -> Lang {
    setting
        .and_then(Lang::from_code)
        .or_else(|| {
            req.cookie(LANG_COOKIE)
                .and_then(|c| Lang::from_code(c.value()))
        })
        .or_else(|| browser_lang(req))
        .unwrap_or_default()
}

/// The language the browser asks for in `Accept-Language`, if it names one of ours.
fn browser_lang(req: &HttpRequest) -> Option<Lang> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// Middleware: a page is answered in its reader's language ([`page_lang`], `Content-Language`
/// says which) with amounts in the user's style ([`format::AmountStyle`]); the JSON API is
/// left alone (its messages are the documented English ones, its amounts numbers). It wraps
/// the error pages too, so they speak the same language.
pub async fn preferences(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if crate::http::error::is_json_path(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let row = user_row(req.request()).await;
    let style = row
        .as_ref()
        .map(|r| format::AmountStyle::from_stored(&r.amount_style))
        .unwrap_or_default();
    let lang = page_lang(
        req.request(),
        row.as_ref().and_then(|r| r.language.as_deref()),
    );
    let mut res = i18n::with_lang(lang, format::with_style(style, next.call(req))).await?;
    res.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.code()),
    );
    Ok(res.map_into_boxed_body())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    code: u16,
    title: &'a str,
    detail: &'a str,
}

/// An error page in the layout: the logged-in user's navigation when the request has a live
/// session, else the visitor's (see [`crate::http::error::ErrorPages`]).
pub fn error_page(
    req: HttpRequest,
    status: StatusCode,
    detail: String,
) -> futures_util::future::LocalBoxFuture<'static, Option<String>> {
    Box::pin(async move {
        let (title, detail) = crate::http::error::words(status, &detail);
        let user = CurrentUser::from_request(&req, &mut Payload::None).await;
        // The user's navigation, leaving pending flash messages for the next page (a missing
        // favicon's 404 must not take them).
        let layout = match user {
            Ok(user) => csrf::session_form_token(&req.get_session())
                .ok()
                .map(|csrf| Layout {
                    title: title.clone(),
                    active: "",
                    user: Some(user),
                    flashes: Vec::new(),
                    csrf,
                }),
            Err(_) => None,
        };
        let page = ErrorPage {
            layout: layout.unwrap_or_else(|| Layout::plain(title.as_str())),
            code: status.as_u16(),
            title: &title,
            detail: &detail,
        };
        page.render()
            .inspect_err(|e| tracing::error!(error = %e, "error page did not render"))
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/statement?from=1")), "/statement?from=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/a\nb")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
