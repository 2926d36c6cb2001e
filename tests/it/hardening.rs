//! The second hardening round: each test here is one of a black-box probe's reproductions.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

/// Opens a connection, sends a request head announcing a chunked body and one chunk of it, and
/// never sends the rest. Returns the stream, still open on this side.
async fn endless_chunked(
    app: &TestApp,
    method: &str,
    path: &str,
    form: bool,
) -> tokio::net::TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let content_type = if form {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Transfer-Encoding: chunked\r\n\r\n1\r\n{{\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_chunked_body_that_never_ends_is_answered_and_its_connection_closed_on_any_route() {
    let app = TestApp::builder()
        .configure(|s| s.body_timeout_secs = 1)
        .start()
        .await;
    let routes = [
        ("GET", "/healthz", "200"),
        ("POST", "/api/auth/register", "408"),
        ("POST", "/login", "408"),
        // Answered without reading the body: a JSON body where a form is expected, and no route.
        ("POST", "/register", "415"),
        ("POST", "/api/no-such-route", "404"),
        ("GET", "/login", "200"),
    ];
    // Several of each at once: none may keep its socket.
    let mut open = Vec::new();
    for _ in 0..8 {
        for (method, path, status) in routes {
            let form = path == "/login";
            let stream = endless_chunked(&app, method, path, form).await;
            open.push((stream, format!("{method} {path}"), status));
        }
    }
    for (mut stream, path, status) in open {
        let mut answer = Vec::new();
        // The server must close the connection by itself; the guard only bounds a hang.
        let closed =
            tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            closed.is_ok_and(|read| read.is_ok()),
            "{path}: the connection was never closed; it answered {answer}"
        );
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{path}: {answer}"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(crate::helpers::count_rows(&app.database_url, "users"), 0);
}
