//! Cross-site request forgery defences (`docs/security.md`, S12-S14).
//!
//! [`host_check`] refuses a request for a host name this instance does not serve.
//! [`origin_check`] runs on every unsafe request (POST/PUT/PATCH/DELETE), logged in or not:
//! with `Sec-Fetch-Site`, only `same-origin` and `none` pass; else with `Origin`, only the public
//! origin passes and `null` never does; a request with neither
//! header comes from a script, not a browser, and passes. Only the webhook receiver is exempt.
//! HTML forms additionally carry a token ([`session_form_token`], [`guest_form_token`],
//! [`verify_form_token`]): a logged-in
//! session's synchronizer token, or for a visitor without a session a keyed hash of a random
//! cookie of theirs ([`guest_cookie`]: signed double submit, so anonymous pages write no session
//! row); masked afresh on every page. JSON bodies must be `application/json`, which a cross-site
//! form cannot send.

use actix_session::Session;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, ResponseError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;

use crate::config::Settings;
use crate::crypto::MasterSecret;
use crate::http::error::AppError;

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
    let hook = [
        crate::domain::RECEIVER_PATH,
        crate::domain::PROVIDER_HOOKS_PATH,
    ]
    .iter()
    .any(|prefix| req.path().starts_with(prefix));
    if is_safe(req.method()) || hook {
        return None;
    }
    // A request that carries an API key acts with that key, never with the cookies a browser
    // adds by itself: there is nothing to forge.
    if super::keys::presented(req.request()).is_some() {
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
        // The public origin only: never one made from the request's own Host.
        return (origin != public_origin).then_some("request from another origin refused");
    }
    None
}

/// Middleware: a request for a host this instance does not serve (`Settings::serves_host`) is
/// refused with 400 (the envelope under `/api`, a page elsewhere), so a forged `Host` reaches
/// nothing. The health probes answer any host: load balancers call them by address.
pub async fn host_check(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Prometheus, like a load balancer, may call by address; /metrics has its own token.
    let probe = matches!(
        req.path().trim_end_matches('/'),
        "/healthz" | "/readyz" | "/metrics"
    );
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    let served = req
        .app_data::<web::Data<Settings>>()
        .is_none_or(|s| host.as_deref().is_some_and(|h| s.serves_host(h)));
    if !probe && !served {
        tracing::warn!(
            path = crate::domain::loggable_path(req.path()),
            "request for a host this instance does not serve"
        );
        let error = AppError::BadRequest("This server does not serve that host name.".into());
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
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
        tracing::warn!(
            path = crate::domain::loggable_path(req.path()),
            reason,
            "CSRF check refused a request"
        );
        let error = AppError::Forbidden("Cross-site request refused.".into());
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The cookie of a visitor without a session: a random value their form token is derived
/// from, so the login and registration forms store nothing (`__Host-` behind https).
pub fn guest_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-monoweb_csrf"
    } else {
        "monoweb_csrf"
    }
}

/// The purpose label of the guest form tokens' key.
const GUEST_LABEL: &str = "monoweb csrf guest v1";

/// A request's guest seed: the cookie's value, or a new one to set on the response when a form
/// used it ([`guest_cookie`]).
#[derive(Clone)]
struct GuestSeed {
    value: String,
    fresh: bool,
    used: std::rc::Rc<std::cell::Cell<bool>>,
}

/// Middleware: gives every request a guest seed, and sets the cookie when a page rendered a form
/// from a new one.
pub async fn guest_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let https = super::is_https(req.request());
    let name = guest_cookie_name(https);
    let existing = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43 && URL_SAFE_NO_PAD.decode(v).is_ok());
    let seed = GuestSeed {
        fresh: existing.is_none(),
        value: existing.unwrap_or_else(random_text),
        used: std::rc::Rc::default(),
    };
    req.extensions_mut().insert(seed.clone());
    let mut res = next.call(req).await?.map_into_boxed_body();
    if seed.fresh && seed.used.get() {
        let cookie = actix_web::cookie::Cookie::build(name, seed.value)
            .path("/")
            .http_only(true)
            .secure(https)
            .same_site(actix_web::cookie::SameSite::Strict)
            .finish();
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(AppError::internal)?;
    }
    Ok(res)
}

fn random_text() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The form token of a logged-in session, created on first use (stored in the session).
fn session_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(token)) = session.get::<String>(FORM_TOKEN_KEY) {
        return Ok(token);
    }
    let token = random_text();
    session
        .insert(FORM_TOKEN_KEY, &token)
        .map_err(AppError::internal)?;
    Ok(token)
}

/// The form token of a visitor without a session: a keyed hash of their guest cookie.
fn guest_token(req: &HttpRequest, secret: &MasterSecret) -> Option<String> {
    let extensions = req.extensions();
    let seed = extensions.get::<GuestSeed>()?;
    seed.used.set(true);
    Some(secret.fingerprint(GUEST_LABEL, seed.value.as_bytes()))
}

/// The token to put in a logged-in page's forms (the session's), masked with fresh random bytes
/// each time, so no two pages carry the same string and a compressed page leaks nothing of it
/// (BREACH).
pub fn session_form_token(session: &Session) -> Result<String, AppError> {
    Ok(mask(&session_token(session)?))
}

/// The token to put in the forms of a visitor without a session (derived from their guest
/// cookie), masked like [`session_form_token`].
pub fn guest_form_token(req: &HttpRequest, secret: &MasterSecret) -> Result<String, AppError> {
    let token = guest_token(req, secret).ok_or_else(|| AppError::internal("no guest seed"))?;
    Ok(mask(&token))
}

fn mask(token: &str) -> String {
    let mut pad = vec![0u8; token.len()];
    rand::rng().fill_bytes(&mut pad);
    let masked: Vec<u8> = token.bytes().zip(&pad).map(|(t, p)| t ^ p).collect();
    pad.extend(masked);
    URL_SAFE_NO_PAD.encode(pad)
}

fn unmask(submitted: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(submitted).ok()?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let (pad, masked) = bytes.split_at(bytes.len() / 2);
    Some(masked.iter().zip(pad).map(|(m, p)| m ^ p).collect())
}

/// Whether a submitted form token is this browser's: its session's, or (for a visitor who is not
/// logged in) its guest cookie's. Compared in constant time.
pub fn verify_form_token(
    req: &HttpRequest,
    session: &Session,
    secret: &MasterSecret,
    submitted: &str,
) -> bool {
    let Some(token) = unmask(submitted) else {
        return false;
    };
    let of_session = session
        .get::<String>(FORM_TOKEN_KEY)
        .ok()
        .flatten()
        .is_some_and(|expected| constant_time_eq(expected.as_bytes(), &token));
    // A logged-in session's forms carry its own token; the guest cookie's is for visitors only.
    let logged_in = session
        .get::<String>(super::sessions::USER_ID_KEY)
        .ok()
        .flatten()
        .is_some();
    let of_guest = !logged_in
        && req
            .cookie(guest_cookie_name(super::is_https(req)))
            .map(|c| secret.fingerprint(GUEST_LABEL, c.value().as_bytes()))
            .is_some_and(|expected| constant_time_eq(expected.as_bytes(), &token));
    of_session | of_guest
}

/// Whether `a` equals `b`, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
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
    use actix_web::cookie::{Cookie, Key};
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;
    use crate::config::DatabaseUrl;
    use crate::db::{self, migrations};
    use crate::http::sessions::DbSessionStore;
    use monobank::clock::ManualClock;

    async fn issue(
        req: HttpRequest,
        session: Session,
        secret: web::Data<MasterSecret>,
        mode: web::Path<String>,
    ) -> HttpResponse {
        let token = if mode.as_str() == "session" {
            // A logged-in session, as actix-identity keeps it.
            session
                .insert(crate::http::sessions::USER_ID_KEY, "1")
                .unwrap();
            session_form_token(&session)
        } else {
            guest_form_token(&req, &secret)
        };
        HttpResponse::Ok().body(token.unwrap())
    }

    async fn check(
        req: HttpRequest,
        session: Session,
        secret: web::Data<MasterSecret>,
        body: String,
    ) -> HttpResponse {
        if verify_form_token(&req, &session, &secret, &body) {
            HttpResponse::Ok().finish()
        } else {
            HttpResponse::Forbidden().finish()
        }
    }

    #[actix_web::test]
    async fn form_tokens_are_masked_bound_to_the_browser_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let mut conn = db::connect(&url).unwrap();
        migrations::run_pending(&mut conn).unwrap();
        // User 1, whom the logged-in session below belongs to.
        crate::db::users::insert(
            &mut conn,
            &crate::db::users::NewUser {
                username: "alice",
                password_hash: "unused",
                is_admin: false,
                is_active: true,
                created_at: 1_000,
                security_stamp: "stamp",
            },
        )
        .unwrap();
        let pool = db::pool(&url);
        let store = DbSessionStore::new(
            pool.clone(),
            ManualClock::at(1_000),
            std::sync::Arc::default(),
            1800,
            43_200,
            30,
        );
        let app = test::init_service(
            App::new()
                .wrap(from_fn(guest_cookie))
                .wrap(SessionMiddleware::new(store, Key::generate()))
                .app_data(web::Data::new(MasterSecret::from_bytes([7; 32])))
                .route("/token/{mode}", web::get().to(issue))
                .route("/check", web::post().to(check)),
        )
        .await;
        let get = |uri: &str, cookie: Option<&Cookie<'static>>| {
            let mut req = test::TestRequest::get().uri(uri);
            if let Some(c) = cookie {
                req = req.cookie(c.clone());
            }
            req.to_request()
        };
        let post = |body: &str, cookie: Option<&Cookie<'static>>| {
            let mut req = test::TestRequest::post()
                .uri("/check")
                .set_payload(body.to_owned());
            if let Some(c) = cookie {
                req = req.cookie(c.clone());
            }
            req.to_request()
        };
        let text = |res| async { String::from_utf8(test::read_body(res).await.to_vec()).unwrap() };

        // A visitor without a session: a guest cookie, and nothing stored.
        let res = test::call_service(&app, get("/token/guest", None)).await;
        let guest = res
            .response()
            .cookies()
            .find(|c| c.name() == "monoweb_csrf")
            .expect("the guest cookie is set")
            .into_owned();
        assert!(
            res.response().cookies().all(|c| c.name() == "monoweb_csrf"),
            "no session cookie for a guest"
        );
        let first = text(res).await;
        let second = text(test::call_service(&app, get("/token/guest", Some(&guest))).await).await;
        assert_ne!(first, second, "masked afresh on every page");
        for token in [&first, &second] {
            let ok = test::call_service(&app, post(token, Some(&guest))).await;
            assert_eq!(ok.status(), 200);
        }
        let other = Cookie::new("monoweb_csrf", random_text());
        for (token, cookie) in [
            (first.as_str(), None),
            (first.as_str(), Some(&other)),
            ("forged", Some(&guest)),
            ("", Some(&guest)),
        ] {
            let refused = test::call_service(&app, post(token, cookie)).await;
            assert_eq!(refused.status(), 403, "{token:?} with {cookie:?}");
        }
        let rows: i64 = {
            use diesel::prelude::*;
            let mut conn = pool.get().unwrap();
            crate::per_backend!(&mut *conn, |c| crate::db::schema::sessions::table
                .count()
                .get_result(c))
            .unwrap()
        };
        assert_eq!(rows, 0, "a guest's forms store nothing");

        // A logged-in session: its own token, in the session.
        let res = test::call_service(&app, get("/token/session", None)).await;
        let session = res
            .response()
            .cookies()
            .find(|c| c.name() == "id")
            .expect("a session")
            .into_owned();
        let token = text(res).await;
        let ok = test::call_service(&app, post(&token, Some(&session))).await;
        assert_eq!(ok.status(), 200);
        let refused = test::call_service(&app, post(&token, None)).await;
        assert_eq!(refused.status(), 403, "another session");
        // Logged in, the guest cookie's token no longer passes.
        let both = test::TestRequest::post()
            .uri("/check")
            .set_payload(first.clone())
            .cookie(session.clone())
            .cookie(guest.clone())
            .to_request();
        let refused = test::call_service(&app, both).await;
        assert_eq!(
            refused.status(),
            403,
            "a guest token on a logged-in session"
        );
    }
}
