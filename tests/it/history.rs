//! The transaction store: the webhook receiver, the background sync (backfill, gaps, leases,
//! restarts), statements for any range and CSV, against the sandbox on a shared manual clock.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use monobank::clock::Clock;
use serde_json::{json, Value};
use sha2::Digest;

use crate::helpers::{count_rows, AppBuilder, TestApp, TestSandbox};

/// An instance that syncs (looking for work every 10 ms) `history_days` of history.
pub(crate) fn syncing(history_days: u32) -> AppBuilder {
    TestApp::builder().syncing().configure(move |s| {
        s.sync_history_days = history_days;
        // The tests move the clock by hours; the session should outlive that.
        s.session_idle_secs = 100 * 86_400;
        s.session_max_secs = 100 * 86_400;
    })
}

/// The app and the sandbox with the background sync on.
pub(crate) async fn spawn_syncing(history_days: u32, time_scale: f64) -> (TestApp, TestSandbox) {
    syncing(history_days).start_with_sandbox(time_scale).await
}

/// Another instance of `first`'s deployment: the same database, master secret, clock and sandbox.
async fn second_instance(first: &TestApp, history_days: u32) -> TestApp {
    syncing(history_days).deployment_of(first).start().await
}

/// Registers a user, attaches sandbox token `n`; returns the session cookie.
pub(crate) async fn owner(app: &TestApp, sandbox: &TestSandbox, n: usize) -> String {
    app.with_token(sandbox, n, &format!("owner{n}")).await
}

pub(crate) async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

async fn progress(app: &TestApp, cookie: &str) -> Value {
    json_of(app.get_as("/api/mono/sync", cookie).await).await["detail"].clone()
}

fn backfill_done(p: &Value) -> bool {
    let accounts = p["accounts"].as_array().cloned().unwrap_or_default();
    !accounts.is_empty() && accounts.iter().all(|a| a["complete"] == true)
}

/// Moves the shared clock a minute at a time (one statement call per minute) until the sync
/// reports every account complete. After each move it waits for the sync to use the minute (a
/// statement lane claimed at or after it), so a slow round under load costs no minute.
pub(crate) async fn run_backfill(app: &TestApp, cookie: &str) -> Value {
    for _ in 0..400 {
        let p = progress(app, cookie).await;
        if backfill_done(&p) {
            return p;
        }
        app.clock.advance(61);
        let now = app.clock.now();
        let started = Instant::now();
        while newest_statement_lane(app) < now + 60 && started.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    panic!(
        "the backfill did not finish: {}",
        progress(app, cookie).await
    );
}

/// When the latest-closing statement lane of any token opens again (Unix s; 0 for none).
pub fn newest_statement_lane(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use monoweb::db::schema::rate_lanes;
    let mut conn = app.db();
    rate_lanes::table
        .filter(rate_lanes::endpoint.eq("statement"))
        .select(rate_lanes::next_at)
        .load::<i64>(&mut conn)
        .unwrap()
        .into_iter()
        .max()
        .unwrap_or(0)
}

/// The statement calls the sandbox received for token `n`, in order of time.
async fn statement_call_times(sandbox: &TestSandbox, n: usize) -> Vec<i64> {
    let hint = &sandbox.tokens[n].token[sandbox.tokens[n].token.len() - 4..];
    let mut times: Vec<i64> = sandbox
        .calls("/personal/statement")
        .await
        .into_iter()
        .filter(|c| c["token_hint"] == hint && c["status"] == 200)
        .map(|c| c["at_ms"].as_i64().unwrap() / 1000)
        .collect();
    times.sort_unstable();
    times
}

fn assert_spaced(times: &[i64]) {
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= 60,
            "two statement calls within 60 s: {pair:?}"
        );
    }
}

/// Every stored id of an account.
fn stored_ids(app: &TestApp, user: i64, account: &str) -> BTreeSet<String> {
    let mut conn = app.db();
    monoweb::db::transactions::ids(&mut conn, monoweb::db::users::UserId(user), account)
        .unwrap()
        .into_iter()
        .collect()
}

/// How many stored transactions of user 1 have ids starting with `prefix` (the background sync
/// adds the sandbox's own meanwhile).
fn stored_with_prefix(app: &TestApp, prefix: &str) -> usize {
    use diesel::prelude::*;
    use monoweb::db::schema::transactions::dsl as t;
    let mut conn = app.db();
    let n: i64 = t::transactions
        .filter(t::user_id.eq(1))
        .filter(t::id.like(format!("{prefix}%")))
        .count()
        .get_result(&mut conn)
        .unwrap();
    usize::try_from(n).unwrap()
}

/// Puts a receiver secret of the test's choosing on user `user`'s token (its hash, as
/// registration stores it); the registered URL is left as it is.
pub(crate) fn install_receiver(app: &TestApp, user: i64) -> String {
    use diesel::prelude::*;
    let secret = "a".repeat(43);
    let hash = hex::encode(sha2::Sha256::digest(secret.as_bytes()));
    let mut conn = app.db();
    diesel::update(monoweb::db::schema::mono_tokens::table.find(user))
        .set(monoweb::db::schema::mono_tokens::webhook_secret_hash.eq(hash))
        .execute(&mut conn)
        .unwrap();
    secret
}

pub(crate) fn event(account: &str, id: &str, time: i64) -> Value {
    json!({"type": "StatementItem", "data": {"account": account, "statementItem": {
        "id": id, "time": time, "description": "Кава", "mcc": 5814, "originalMcc": 5814,
        "amount": -4500, "operationAmount": -4500, "currencyCode": 980, "commissionRate": 0,
        "cashbackAmount": 45, "balance": 100000, "hold": false}}})
}

/// The default account's id (from the balance view, once client-info has been read: the sync
/// and the view share its one call a minute).
pub(crate) async fn default_account(app: &TestApp, cookie: &str) -> String {
    for _ in 0..100 {
        let balance = json_of(app.get_as("/api/mono/balance", cookie).await).await;
        if let Some(id) = balance["detail"]["account"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("client-info was never read");
}

pub(crate) fn today(app: &TestApp) -> String {
    monoweb::web::format::date(app.clock.now())
}

#[tokio::test]
async fn a_sandbox_transaction_reaches_the_statement_through_the_webhook_in_a_second() {
    // Time scale 600: should a delivery fail while the machine is busy, Monobank's retry (60 s
    // later) comes after 0.1 s.
    let (app, sandbox) = spawn_syncing(1, 600.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let started = Instant::now();
    let created = sandbox
        .create_transaction(0, -12_345, "Webhook coffee")
        .await;
    let id = created["statementItem"]["id"].as_str().unwrap().to_owned();
    let day = today(&app);
    loop {
        let res = app
            .get_as(&format!("/api/mono/statement?from={day}&to={day}"), &cookie)
            .await;
        assert_eq!(res.status(), 200);
        let body = json_of(res).await;
        let items = body["detail"]["items"].as_array().unwrap();
        if items.iter().any(|i| i["id"] == id.as_str()) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not stored within a second: {} events, sync {}",
            count_rows(&app.database_url, "webhook_events"),
            progress(&app, &cookie).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The secret is in no log line and no stored URL.
    let mut conn = app.db();
    let row = monoweb::db::tokens::find(&mut conn, monoweb::db::users::UserId(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        row.webhook_url.unwrap(),
        format!("{}/hooks/mono/", app.address)
    );
    assert_eq!(count_rows(&app.database_url, "webhook_events"), 1);
}

#[tokio::test]
async fn each_event_is_stored_once_and_bad_events_change_nothing() {
    let (app, sandbox) = spawn_syncing(1, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let other = owner(&app, &sandbox, 1).await;
    let account = default_account(&app, &cookie).await;
    let foreign = default_account(&app, &other).await;
    let secret = install_receiver(&app, 1);
    let url = app.url(&format!("/hooks/mono/{secret}"));
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    let now = app.clock.now();
    // Events as Monobank sends them: signed with the key /bank/sync publishes.
    let (key_id, _) = sandbox.sign(b"").await;
    let post = |body: Vec<u8>| {
        let (sandbox, client, url, key_id) = (&sandbox, &app.client, &url, &key_id);
        async move {
            let (_, sign) = sandbox.sign(&body).await;
            client
                .post(url)
                .header("Content-Type", "application/json")
                .header("X-Key-Id", key_id.as_str())
                .header("X-Sign", sign)
                .body(body)
                .send()
                .await
        }
    };
    let once = serde_json::to_vec(&event(&account, "dup-1", now)).unwrap();
    assert_eq!(post(once.clone()).await.unwrap().status(), 200);
    assert_eq!(
        post(once).await.unwrap().status(),
        200,
        "a repeated delivery"
    );
    assert_eq!(stored_with_prefix(&app, "dup-"), 1);

    // 1000 distinct events, 50 at a time.
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures_util::stream::iter(0..1000)
        .map(|n| {
            let body =
                serde_json::to_vec(&event(&account, &format!("burst-{n}"), now - n)).unwrap();
            let req = post(body);
            async move {
                let t = Instant::now();
                let res = req.await.unwrap();
                assert_eq!(res.status(), 200);
                t.elapsed()
            }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    eprintln!(
        "webhook burst: 1000 events in {:.2} s = {:.0}/s, p50 {:?}, p99 {:?}",
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64(),
        latencies[500],
        latencies[989]
    );
    assert_eq!(stored_with_prefix(&app, "burst-"), 1000);
    assert_eq!(count_rows(&app.database_url, "webhook_events"), 1001);

    // Refused, and nothing stored.
    let unknown = app
        .client
        .post(app.url(&format!("/hooks/mono/{}", "b".repeat(43))))
        .json(&event(&account, "x-1", now))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let unknown_page = unknown.text().await.unwrap();
    let no_path = app.get("/no/such/path").await.text().await.unwrap();
    assert_eq!(unknown_page, no_path, "the same 404 as any unknown path");
    let mut wrong_type = event(&account, "x-2", now);
    wrong_type["type"] = json!("AccountClosed");
    let res = post(serde_json::to_vec(&wrong_type).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = post(serde_json::to_vec(&event(&foreign, "x-3", now)).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "another user's account");
    let mut huge = event(&account, "x-4", now);
    huge["data"]["statementItem"]["comment"] = json!("x".repeat(100 * 1024));
    let res = post(serde_json::to_vec(&huge).unwrap()).await.unwrap();
    assert_eq!(res.status(), 413);
    let res = post(b"{not json".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    // Forged events, once Monobank's key is known: each refused, nothing stored, and a stored
    // row's amount and description unchanged.
    assert_eq!(progress(&app, &cookie).await["signing_key"], true);
    let forge = |body: Vec<u8>, headers: Vec<(&'static str, String)>| {
        let mut req = app
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        req.send()
    };
    let mut overwrite = event(&account, "dup-1", now);
    overwrite["data"]["statementItem"]["amount"] = json!(-9_999_999_999_i64);
    overwrite["data"]["statementItem"]["description"] = json!("Forged");
    let forged = serde_json::to_vec(&overwrite).unwrap();
    let (_, sign_of_other_body) = sandbox
        .sign(&serde_json::to_vec(&event(&account, "x-6", now)).unwrap())
        .await;
    let (_, good_sign) = sandbox.sign(&forged).await;
    let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        ("no X-Sign", vec![("X-Key-Id", key_id.clone())]),
        (
            "a wrong signature",
            vec![
                ("X-Key-Id", key_id.clone()),
                (
                    "X-Sign",
                    "MEUCIQDbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbad".into(),
                ),
            ],
        ),
        (
            "a key id /bank/sync does not know",
            vec![
                ("X-Key-Id", "0123456789abcdef".into()),
                ("X-Sign", good_sign.clone()),
            ],
        ),
        (
            "a valid signature over a different body",
            vec![("X-Key-Id", key_id.clone()), ("X-Sign", sign_of_other_body)],
        ),
    ];
    for (case, headers) in cases {
        let res = forge(forged.clone(), headers).await.unwrap();
        assert_eq!(res.status(), 400, "{case}");
    }
    let mut conn = app.db();
    let row: (i64, String) = {
        use diesel::prelude::*;
        use monoweb::db::schema::transactions::dsl as t;
        t::transactions
            .filter(t::id.eq("dup-1"))
            .select((t::amount, t::description))
            .first(&mut conn)
            .unwrap()
    };
    assert_eq!(
        row,
        (-4500, "Кава".to_owned()),
        "the stored row is unchanged"
    );
    assert_eq!(stored_with_prefix(&app, "x-"), 0);
    assert_eq!(count_rows(&app.database_url, "webhook_events"), 1001);
}

#[tokio::test]
async fn a_year_of_backfill_is_exactly_the_sandboxs_within_the_limits_and_served_as_csv() {
    let (app, sandbox) = spawn_syncing(365, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let start = app.clock.now();
    let p = run_backfill(&app, &cookie).await;
    let accounts: Vec<String> = p["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account"].as_str().unwrap().to_owned())
        .collect();
    assert!(accounts.len() >= 4, "cards and jars: {accounts:?}");
    let mut total = 0;
    for (account, a) in accounts.iter().zip(p["accounts"].as_array().unwrap()) {
        // The sync's own start of history: a year before it first read the accounts.
        let history_from = a["history_from"].as_i64().unwrap();
        assert!((history_from - (start - 365 * 86_400)).abs() < 600);
        let expected: BTreeSet<String> = sandbox
            .ledger(0, account)
            .await
            .into_iter()
            .filter(|i| i.time >= history_from)
            .map(|i| i.id)
            .collect();
        assert_eq!(stored_ids(&app, 1, account), expected, "account {account}");
        total += expected.len();
    }
    assert!(total > 1000, "a year of history: {total}");
    assert_spaced(&statement_call_times(&sandbox, 0).await);

    // The statement API answers a range from the store, complete (up to three days ago: the
    // store ends where the backfill began, and the sandbox's last two days hold open holds,
    // which keep a range from being final); CSV has the same rows.
    let account = default_account(&app, &cookie).await;
    let day = monoweb::web::format::date(start - 3 * 86_400);
    let from = monoweb::web::format::date(app.clock.now() - 200 * 86_400);
    let query = format!("from={from}&to={day}&account={account}");
    let body = json_of(
        app.get_as(&format!("/api/mono/statement?{query}"), &cookie)
            .await,
    )
    .await;
    assert_eq!(
        body["detail"]["complete"], true,
        "{}",
        body["detail"]["next_fetch_at"]
    );
    let items = body["detail"]["items"].as_array().unwrap();
    assert!(items.len() > 500);
    let times: Vec<i64> = items.iter().map(|i| i["time"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let csv = app
        .get_as(&format!("/api/mono/statement.csv?{query}"), &cookie)
        .await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "date,time,account,description,mcc,category,amount,currency,operation_amount,operation_currency,cashback,commission,balance,hold,comment,counterparty"
    );
    assert_eq!(lines.count(), items.len());
    let first = &items[0];
    let amount = monobank::currency::format_minor(
        first["amount"].as_i64().unwrap(),
        monobank::currency::UAH,
    );
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .contains(&format!(",{amount},UAH,")));

    // A range older than the history: reading it fetches nothing; asking for it (a POST) does.
    let old_from = monoweb::web::format::date(start - 400 * 86_400);
    let old_to = monoweb::web::format::date(start - 380 * 86_400);
    let old = format!("/api/mono/statement?from={old_from}&to={old_to}&account={account}");
    let body = json_of(app.get_as(&old, &cookie).await).await;
    assert_eq!(body["detail"]["complete"], false);
    assert_eq!(body["detail"]["coverage"]["fetched"], serde_json::json!([]));
    assert!(body["detail"]["next_fetch_at"].is_i64());
    assert!(backfill_done(&run_backfill(&app, &cookie).await));
    let body = json_of(app.get_as(&old, &cookie).await).await;
    assert_eq!(body["detail"]["complete"], false, "a GET extends nothing");
    let res = app
        .post_json(
            "/api/mono/sync/history/",
            &serde_json::json!({"from": old_from, "account": account}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 202);
    run_backfill(&app, &cookie).await;
    let body = json_of(app.get_as(&old, &cookie).await).await;
    assert_eq!(body["detail"]["complete"], true);
    assert_spaced(&statement_call_times(&sandbox, 0).await);

    // Bad queries.
    for bad in [
        "from=2026-13-01&to=2026-12-01",
        "from=2026-05-02&to=2026-05-01",
        "to=2026-01-01",
        "from=x&to=y&account=../etc",
    ] {
        let res = app
            .get_as(&format!("/api/mono/statement?{bad}"), &cookie)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_backfill_resumes_without_duplicates_or_gaps() {
    let (first, sandbox) = spawn_syncing(120, 1.0).await;
    let cookie = owner(&first, &sandbox, 0).await;
    let start = first.clock.now();
    // A few statement pages in, stop the first process.
    let started = Instant::now();
    while count_rows(&first.database_url, "transactions") < 600 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no history was fetched"
        );
        first.clock.advance(61);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(!backfill_done(&progress(&first, &cookie).await));
    (first.stop)();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A new process on the same database (its own instance id: the old lease must expire).
    let second = second_instance(&first, 120).await;
    let cookie = second.login("owner0", crate::helpers::PASSWORD).await;
    run_backfill(&second, &cookie).await;
    let accounts = progress(&second, &cookie).await["accounts"].clone();
    for account in accounts.as_array().unwrap() {
        let history_from = account["history_from"].as_i64().unwrap();
        assert!((history_from - (start - 120 * 86_400)).abs() < 600);
        let account = account["account"].as_str().unwrap();
        let expected: BTreeSet<String> = sandbox
            .ledger(0, account)
            .await
            .into_iter()
            .filter(|i| i.time >= history_from)
            .map(|i| i.id)
            .collect();
        assert_eq!(
            stored_ids(&second, 1, account),
            expected,
            "account {account}"
        );
    }
    assert_spaced(&statement_call_times(&sandbox, 0).await);
}

#[tokio::test]
async fn two_instances_store_events_once_and_sync_a_token_one_at_a_time() {
    let (first, sandbox) = spawn_syncing(60, 1.0).await;
    let second = second_instance(&first, 60).await;
    let cookie = owner(&first, &sandbox, 0).await;
    let account = default_account(&first, &cookie).await;
    // Only one instance holds the lease while there is work. The clock moves a minute only after
    // the sync has made the minute's statement call, so however slow a round is, the holder
    // renews its lease long before it could expire.
    let mut owners = BTreeSet::new();
    // A minute whose call failed (a busy database file under a loaded machine, an answer that
    // was not a 200) is followed by another minute, a few times at most.
    let mut stalls = 0;
    for _ in 0..400 {
        let p = progress(&first, &cookie).await;
        if backfill_done(&p) {
            break;
        }
        let mut conn = first.db();
        if let Some(u) = monoweb::db::sync::user(&mut conn, monoweb::db::users::UserId(1)).unwrap()
        {
            owners.extend(u.lease_owner);
        }
        let calls = statement_call_times(&sandbox, 0).await.len();
        first.clock.advance(61);
        let started = Instant::now();
        while statement_call_times(&sandbox, 0).await.len() == calls
            && !backfill_done(&progress(&first, &cookie).await)
        {
            if started.elapsed() > Duration::from_secs(10) {
                stalls += 1;
                assert!(
                    stalls <= 3,
                    "the sync made no statement call in a minute of its clock, {stalls} times"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let p = progress(&first, &cookie).await;
    assert!(backfill_done(&p), "{p} {owners:?}");
    assert_eq!(owners.len(), 1, "one instance synced the token: {owners:?}");
    assert_spaced(&statement_call_times(&sandbox, 0).await);

    // Events posted to either instance are stored once.
    let secret = install_receiver(&first, 1);
    let now = first.clock.now();
    let ids: Vec<String> = (0..40).map(|n| format!("both-{n}")).collect();
    let mut requests = Vec::new();
    for app in [&first, &second] {
        for id in &ids {
            let body = serde_json::to_vec(&event(&account, id, now)).unwrap();
            let (key_id, sign) = sandbox.sign(&body).await;
            requests.push(
                app.client
                    .post(app.url(&format!("/hooks/mono/{secret}")))
                    .header("Content-Type", "application/json")
                    .header("X-Key-Id", key_id)
                    .header("X-Sign", sign)
                    .body(body)
                    .send(),
            );
        }
    }
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.unwrap().status(), 200);
    }
    assert_eq!(stored_with_prefix(&first, "both-"), ids.len());
    assert_eq!(count_rows(&first.database_url, "webhook_events"), ids.len());
}

#[tokio::test]
async fn a_webhook_switched_off_by_monobank_is_registered_again_and_the_gap_filled() {
    // Time scale 600: the sandbox's retries at +60 s and +600 s come after 0.1 s and 1 s.
    let (app, sandbox) = spawn_syncing(2, 600.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    run_backfill(&app, &cookie).await;
    // The receiver fails: its secret no longer matches what Monobank was given.
    install_receiver(&app, 1);
    let missed = sandbox
        .create_transaction(0, -777, "Missed while off")
        .await;
    let missed_id = missed["statementItem"]["id"].as_str().unwrap().to_owned();
    // Three failed deliveries, then the sandbox switches the webhook off.
    sandbox
        .wait_for_switch_off(0, Duration::from_secs(10))
        .await;
    let account = default_account(&app, &cookie).await;
    assert!(!stored_ids(&app, 1, &account).contains(&missed_id));
    let broken = secret_hash_of(&app);
    // An hour later the sync sees the webhook off, registers it again (a new secret) and fills
    // the gap.
    app.clock.advance(3_700);
    let started = Instant::now();
    while !stored_ids(&app, 1, &account).contains(&missed_id) || secret_hash_of(&app) == broken {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the gap was not filled or the webhook not registered again"
        );
        app.clock.advance(61);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = sandbox
        .create_transaction(0, -777, "After re-registration")
        .await;
    let again_id = again["statementItem"]["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    while !stored_ids(&app, 1, &account).contains(&again_id) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the new webhook delivers"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn secret_hash_of(app: &TestApp) -> Option<String> {
    let mut conn = app.db();
    monoweb::db::tokens::find(&mut conn, monoweb::db::users::UserId(1))
        .unwrap()
        .unwrap()
        .webhook_secret_hash
}

#[tokio::test]
async fn a_settled_hold_is_superseded_and_a_vanished_hold_is_marked_cancelled() {
    use monobank::types::StatementItem;
    use monoweb::db::transactions::{mark_cancelled, range, upsert, Source, TransactionRow};
    use monoweb::db::users::UserId;
    let app = crate::helpers::TestApp::builder().start().await;
    app.register("holder", crate::helpers::PASSWORD).await;
    let mut conn = app.db();
    let user = UserId(1);
    let row = |id: &str, time: i64, amount: i64, hold: bool| {
        let mut item = StatementItem::new(id.into(), time, "Кава", 5814, amount, 980);
        item.hold = hold;
        TransactionRow::new(user, "card", &item, Source::Webhook, 0)
    };
    assert!(upsert(&mut conn, &row("hold-1", 1_000, -4_500, true)).unwrap());
    assert!(upsert(&mut conn, &row("other-hold", 1_000, -9_900, true)).unwrap());
    assert!(
        !upsert(&mut conn, &row("hold-1", 1_000, -4_500, true)).unwrap(),
        "again: not new"
    );
    // Settled two days later under another id: it replaces the hold of the same amount only.
    assert!(upsert(
        &mut conn,
        &row("settled-1", 1_000 + 2 * 86_400, -4_500, false)
    )
    .unwrap());
    let ids: Vec<String> = range(&mut conn, user, &["card".to_owned()], 0, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["settled-1", "other-hold"]);
    // A complete statement of [900, 1100] no longer lists the other hold, nor the hold settled
    // under another id: both are marked cancelled.
    assert_eq!(
        mark_cancelled(&mut conn, user, "card", (900, 1_100), &[], 1).unwrap(),
        2
    );
    let ids: Vec<String> = range(&mut conn, user, &["card".to_owned()], 0, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["settled-1"], "a cancelled hold is never shown");
    assert_eq!(count_rows(&app.database_url, "transactions"), 3, "but kept");
    // Delivered again by the webhook, it stays cancelled: only a statement can bring it back.
    upsert(&mut conn, &row("other-hold", 1_000, -9_900, true)).unwrap();
    assert_eq!(
        range(&mut conn, user, &["card".to_owned()], 0, i64::MAX)
            .unwrap()
            .len(),
        1
    );
    let mut listed = row("other-hold", 1_000, -9_900, true);
    listed.source = "statement".into();
    upsert(&mut conn, &listed).unwrap();
    assert_eq!(
        range(&mut conn, user, &["card".to_owned()], 0, i64::MAX)
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_burst_of_100_transactions_in_one_second_is_in_the_statement_at_once() {
    // The clock stands still: the whole burst happens within one second of it.
    let (app, sandbox) = spawn_syncing(1, 600.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    let now = app.clock.now();
    let mut ids = BTreeSet::new();
    for n in 0..100 {
        let created = sandbox
            .create_transaction(0, -100 - n, &format!("Burst {n}"))
            .await;
        let time = created["statementItem"]["time"].as_i64().unwrap();
        assert!(
            (now..=now + 1).contains(&time),
            "a new operation carries the real time, not a second of its own: {time} vs {now}"
        );
        ids.insert(created["statementItem"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 100, "ids stay unique within a second");
    let account = default_account(&app, &cookie).await;
    let started = Instant::now();
    while stored_ids(&app, 1, &account).intersection(&ids).count() < 100 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the burst was not delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Asked for today, the statement shows all 100 now, whatever their second.
    let day = today(&app);
    let body = json_of(
        app.get_as(&format!("/api/mono/statement?from={day}&to={day}"), &cookie)
            .await,
    )
    .await;
    let shown: BTreeSet<String> = body["detail"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shown.intersection(&ids).count(), 100, "{body}");
}

#[tokio::test]
async fn the_receivers_secret_is_in_no_database_file_answer_or_page() {
    // No background sync: the test's own calls are the only ones on the token's minute.
    let (app, sandbox) = TestApp::builder()
        .configure(|s| s.sync_history_days = 1)
        .start_with_sandbox(600.0)
        .await;
    let cookie = owner(&app, &sandbox, 0).await;
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    // What Monobank was given: the receiver's URL with its secret.
    app.clock.advance(61);
    let registered = sandbox
        .client()
        .client_info(&sandbox.token(0))
        .await
        .unwrap()
        .web_hook_url;
    let secret = registered.rsplit('/').next().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "{registered}");
    // The app reads client-info again (Monobank now lists the URL) and stores it.
    app.clock.advance(61);
    let info = json_of(app.get_as("/api/mono/client-info", &cookie).await).await;
    assert_eq!(info["stale"], false);
    assert_eq!(
        info["detail"]["webHookUrl"],
        format!("{}/hooks/mono/…", app.address),
        "monoweb's own receiver is shown without its secret"
    );
    let day = today(&app);
    let mut answers = Vec::new();
    for path in [
        "/api/mono/".to_owned(),
        "/api/mono/client-info".to_owned(),
        "/api/mono/balance".to_owned(),
        "/api/mono/sync".to_owned(),
        format!("/api/mono/statement?from={day}&to={day}"),
        format!("/api/mono/statement.csv?from={day}&to={day}"),
        "/".to_owned(),
        "/token".to_owned(),
        "/webhook".to_owned(),
        "/statement".to_owned(),
        "/settings".to_owned(),
    ] {
        let res = app.get_as(&path, &cookie).await;
        assert_eq!(res.status(), 200, "{path}");
        answers.push((path, res.text().await.unwrap()));
    }
    for (path, text) in &answers {
        assert!(!text.contains(&secret), "{path} shows the secret");
    }
    // Nothing stored holds it: every snapshot, and (on SQLite) the database files themselves,
    // the write-ahead log included.
    let mut conn = app.db();
    let snap = monoweb::db::snapshots::get(&mut conn, monoweb::db::users::UserId(1), "client-info")
        .unwrap()
        .unwrap();
    assert!(!snap.json.contains(&secret), "the client-info snapshot");
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{file} holds the secret"
            );
        }
    }
}

#[tokio::test]
async fn a_400_from_monobank_keeps_the_span_unfetched_and_is_retried_not_taken_for_data() {
    let (app, sandbox) = spawn_syncing(1, 1.0).await;
    // Every statement call answers 400 (and not "invalid account").
    sandbox.fault("badrequest").await;
    let cookie = owner(&app, &sandbox, 1).await;
    let started = Instant::now();
    let failed = loop {
        let p = progress(&app, &cookie).await;
        let failed = p["accounts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["last_error"].is_string())
            .cloned();
        if let Some(failed) = failed {
            break failed;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no failed call was noted: {p}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(failed["complete"], false, "{failed}");
    assert_eq!(failed["closed"], false);
    assert_eq!(failed["windows_done"], 0);
    assert!(failed["retry_at"].as_i64().unwrap() > app.clock.now());
    let account = failed["account"].as_str().unwrap().to_owned();
    let day = today(&app);
    let statement = json_of(
        app.get_as(
            &format!("/api/mono/statement?from={day}&to={day}&account={account}"),
            &cookie,
        )
        .await,
    )
    .await;
    assert_eq!(statement["detail"]["complete"], false, "{statement}");
    // Monobank recovers: the account is retried and fetched like the others.
    sandbox.fault("none").await;
    let p = run_backfill(&app, &cookie).await;
    let again = p["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == account.as_str())
        .unwrap();
    assert_eq!(again["complete"], true, "{again}");
    assert_eq!(again["last_error"], Value::Null);
    let truth = sandbox.ledger(1, &account).await;
    let history_from = again["history_from"].as_i64().unwrap();
    let expected: BTreeSet<String> = truth
        .iter()
        .filter(|i| i.time >= history_from)
        .map(|i| i.id.clone())
        .collect();
    let stored: BTreeSet<String> = stored_ids(&app, 1, &account)
        .into_iter()
        .filter(|id| expected.contains(id))
        .collect();
    assert_eq!(stored, expected, "the account's history is all there");
}
