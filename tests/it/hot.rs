//! The hot path in memory: sessions and the user's rows are served from this instance's memory,
//! ended sessions end at once here and within a second on another instance, anonymous pages
//! store nothing, and text answers are compressed when the client asks.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{guest_cookie, TestApp, PASSWORD};

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    app.get_as("/api/auth/me", cookie).await.status()
}

#[tokio::test]
async fn logout_on_one_instance_ends_the_session_on_another_within_a_second() {
    let a = TestApp::builder().start().await;
    let b = TestApp::builder().deployment_of(&a).start().await;
    let cookie = a.logged_in("alice").await;
    assert_eq!(
        me(&b, &cookie).await,
        StatusCode::OK,
        "any instance serves it"
    );
    assert_eq!(me(&a, &cookie).await, StatusCode::OK);
    let res = a
        .post_json("/api/auth/logout", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me(&a, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "at once where it happened"
    );
    // The other instance trusts what it read for at most the re-check interval.
    tokio::time::sleep(monoweb::cache::RECHECK).await;
    assert_eq!(me(&b, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_on_one_instance_ends_the_other_sessions_on_another_within_a_second() {
    let a = TestApp::builder().start().await;
    let b = TestApp::builder().deployment_of(&a).start().await;
    let kept = a.logged_in("alice").await;
    let other = a.login("alice", PASSWORD).await;
    assert_eq!(me(&b, &other).await, StatusCode::OK);
    let res = a
        .post_json(
            "/api/auth/password",
            &json!({"current_password": PASSWORD, "new_password": "amber quarry lantern 9"}),
            Some(&kept),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&a, &other).await, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(monoweb::cache::RECHECK).await;
    assert_eq!(me(&b, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&b, &kept).await,
        StatusCode::OK,
        "the changing session stays"
    );
}

#[tokio::test]
async fn a_disabled_users_cached_session_is_refused_on_the_next_request() {
    let app = TestApp::builder().start().await;
    let admin = app.logged_in("boss").await;
    let cookie = app.logged_in("worker").await;
    assert_eq!(me(&app, &cookie).await, StatusCode::OK, "now in memory");
    app.disable_on_the_admin_page(&admin, 2).await;
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_idle_timeout_holds_to_the_second_without_a_write_per_request() {
    let app = TestApp::builder()
        .configure(|s| s.session_idle_secs = 600)
        .start()
        .await;
    let cookie = app.logged_in("alice").await;
    let seen = || {
        let mut conn = app.db();
        monoweb::db::sessions::list_for_user(&mut conn, monoweb::db::users::UserId(1), 0).unwrap()
            [0]
        .last_seen_at
    };
    let logged_in_at = seen();
    for _ in 0..5 {
        app.clock.advance(10);
        assert_eq!(me(&app, &cookie).await, StatusCode::OK);
    }
    assert_eq!(seen(), logged_in_at, "50 s of requests wrote nothing");
    app.clock.advance(15);
    assert_eq!(me(&app, &cookie).await, StatusCode::OK);
    assert!(seen() > logged_in_at, "a minute on, the row is written");
    app.clock.advance(600);
    assert_eq!(
        me(&app, &cookie).await,
        StatusCode::OK,
        "10:00 idle is fine"
    );
    app.clock.advance(601);
    assert_eq!(
        me(&app, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "10:01 ends it"
    );
}

#[tokio::test]
async fn a_thousand_anonymous_login_views_write_no_row_and_the_form_still_logs_in() {
    let app = TestApp::builder().start().await;
    assert_eq!(app.register("alice", PASSWORD).await.status(), 201);
    for _ in 0..1000 {
        let res = app.get("/login").await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(app.session_rows(), 0, "no session row for a visitor");
    // The form of such a view logs in: the token is bound to the guest cookie.
    let res = app.get("/login").await;
    let guest = guest_cookie(&res).expect("a guest cookie");
    let token = crate::helpers::csrf_of(&res.text().await.unwrap()).unwrap();
    let post = |cookie: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/login"))
            .header("Sec-Fetch-Site", "same-origin")
            .form(&[
                ("username", "alice"),
                ("password", PASSWORD),
                ("csrf", &token),
            ]);
        if let Some(cookie) = cookie {
            req = req.header("Cookie", cookie);
        }
        req.send()
    };
    let refused = post(None).await.unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "no guest cookie, no login"
    );
    let res = post(Some(guest)).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.session_rows(), 1, "a row at login only");
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn text_answers_are_gzipped_when_the_client_accepts_it() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let cookie = app.with_token(&sandbox, 0, "alice").await;
    let get = |path: &str, gzip: bool| {
        let mut req = app.client.get(app.url(path)).header("Cookie", &cookie);
        if gzip {
            req = req.header("Accept-Encoding", "gzip");
        }
        req.send()
    };
    let encoding = |res: &reqwest::Response| {
        res.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // The rates page: large, compressed when asked for.
    let plain = get("/rates", false).await.unwrap();
    assert_eq!(encoding(&plain), None);
    let plain = plain.text().await.unwrap();
    let zipped = get("/rates", true).await.unwrap();
    assert_eq!(encoding(&zipped).as_deref(), Some("gzip"));
    let bytes = zipped.bytes().await.unwrap();
    let page = gunzip(&bytes);
    assert!(page.contains("USD") && page.len() > 1024, "{}", page.len());
    assert!(
        bytes.len() * 3 < plain.len(),
        "{} of {}",
        bytes.len(),
        plain.len()
    );
    // The CSV, the same file either way.
    let csv = "/api/mono/statement.csv?from=2026-01-01&to=2026-11-30";
    let plain = get(csv, false).await.unwrap();
    assert_eq!(encoding(&plain), None);
    let plain = plain.text().await.unwrap();
    let zipped = get(csv, true).await.unwrap();
    assert_eq!(encoding(&zipped).as_deref(), Some("gzip"));
    assert_eq!(gunzip(&zipped.bytes().await.unwrap()), plain);
    // Under 1 KiB: as it is.
    let small = get("/api/auth/me", true).await.unwrap();
    assert_eq!(encoding(&small), None, "not worth it");
}
