//! The sandbox speaks Mono's wire format and enforces Mono's limits; the client, the statement
//! fetcher and the rate cache work against it as they must against Monobank.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use monobank::clock::{Clock, ManualClock, SystemClock};
use monobank::statement::{self, StatementCursor, Step, MAX_WINDOW_SECS, PAGE_SIZE};
use monobank::types::{StatementItem, UserInfo};
use monobank::MonoError;
use monoweb::upstream::lanes::DbLimiter;
use monoweb::upstream::rates::RatesCache;
use serde_json::Value;

use crate::helpers::{migrated_pool, TestSandbox};

const START: i64 = 1_795_000_000;
const ITEM_KEYS: [&str; 12] = [
    "id",
    "time",
    "description",
    "mcc",
    "originalMcc",
    "amount",
    "operationAmount",
    "currencyCode",
    "commissionRate",
    "cashbackAmount",
    "balance",
    "hold",
];
const OPTIONAL_KEYS: [&str; 6] = [
    "comment",
    "receiptId",
    "invoiceId",
    "counterEdrpou",
    "counterIban",
    "counterName",
];

async fn raw(sb: &TestSandbox, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = sb.http.get(format!("{}{path}", sb.url));
    if let Some(token) = token {
        req = req.header("X-Token", token);
    }
    let res = req.send().await.unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn sandbox_output_decodes_in_the_real_key_order_without_nulls() {
    let clock = ManualClock::at(START);
    let sb = TestSandbox::start(clock.clone(), 1.0).await;
    let token = sb.tokens[0].token.clone();
    let (status, info_text) = raw(&sb, "/personal/client-info", Some(&token)).await;
    assert_eq!(status, 200);
    assert!(
        !info_text.contains("null"),
        "optional fields are omitted, never null"
    );
    let info: UserInfo = serde_json::from_str(&info_text).unwrap();
    assert_eq!(info.accounts.len(), 4);
    assert!(info.jars.as_ref().unwrap().iter().any(|j| j.goal.is_none()));

    let path = format!(
        "/personal/statement/0/{}/{}",
        START - MAX_WINDOW_SECS,
        START
    );
    let (status, text) = raw(&sb, &path, Some(&token)).await;
    assert_eq!(status, 200);
    assert!(!text.contains("null"));
    let items: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).unwrap();
    assert_eq!(items.len(), PAGE_SIZE, "the heavy card fills a page");
    let mut optional_seen = HashSet::new();
    for item in &items {
        let keys: Vec<&str> = item.keys().map(String::as_str).collect();
        assert_eq!(&keys[..12], ITEM_KEYS);
        let rest = &keys[12..];
        let positions: Vec<usize> = rest
            .iter()
            .map(|k| OPTIONAL_KEYS.iter().position(|o| o == k).unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "optional keys in order: {rest:?}"
        );
        optional_seen.extend(rest.iter().map(|k| k.to_string()));
    }
    assert!(
        optional_seen.contains("comment") && optional_seen.contains("counterName"),
        "{optional_seen:?}"
    );
    let typed: Vec<StatementItem> = serde_json::from_str(&text).unwrap();
    assert!(
        typed.windows(2).all(|w| w[0].time >= w[1].time),
        "newest first"
    );

    let (_, rates) = raw(&sb, "/bank/currency", None).await;
    let rates: Vec<monobank::types::CurrencyInfo> = serde_json::from_str(&rates).unwrap();
    assert_eq!(
        (rates[0].currency_code_a, rates[0].currency_code_b),
        (840, 980)
    );
    assert!(
        rates.len() > 100
            && rates[3..]
                .iter()
                .all(|r| r.rate_cross.is_some() && r.rate_buy.is_none())
    );
    let sync = sb.client().bank_sync().await.unwrap();
    assert_eq!(sync.server_time_msec, clock.now_ms());
}

#[tokio::test]
async fn sandbox_enforces_monos_errors_and_limits() {
    let clock = ManualClock::at(START);
    let sb = TestSandbox::start(clock.clone(), 1.0).await;
    let c = sb.client();
    let token = sb.token(1);
    assert_eq!(
        c.client_info(&monobank::MonoToken::parse(&"A".repeat(44)).unwrap())
            .await
            .unwrap_err(),
        MonoError::TokenRejected
    );
    let (status, text) = raw(&sb, "/personal/client-info", None).await;
    assert_eq!(
        (status, text.contains("Missing one of required headers")),
        (401, true)
    );
    c.client_info(&token).await.unwrap();
    assert_eq!(
        c.client_info(&token).await.unwrap_err(),
        MonoError::RateLimited { retry_after: None }
    );
    clock.advance(60);
    c.client_info(&token).await.unwrap();

    assert_eq!(
        c.statement(&token, "0", START - MAX_WINDOW_SECS - 1, Some(START))
            .await
            .unwrap_err(),
        MonoError::BadRequest("Period must be no more than 31 days".into())
    );
    clock.advance(60);
    assert_eq!(
        c.statement(&token, "nope", START - 10, Some(START))
            .await
            .unwrap_err(),
        MonoError::BadRequest("invalid account".into())
    );
    clock.advance(60);
    assert!(
        c.statement(&token, "0", START - 86_400, None).await.is_ok(),
        "`to` is optional"
    );
    assert!(matches!(
        c.statement(&token, "0", START - 86_400, None).await,
        Err(MonoError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn injected_faults_give_the_right_errors() {
    let sb = TestSandbox::start(Arc::new(SystemClock), 1.0).await;
    let c = monobank::client::Client::with_timeouts(
        sb.url.parse().unwrap(),
        monobank::client::Timeouts {
            connect: Duration::from_secs(1),
            total: Duration::from_millis(700),
        },
    )
    .unwrap();
    let cases = [
        ("error500", MonoError::Upstream(500)),
        ("edge403", MonoError::EdgeBlocked),
        ("ratelimit", MonoError::RateLimited { retry_after: None }),
        ("latency", MonoError::Timeout),
    ];
    for (mode, expected) in cases {
        sb.fault(mode).await;
        assert_eq!(c.currency().await.unwrap_err(), expected, "{mode}");
    }
    sb.fault("garbage").await;
    assert!(matches!(c.currency().await, Err(MonoError::Decode(_))));
    sb.fault("none").await;
    assert!(c.currency().await.is_ok());
}

/// The windows a 100-day range needs and the fewest calls each takes: one per started page of
/// 500, plus one to confirm a page that came back exactly full.
fn minimal_calls(truth: &[StatementItem], from: i64, to: i64) -> usize {
    let mut calls = 0;
    let mut end = to;
    loop {
        let start = from.max(end - MAX_WINDOW_SECS);
        let n = truth
            .iter()
            .filter(|i| (start..=end).contains(&i.time))
            .count();
        calls += n / PAGE_SIZE + 1;
        if start == from {
            return calls;
        }
        end = start - 1;
    }
}

#[tokio::test]
async fn a_100_day_statement_pages_past_500_and_never_breaks_the_lane() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(START);
    let sb = TestSandbox::start(clock.clone(), 1.0).await;
    let lanes = DbLimiter::new(migrated_pool(dir.path()).await);
    let (client, token) = (sb.client(), sb.token(0));
    let (from, to) = (START - 100 * 86_400, START);
    let mut cursor = StatementCursor::new("0", from, to).unwrap();
    let mut got: Vec<StatementItem> = Vec::new();
    let mut waits = 0;
    loop {
        match statement::step(&client, &lanes, &*clock, &token, "fp-test", &mut cursor)
            .await
            .unwrap()
        {
            Step::Fetched(items) => got.extend(items),
            Step::LaneClosed { next_at } => {
                waits += 1;
                clock.advance(next_at - clock.now());
            }
            Step::Complete => break,
        }
        assert!(waits < 100);
    }
    assert_eq!(cursor.windows_done(), cursor.windows_total());
    let truth: Vec<StatementItem> = sb
        .ledger(0, "0")
        .await
        .into_iter()
        .filter(|i| (from..=to).contains(&i.time))
        .collect();
    assert!(truth.len() > 1500, "{}", truth.len());
    let ids: HashSet<&str> = got.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "no duplicates");
    assert_eq!(
        ids,
        truth.iter().map(|i| i.id.as_str()).collect::<HashSet<_>>(),
        "exactly the sandbox's set"
    );
    assert!(
        got.windows(2).all(|w| w[0].time >= w[1].time),
        "newest first"
    );

    let calls = sb.calls("/personal/statement").await;
    assert!(
        calls.iter().all(|c| c["status"] == 200),
        "no call was refused"
    );
    assert_eq!(calls.len(), minimal_calls(&truth, from, to));
    let times: Vec<i64> = calls.iter().map(|c| c["at_ms"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 60_000), "{times:?}");
}

#[tokio::test]
async fn fifty_concurrent_rate_lookups_make_one_upstream_call() {
    let clock = ManualClock::at(START);
    let sb = TestSandbox::start(clock.clone(), 1.0).await;
    let cache = Arc::new(RatesCache::new(sb.client(), clock.clone()));
    let lookups: Vec<_> = (0..50)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get(Ok(())).await })
        })
        .collect();
    for lookup in lookups {
        let rates = lookup.await.unwrap().unwrap();
        assert!(!rates.stale && rates.list.len() > 100);
    }
    assert_eq!(sb.calls("/bank/currency").await.len(), 1);

    // Fresh for five minutes, then asked again.
    clock.advance(299);
    cache.get(Ok(())).await.unwrap();
    assert_eq!(sb.calls("/bank/currency").await.len(), 1);
    clock.advance(2);
    cache.get(Ok(())).await.unwrap();
    assert_eq!(sb.calls("/bank/currency").await.len(), 2);

    // Mono failing: the old list, marked stale, and no second call within 60 s.
    sb.fault("error500").await;
    clock.advance(301);
    let rates = cache.get(Ok(())).await.unwrap();
    assert!(rates.stale);
    assert_eq!(rates.fetched_at, START + 301);
    clock.advance(30);
    assert!(cache.get(Ok(())).await.unwrap().stale);
    assert_eq!(sb.calls("/bank/currency").await.len(), 3);
    sb.fault("none").await;
    clock.advance(31);
    assert!(
        !cache.get(Ok(())).await.unwrap().stale,
        "recovers by itself"
    );
}

#[tokio::test]
async fn with_nothing_cached_a_failure_is_an_error() {
    let sb = TestSandbox::start(Arc::new(SystemClock), 1.0).await;
    sb.fault("error500").await;
    let cache = RatesCache::new(sb.client(), Arc::new(SystemClock));
    assert_eq!(
        cache.get(Ok(())).await.unwrap_err(),
        MonoError::Upstream(500)
    );
    assert!(
        matches!(cache.get(Ok(())).await.unwrap_err(), MonoError::RateLimited { retry_after: Some(s) } if s <= 60)
    );
}

#[tokio::test]
async fn a_statement_path_with_a_trailing_slash_and_no_to_runs_up_to_now() {
    let clock = ManualClock::at(START);
    let sb = TestSandbox::start(clock.clone(), 1.0).await;
    let token = &sb.tokens[0].token;
    let from = START - 86_400;
    let get = |path: String| {
        let http = reqwest::Client::new();
        let token = token.clone();
        async move {
            http.get(path)
                .header("X-Token", token)
                .send()
                .await
                .unwrap()
        }
    };
    let slash = get(format!("{}/personal/statement/0/{from}/", sb.url)).await;
    assert_eq!(slash.status(), 200);
    let slash: Vec<StatementItem> = slash.json().await.unwrap();
    clock.advance(61);
    let plain = get(format!("{}/personal/statement/0/{from}", sb.url)).await;
    assert_eq!(plain.status(), 200);
    let plain: Vec<StatementItem> = plain.json().await.unwrap();
    assert!(!slash.is_empty());
    assert_eq!(slash, plain, "the same answer as without the slash");
}
