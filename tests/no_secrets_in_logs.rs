//! With every log at TRACE, registering, failing to log in, logging in, changing the password and
//! logging out never print a password or a session cookie (SECURITY.md 27). A test binary of its
//! own, because it installs the global log subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_log_line_contains_a_password_or_a_session_cookie() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();
    let app = helpers::spawn_app().await;
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

    let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("logged in")
            && logs.contains("login failed")
            && logs.contains("password changed"),
        "auth events are logged"
    );
    let cookie_value = cookie.split_once('=').unwrap().1;
    for secret in [first, wrong, second, cookie_value] {
        assert!(
            !logs.contains(secret),
            "a secret appeared in the logs: {secret}"
        );
    }
}
