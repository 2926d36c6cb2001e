//! The sync's schedule and the store's reconciliation with Monobank, driven one round at a time
//! on a manual clock shared with the sandbox: what is fetched first, what a read may not change,
//! how coverage is reported, and the five ways a store could show wrong numbers as complete.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::{AppBuilder, TestApp, TestSandbox};
use monoweb::db::users::UserId;
use monoweb::services::sync;

/// An app whose sync runs only when the test says (`round`), keeping `history_days`.
fn driven(history_days: u32) -> AppBuilder {
    TestApp::builder().configure(move |s| {
        s.sync_history_days = history_days;
        s.session_idle_secs = 100 * 86_400;
        s.session_max_secs = 100 * 86_400;
    })
}

/// Starts a driven app on a sandbox; the app has noted its start.
async fn start(history_days: u32) -> (TestApp, TestSandbox) {
    let (app, sandbox) = driven(history_days)
        .clock(crate::helpers::yesterday_morning())
        .start_with_sandbox(1.0)
        .await;
    sync::note_start(&app.context).await.unwrap();
    (app, sandbox)
}

/// One minute later, one sync round (at most one statement call per token).
async fn round(app: &TestApp) {
    app.clock.advance(61);
    sync::run_once(&app.context).await.unwrap();
}

/// Registers a user and attaches sandbox token `n`; returns the session cookie.
async fn attach(app: &TestApp, sandbox: &TestSandbox, n: usize) -> String {
    app.with_token(sandbox, n, &format!("reconciler{n}")).await
}

async fn detail(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body["detail"].clone()
}

/// Every account and jar id of the user, in client-info order.
async fn account_ids(app: &TestApp, cookie: &str) -> Vec<String> {
    let info = detail(app.get_as("/api/mono/client-info", cookie).await).await;
    let accounts = info["accounts"].as_array().unwrap().iter();
    let jars = info["jars"].as_array().cloned().unwrap_or_default();
    accounts
        .chain(jars.iter())
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The statement API's answer for a Kyiv day range of `account`.
async fn statement(app: &TestApp, cookie: &str, account: &str, from: &str, to: &str) -> Value {
    let path = format!("/api/mono/statement/?from={from}&to={to}&account={account}");
    detail(app.get_as(&path, cookie).await).await
}

fn today(app: &TestApp) -> String {
    use monobank::clock::Clock;
    monoweb::web::format::date(app.clock.now())
}

/// (id, amount, hold) of the visible rows of a statement answer, sorted.
fn rows_of(answer: &Value) -> Vec<(String, i64, bool)> {
    let mut rows: Vec<(String, i64, bool)> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["amount"].as_i64().unwrap(),
                i["hold"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// (id, amount, hold) of the sandbox's operations of `account` within `[from, to]`, sorted.
async fn ledger_rows(
    sandbox: &TestSandbox,
    n: usize,
    account: &str,
    (from, to): (i64, i64),
) -> Vec<(String, i64, bool)> {
    let mut rows: Vec<(String, i64, bool)> = sandbox
        .ledger(n, account)
        .await
        .into_iter()
        .filter(|i| (from..=to).contains(&i.time))
        .map(|i| (i.id, i.amount, i.hold))
        .collect();
    rows.sort();
    rows
}

/// The `(account, from, to)` of the sandbox's successful statement calls for token `n`, in order.
async fn statement_calls(sandbox: &TestSandbox, n: usize) -> Vec<(String, i64, i64)> {
    let token = &sandbox.tokens[n].token;
    let hint = &token[token.len() - 4..];
    sandbox
        .calls("/personal/statement/")
        .await
        .into_iter()
        .filter(|c| c["token_hint"] == hint && c["status"] == 200)
        .map(|c| {
            let path = c["path"].as_str().unwrap().to_owned();
            let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
            (
                parts[3].to_owned(),
                parts[4].parse().unwrap(),
                parts.get(5).map_or(0, |t| t.parse().unwrap()),
            )
        })
        .collect()
}

/// The sync tables' rows of a user, as text (to compare before and after).
fn sync_state(app: &TestApp, user: i64) -> String {
    let mut conn = app.db();
    let accounts = monoweb::db::sync::accounts(&mut conn, UserId(user)).unwrap();
    let user = monoweb::db::sync::user(&mut conn, UserId(user)).unwrap();
    format!("{accounts:?} {user:?}")
}

/// Runs rounds until every account's history is in, at most `limit` rounds; answers how many.
async fn until_history_is_in(app: &TestApp, cookie: &str, limit: usize) -> usize {
    for n in 1..=limit {
        round(app).await;
        let progress = detail(app.get_as("/api/mono/sync/", cookie).await).await;
        let accounts = progress["accounts"].as_array().unwrap();
        if !accounts.is_empty() && accounts.iter().all(|a| a["complete"] == true) {
            return n;
        }
    }
    panic!("the history was not in after {limit} rounds");
}

#[tokio::test]
async fn the_first_statement_calls_are_the_newest_month_of_every_account_and_jar() {
    use monobank::clock::Clock;
    let (app, sandbox) = start(365).await;
    let cookie = attach(&app, &sandbox, 0).await;
    let accounts = account_ids(&app, &cookie).await;
    assert_eq!(accounts.len(), 6, "four accounts and two jars");
    let mut nows = Vec::new();
    while statement_calls(&sandbox, 0).await.len() < accounts.len() {
        round(&app).await;
        nows.push(app.clock.now());
        assert!(nows.len() <= 10, "six calls take six rounds");
    }
    let calls = statement_calls(&sandbox, 0).await;
    let first: BTreeMap<&str, (i64, i64)> = calls[..6]
        .iter()
        .map(|(a, from, to)| (a.as_str(), (*from, *to)))
        .collect();
    assert_eq!(first.len(), 6, "one call per account and jar: {calls:?}");
    for (account, (from, to)) in &first {
        assert!(accounts.iter().any(|a| a == account));
        assert_eq!(to - from, 31 * 86_400 - 1, "the newest month of {account}");
        assert!(
            nows.iter().any(|now| *to == now - 1),
            "up to the call's second"
        );
    }
    let months = nows.len();
    let rounds = months + until_history_is_in(&app, &cookie, 200).await;
    let calls = statement_calls(&sandbox, 0).await.len();
    eprintln!(
        "figures: the newest 31 days of all 6 accounts after {months} statement calls \
         ({months} min at Monobank's pace); a year after {calls} calls in {rounds} rounds \
         ({rounds} min)"
    );
}

#[tokio::test]
async fn reading_old_ranges_changes_no_sync_state_and_answers_at_once_incomplete() {
    let (app, sandbox) = start(30).await;
    let cookie = attach(&app, &sandbox, 1).await;
    for _ in 0..8 {
        round(&app).await;
    }
    let before = sync_state(&app, 1);
    let page = app
        .get_as("/statement?from=0001-01-01&to=0001-01-02", &cookie)
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("not fetched yet"), "{html}");
    assert!(
        html.contains("Fetch history back to 2017-11-01"),
        "never before Monobank's first day"
    );
    let answer = statement(&app, &cookie, "0", "1990-01-01", "1990-02-01").await;
    assert_eq!(answer["complete"], false);
    assert_eq!(answer["items"], json!([]));
    assert_eq!(answer["coverage"]["fetched"], json!([]));
    assert_eq!(sync_state(&app, 1), before, "a read moved nothing");
    round(&app).await;
    let calls = statement_calls(&sandbox, 1).await;
    assert!(
        calls.iter().all(|(_, from, _)| *from >= 1_509_487_200),
        "nothing before 2017-11-01 is ever asked for: {calls:?}"
    );

    // Asking is a POST, clamped to Monobank's first day; a GET of it is refused.
    let res = app
        .post_json(
            "/api/mono/sync/history/",
            &json!({"from": "1990-01-01"}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.get_as("/api/mono/sync/history/", &cookie)
            .await
            .status(),
        405
    );
}

#[tokio::test]
async fn an_account_not_fetched_yet_says_so_and_never_shows_a_zero_total() {
    let (app, sandbox) = start(30).await;
    let cookie = attach(&app, &sandbox, 1).await;
    let jar = account_ids(&app, &cookie).await.pop().unwrap();
    let day = today(&app);
    let answer = statement(&app, &cookie, &jar, &day, &day).await;
    assert_eq!(answer["complete"], false);
    assert_eq!(answer["coverage"]["fetched"], json!([]));
    let missing = &answer["coverage"]["missing"];
    assert_eq!(
        missing.as_array().unwrap().len(),
        1,
        "the whole range: {missing}"
    );
    let html = app
        .get_as(
            &format!("/statement?account={jar}&from={day}&to={day}"),
            &cookie,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"total-in\">not fetched yet"), "{html}");
    assert!(html.contains("id=\"total-out\">not fetched yet"));
    assert!(html.contains("No transactions fetched yet"));
    assert!(!html.contains("No transactions in this range"));
    let csv = app
        .get_as(
            &format!("/api/mono/statement.csv?account={jar}&from={day}&to={day}"),
            &cookie,
        )
        .await;
    assert_eq!(csv.headers()["x-statement-complete"], "false");
    assert!(!csv.headers()["x-statement-missing"].is_empty());
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("-partial.csv"));

    // Once fetched, a range with some rows but a hole is partial, not zero; then complete.
    until_history_is_in(&app, &cookie, 60).await;
    let week_ago = monoweb::web::format::date({
        use monobank::clock::Clock;
        app.clock.now() - 20 * 86_400
    });
    let old = monoweb::web::format::date({
        use monobank::clock::Clock;
        app.clock.now() - 40 * 86_400
    });
    let partial = statement(&app, &cookie, &jar, &old, &week_ago).await;
    assert_eq!(partial["complete"], false);
    assert_eq!(partial["coverage"]["missing"].as_array().unwrap().len(), 1);
    assert!(!partial["coverage"]["fetched"]
        .as_array()
        .unwrap()
        .is_empty());
    let html = app
        .get_as(
            &format!("/statement?account={jar}&from={old}&to={week_ago}"),
            &cookie,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<span class=\"badge\">partial</span>"),
        "{html}"
    );
}

#[tokio::test]
async fn a_refused_history_request_and_other_users_accounts_change_nothing() {
    let (app, sandbox) = start(30).await;
    let cookie = attach(&app, &sandbox, 1).await;
    let other = attach(&app, &sandbox, 2).await;
    round(&app).await;
    let theirs = account_ids(&app, &other).await.remove(0);
    let before = sync_state(&app, 1);
    for body in [
        json!({"from": "2016-12-31"}),
        json!({"from": "2020-02-30"}),
        json!({"from": "2099-01-01"}),
        json!({"from": "2024-01-01", "account": theirs}),
        json!({"from": "2024-01-01\n"}),
        json!({"from": "2024-01-01", "extra": 1}),
    ] {
        let res = app
            .post_json("/api/mono/sync/history/", &body, Some(&cookie))
            .await;
        assert_eq!(res.status(), 400, "{body}");
    }
    assert_eq!(sync_state(&app, 1), before);
    let res = app
        .post_json(
            "/api/mono/sync/history/",
            &json!({"from": "2024-01-01"}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 202);
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    for account in progress["accounts"].as_array().unwrap() {
        assert_eq!(account["complete"], false);
        assert!(account["windows_total"].as_u64().unwrap() > 12, "{account}");
    }
}

/// Registers monoweb's own receiver for the user of `cookie`.
async fn register_webhook(app: &TestApp, cookie: &str) {
    let res = app
        .post_json("/api/mono/webhook/", &json!({}), Some(cookie))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// Waits until the sandbox has delivered (or redelivered) operation `id` `times` times.
async fn delivered(sandbox: &TestSandbox, id: &str, times: usize) {
    let what = format!("{id} to be delivered {times} times");
    sandbox
        .wait_for_deliveries(&what, DELIVERY_WAIT, |log| {
            log.iter()
                .filter(|d| d["id"] == id && d["delivered"] == true)
                .count()
                >= times
        })
        .await;
}

/// How long a test waits for the sandbox's webhook deliveries.
const DELIVERY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Rounds until `account`'s statement of today is complete; answers it.
async fn until_complete(app: &TestApp, cookie: &str, account: &str, limit: usize) -> Value {
    for _ in 0..limit {
        let day = today(app);
        let answer = statement(app, cookie, account, &day, &day).await;
        if answer["complete"] == true {
            return answer;
        }
        round(app).await;
    }
    let day = today(app);
    panic!(
        "not complete after {limit} rounds: {}",
        statement(app, cookie, account, &day, &day).await
    );
}

/// Today's range of the sandbox's clock, Unix seconds.
fn today_bounds(app: &TestApp) -> (i64, i64) {
    use monobank::clock::Clock;
    let day = today(app).parse().unwrap();
    let (from, _) = monoweb::domain::kyiv::day_bounds(day).unwrap();
    (from, app.clock.now())
}

fn total(answer: &Value) -> i64 {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount"].as_i64().unwrap())
        .sum()
}

/// The FOP account of a sandbox client: it has no holds of its own. (Client-info lists the
/// accounts in a changing order, as Monobank does.)
/// The app (three days of history) and the sandbox, client 1 attached with monoweb's own
/// receiver registered: the app, the sandbox, the session cookie and the FOP account's id.
async fn with_own_receiver() -> (TestApp, TestSandbox, String, String) {
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    register_webhook(&app, &cookie).await;
    let account = fop(&app, &cookie).await;
    (app, sandbox, cookie, account)
}

async fn fop(app: &TestApp, cookie: &str) -> String {
    let info = detail(app.get_as("/api/mono/client-info", cookie).await).await;
    info["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "fop")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn holds_older_than_an_hour_are_read_again_until_they_settle_or_vanish() {
    let (app, sandbox, cookie, account) = with_own_receiver().await;
    // The bank's four operations: a settled purchase, a foreign charge and a hotel deposit on
    // hold, and, three hours later, a hold half an hour old.
    let settled = sandbox.create_on(1, &account, -10_000, "Groceries").await;
    sandbox.settle(1, &account, &settled.id, None, false).await;
    let charge = sandbox.create_on(1, &account, -41_500, "USD charge").await;
    let deposit = sandbox
        .create_on(1, &account, -200_000, "Hotel deposit")
        .await;
    app.clock.advance(3 * 3_600);
    let coffee = sandbox.create_on(1, &account, -5_000, "Coffee").await;
    for id in [&settled.id, &charge.id, &deposit.id, &coffee.id] {
        delivered(&sandbox, id, 1).await;
    }
    app.clock.advance(1_800);
    for _ in 0..8 {
        round(&app).await;
    }
    let day = today(&app);
    let before = statement(&app, &cookie, &account, &day, &day).await;
    assert_eq!(before["coverage"]["missing"], json!([]), "{before}");
    assert_eq!(before["coverage"]["open_holds"], 3, "{before}");
    assert_eq!(before["complete"], false, "open holds are not final");

    // The bank settles the charge under its id for another amount and cancels both others.
    sandbox
        .settle(1, &account, &charge.id, Some(-42_100), false)
        .await;
    sandbox.cancel(1, &account, &deposit.id).await;
    sandbox.cancel(1, &account, &coffee.id).await;
    app.clock.advance(2 * 3_600);
    let after = until_complete(&app, &cookie, &account, 10).await;
    let truth = ledger_rows(&sandbox, 1, &account, today_bounds(&app)).await;
    assert_eq!(rows_of(&after), truth);
    assert_eq!(total(&after), -52_100, "−100.00 and −421.00: {after}");
}

#[tokio::test]
async fn a_purchase_made_before_the_webhook_was_registered_is_fetched_first_and_never_hidden() {
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    let account = fop(&app, &cookie).await;
    for _ in 0..6 {
        round(&app).await;
    }
    app.clock.advance(600);
    let income = sandbox.create_on(1, &account, 50_000, "Invoice paid").await;
    app.clock.advance(60);
    register_webhook(&app, &cookie).await;
    let day = today(&app);
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    assert_eq!(
        answer["complete"], false,
        "the purchase is not in: {answer}"
    );
    assert!(!rows_of(&answer).iter().any(|r| r.0 == income.id));
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    assert_eq!(progress["gaps"][0]["kind"], "registered");
    assert_eq!(progress["gaps"][0]["closed"], false);

    // The gaps of every account are fetched first: the next six calls, one per account.
    let calls_before = statement_calls(&sandbox, 1).await.len();
    for _ in 0..6 {
        round(&app).await;
    }
    let calls = statement_calls(&sandbox, 1).await;
    let gap_calls: std::collections::BTreeSet<&str> = calls[calls_before..]
        .iter()
        .map(|(a, _, _)| a.as_str())
        .collect();
    assert_eq!(gap_calls.len(), 6, "{calls:?}");
    let answer = until_complete(&app, &cookie, &account, 1).await;
    assert!(rows_of(&answer).iter().any(|r| r.0 == income.id));
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    assert_eq!(progress["gaps"][0]["closed"], true, "{progress}");
}

#[tokio::test]
async fn a_webhook_retry_never_overwrites_a_statement_row_nor_brings_back_a_cancelled_hold() {
    let (app, sandbox, cookie, account) = with_own_receiver().await;
    let hold = sandbox.create_on(1, &account, -9_999, "Taxi").await;
    let gone = sandbox.create_on(1, &account, -3_000, "Parking").await;
    delivered(&sandbox, &hold.id, 1).await;
    delivered(&sandbox, &gone.id, 1).await;
    for _ in 0..6 {
        round(&app).await;
    }
    sandbox
        .settle(1, &account, &hold.id, Some(-10_000), false)
        .await;
    sandbox.cancel(1, &account, &gone.id).await;
    app.clock.advance(2 * 3_600);
    let settled = until_complete(&app, &cookie, &account, 10).await;
    let expected = rows_of(&settled);
    assert!(expected.contains(&(hold.id.clone(), -10_000, false)));
    assert!(!expected.iter().any(|r| r.0 == gone.id));

    // Monobank sends both original events again (a retry, or a late delivery).
    for id in [&hold.id, &gone.id] {
        let (status, _) = sandbox
            .post_control(
                "/sandbox/webhook/redeliver",
                json!({"token": sandbox.tokens[1].token, "id": id}),
            )
            .await;
        assert_eq!(status, 202);
        delivered(&sandbox, id, 2).await;
    }
    let day = today(&app);
    let again = statement(&app, &cookie, &account, &day, &day).await;
    assert_eq!(rows_of(&again), expected, "the statement's rows stand");
    assert_eq!(again["complete"], true);
}

#[tokio::test]
async fn a_400_on_a_jars_first_statement_call_is_retried_not_taken_for_data() {
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    register_webhook(&app, &cookie).await;
    let jar = account_ids(&app, &cookie).await.pop().unwrap();
    let day = today(&app);
    // The page showing the jar puts it first; its first call answers 400.
    statement(&app, &cookie, &jar, &day, &day).await;
    sandbox.fault_next_statement("badrequest", 0).await;
    round(&app).await;
    let calls = sandbox.calls("/personal/statement/").await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["status"], 400);
    assert!(calls[0]["path"].as_str().unwrap().contains(&jar));
    let answer = statement(&app, &cookie, &jar, &day, &day).await;
    assert_eq!(answer["complete"], false);
    assert_eq!(answer["coverage"]["fetched"], json!([]));
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    let row = progress["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == jar.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["complete"], false);
    assert_eq!(row["closed"], false);
    assert!(row["last_error"].is_string(), "{row}");
    assert!(row["retry_at"].is_i64());
    // Retried after its pause; then its history is exactly the bank's.
    let answer = until_complete(&app, &cookie, &jar, 12).await;
    let (from, _) = today_bounds(&app);
    let to = answer["coverage"]["range"]["to"].as_i64().unwrap();
    assert_eq!(
        rows_of(&answer),
        ledger_rows(&sandbox, 1, &jar, (from, to)).await
    );
}

#[tokio::test]
async fn a_hold_that_arrives_while_a_statement_page_is_in_flight_is_not_taken_for_cancelled() {
    use monobank::clock::Clock;
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    let secret = crate::history::install_receiver(&app, 1);
    let account = fop(&app, &cookie).await;
    for _ in 0..6 {
        round(&app).await;
    }
    // The page shows the account: a catch-up of it is the next job; its call hangs a while.
    let day = today(&app);
    statement(&app, &cookie, &account, &day, &day).await;
    app.clock.advance(61);
    let now = app.clock.now();
    sandbox.fault_next_statement("latency", 1_500).await;
    let context = app.context.clone();
    let page = tokio::spawn(async move { sync::run_once(&context).await.unwrap() });
    let in_flight = || crate::history::newest_statement_lane(&app) >= now + 60;
    while !in_flight() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Meanwhile a hold of ten seconds ago arrives by webhook: the bank lists it only from now.
    let body = crate::history::event(&account, "late-hold-1", now - 10).to_string();
    let body = body.replace("\"hold\":false", "\"hold\":true");
    let (key_id, sign) = sandbox.sign(body.as_bytes()).await;
    let res = app
        .client
        .post(app.url(&format!("/hooks/mono/{secret}")))
        .header("Content-Type", "application/json")
        .header("X-Key-Id", key_id)
        .header("X-Sign", sign)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    page.await.unwrap();
    let calls = sandbox.calls("/personal/statement/").await;
    assert!(calls.last().unwrap()["path"]
        .as_str()
        .unwrap()
        .contains(&account));
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    assert!(
        rows_of(&answer).iter().any(|r| r.0 == "late-hold-1"),
        "the hold stays: {answer}"
    );
}

#[tokio::test]
async fn a_purchase_made_while_the_app_was_down_keeps_the_range_incomplete_until_fetched() {
    let (app, sandbox, cookie, account) = with_own_receiver().await;
    let before = until_complete(&app, &cookie, &account, 12).await;
    let app = restart_with(app, &sandbox, &account).await;
    let day = today(&app);
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    assert_eq!(answer["complete"], false, "{answer}");
    assert_eq!(rows_of(&answer), rows_of(&before));
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    assert_eq!(progress["gaps"][0]["kind"], "downtime", "{progress}");
    let answer = until_complete(&app, &cookie, &account, 12).await;
    let truth = ledger_rows(&sandbox, 1, &account, today_bounds(&app)).await;
    assert_eq!(rows_of(&answer), truth);
    assert!(truth.iter().any(|r| r.1 == 70_000), "the purchase is in");
}

/// Restarts `app` after two minutes down, during which the bank made a purchase on `account`
/// (its delivery fails: nobody listens).
async fn restart_with(app: TestApp, sandbox: &TestSandbox, account: &str) -> TestApp {
    let address = app.stop_and_wait().await;
    let purchase = sandbox
        .create_on(1, account, 70_000, "Paid while down")
        .await;
    let id = purchase.id.as_str();
    let what = format!("the delivery of {id} to fail");
    sandbox
        .wait_for_deliveries(&what, DELIVERY_WAIT, |log| {
            log.iter().any(|d| d["id"] == id && d["delivered"] == false)
        })
        .await;
    app.clock.advance(120);
    let again = app.start_again(driven(3), address).await;
    std::mem::forget(app);
    again
}

#[tokio::test]
async fn a_history_request_made_while_the_sync_fetches_is_not_undone_by_its_save() {
    let (app, sandbox) = start(30).await;
    let cookie = attach(&app, &sandbox, 1).await;
    round(&app).await;
    let mut conn = app.db();
    let rows = monoweb::db::sync::accounts(&mut conn, UserId(1)).unwrap();
    let fetched = rows.iter().find(|r| r.synced_from <= r.synced_to).unwrap();
    // The sync holds a copy of the row while its call is on the way; the user asks meanwhile.
    let copy = fetched.clone();
    let res = app
        .post_json(
            "/api/mono/sync/history/",
            &json!({"from": "2024-01-01", "account": copy.account}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 202);
    monoweb::db::sync::save(&mut conn, &copy).unwrap();
    let after = monoweb::db::sync::account(&mut conn, UserId(1), &copy.account)
        .unwrap()
        .unwrap();
    assert!(after.history_from < copy.history_from, "the request stands");
}

#[tokio::test]
async fn a_webhook_registered_before_coverage_was_kept_holds_after_the_next_check() {
    use diesel::prelude::*;
    use monoweb::db::schema::sync_users;
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    register_webhook(&app, &cookie).await;
    // As the database of a version that kept no webhook coverage.
    let mut conn = app.db();
    diesel::update(sync_users::table.find(1))
        .set(sync_users::held_from.eq(None::<i64>))
        .execute(&mut conn)
        .unwrap();
    app.clock.advance(sync::WEBHOOK_CHECK_SECS);
    round(&app).await;
    let user = monoweb::db::sync::user(&mut conn, UserId(1))
        .unwrap()
        .unwrap();
    assert!(user.held_since().is_some(), "{user:?}");
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    assert_eq!(progress["gaps"][0]["kind"], "registered");
}

#[tokio::test]
async fn a_hold_hidden_as_settled_by_another_purchase_keeps_its_range_pending() {
    let (app, sandbox, cookie, account) = with_own_receiver().await;
    for _ in 0..6 {
        round(&app).await;
    }
    // Two coffees of one price: the first on hold, the second paid at once (no hold).
    let first = sandbox.create_on(1, &account, -4_500, "Coffee").await;
    delivered(&sandbox, &first.id, 1).await;
    app.clock.advance(600);
    let body = json!({"token": sandbox.tokens[1].token, "account": account, "amount": -4_500,
        "description": "Coffee", "hold": false});
    let (status, second) = sandbox.post_control("/sandbox/transactions", body).await;
    assert_eq!(status, 201);
    let second = second["statementItem"]["id"].as_str().unwrap().to_owned();
    delivered(&sandbox, &second, 1).await;
    let day = today(&app);
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    assert!(
        !rows_of(&answer).iter().any(|r| r.0 == first.id),
        "taken for settled"
    );
    assert_eq!(answer["complete"], false, "a guess is not final: {answer}");
    assert_eq!(answer["coverage"]["open_holds"], 1);
    // The bank settles the first coffee; the re-read shows both, final.
    sandbox.settle(1, &account, &first.id, None, false).await;
    app.clock.advance(2 * 3_600);
    let answer = until_complete(&app, &cookie, &account, 10).await;
    let shown = rows_of(&answer);
    assert!(
        shown.contains(&(first.id.clone(), -4_500, false)),
        "{answer}"
    );
    assert!(shown.contains(&(second, -4_500, false)));

    // Registering a URL of the user's own ends monoweb's coverage at once.
    let res = app
        .post_json(
            "/api/mono/webhook/",
            &json!({"webHookUrl": format!("{}/elsewhere", app.address)}),
            Some(&cookie),
        )
        .await;
    let _ = res.status();
    let progress = detail(app.get_as("/api/mono/sync/", &cookie).await).await;
    assert_eq!(progress["webhook_from"], Value::Null, "{progress}");
}

#[tokio::test]
async fn downtime_after_hours_of_webhook_coverage_leaves_a_gap_of_minutes_not_hours() {
    let (app, sandbox, cookie, account) = with_own_receiver().await;
    for _ in 0..6 {
        round(&app).await;
    }
    // Six hours held by the webhook, the instance beating all along; then it stops.
    app.clock.advance(6 * 3_600);
    let stopped_at = {
        use monobank::clock::Clock;
        app.clock.now()
    };
    let mut conn = app.db();
    monoweb::db::sync::beat(&mut conn, &app.context.sync.instance, stopped_at).unwrap();
    drop(conn);
    let app = restart_with(app, &sandbox, &account).await;
    let before = statement_calls(&sandbox, 1).await.len();
    until_complete(&app, &cookie, &account, 12).await;
    let calls = statement_calls(&sandbox, 1).await;
    let gap = calls[before..]
        .iter()
        .find(|(a, _, _)| *a == account)
        .unwrap();
    assert!(
        gap.1 >= stopped_at - sync::DELIVERY_MARGIN_SECS - sync::GAP_MARGIN_SECS,
        "the gap starts minutes before the stop, not at the last fetch: {gap:?}"
    );
}

#[tokio::test]
async fn an_unsigned_event_is_shown_apart_counts_in_no_total_csv_or_month_and_the_next_statement_removes_it(
) {
    use monobank::clock::Clock;
    let (app, sandbox) = start(3).await;
    let cookie = attach(&app, &sandbox, 1).await;
    let secret = crate::history::install_receiver(&app, 1);
    let account = fop(&app, &cookie).await;
    let income = sandbox.create_on(1, &account, 5_000, "Invoice").await;
    app.clock.advance(1);
    for _ in 0..6 {
        round(&app).await;
    }
    let day = today(&app);
    let month = &day[..7];
    let summary_path = format!("/api/mono/summary?from={month}&to={month}");
    let summary_before = detail(app.get_as(&summary_path, &cookie).await).await;
    let csv_path = format!("/api/mono/statement.csv?from={day}&to={day}&account={account}");
    let page_path = format!("/statement?from={day}&to={day}&account={account}");
    let page_before = app.get_as(&page_path, &cookie).await.text().await.unwrap();
    // Monobank's key cannot be fetched: the receiver keeps unsigned events, marked.
    sandbox
        .post_control("/sandbox/faults", json!({"mode": "error500", "once": true}))
        .await;
    let now = app.clock.now();
    let send = |body: String| {
        let app = &app;
        let secret = secret.clone();
        async move {
            let res = app
                .client
                .post(app.url(&format!("/hooks/mono/{secret}")))
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
    };
    let mut unsigned = crate::history::event(&account, "unsigned-1", now - 100);
    unsigned["data"]["statementItem"]["amount"] = json!(-12_345_600);
    unsigned["data"]["statementItem"]["description"] = json!("Forged");
    send(unsigned.to_string()).await;
    let mut replay = crate::history::event(&account, &income.id, income.time);
    replay["data"]["statementItem"]["amount"] = json!(-99_999_999);
    send(replay.to_string()).await;
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    let shown = rows_of(&answer);
    assert!(
        !shown.iter().any(|r| r.0 == "unsigned-1"),
        "not among the operations: {answer}"
    );
    assert_eq!(answer["unconfirmed"][0]["id"], "unsigned-1", "{answer}");
    assert_eq!(answer["unconfirmed"].as_array().unwrap().len(), 1);
    assert!(
        shown.contains(&(income.id.clone(), 5_000, false)),
        "unchanged by it"
    );
    assert_eq!(answer["complete"], false);
    assert_eq!(answer["coverage"]["open_holds"], 1, "unconfirmed");
    // In no export and no sum; on the page, apart and marked.
    let csv = app.get_as(&csv_path, &cookie).await.text().await.unwrap();
    assert!(
        !csv.contains("unsigned-1") && !csv.contains("Forged"),
        "{csv}"
    );
    let summary = detail(app.get_as(&summary_path, &cookie).await).await;
    assert_eq!(summary[0]["spending"], summary_before[0]["spending"]);
    assert_eq!(summary[0]["net"], summary_before[0]["net"]);
    let page = app.get_as(&page_path, &cookie).await.text().await.unwrap();
    let totals = |page: &str| {
        let at = page.find("id=\"total-out\"").unwrap();
        page[at..at + 120].to_owned()
    };
    assert_eq!(totals(&page), totals(&page_before), "money out unchanged");
    let apart = page
        .find("id=\"unconfirmed\"")
        .expect("the unconfirmed section");
    let table = page.find("id=\"statement\"").unwrap();
    let forged = page.find("Forged").unwrap();
    assert!(
        apart < forged && forged < table,
        "listed apart, not in the table"
    );
    assert!(page[apart..table].contains("Not confirmed by the bank"));
    // The next statement of its time does not list it: it goes.
    app.clock.advance(2 * 3_600);
    for _ in 0..8 {
        round(&app).await;
    }
    let answer = statement(&app, &cookie, &account, &day, &day).await;
    assert!(
        !rows_of(&answer).iter().any(|r| r.0 == "unsigned-1"),
        "{answer}"
    );
    assert!(rows_of(&answer).contains(&(income.id.clone(), 5_000, false)));
    assert_eq!(answer["coverage"]["open_holds"], 0);
}
