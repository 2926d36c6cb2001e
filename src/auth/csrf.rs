//! Cross-site request forgery defences (`docs/security.md`, S12-S14).
//!
//! [`origin_check`] runs on every unsafe request (POST/PUT/PATCH/DELETE), logged in or not:
//! with `Sec-Fetch-Site`, only `same-origin` and `none` pass; else with `Origin`, only the public
//! origin (or the one the Host header names) passes and `null` never does; a request with neither
//! header comes from a script, not a browser, and passes. Only the webhook receiver is exempt.
//! HTML forms additionally carry a per-session synchronizer token ([`form_token`],
//! [`verify_form_token`]); JSON bodies must be `application/json`, which a cross-site form cannot
//! send.

use actix_session::Session;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;

use crate::config::Settings;
use crate::error::AppError;

/// The session key of the form token.
const FORM_TOKEN_KEY: &str = "csrf";

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Why a request is refused, or `None` to let it through.
fn refusal(req: &ServiceRequest, public_origin: &str) -> Option<&'static str> {
    if is_safe(req.method()) || req.path().starts_with(crate::domain::RECEIVER_PATH) {
        return None;
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("Sec-Fetch-Site") {
        return match site {
            "same-origin" | "none" => None,
            _ => Some("cross-site request refused"),
        };
    }
    if let Some(origin) = header("Origin") {
        let info = req.connection_info();
        let host_origin = format!("{}://{}", scheme_of(public_origin), info.host());
        return (origin != public_origin && origin != host_origin)
            .then_some("request from another origin refused");
    }
    None
}

fn scheme_of(origin: &str) -> &str {
    origin.split("://").next().unwrap_or("http")
}

/// Middleware applying the origin rules; refusals are 403 in the envelope (or a page).
pub async fn origin_check(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let public_origin = req
        .app_data::<web::Data<Settings>>()
        .map(|s| s.public_url.origin().ascii_serialization())
        .unwrap_or_default();
    if let Some(reason) = refusal(&req, &public_origin) {
        tracing::warn!(path = req.path(), reason, "CSRF check refused a request");
        let error = AppError::Forbidden("Cross-site request refused.".into());
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The session's form token, created on first use. Put it in every form's hidden field.
pub fn form_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(token)) = session.get::<String>(FORM_TOKEN_KEY) {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    session
        .insert(FORM_TOKEN_KEY, &token)
        .map_err(AppError::internal)?;
    Ok(token)
}

/// Whether a submitted form token matches the session's, compared in constant time.
pub fn verify_form_token(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(FORM_TOKEN_KEY) {
        Ok(Some(expected)) => constant_time_eq(expected.as_bytes(), submitted.as_bytes()),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    const ORIGIN: &str = "https://money.example.com";

    fn check(method: Method, path: &str, headers: &[(&str, &str)]) -> Option<&'static str> {
        let mut req = TestRequest::default()
            .method(method)
            .uri(path)
            .insert_header(("Host", "money.example.com"));
        for h in headers {
            req = req.insert_header(*h);
        }
        refusal(&req.to_srv_request(), ORIGIN)
    }

    #[test]
    fn the_matrix() {
        let post = || Method::POST;
        assert!(check(post(), "/api/x", &[("Sec-Fetch-Site", "cross-site")]).is_some());
        assert!(check(post(), "/api/x", &[("Sec-Fetch-Site", "same-site")]).is_some());
        assert!(check(post(), "/api/x", &[("Sec-Fetch-Site", "same-origin")]).is_none());
        assert!(check(post(), "/api/x", &[("Sec-Fetch-Site", "none")]).is_none());
        assert!(check(post(), "/api/x", &[("Origin", "https://evil.example")]).is_some());
        assert!(check(post(), "/api/x", &[("Origin", "null")]).is_some());
        assert!(check(post(), "/api/x", &[("Origin", ORIGIN)]).is_none());
        assert!(
            check(post(), "/api/x", &[]).is_none(),
            "scripts send neither header"
        );
        assert!(check(
            Method::DELETE,
            "/api/x",
            &[("Origin", "https://evil.example")]
        )
        .is_some());
        assert!(check(Method::GET, "/api/x", &[("Sec-Fetch-Site", "cross-site")]).is_none());
        assert!(check(
            post(),
            "/hooks/mono/abc",
            &[("Sec-Fetch-Site", "cross-site")]
        )
        .is_none());
        assert!(
            check(post(), "/hooks/monoX", &[("Sec-Fetch-Site", "cross-site")]).is_some(),
            "exact prefix"
        );
        assert!(
            check(
                post(),
                "/api/x",
                &[
                    ("Sec-Fetch-Site", "same-origin"),
                    ("Origin", "https://evil.example")
                ]
            )
            .is_none(),
            "Sec-Fetch-Site decides"
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

#[cfg(test)]
mod form_token_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use actix_session::SessionMiddleware;
    use actix_web::cookie::Key;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;
    use crate::auth::sessions::DbSessionStore;
    use crate::config::DatabaseUrl;
    use crate::db::{self, migrations};
    use monobank::clock::ManualClock;

    async fn issue(session: Session) -> HttpResponse {
        HttpResponse::Ok().body(form_token(&session).unwrap())
    }

    async fn check(session: Session, body: String) -> HttpResponse {
        if verify_form_token(&session, &body) {
            HttpResponse::Ok().finish()
        } else {
            HttpResponse::Forbidden().finish()
        }
    }

    #[actix_web::test]
    async fn the_form_token_is_stable_per_session_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        migrations::run_pending(&mut db::connect(&url).unwrap()).unwrap();
        let store = DbSessionStore::new(db::pool(&url), ManualClock::at(1_000), 1800, 43_200);
        let app = test::init_service(
            App::new()
                .wrap(SessionMiddleware::new(store, Key::generate()))
                .route("/token", web::get().to(issue))
                .route("/check", web::post().to(check)),
        )
        .await;
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/token").to_request()).await;
        let cookie = res.response().cookies().next().unwrap().into_owned();
        let token = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(token.len() >= 43, "256 random bits");
        let again = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/token")
                .cookie(cookie.clone())
                .to_request(),
        )
        .await;
        assert_eq!(
            String::from_utf8(test::read_body(again).await.to_vec()).unwrap(),
            token,
            "stable within the session"
        );
        let post = |body: &str, with_cookie: bool| {
            let mut req = test::TestRequest::post()
                .uri("/check")
                .set_payload(body.to_owned());
            if with_cookie {
                req = req.cookie(cookie.clone());
            }
            req.to_request()
        };
        assert_eq!(
            test::call_service(&app, post(&token, true)).await.status(),
            200
        );
        assert_eq!(
            test::call_service(&app, post("forged", true))
                .await
                .status(),
            403
        );
        assert_eq!(
            test::call_service(&app, post(&token, false)).await.status(),
            403,
            "another session"
        );
    }
}
