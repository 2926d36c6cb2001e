//! With every log at TRACE, registering, failing to log in (a password typed as the name, a name
//! with a newline included), logging in, changing the password and logging out never print a
//! password, a session cookie or a typed name (`docs/security.md`, S27). A test binary of its
//! own, because it installs the global log subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use serde_json::json;

#[path = "common/log_capture.rs"]
mod log_capture;

#[tokio::test]
async fn no_log_line_contains_a_password_or_a_session_cookie() {
    let logs = log_capture::Logs::install();
    let app = helpers::TestApp::builder().start().await;
    let (first, wrong, second) = (
        "violet staple lantern",
        "crimson wrong guess",
        "quiet harbour lighthouse",
    );
    assert_eq!(app.register("alice", first).await.status(), 201);
    let failed = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "alice", "password": wrong}),
            None,
        )
        .await;
    assert_eq!(failed.status(), 401);
    // A password typed into the name field, and a name that would forge a log line.
    let typed = "Hunter2-MyRealPassword!";
    let forged = "x\n2026-11-30T00:00:00Z  INFO monoweb: FAKE admin logged in";
    for name in [typed, forged] {
        let failed = app
            .post_json(
                "/api/auth/login",
                &json!({"username": name, "password": wrong}),
                None,
            )
            .await;
        assert_eq!(failed.status(), 401);
    }
    let cookie = app.login("alice", first).await;
    let res = app
        .post_json(
            "/api/auth/password",
            &json!({"current_password": first, "new_password": second}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_json("/api/auth/logout", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 204);

    let logs_handle = logs;
    let logs = logs_handle.text();
    assert!(
        logs.contains("logged in")
            && logs.contains("login failed")
            && logs.contains("password changed"),
        "auth events are logged"
    );
    let cookie_value = cookie.split_once('=').unwrap().1;
    for secret in [first, wrong, second, cookie_value, typed] {
        assert!(
            !logs.contains(secret),
            "a secret appeared in the logs: {secret}"
        );
    }
    assert!(
        !logs.contains("FAKE admin"),
        "a typed name forged a log line"
    );
    // Text a user typed that does reach a log (here, through an event that logs it on purpose)
    // stays inside its line.
    tracing::warn!(typed = %"zz\nFAKE line", "a field holding a newline");
    let logs = logs_handle.text();
    assert!(logs.contains("zz\\nFAKE line"), "escaped in place");
    assert!(
        !logs.lines().any(|line| line.starts_with("FAKE")),
        "no line starts with the typed text"
    );
}
