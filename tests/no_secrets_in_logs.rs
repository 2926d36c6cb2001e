//! With every log at TRACE, registering, failing to log in (a password typed as the name, a name
//! with a newline included), logging in, changing the password, logging out and searching with a
//! bad API key never print a password, a session cookie, a typed name or a search term
//! (`docs/security.md`, S27). A test binary of its
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

    // A search, sent with a key that is no key: the refusal is logged inside the request's span,
    // which names the query's parameters but not the words searched for. More bad keys from the
    // same address are not each logged, and after five the address is told to wait (still 401,
    // now with Retry-After).
    let search = "findmytherapist";
    let mut answers = Vec::new();
    for n in 0..8 {
        let res = app
            .client
            .get(app.url(&format!("/api/mono/statement?q={search}&page={n}")))
            .header("Authorization", format!("Bearer mwk_not_a_key_{n}"))
            .send()
            .await
            .unwrap();
        answers.push((
            res.status().as_u16(),
            res.headers().contains_key("retry-after"),
        ));
    }
    assert_eq!(
        answers,
        [(401, false); 5]
            .into_iter()
            .chain([(401, true); 3])
            .collect::<Vec<_>>()
    );
    let logs_handle = logs;
    let logs = logs_handle.text();
    let refusals = logs.matches("unknown or revoked API key").count();
    assert!(
        (1..=2).contains(&refusals),
        "{refusals} lines for 8 bad keys"
    );
    assert!(logs.contains("q=…&page=…"), "the query's names are logged");
    assert!(!logs.contains(search), "a search term appeared in the logs");
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
