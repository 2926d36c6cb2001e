//! The provider API's calls against HTTP mocks: each call sends the headers its signed string
//! needs, the signature verifies over the documented string with one `X-Time`, and the provider
//! statuses map to their meaning (401/404 on a request id: access lost; 403: the key refused).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use monobank::client::{AccessState, Client};
use monobank::clock::ManualClock;
use monobank::provider::{ProviderAccess, ProviderKey, RequestId};
use monobank::MonoError;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TEST_KEY: &str = "-----BEGIN EC PRIVATE KEY-----
MHQCAQEEIP5DyqGW1yUD5YZRSzsvjT5I9M1utN9aYi3uWJgKhsvPoAcGBSuBBAAK
oUQDQgAEOX+BUepYysBoGR3l9ZsnIXNBm4FYD6m76rGPvbJnUD11xm/SQrOALZYC
s0VrWcLTP60Z1xeLw+NP+D+rUK5IsA==
-----END EC PRIVATE KEY-----
";
const KEY_ID: &str = "b38daf14d0e6f487949cefbccce99d8add909685";
const REQUEST_ID: &str = "uLkwh3NzFAfEkj7urj5C7AU_";
const NOW: i64 = 1_554_466_347;

fn key() -> Arc<ProviderKey> {
    Arc::new(ProviderKey::from_pem(TEST_KEY).unwrap())
}

fn client(server: &MockServer) -> Client {
    Client::new(server.uri().parse().unwrap())
        .unwrap()
        .with_clock(ManualClock::at(NOW))
}

fn access() -> ProviderAccess {
    ProviderAccess {
        key: key(),
        request_id: RequestId::parse(REQUEST_ID).unwrap(),
    }
}

fn mono_json(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(r#"{{"errorDescription":"{text}"}}"#))
}

/// Checks that `request`'s `X-Sign` verifies over `expected`, and that `X-Time` is the one time.
fn assert_signed(request: &Request, expected: &str) {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("X-Time").as_deref(), Some(NOW.to_string().as_str()));
    let sign = header("X-Sign").unwrap();
    key()
        .public_key()
        .verify(expected.as_bytes(), &sign)
        .unwrap_or_else(|e| panic!("{expected}: {e}"));
}

#[tokio::test]
async fn data_calls_sign_time_request_id_and_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/personal/client-info"))
        .and(header("X-Key-Id", KEY_ID))
        .and(header("X-Request-Id", REQUEST_ID))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"clientId":"c","name":"N"}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/personal/statement/0/1546304461/1546306461"))
        .and(header("X-Request-Id", REQUEST_ID))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let client = client(&server);
    let info = client.client_info(&access()).await.unwrap();
    assert_eq!(info.name, "N");
    let items = client
        .statement(&access(), "0", 1_546_304_461, Some(1_546_306_461))
        .await
        .unwrap();
    assert!(items.is_empty());
    let requests = server.received_requests().await.unwrap();
    assert_signed(
        &requests[0],
        &format!("{NOW}{REQUEST_ID}/personal/client-info"),
    );
    assert_signed(
        &requests[1],
        &format!("{NOW}{REQUEST_ID}/personal/statement/0/1546304461/1546306461"),
    );
    assert!(requests[0].headers.get("X-Token").is_none());
}

#[tokio::test]
async fn company_calls_sign_time_and_path_and_the_access_request_its_permissions() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/personal/auth/request"))
        .and(header("X-Key-Id", KEY_ID))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"tokenRequestId":"uLkwh3NzFAfEkj7urj5C7AU_","acceptUrl":"https://mbnk.app/auth/uLkwh3NzFAfEkj7urj5C7AU_"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/personal/auth/registration"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"New"}"#))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/personal/auth/registration/status"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!(r#"{{"status":"Approved","keyId":"{KEY_ID}"}}"#)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/personal/corp/settings"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"permission":"ps","webhook":""}"#),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let key = key();
    let asked = client
        .request_access(&key, "sp", Some("https://example.org/cb/x"))
        .await
        .unwrap();
    assert_eq!(asked.token_request_id, REQUEST_ID);
    client.request_access(&key, "", None).await.unwrap();
    let registration = monobank::types::Registration {
        pubkey: key.public_pem_base64(),
        name: "n".into(),
        description: "d".into(),
        contact_person: "c".into(),
        phone: "380671234567".into(),
        email: "e@example.org".into(),
        logo: String::new(),
    };
    assert_eq!(
        client.register(&key, &registration).await.unwrap().status,
        "New"
    );
    let status = client.registration_status(&key).await.unwrap();
    assert_eq!(status.key_id.as_deref(), Some(KEY_ID));
    assert_eq!(client.corp_settings(&key).await.unwrap().permission, "ps");

    let requests = server.received_requests().await.unwrap();
    assert_signed(&requests[0], &format!("{NOW}sp/personal/auth/request"));
    assert_eq!(requests[0].headers.get("X-Permissions").unwrap(), "sp");
    assert_eq!(
        requests[0].headers.get("X-Callback").unwrap(),
        "https://example.org/cb/x"
    );
    assert_signed(&requests[1], &format!("{NOW}/personal/auth/request"));
    assert!(requests[1].headers.get("X-Permissions").is_none());
    assert!(requests[1].headers.get("X-Callback").is_none());
    assert_signed(&requests[2], &format!("{NOW}/personal/auth/registration"));
    assert!(requests[2].headers.get("X-Key-Id").is_none());
    let body: serde_json::Value = serde_json::from_slice(&requests[2].body).unwrap();
    assert_eq!(body["contactPerson"], "c");
    assert_signed(
        &requests[3],
        &format!("{NOW}/personal/auth/registration/status"),
    );
    assert_signed(&requests[4], &format!("{NOW}/personal/corp/settings"));
    assert!(requests[4].headers.get("X-Request-Id").is_none());
}

#[tokio::test]
async fn provider_statuses_mean_granted_pending_unknown_lost_and_refused() {
    for (response, expected) in [
        (
            ResponseTemplate::new(200).set_body_string("{}"),
            Ok(AccessState::Granted),
        ),
        (
            mono_json(401, "Request is unauthorized yet"),
            Ok(AccessState::Pending),
        ),
        (
            mono_json(404, "Request is not exist"),
            Ok(AccessState::Unknown),
        ),
        (mono_json(403, "Forbidden"), Err(MonoError::ProviderRefused)),
        (
            ResponseTemplate::new(403).set_body_string("<html>403 Forbidden</html>"),
            Err(MonoError::EdgeBlocked),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/auth/request"))
            .respond_with(response)
            .mount(&server)
            .await;
        assert_eq!(client(&server).access_state(&access()).await, expected);
        let requests = server.received_requests().await.unwrap();
        assert_signed(
            &requests[0],
            &format!("{NOW}{REQUEST_ID}/personal/auth/request"),
        );
    }
    for (response, expected) in [
        (
            mono_json(401, "Request is unauthorized yet"),
            MonoError::AccessLost,
        ),
        (mono_json(404, "Data is not exist"), MonoError::AccessLost),
        (mono_json(403, "Forbidden"), MonoError::ProviderRefused),
        (
            mono_json(429, "Too many requests"),
            MonoError::RateLimited { retry_after: None },
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/personal/client-info"))
            .respond_with(response)
            .mount(&server)
            .await;
        assert_eq!(
            client(&server).client_info(&access()).await.unwrap_err(),
            expected
        );
    }
}
