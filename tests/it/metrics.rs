//! `GET /metrics`: off by default, behind a bearer token, in the Prometheus text format.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;

use crate::helpers::TestApp;

const TOKEN: &str = "scrape-me-0123456789";

/// The exposition parsed as Prometheus would: `# HELP`/`# TYPE` lines and samples
/// `name{label="value",…} number`. Panics on any other line, on a sample whose metric has no
/// `# TYPE`, and on a repeated series.
fn parse(text: &str) -> BTreeMap<String, f64> {
    let sample = regex::Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.]+(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)$"#,
    )
    .unwrap();
    let kinds = ["counter", "gauge", "histogram", "summary", "untyped"];
    let mut typed = BTreeSet::new();
    let mut series = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(kinds.contains(&kind), "{line}");
            assert!(typed.insert(name.to_owned()), "TYPE twice: {line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let parts = sample
            .captures(line)
            .unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let name = &parts[1];
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).filter(|f| typed.contains(*f)))
            .unwrap_or(name);
        assert!(typed.contains(family), "no TYPE for {name}");
        let key = format!("{name}{}", parts.get(2).map_or("", |m| m.as_str()));
        let value: f64 = parts[3].parse().unwrap_or(f64::NAN);
        assert!(series.insert(key, value).is_none(), "series twice: {line}");
    }
    series
}

/// The sum of the samples of `name` whose labels contain every one of `labels`.
fn total(series: &BTreeMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    series
        .iter()
        .filter(|(key, _)| {
            key.strip_prefix(name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('{'))
                && labels.iter().all(|l| key.contains(l))
        })
        .map(|(_, v)| v)
        .sum()
}

/// `GET /metrics` with `token`.
async fn with_token(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn scrape(app: &TestApp) -> BTreeMap<String, f64> {
    let res = with_token(app, TOKEN).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    parse(&res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let app = TestApp::builder().start().await;
    let res = with_token(&app, TOKEN).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_need_the_token_and_count_requests_and_monobank_calls() {
    let (app, sandbox) = TestApp::builder()
        .configure(|s| s.metrics_token = Some(TOKEN.to_owned().into()))
        .start_with_sandbox(1.0)
        .await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let wrong = with_token(&app, "scrape-me-0123456788").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let cookie = app.with_token(&sandbox, 0, "alice").await;
    let before = scrape(&app).await;
    let route = r#"route="/api/mono/currencies""#;
    let answered = app.get_as("/api/mono/currencies/", &cookie).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let after = scrape(&app).await;
    assert_eq!(
        total(&after, "http_requests_total", &[route, r#"status="200""#])
            - total(&before, "http_requests_total", &[route, r#"status="200""#]),
        1.0,
        "one request to the currencies view"
    );
    assert!(
        total(&after, "http_request_duration_seconds_count", &[route])
            > total(&before, "http_request_duration_seconds_count", &[route])
    );
    // Attaching the token asked Monobank for client-info; the rates came from Monobank too.
    assert!(
        total(
            &after,
            "monobank_calls_total",
            &[r#"endpoint="currency""#, r#"outcome="ok""#]
        ) >= 1.0,
        "{after:?}"
    );
    assert!(total(&after, "sessions_active", &[]) >= 1.0);
    assert_eq!(total(&after, "monobank_edge_blocked", &[]), 0.0);
    assert!(total(&after, "db_pool_connections", &[]) >= 1.0);
}
