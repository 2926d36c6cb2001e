//! What a client sees at the HTTP edge: a key is decided before the body, `X-Request-Id` on every
//! answer, `ETag`s on the polled reads, pages of the statement, and the same answers for the same
//! missing things on every view.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::history::{default_account, json_of, owner, run_backfill, spawn_syncing};
use crate::insight::ids;

/// A write key and a read key of a logged-in user; returns (cookie, read key).
async fn read_key(app: &TestApp) -> (String, String) {
    let cookie = app.logged_in("keyholder").await;
    let res = app
        .post_json(
            "/api/auth/keys",
            &json!({"name": "ro", "scope": "read"}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    (cookie, body["detail"]["key"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_key_is_decided_before_the_body_is_read_on_every_route() {
    let app = TestApp::builder().start().await;
    let (_, read) = read_key(&app).await;
    let unknown = format!("mwk_{}", "A".repeat(43));
    let bodies: [(&str, Vec<u8>); 4] = [
        ("application/json", b"{not json".to_vec()),
        ("text/plain", b"hello".to_vec()),
        ("application/json", br#"{"unknown": 1}"#.to_vec()),
        ("application/json", vec![b' '; 70 * 1024]),
    ];
    let writes = [
        (Method::POST, "/api/mono/"),
        (Method::PUT, "/api/mono/"),
        (Method::POST, "/api/mono/webhook/"),
        (Method::POST, "/api/mono/sync/history/"),
        (Method::POST, "/api/auth/keys"),
    ];
    // Each case many times: a race shows as an occasional 400 or 415.
    for _ in 0..8 {
        for (method, path) in &writes {
            for (content_type, body) in &bodies {
                let send = |key: &str| {
                    app.client
                        .request(method.clone(), app.url(path))
                        .bearer_auth(key)
                        .header("content-type", *content_type)
                        .body(body.clone())
                        .send()
                };
                let res = send(&unknown).await.unwrap();
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                assert_eq!(
                    res.headers()["www-authenticate"],
                    r#"Bearer realm="monoweb", error="invalid_token""#
                );
                // The first few refusals say so; then the address is throttled (still a 401).
                let answer: Value = res.json().await.unwrap();
                let detail = answer["detail"].as_str().unwrap();
                assert!(
                    detail == "The API key is unknown or revoked."
                        || detail.starts_with("Too many unknown API keys"),
                    "{detail}"
                );
                let res = send(&read).await.unwrap();
                assert_eq!(
                    res.status(),
                    StatusCode::FORBIDDEN,
                    "read key: {method} {path}"
                );
            }
        }
    }
    // An anonymous route refuses a bad key too (as DRF authenticates every request), and a good
    // one still reaches it.
    let res = app
        .client
        .post(app.url("/api/auth/login"))
        .bearer_auth(&unknown)
        .json(&json!({"username": "keyholder", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Without any credentials, the cookie is what is asked for.
    let res = app.get("/api/auth/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Cookie");
    // `/metrics` keeps its own bearer token: a scrape with a wrong one is not an API key.
    let res = app
        .client
        .get(app.url("/healthz"))
        .bearer_auth(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the probes take no keys");
}

#[tokio::test]
async fn history_and_sync_without_a_token_answer_404_as_every_view_does() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("tokenless").await;
    let res = app
        .send(
            Method::POST,
            "/api/mono/sync/history/",
            Some(&json!({"from": "2026-01-01"})),
            &cookie,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], "Your mono has not been added yet.");
    let res = app.get_as("/api/mono/sync/", &cookie).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], "Your mono has not been added yet.");
}

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on {}", res.url()))
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_only_a_trusted_proxy_sets_it() {
    let app = TestApp::builder().start().await;
    let mut seen = std::collections::BTreeSet::new();
    for path in [
        "/healthz",
        "/api/nothing",
        "/login",
        "/nothing",
        "/api/auth/me",
    ] {
        let res = app.get(path).await;
        let id = request_id(&res);
        assert_eq!(id.len(), 36, "{path}: {id}");
        assert!(seen.insert(id), "ids differ");
    }
    // An error made before any view (a refused key) carries one too.
    let res = app
        .client
        .get(app.url("/api/mono/"))
        .bearer_auth("mwk_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    request_id(&res);
    // From an address that is not a trusted proxy, the client's id is not taken.
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "from-anyone")
        .send()
        .await
        .unwrap();
    assert_ne!(request_id(&res), "from-anyone");

    let proxied = TestApp::builder()
        .configure(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .start()
        .await;
    let ask = |path: &'static str, id: &'static str| {
        proxied
            .client
            .get(proxied.url(path))
            .header("X-Request-Id", id)
            .send()
    };
    assert_eq!(
        request_id(&ask("/healthz", "lb-7f3a:01").await.unwrap()),
        "lb-7f3a:01"
    );
    // Not an id to keep: a space, a quote, too long.
    for bad in ["a b", "a\"b", "x".repeat(129).leak()] {
        assert_ne!(request_id(&ask("/healthz", bad).await.unwrap()), bad);
    }
    // On the hooks, X-Request-Id is Monobank's (the secret id of an access request): never
    // taken, never answered back.
    let res = ask("/hooks/provider/connected/x", "secret-request-id")
        .await
        .unwrap();
    assert_ne!(request_id(&res), "secret-request-id");
}

/// GET `path` with `If-None-Match: tag`.
async fn get_if_none_match(
    app: &TestApp,
    path: &str,
    cookie: &str,
    tag: &str,
) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", cookie)
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_polled_reads_answer_304_to_the_tag_of_an_unchanged_answer() {
    let (app, sandbox) = spawn_syncing(5, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    run_backfill(&app, &cookie).await;
    let today = monoweb::web::format::date(monobank::clock::Clock::now(&*app.clock));
    let statement = format!("/api/mono/statement/?from={today}&to={today}&account=all");
    let paths = [
        "/api/mono/balance/",
        "/api/mono/client-info/",
        "/api/mono/currencies/",
        statement.as_str(),
        "/api/mono/summary/",
        "/api/mono/sync/",
    ];
    for path in paths {
        let res = app.get_as(path, &cookie).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let tag = res.headers()["etag"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{path}: {tag}");
        let again = get_if_none_match(&app, path, &cookie, &tag).await;
        if again.status() == StatusCode::OK {
            // The answer changed in between (the sync moved on): a new tag with it.
            assert_ne!(again.headers()["etag"], tag.as_str(), "{path}");
            continue;
        }
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"], tag.as_str());
        assert!(again.headers().get("x-request-id").is_some());
        assert!(again.bytes().await.unwrap().is_empty());
        // A tag of another answer gets the whole answer.
        let other = get_if_none_match(&app, path, &cookie, "\"0123\", W/\"abcd\"").await;
        assert_eq!(other.status(), StatusCode::OK);
        assert!(!body.is_empty());
    }
    // Another query is another answer, with another tag.
    let other_day = format!("/api/mono/statement/?from=2026-01-01&to={today}&account=all");
    let one = app.get_as(&statement, &cookie).await;
    let two = app.get_as(&other_day, &cookie).await;
    assert_ne!(one.headers()["etag"], two.headers()["etag"]);
    // Errors and writes carry no tag.
    let res = app
        .get_as("/api/mono/statement/?from=x&to=y", &cookie)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("etag").is_none());
}

#[tokio::test]
async fn statement_pages_follow_their_next_links_through_the_whole_range_once() {
    let (app, sandbox) = spawn_syncing(20, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    run_backfill(&app, &cookie).await;
    let account = default_account(&app, &cookie).await;
    let now = monobank::clock::Clock::now(&*app.clock);
    let day = monoweb::web::format::date;
    let range = format!("from={}&to={}", day(now - 15 * 86_400), day(now));
    for query in [
        format!("{range}&account={account}"),
        format!("{range}&account=all&sort=-amount"),
    ] {
        let whole = json_of(
            app.get_as(&format!("/api/mono/statement/?{query}"), &cookie)
                .await,
        )
        .await;
        assert!(
            whole["detail"].get("next").is_none(),
            "no next without a limit"
        );
        let expected = ids(&whole);
        assert!(expected.len() > 20, "enough to page: {}", expected.len());
        let mut link = format!("/api/mono/statement/?{query}&limit=7");
        let mut seen = Vec::new();
        loop {
            let res = app.get_as(&link, &cookie).await;
            assert_eq!(res.status(), StatusCode::OK, "{link}");
            let header = res
                .headers()
                .get("link")
                .map(|v| v.to_str().unwrap().to_owned());
            let page = json_of(res).await;
            let ids = ids(&page);
            assert!(ids.len() <= 7);
            seen.extend(ids);
            assert_eq!(page["detail"]["complete"], whole["detail"]["complete"]);
            match page["detail"]["next"].as_str() {
                Some(next) => {
                    assert_eq!(header.unwrap(), format!("<{next}>; rel=\"next\""));
                    link = next.to_owned();
                }
                None => {
                    assert!(page["detail"]["next"].is_null(), "the last page says so");
                    assert!(header.is_none());
                    break;
                }
            }
        }
        assert_eq!(seen, expected, "{query}");
    }
    // Bad pages are field errors, and the CSV has no pages.
    let base = format!("/api/mono/statement/?{range}&account={account}");
    for (query, field) in [
        ("&limit=0", "limit"),
        ("&limit=1001", "limit"),
        ("&limit=x", "limit"),
        ("&cursor=1.2.abc", "cursor"),
        ("&limit=5&cursor=!!", "cursor"),
        ("&limit=5&cursor=1.2.abc", "cursor"),
    ] {
        let res = app.get_as(&format!("{base}{query}"), &cookie).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"][field].is_array(), "{query}: {body}");
    }
    // A cursor is a place in any order: the key of the row it names. Made by hand from a row,
    // it starts the page after that row.
    let first = json_of(app.get_as(&format!("{base}&limit=3"), &cookie).await).await;
    let third = &first["detail"]["items"][2];
    let made = format!(
        "{}.{}.{}",
        third["time"],
        third["amount"].as_i64().unwrap().abs(),
        third["id"]
            .as_str()
            .unwrap()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let next = first["detail"]["next"].as_str().unwrap();
    assert_eq!(next.split("cursor=").nth(1).unwrap(), made);
    let res = app
        .get_as(
            &format!("{base}&limit=3&sort=amount&cursor={made}"),
            &cookie,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A cursor alone is the rest of the range after it.
    let rest = json_of(app.get_as(&format!("{base}&cursor={made}"), &cookie).await).await;
    let whole = json_of(app.get_as(&base, &cookie).await).await;
    assert_eq!(ids(&rest), ids(&whole)[3..].to_vec());
    assert!(rest["detail"]["next"].is_null());
    let res = app
        .get_as(&format!("/api/mono/statement.csv?{range}&limit=5"), &cookie)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_page_the_api_and_the_csv_share_one_set_of_statement_limits() {
    let (app, sandbox) = spawn_syncing(5, 1.0).await;
    let cookie = owner(&app, &sandbox, 0).await;
    let now = monobank::clock::Clock::now(&*app.clock);
    let today: jiff::civil::Date = monoweb::web::format::date(now).parse().unwrap();
    let back = |days: i32| {
        today
            .checked_sub(jiff::Span::new().days(days))
            .unwrap()
            .to_string()
    };
    let tomorrow = today.tomorrow().unwrap().to_string();
    let longest = format!("from={}&to={today}", back(3_659));
    let too_long = format!("from={}&to={today}", back(3_660));
    let future = format!("from={tomorrow}&to={tomorrow}");
    let views = [
        "/statement?",
        "/api/mono/statement/?",
        "/api/mono/statement.csv?",
    ];
    for view in views {
        let res = app
            .get_as(&format!("{view}{longest}&account=all"), &cookie)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{view} ten years");
        for (query, field, message) in [
            (&too_long, "to", "Ask for at most ten years at a time."),
            (&future, "from", "The start date is in the future."),
        ] {
            let res = app
                .get_as(&format!("{view}{query}&account=all"), &cookie)
                .await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{view}{query}");
            let text = res.text().await.unwrap();
            if view.starts_with("/api") {
                let body: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["errors"][field], json!([message]), "{view}{query}");
            } else {
                assert!(text.contains(message), "{view}{query}");
            }
        }
    }
    // A year and more is one page, as it is one API call (the page's limit was 366 days).
    let res = app
        .get_as(
            &format!("/statement?from={}&to={today}", back(400)),
            &cookie,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The month summary's limits are the same for the page and the API.
    let next_month = today
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap()
        .strftime("%Y-%m")
        .to_string();
    let res = app
        .get_as(&format!("/api/mono/summary/?to={next_month}"), &cookie)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .get_as(&format!("/months?to={next_month}"), &cookie)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
