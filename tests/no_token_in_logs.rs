//! With every log at TRACE (monoweb's, reqwest's, hyper's, actix's), a run of the Mono client
//! against the sandbox, successes and failures alike, never prints the token. A test binary of
//! its own, because it installs the global log subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use monobank::clock::SystemClock;
use monobank::MonoToken;
use monobank_sandbox::{Sandbox, SandboxConfig};

#[path = "common/log_capture.rs"]
mod log_capture;

#[tokio::test]
async fn no_log_line_contains_the_token() {
    let logs = log_capture::Logs::install();

    let sandbox = Sandbox::start(SandboxConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        seed: 42,
        time_scale: 600.0,
        clock: Arc::new(SystemClock),
        approve_providers: false,
    })
    .unwrap();
    let url = sandbox.url();
    let tokens = sandbox.tokens();
    tokio::spawn(sandbox.run_until_stopped());
    let client = monobank::Client::new(url.parse().unwrap()).unwrap();
    let token = MonoToken::parse(&tokens[0].token).unwrap();
    let unknown = MonoToken::parse("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz").unwrap();

    client.client_info(&token).await.unwrap();
    let _ = client.client_info(&token).await; // 429
    let _ = client.client_info(&unknown).await; // 403
    let now = monobank::clock::Clock::now(&SystemClock);
    let _ = client.statement(&token, "0", now - 86_400, Some(now)).await;
    let _ = client
        .set_webhook(&token, "http://127.0.0.1:9/unreachable")
        .await;
    let _ = client.set_webhook(&unknown, "").await;

    let logs = logs.text();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "logging was on: {} bytes",
        logs.len()
    );
    assert!(logs.len() > 1_000, "something was logged");
    for secret in [
        &tokens[0].token,
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ] {
        assert!(!logs.contains(secret), "a token appeared in the logs");
        assert!(
            !logs.contains(&secret[..20]),
            "part of a token appeared in the logs"
        );
    }
}
