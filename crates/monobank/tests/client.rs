//! The Monobank client against HTTP mocks: every error Monobank documents and the broken
//! answers (HTML 403, truncated JSON, wrong shape, a timeout, a redirect) map to the right
//! `MonoError`, and nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use monobank::client::{Client, Timeouts};
use monobank::{MonoError, MonoToken};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "uABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn_-9";

fn token() -> MonoToken {
    MonoToken::parse(TOKEN).unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::with_timeouts(
        server.uri().parse().unwrap(),
        Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_millis(500),
        },
    )
    .unwrap()
}

fn mono_json(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(format!(r#"{{"errorDescription":"{text}"}}"#))
}

/// What `client-info` gives when the server answers `response`.
async fn client_info_error(response: ResponseTemplate) -> MonoError {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/personal/client-info"))
        .respond_with(response)
        .mount(&server)
        .await;
    client(&server).client_info(&token()).await.unwrap_err()
}

#[tokio::test]
async fn every_documented_error_maps_to_its_variant() {
    let cases = [
        (
            mono_json(403, "Unknown 'X-Token'"),
            MonoError::TokenRejected,
        ),
        (
            mono_json(
                401,
                "Missing one of required headers 'X-Token' or 'X-Key-Id'",
            ),
            MonoError::MissingToken,
        ),
        (
            mono_json(
                403,
                "Missing one of required headers 'X-Token' or 'X-Key-Id'",
            ),
            MonoError::MissingToken,
        ),
        (
            mono_json(429, "Too many requests"),
            MonoError::RateLimited { retry_after: None },
        ),
        (
            mono_json(429, "Too many requests").insert_header("retry-after", "42"),
            MonoError::RateLimited {
                retry_after: Some(42),
            },
        ),
        (
            mono_json(400, "Period must be no more than 31 days"),
            MonoError::BadRequest("Period must be no more than 31 days".into()),
        ),
        (
            mono_json(400, "invalid account"),
            MonoError::BadRequest("invalid account".into()),
        ),
        (mono_json(500, "Internal error"), MonoError::Upstream(500)),
        (
            ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"),
            MonoError::Upstream(502),
        ),
        (
            ResponseTemplate::new(403)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>Access denied</body></html>"),
            MonoError::EdgeBlocked,
        ),
        (
            ResponseTemplate::new(403).set_body_string("Forbidden"),
            MonoError::EdgeBlocked,
        ),
        (
            ResponseTemplate::new(302).insert_header("location", "https://evil.example/"),
            MonoError::Upstream(302),
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(client_info_error(response).await, expected);
    }
}

#[tokio::test]
async fn broken_success_answers_are_decode_errors() {
    let truncated =
        ResponseTemplate::new(200).set_body_string(r#"{"clientId":"x","accounts":[{"id":"#);
    assert!(
        matches!(client_info_error(truncated).await, MonoError::Decode(m) if m.contains("truncated"))
    );
    let wrong_shape = ResponseTemplate::new(200).set_body_string(r#"{"accounts":"all of them"}"#);
    assert!(
        matches!(client_info_error(wrong_shape).await, MonoError::Decode(m) if m.contains("shape") && !m.contains("all of them"))
    );
    let not_json = ResponseTemplate::new(200).set_body_string("<html>maintenance</html>");
    assert!(matches!(
        client_info_error(not_json).await,
        MonoError::Decode(_)
    ));
    let empty = ResponseTemplate::new(200);
    assert!(matches!(
        client_info_error(empty).await,
        MonoError::Decode(_)
    ));
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_a_closed_port_is_unreachable() {
    let slow = ResponseTemplate::new(200)
        .set_body_string("{}")
        .set_delay(Duration::from_secs(3));
    assert_eq!(client_info_error(slow).await, MonoError::Timeout);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let c = Client::new(format!("http://127.0.0.1:{closed}").parse().unwrap()).unwrap();
    assert!(matches!(c.currency().await, Err(MonoError::Unreachable(_))));
}

#[tokio::test]
async fn requests_carry_the_token_header_and_json_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/personal/webhook"))
        .and(header("x-token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(
            serde_json::json!({"webHookUrl": "https://example.com/hook"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("whatever"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/personal/statement/acc%2F1/100/200"))
        .and(header("x-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.set_webhook(&token(), "https://example.com/hook")
        .await
        .unwrap();
    assert!(c
        .statement(&token(), "acc/1", 100, Some(200))
        .await
        .unwrap()
        .is_empty());
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("monobank-rs/")));
    assert!(
        requests.iter().all(|r| !r.url.as_str().contains(TOKEN)),
        "token never in a URL"
    );
}

#[test]
fn a_credential_names_its_headers_and_never_prints_a_secret() {
    use monobank::client::Authorize;
    let headers = token().headers("/personal/client-info", 0).unwrap();
    assert_eq!(headers.len(), 1);
    assert_eq!((headers[0].name, headers[0].sensitive), ("X-Token", true));
    assert_eq!(headers[0].value, TOKEN);
    let shown = format!("{headers:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}
