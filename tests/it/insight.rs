//! Search, filters, own transfers, month summaries and net worth, checked against the sandbox's
//! ledgers (the ground truth): every filter through the API, the CSV and the page.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use monobank::clock::Clock;
use monobank::currency::{exchange_rate, CurrencyCode, UAH};
use monobank::types::StatementItem;
use monoweb::domain::mcc;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestSandbox};
use crate::history::{default_account, json_of, owner, run_backfill, spawn_syncing, syncing};

/// Every account and jar of sandbox client `n` with its currency and ledger.
async fn ledgers(
    sandbox: &TestSandbox,
    n: usize,
    info: &monobank::types::UserInfo,
) -> Vec<(String, u16, Vec<StatementItem>)> {
    let ids = info
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.currency_code))
        .chain(
            info.jars
                .iter()
                .flatten()
                .map(|j| (j.id.clone(), j.currency_code)),
        );
    let mut out = Vec::new();
    for (id, currency) in ids {
        let items = sandbox.ledger(n, &id).await;
        out.push((id, currency, items));
    }
    out
}

/// The ids of a statement answer's items, in order.
pub(crate) fn ids(body: &Value) -> Vec<String> {
    body["detail"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {body}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_filter_finds_exactly_the_ledgers_rows_in_the_api_the_csv_and_the_page() {
    let (app, sandbox) = spawn_syncing(40, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    run_backfill(&app, &cookie).await;
    let account = default_account(&app, &cookie).await;
    let now = app.clock.now();
    let (from, to) = (now - 30 * 86_400, now - 3 * 86_400);
    let day = monoweb::web::format::date;
    let range = format!("from={}&to={}&account={account}", day(from), day(to));
    let (from_s, _) = monoweb::domain::kyiv::day_bounds(day(from).parse().unwrap()).unwrap();
    let (_, to_s) = monoweb::domain::kyiv::day_bounds(day(to).parse().unwrap()).unwrap();
    let ledger: Vec<StatementItem> = sandbox
        .ledger(0, &account)
        .await
        .into_iter()
        .filter(|i| (from_s..=to_s).contains(&i.time))
        .collect();
    assert!(ledger.len() > 300, "a busy month: {}", ledger.len());
    // A word of a description that occurs, in another case than the ledger's.
    let word = ledger
        .iter()
        .map(|i| i.description.clone())
        .find(|d| d.chars().count() > 4)
        .unwrap();
    let needle: String = word.chars().take(4).collect::<String>().to_uppercase();
    type Rule = Box<dyn Fn(&StatementItem) -> bool>;
    let lower = needle.to_lowercase();
    let cases: Vec<(String, Rule)> = vec![
        (
            format!("q={}", urlencoding(&needle)),
            Box::new(move |i| {
                [
                    Some(&i.description),
                    i.comment.as_ref(),
                    i.counter_name.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase().contains(&lower))
            }),
        ),
        (
            "category=Groceries".into(),
            Box::new(|i| mcc::category(i.mcc) == "Groceries"),
        ),
        ("direction=in".into(), Box::new(|i| i.amount >= 0)),
        ("direction=out".into(), Box::new(|i| i.amount < 0)),
        (
            "min=100&max=250.50".into(),
            Box::new(|i| (10_000..=25_050).contains(&i.amount.abs())),
        ),
        (
            "direction=out&category=Cafes%20and%20restaurants&min=50".into(),
            Box::new(|i| {
                i.amount < 0
                    && mcc::category(i.mcc) == "Cafes and restaurants"
                    && -i.amount >= 5_000
            }),
        ),
    ];
    for (query, rule) in &cases {
        let expected: BTreeSet<String> = ledger
            .iter()
            .filter(|i| rule(i))
            .map(|i| i.id.clone())
            .collect();
        assert!(
            !expected.is_empty(),
            "{query} finds something in the ledger"
        );
        assert!(expected.len() < ledger.len(), "{query} narrows");
        let body = json_of(
            app.get_as(&format!("/api/mono/statement?{range}&{query}"), &cookie)
                .await,
        )
        .await;
        let got: Vec<String> = ids(&body);
        assert_eq!(
            got.len(),
            expected.len(),
            "{query}: no duplicates, none missing"
        );
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{query}"
        );
        let csv = app
            .get_as(&format!("/api/mono/statement.csv?{range}&{query}"), &cookie)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), expected.len() + 1, "{query}: CSV rows");
        // The page shows the count, and its pagination links keep the filter.
        let page = app
            .get_as(&format!("/statement?{range}&{query}&per=50"), &cookie)
            .await;
        assert_eq!(page.status(), 200, "{query}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!("<strong id=\"count\">{}</strong>", expected.len())),
            "{query}: the page's count"
        );
        if expected.len() > 50 {
            let first_filter = query.split('&').next().unwrap().replace("%20", "+");
            assert!(
                html.contains("page=2") && html.contains(&first_filter),
                "{query}: the next page keeps the filter"
            );
        }
    }
    // Sorting by size, both ways; by date, oldest first.
    let amounts = |body: &Value| -> Vec<i64> {
        body["detail"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["amount"].as_i64().unwrap().abs())
            .collect()
    };
    let largest = json_of(
        app.get_as(
            &format!("/api/mono/statement?{range}&sort=-amount"),
            &cookie,
        )
        .await,
    )
    .await;
    let sizes = amounts(&largest);
    assert_eq!(sizes.len(), ledger.len());
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first");
    let smallest = json_of(
        app.get_as(&format!("/api/mono/statement?{range}&sort=amount"), &cookie)
            .await,
    )
    .await;
    assert!(
        amounts(&smallest).windows(2).all(|w| w[0] <= w[1]),
        "smallest first"
    );
    let oldest = json_of(
        app.get_as(&format!("/api/mono/statement?{range}&sort=date"), &cookie)
            .await,
    )
    .await;
    let times: Vec<i64> = oldest["detail"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    // A category bar on the page links to the filtered list.
    let html = app
        .get_as(&format!("/statement?{range}"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    let chart = html.split("id=\"chart\"").nth(1).unwrap_or_default();
    let link = chart
        .split("<a href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the chart links its categories: {chart}"))
        .replace("&#38;", "&");
    let category = link
        .split('&')
        .find_map(|p| p.strip_prefix("category="))
        .unwrap()
        .replace('+', " ");
    let expected = ledger
        .iter()
        .filter(|i| i.amount < 0 && mcc::category(i.mcc) == category)
        .count();
    let html = app.get_as(&link, &cookie).await.text().await.unwrap();
    assert!(
        html.contains(&format!("<strong id=\"count\">{expected}</strong>")),
        "{link} lists the {expected} {category} operations"
    );
    // Bad filters: 400 with the field named, on the API and the page.
    for (bad, field) in [
        ("direction=up", "direction"),
        ("min=-5", "min"),
        ("min=9&max=1", "max"),
        ("sort=name", "sort"),
        ("category=Nope", "category"),
        ("q=%1B%5B31m", "q"),
    ] {
        let res = app
            .get_as(&format!("/api/mono/statement?{range}&{bad}"), &cookie)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        let body = json_of(res).await;
        assert!(body["errors"][field].is_array(), "{bad}: {body}");
        let page = app
            .get_as(&format!("/statement?{range}&{bad}"), &cookie)
            .await;
        assert_eq!(page.status(), 400, "{bad} on the page");
    }
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).unwrap()[2..].to_owned()
}

/// Waits until the all-accounts statement of today lists every id of `wanted`.
async fn wait_for_items(app: &TestApp, cookie: &str, wanted: &[String]) -> Value {
    let day = monoweb::web::format::date(app.clock.now());
    let started = Instant::now();
    loop {
        let body = json_of(
            app.get_as(
                &format!("/api/mono/statement?from={day}&to={day}&account=all"),
                cookie,
            )
            .await,
        )
        .await;
        let got = ids(&body);
        if wanted.iter().all(|w| got.contains(w)) {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the webhook did not bring {wanted:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The rule the test states: an operation is an own transfer exactly when it is one side of a
/// `/sandbox/transfers` move (the generated ledgers hold no such pairs), and the months count
/// every other operation: in hryvnias, at its amount on a hryvnia account, otherwise at the
/// bank's buying rate.
#[tokio::test]
async fn own_transfers_are_marked_and_months_and_net_worth_add_up_to_the_ledgers() {
    // The history kept starts five days into the month two months back: that month is partial,
    // the next two are whole. The clock starts at 08:00 yesterday, so the backfill's hours do
    // not carry "this month" into the next one.
    let clock = crate::helpers::yesterday_morning();
    let today = monoweb::domain::kyiv::day_of(clock.now()).unwrap();
    let first = today
        .first_of_month()
        .checked_sub(jiff::Span::new().months(2))
        .unwrap();
    let days = u32::try_from((today - first).get_days() - 5).unwrap();
    // Time scale 60: a webhook delivery that fails on a loaded machine is retried after a second
    // (Monobank's minute), within the wait below.
    let (app, sandbox) = syncing(days).clock(clock).start_with_sandbox(60.0).await;
    let cookie = owner(&app, &sandbox, 1).await;
    run_backfill(&app, &cookie).await;
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    let card = default_account(&app, &cookie).await;
    // The accounts as the app read them (the test asks the sandbox nothing rate-limited).
    let read = json_of(app.get_as("/api/mono/client-info", &cookie).await).await;
    let info: monobank::types::UserInfo = serde_json::from_value(read["detail"].clone()).unwrap();
    let usd = info
        .accounts
        .iter()
        .find(|a| a.currency_code == 840)
        .unwrap()
        .id
        .clone();
    let jar = info.jars.as_ref().unwrap()[0].id.clone();
    let mut transfer_ids = Vec::new();
    for (to, amount) in [(&jar, 50_000), (&usd, 415_000)] {
        let (status, events) = sandbox
            .post_control(
                "/sandbox/transfers",
                json!({"token": sandbox.tokens[1].token, "from": card, "to": to, "amount": amount}),
            )
            .await;
        assert_eq!(status, 201, "{events}");
        for e in events.as_array().unwrap() {
            transfer_ids.push(e["statementItem"]["id"].as_str().unwrap().to_owned());
        }
    }
    // A purchase in the same second as the transfers is not one.
    let purchase = sandbox
        .create_transaction(1, -50_000, "Same sum, a purchase")
        .await;
    let purchase_id = purchase["statementItem"]["id"].as_str().unwrap().to_owned();
    let mut all = transfer_ids.clone();
    all.push(purchase_id.clone());
    let body = wait_for_items(&app, &cookie, &all).await;
    for item in body["detail"]["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let expected = transfer_ids.iter().any(|t| t == id);
        assert_eq!(item["ownTransfer"], expected, "{item}");
        assert!(item["account"].is_string());
    }

    // The months: three, the first reaching back before the history the sync keeps.
    let now = app.clock.now();
    let month_of = |t: i64| monoweb::web::format::date(t)[..7].to_owned();
    let this = month_of(now);
    let first_day: jiff::civil::Date = format!("{this}-01").parse().unwrap();
    let first = first_day.checked_sub(jiff::Span::new().months(2)).unwrap();
    let first = first.strftime("%Y-%m").to_string();
    let summary = json_of(
        app.get_as(
            &format!("/api/mono/summary?from={first}&to={this}"),
            &cookie,
        )
        .await,
    )
    .await;
    let months = summary["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("{summary}"));
    assert_eq!(months.len(), 3, "{summary}");
    assert_eq!(
        months[0]["complete"], false,
        "before the history kept: {summary}"
    );
    assert_eq!(months[0]["fetched"], true, "partly held: {summary}");
    assert_eq!(months[1]["complete"], true, "{summary}");
    let rates = sandbox.client().currency().await.unwrap();
    let mut expected: BTreeMap<String, (i64, i64, HashMap<&'static str, i64>)> = BTreeMap::new();
    for (_, currency, items) in ledgers(&sandbox, 1, &info).await {
        for item in items {
            if transfer_ids.contains(&item.id) {
                continue;
            }
            let value = if currency == UAH.0 {
                item.amount
            } else if item.currency_code == UAH.0 {
                item.operation_amount
            } else {
                let rate = exchange_rate(&rates, CurrencyCode(currency), UAH).unwrap();
                (item.amount as f64 * rate).round() as i64
            };
            let entry = expected.entry(month_of(item.time)).or_default();
            if value >= 0 {
                entry.0 += value;
            } else {
                entry.1 -= value;
                *entry.2.entry(mcc::category(item.mcc)).or_default() -= value;
            }
        }
    }
    let money = |v: i64| monoweb::services::mono::money(v, UAH);
    for month in &months[1..] {
        let name = month["month"].as_str().unwrap();
        let (income, spending, categories) = &expected[name];
        assert_eq!(month["income"], money(*income), "{name} income");
        assert_eq!(month["spending"], money(*spending), "{name} spending");
        assert_eq!(month["net"], money(income - spending), "{name} net");
        let got: BTreeMap<String, Value> =
            serde_json::from_value(month["categories"].clone()).unwrap();
        let want: BTreeMap<String, Value> = categories
            .iter()
            .map(|(k, v)| ((*k).to_owned(), money(*v)))
            .collect();
        assert_eq!(got, want, "{name} categories");
    }
    assert_eq!(months[2]["own_transfers"], 4);

    // The overview page shows the same numbers, the partial month marked, each month linked to
    // its statement of every account.
    let page = app.get_as(&format!("/months?to={this}"), &cookie).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let shown = |v: &Value| {
        let minor = (v.as_f64().unwrap() * 100.0).round() as i64;
        monoweb::web::format::signed_money(minor, UAH)
    };
    for month in months {
        for field in ["income", "net"] {
            let text = shown(&month[field]);
            assert!(
                html.contains(&text),
                "{} {field} {text} on the page",
                month["month"]
            );
        }
        let minor = (month["spending"].as_f64().unwrap() * 100.0).round() as i64;
        let text = monoweb::web::format::signed_money(-minor, UAH);
        assert!(
            html.contains(&text),
            "{} spending {text} on the page",
            month["month"]
        );
    }
    // Partial months are marked, and the months before the history kept are not shown as zero:
    // as the API says for the same twelve months.
    let year = json_of(app.get_as("/api/mono/summary", &cookie).await).await;
    let year = year["detail"].as_array().unwrap();
    assert_eq!(year.len(), 12);
    let count = |fetched: bool, complete: bool| {
        year.iter()
            .filter(|m| m["fetched"] == fetched && m["complete"] == complete)
            .count()
    };
    assert!(count(false, false) >= 8, "{year:?}");
    assert!(year
        .iter()
        .all(|m| m["fetched"] == true || m["income"].is_null()));
    assert_eq!(
        html.matches("not-fetched whole\">not fetched yet").count(),
        count(false, false)
    );
    // Each partial month, and the total of months not all held.
    assert_eq!(
        html.matches("<span class=\"badge\">partial</span>").count(),
        count(true, false) + 1
    );
    assert!(
        html.contains(&format!("account=all&#38;from={first}-01")),
        "linked: {html}"
    );
    assert_eq!(
        app.get_as("/months?to=2999-01", &cookie).await.status(),
        400
    );

    // Net worth: own funds of every account and jar, at the rates it names.
    // The app reads client-info anew once its minute has passed (the sync may take a minute
    // first: then the answer is stale, and the next minute is tried).
    let mut balance = Value::Null;
    for _ in 0..5 {
        app.clock.advance(61);
        balance = json_of(app.get_as("/api/mono/balance", &cookie).await).await;
        if balance["stale"] == false {
            break;
        }
    }
    assert_eq!(balance["stale"], false, "{balance}");
    let worth = &balance["detail"]["net_worth"];
    assert_eq!(worth["currency"], "UAH");
    assert!(worth["rates_at"].is_i64(), "{worth}");
    // The truth: each ledger's newest running balance, less the card's credit limit.
    let mut total = 0i64;
    for (id, currency, items) in ledgers(&sandbox, 1, &info).await {
        let limit = info
            .accounts
            .iter()
            .find(|a| a.id == id)
            .map_or(0, |a| a.credit_limit);
        let funds = items.first().map_or(limit, |i| i.balance) - limit;
        if currency == UAH.0 {
            total += funds;
        } else {
            let rate = exchange_rate(&rates, CurrencyCode(currency), UAH).unwrap();
            let alpha = CurrencyCode(currency).to_string();
            assert_eq!(
                worth["rates"][&alpha].as_f64(),
                Some(rate),
                "{alpha} rate shown"
            );
            total += (funds as f64 * rate).round() as i64;
        }
    }
    assert_eq!(worth["amount"], money(total), "{worth}");

    // Bad months.
    for bad in [
        "from=2026-13&to=2026-12",
        "from=2017-10",
        "to=2999-01",
        "from=2026-05&to=2026-04",
        "from=2010-01&to=2026-01",
        "from=26-01",
    ] {
        let res = app
            .get_as(&format!("/api/mono/summary?{bad}"), &cookie)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}
