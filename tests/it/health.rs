//! Probes and the error envelopes, through a real server.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_answers_200_in_the_envelope() {
    let app = TestApp::builder().start().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"code": 200, "detail": "ok"})
    );
}

#[tokio::test]
async fn readyz_answers_200_when_the_database_answers() {
    let app = TestApp::builder().start().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["detail"], "ready");
}

#[tokio::test]
async fn trailing_slash_is_optional() {
    let app = TestApp::builder().start().await;
    assert_eq!(app.get("/healthz/").await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_api_path_is_404_in_the_envelope() {
    let app = TestApp::builder().start().await;
    for path in ["/api/nope", "/api", "/api/mono/unknown/"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"code": 404, "detail": "Not found."})
        );
    }
}

#[tokio::test]
async fn unknown_page_is_an_html_404() {
    let app = TestApp::builder().start().await;
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(body.contains("<h1>Page not found</h1>"), "{body}");
    assert!(body.contains("404"), "{body}");
}

#[tokio::test]
async fn wrong_method_on_a_probe_is_405_in_the_envelope_with_allow() {
    let app = TestApp::builder().start().await;
    let res = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"code": 405, "detail": "Method not allowed."}));
    // An API resource with several methods lists them all; a page answers with a page.
    let res = app
        .client
        .patch(app.url("/api/mono/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let mut allowed: Vec<&str> = res.headers()["allow"]
        .to_str()
        .unwrap()
        .split(',')
        .map(str::trim)
        .collect();
    allowed.sort_unstable();
    assert_eq!(allowed, ["DELETE", "GET", "POST", "PUT"]);
    let res = app.client.put(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().contains_key("allow"));
    assert!(res.text().await.unwrap().contains("405"));
}

#[tokio::test]
async fn the_app_applied_its_migrations_at_start() {
    let app = TestApp::builder().start().await;
    let tables = crate::helpers::introspect(&app.database_url);
    assert!(tables.contains_key("users"), "{tables:?}");
    // The data directory was created with the secret inside, private to the service account.
    let key = app.dir.path().join("data/secret.key");
    assert_eq!(monoweb::crypto::file_mode(&key).unwrap() & 0o777, 0o600);
}
