//! Figures of the transaction store: the webhook receiver's throughput and p99 under a burst of
//! 1000 events (50 in flight), the median time of the statement API and of the CSV export for a
//! range holding 10 000 stored transactions, and of the twelve-month overview (the summary API
//! and the `/months` page) over those 10 000 (more than a year of the sandbox's busiest client,
//! about 7 700).
//!
//! `cargo bench --bench history` (SQLite); with `MONOWEB_BENCH_POSTGRES_URL=postgres://…/db`
//! on that PostgreSQL database (which must be empty). Release build, the sandbox as Monobank,
//! everything on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use futures_util::StreamExt;
use monobank::clock::{Clock, ManualClock, SystemClock};
use monobank::types::StatementItem;
use monoweb::config::{self, Key, Layers};
use monoweb::db::transactions::{self, Source, TransactionRow};
use monoweb::db::users::UserId;
use serde_json::{json, Value};
use sha2::Digest;

const STORED: i64 = 10_000;
const BURST: usize = 1_000;
const IN_FLIGHT: usize = 50;
const ROUNDS: usize = 21;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = std::env::var("MONOWEB_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let clock = ManualClock::at(SystemClock.now());
    let sandbox = monobank_sandbox::Sandbox::start(monobank_sandbox::SandboxConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        seed: 42,
        time_scale: 1.0,
        clock: clock.clone(),
        approve_providers: false,
    })
    .unwrap();
    let sandbox_url = sandbox.url();
    let token = sandbox.tokens()[0].token.clone();
    tokio::spawn(sandbox.run_until_stopped());
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let mut settings = config::load(&Layers {
        config_file: Some(empty),
        env: HashMap::new(),
        flags: vec![
            (Key::Bind, "127.0.0.1:0".into()),
            (Key::DataDir, dir.path().join("data").display().to_string()),
            (Key::DatabaseUrl, database_url.clone()),
            (Key::MonoApiUrl, sandbox_url.clone()),
            (Key::Log, "warn".into()),
        ],
    })
    .unwrap();
    settings.sync.enabled = false;
    let db_url = settings.database_url.clone();
    let app = monoweb::startup::Application::build_with_clock(settings, clock.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value, cookie: Option<&str>| {
        let mut req = http.post(format!("{base}{path}")).json(&body);
        if let Some(cookie) = cookie {
            req = req.header("Cookie", cookie);
        }
        req.send()
    };
    let credentials = json!({"username": "bench", "password": "violet staple lantern"});
    post("/api/auth/register", credentials.clone(), None)
        .await
        .unwrap();
    let login = post("/api/auth/login", credentials, None).await.unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    post("/api/mono", json!({"mono_token": token}), Some(&cookie))
        .await
        .unwrap();
    let balance: Value = http
        .get(format!("{base}/api/mono/balance"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = balance["detail"]["account"].as_str().unwrap().to_owned();

    // 10 000 transactions in the store, over the last 300 days.
    let now = clock.now();
    let mut conn = monoweb::db::connect(&db_url).unwrap();
    monoweb::db::write_transaction(&mut conn, |conn| {
        for n in 0..STORED {
            let time = now - 60 - n * (300 * 86_400 / STORED);
            let mut item = StatementItem::new(
                format!("bench-{n}"),
                time,
                "Кава, \"зерно\"",
                5814,
                -(n % 5000) - 100,
                980,
            );
            item.balance = 1_000_000 - n;
            item.comment = (n % 7 == 0).then(|| "дякую".to_owned());
            transactions::upsert(
                conn,
                &TransactionRow::new(UserId(1), &account, &item, Source::Statement, now),
            )?;
        }
        Ok(())
    })
    .unwrap();

    let from = monoweb::web::format::date(now - 301 * 86_400);
    let to = monoweb::web::format::date(now);
    let query = format!("from={from}&to={to}&account={account}");
    // The statement and its CSV over the range, and twelve months of every account as the API
    // and the page answer them.
    let range = format!("?{query}");
    for (label, path, query) in [
        ("statement API", "/api/mono/statement", range.as_str()),
        ("CSV", "/api/mono/statement.csv", range.as_str()),
        ("months summary API, 12 months", "/api/mono/summary", ""),
        ("/months page, 12 months", "/months", ""),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let res = http
                .get(format!("{base}{path}{query}"))
                .header("Cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            bytes = res.bytes().await.unwrap().len();
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{label}, {STORED} transactions ({bytes} bytes): median {:?}, p90 {:?}",
            percentile(&times, 0.5),
            percentile(&times, 0.9)
        );
    }

    // The receiver under a burst.
    let secret = "s".repeat(43);
    let hash = hex::encode(sha2::Sha256::digest(secret.as_bytes()));
    diesel::update(monoweb::db::schema::mono_tokens::table.find(1_i64))
        .set(monoweb::db::schema::mono_tokens::webhook_secret_hash.eq(hash))
        .execute(&mut conn)
        .unwrap();
    let hook = format!("{base}/hooks/mono/{secret}");
    // Events signed as Monobank signs them (by the sandbox, before the clock starts): the
    // receiver refuses unsigned ones once it knows the key.
    let mut signed = Vec::with_capacity(BURST);
    for n in 0..BURST {
        let body = serde_json::to_vec(
            &json!({"type": "StatementItem", "data": {"account": account, "statementItem": {
            "id": format!("hook-{n}"), "time": now - n as i64, "description": "Кава", "mcc": 5814,
            "originalMcc": 5814, "amount": -4500, "operationAmount": -4500, "currencyCode": 980,
            "commissionRate": 0, "cashbackAmount": 0, "balance": 1, "hold": false}}}),
        )
        .unwrap();
        let sign: Value = http
            .post(format!("{sandbox_url}/sandbox/sign"))
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let header = |name: &str| sign[name].as_str().unwrap().to_owned();
        signed.push((body, header("keyId"), header("sign")));
    }
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures_util::stream::iter(signed)
        .map(|(body, key_id, sign)| {
            let req = http
                .post(&hook)
                .header("Content-Type", "application/json")
                .header("X-Key-Id", key_id)
                .header("X-Sign", sign)
                .body(body)
                .send();
            async move {
                let t = Instant::now();
                assert_eq!(req.await.unwrap().status(), 200);
                t.elapsed()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "webhook burst, {BURST} events, {IN_FLIGHT} in flight: {:.0} events/s, p50 {:?}, p99 {:?}",
        BURST as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
}
