//! With every log at TRACE, registering monoweb's own receiver, Monobank's check of it and the
//! delivery of an event never print the receiver's secret (`docs/security.md`, S22, S27): the request span
//! names the path without it. A test binary of its own, because it installs the global log
//! subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "common/log_capture.rs"]
mod log_capture;

use std::time::{Duration, Instant};

use serde_json::json;

#[tokio::test]
async fn no_log_line_contains_the_webhook_secret() {
    let logs = log_capture::Logs::install();
    let (app, sandbox) = helpers::TestApp::builder()
        .syncing()
        .start_with_sandbox(1.0)
        .await;
    let cookie = app.logged_in("hooked").await;
    let res = app
        .post_json(
            "/api/mono",
            &json!({"mono_token": sandbox.tokens[0].token}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    let created = sandbox.create_transaction(0, -100, "Кава").await;
    let id = created["statementItem"]["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    loop {
        let mut conn = app.db();
        let ids = monoweb::db::transactions::ids(
            &mut conn,
            monoweb::db::users::UserId(1),
            created["account"].as_str().unwrap(),
        )
        .unwrap();
        if ids.contains(&id) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the event was not delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The secret as Monobank has it: the registered URL's last segment (read from the sandbox a
    // minute later, when its client-info limit allows).
    let mut url = String::new();
    for _ in 0..5 {
        app.clock.advance(61);
        if let Ok(info) = sandbox.client().client_info(&sandbox.token(0)).await {
            url = info.web_hook_url;
            break;
        }
    }
    let secret = url.rsplit('/').next().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "{url}");
    // A request for a host this instance does not serve, and a cross-site form post, to the
    // receiver and to the provider hooks (webhook and callback): refused and logged at WARN,
    // without the secret of the path (probe item 6).
    let provider = "0123456789abcdef0123456789abcdef0123456789abcdef";
    let paths = [
        format!("/hooks/mono/{secret}"),
        format!("/hooks/provider/{provider}"),
        format!("/hooks/provider/callback/{provider}"),
    ];
    for path in &paths {
        let res = app
            .client
            .post(app.url(path))
            .header("Host", "elsewhere.example")
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{path}");
    }
    let logs = logs.text();
    assert!(
        logs.matches("request for a host this instance does not serve")
            .count()
            >= paths.len(),
        "the refusals are logged"
    );
    assert!(
        !logs.contains(provider),
        "a provider hook's secret appeared in the logs"
    );
    assert!(
        logs.contains("/hooks/mono/…"),
        "the receiver's requests are logged"
    );
    assert!(
        !logs.contains(&secret),
        "the webhook secret appeared in the logs"
    );
}
