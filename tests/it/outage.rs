//! With the app running on PostgreSQL, the database stops and starts again: `/readyz` answers 503
//! within 5 s while `/healthz` stays 200, and `/readyz` recovers without restarting the app.
//!
//! It stops the shared test cluster, so it is ignored in the normal suite; `.ci/run` runs it alone
//! after the PostgreSQL suite, passing the commands that stop and start the cluster.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{postgres_server, TestApp};

fn run_shell(var: &str) {
    let cmd = std::env::var(var).unwrap_or_else(|_| panic!("{var} must name a shell command"));
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .status()
        .unwrap();
    assert!(status.success(), "{var} failed: {cmd}");
}

#[tokio::test]
#[ignore = "stops the PostgreSQL cluster; run by .ci/run with MONOWEB_TEST_PG_STOP/START"]
async fn readyz_follows_the_database_down_and_up() {
    assert!(
        postgres_server().is_some(),
        "needs MONOWEB_TEST_POSTGRES_URL"
    );
    let app = TestApp::builder().start().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    run_shell("MONOWEB_TEST_PG_STOP");
    let started = Instant::now();
    let res = app.get("/readyz").await;
    let took = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], 503);
    assert!(took < Duration::from_secs(5), "/readyz took {took:?}");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    eprintln!("database down: /readyz answered 503 in {took:?}");

    run_shell("MONOWEB_TEST_PG_START");
    let started = Instant::now();
    loop {
        if app.get("/readyz").await.status() == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "/readyz did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "database up again: /readyz 200 after {:?}",
        started.elapsed()
    );
}
