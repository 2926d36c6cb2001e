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
    let (app, sandbox) = driven(history_days).start_with_sandbox(1.0).await;
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
    let cookie = app.logged_in(&format!("reconciler{n}")).await;
    let res = app
        .post_json(
            "/api/mono",
            &json!({"mono_token": sandbox.tokens[n].token}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 201);
    cookie
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
