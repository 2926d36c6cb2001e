//! Accounts, sessions and the security baseline, black-box (README "HTTP API",
//! `docs/security.md` S1-S14, S24-S25).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{session_cookie, TestApp, PASSWORD};

async fn me(app: &crate::helpers::TestApp, cookie: &str) -> StatusCode {
    app.get_as("/api/auth/me", cookie).await.status()
}

#[tokio::test]
async fn register_login_me_logout_then_me_and_the_replayed_cookie_are_401() {
    let app = TestApp::builder().start().await;
    let res = app.register("alice", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 201);
    assert_eq!(body["detail"]["username"], "alice");
    assert!(body["detail"]["id"].is_i64());

    let cookie = app.login("alice", PASSWORD).await;
    let res = app.get_as("/api/auth/me", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["detail"],
        json!({"username": "alice", "is_admin": true, "has_token": false})
    );

    let res = app
        .post_json("/api/auth/logout", &json!({}), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.session_rows(), 0, "the session row is deleted");
    let res = app.get_as("/api/auth/me", &cookie).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "replaying the old cookie"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 401);
    assert_eq!(
        app.get("/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_session_key_changes_at_login_and_the_old_key_is_gone() {
    let app = TestApp::builder().start().await;
    let first = app.logged_in("alice").await;
    assert_eq!(app.session_rows(), 1);
    // Logging in again from the same browser (carrying the first cookie).
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "alice", "password": PASSWORD}),
            Some(&first),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second = session_cookie(&res).unwrap();
    assert_ne!(first, second);
    assert_eq!(
        app.session_rows(),
        1,
        "the old row was deleted, not kept beside the new one"
    );
    assert_eq!(me(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &second).await, StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_keeps_the_current_one() {
    let app = TestApp::builder().start().await;
    let here = app.logged_in("alice").await;
    let elsewhere = app.login("alice", PASSWORD).await;
    assert_eq!(app.session_rows(), 2);
    let res = app
        .post_json(
            "/api/auth/password",
            &json!({"current_password": PASSWORD, "new_password": "quiet harbour lighthouse"}),
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        me(&app, &here).await,
        StatusCode::OK,
        "current session kept"
    );
    assert_eq!(
        me(&app, &elsewhere).await,
        StatusCode::UNAUTHORIZED,
        "other session ended"
    );
    assert_eq!(app.session_rows(), 1);
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "alice", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "old password no longer works"
    );
    app.login("alice", "quiet harbour lighthouse").await;
}

#[tokio::test]
async fn password_change_validates_both_fields() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    let cases = [
        (
            json!({"current_password": "wrong wrong wrong", "new_password": "quiet harbour lighthouse"}),
            "current_password",
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "short"}),
            "new_password",
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "qwerty123456"}),
            "new_password",
        ),
        (json!({"current_password": PASSWORD}), "new_password"),
    ];
    for (body, field) in cases {
        let res = app
            .post_json("/api/auth/password", &body, Some(&cookie))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"][field].is_array(), "{body}");
    }
    app.login("alice", PASSWORD).await;
    let anonymous = app
        .post_json(
            "/api/auth/password",
            &json!({"current_password": PASSWORD, "new_password": "quiet harbour lighthouse"}),
            None,
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    app.clock.advance(1_799);
    assert_eq!(
        me(&app, &cookie).await,
        StatusCode::OK,
        "29:59 idle is fine"
    );
    app.clock.advance(1_801);
    assert_eq!(
        me(&app, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "30:01 idle ends it"
    );
    assert_eq!(app.session_rows(), 0);

    // Active all along, the session still ends after 12 hours.
    let cookie = app.login("alice", PASSWORD).await;
    for _ in 0..(43_200 / 1_500) {
        app.clock.advance(1_500);
        assert_eq!(me(&app, &cookie).await, StatusCode::OK);
    }
    app.clock.advance(1_500);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn csrf_matrix_on_login_and_a_logged_in_endpoint() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    let origin = app.address.clone();
    let cases: &[(&[(&str, &str)], bool)] = &[
        (&[("Sec-Fetch-Site", "cross-site")], false),
        (&[("Sec-Fetch-Site", "same-site")], false),
        (&[("Sec-Fetch-Site", "same-origin")], true),
        (&[("Sec-Fetch-Site", "none")], true),
        (&[("Origin", "https://evil.example")], false),
        (&[("Origin", "null")], false),
        (&[("Origin", &origin)], true),
        (&[], true),
    ];
    for (headers, allowed) in cases {
        for (path, body) in [
            (
                "/api/auth/login",
                json!({"username": "alice", "password": "wrong password!"}),
            ),
            (
                "/api/auth/password",
                json!({"current_password": "x", "new_password": "short"}),
            ),
        ] {
            let mut req = app
                .client
                .post(app.url(path))
                .json(&body)
                .header("Cookie", &cookie);
            for (name, value) in *headers {
                req = req.header(*name, *value);
            }
            let res = req.send().await.unwrap();
            if *allowed {
                assert_ne!(res.status(), StatusCode::FORBIDDEN, "{path} {headers:?}");
            } else {
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} {headers:?}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["code"], 403);
            }
        }
    }
    // Bodies that a cross-site form could send are not JSON: 415.
    for (content_type, body) in [
        ("text/plain", r#"{"username":"alice","password":"x"}"#),
        (
            "application/x-www-form-urlencoded",
            "username=alice&password=x",
        ),
    ] {
        let res = app
            .client
            .post(app.url("/api/auth/login"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
}

/// An app that takes the client address from `X-Forwarded-For` (loopback is its proxy), so one
/// test can log in from several addresses.
async fn behind_a_proxy() -> TestApp {
    TestApp::builder()
        .configure(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .start()
        .await
}

/// A login attempt from `address`.
async fn login_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_from_one_address_lock_it_out_but_not_the_owner_elsewhere() {
    let app = behind_a_proxy().await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let (attacker, owner) = ("203.0.113.1", "198.51.100.7");
    let wrong = login_from(&app, attacker, "alice", "not my password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_body = wrong.text().await.unwrap();
    for _ in 0..4 {
        assert_eq!(
            login_from(&app, attacker, "alice", "not my password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = login_from(&app, attacker, "alice", PASSWORD).await;
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password, from the locked-out address"
    );
    assert!((1..=60).contains(&retry_after(&locked)));
    assert_eq!(
        login_from(&app, owner, "alice", PASSWORD).await.status(),
        StatusCode::OK,
        "the owner, from another address, is not locked out"
    );

    // A name that is no account behaves the same, so the throttle reveals no names.
    for _ in 0..5 {
        let unknown = login_from(&app, attacker, "nobody", "not my password").await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.text().await.unwrap(), wrong_body);
    }
    let unknown = login_from(&app, attacker, "nobody", "not my password").await;
    assert_eq!(unknown.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&unknown)));
    assert_eq!(
        login_from(&app, owner, "nobody", "not my password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    app.clock.advance(61);
    assert_eq!(
        login_from(&app, attacker, "alice", PASSWORD).await.status(),
        StatusCode::OK,
        "the lock ends"
    );
}

#[tokio::test]
async fn attempts_sent_at_once_from_one_address_get_five_tries_not_twenty() {
    let app = behind_a_proxy().await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    for name in ["alice", "nobody"] {
        let attempts: Vec<_> = (0..12)
            .map(|_| {
                let req = app
                    .client
                    .post(app.url("/api/auth/login"))
                    .header("X-Forwarded-For", format!("203.0.113.{}", name.len()))
                    .json(&json!({"username": name, "password": "not my password"}));
                tokio::spawn(async move { req.send().await.unwrap().status() })
            })
            .collect();
        let mut tried = 0;
        for attempt in attempts {
            let status = attempt.await.unwrap();
            assert!(
                [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&status),
                "{status}"
            );
            tried += usize::from(status == StatusCode::UNAUTHORIZED);
        }
        assert_eq!(tried, 5, "{name}: five passwords checked, the rest refused");
    }
}

#[tokio::test]
async fn failures_spread_over_many_addresses_slow_the_account_down_without_locking_it() {
    let app = behind_a_proxy().await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    // The owner's usual address: the right password came from it.
    let home = "198.51.100.20";
    assert_eq!(
        login_from(&app, home, "alice", PASSWORD).await.status(),
        StatusCode::OK
    );
    let slow_after = monoweb::auth::throttle::SLOW_AFTER_FAILURES;
    for n in 0..slow_after {
        let address = format!("203.0.113.{}", n + 1);
        assert_eq!(
            login_from(&app, &address, "alice", "not my password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let slowed = login_from(&app, "198.51.100.7", "alice", PASSWORD).await;
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&slowed);
    let slow_secs = monoweb::auth::throttle::SLOW_SECS.unsigned_abs();
    assert!((1..=slow_secs).contains(&wait), "{wait}");
    assert_eq!(
        login_from(&app, home, "alice", PASSWORD).await.status(),
        StatusCode::OK,
        "the address the owner logged in from before is spared the slowing down"
    );
    for n in 0..slow_after {
        let address = format!("203.0.113.{}", n + 100);
        login_from(&app, &address, "alice", "not my password").await;
    }
    app.clock.advance(i64::try_from(wait).unwrap());
    assert_eq!(
        login_from(&app, "198.51.100.7", "alice", PASSWORD)
            .await
            .status(),
        StatusCode::OK,
        "a few seconds later the owner logs in from anywhere"
    );
}

/// Guesses at `name` from the addresses `guess` gives, a second apart, until one is counted (401,
/// not 429): it has just taken the slowed-down account's slot.
async fn until_a_guess_counts(app: &TestApp, name: &str, guess: impl Fn(usize) -> String) {
    let mut n = 40;
    while login_from(app, &guess(n), name, "not my password")
        .await
        .status()
        != StatusCode::UNAUTHORIZED
    {
        app.clock.advance(1);
        n += 1;
    }
}

#[tokio::test]
async fn guesses_from_a_few_rotating_addresses_do_not_keep_the_owner_out_from_a_new_one() {
    let app = behind_a_proxy().await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    // One wrong password every 3 s from ten rotating addresses: after twenty failures the
    // account slows down, and the guesses keep taking each slot as it opens.
    let guess = |n: usize| format!("203.0.113.{}", n % 10 + 1);
    let mut refused = 0;
    for n in 0..40 {
        let status = login_from(&app, &guess(n), "alice", "not my password")
            .await
            .status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
        }
        app.clock.advance(3);
    }
    assert!(refused > 0, "the account is slowed down");
    // A guess that was counted has just taken the slot of the addresses that fail here...
    until_a_guess_counts(&app, "alice", guess).await;
    // ...and the owner, on an address that never failed here, is not behind them.
    assert_eq!(
        login_from(&app, "198.51.100.50", "alice", PASSWORD)
            .await
            .status(),
        StatusCode::OK,
        "the owner from a new address"
    );
    // A name that is no account behaves the same, so the lanes reveal no names.
    for n in 0..40 {
        login_from(&app, &guess(n), "nobody", "not my password").await;
        app.clock.advance(3);
    }
    until_a_guess_counts(&app, "nobody", guess).await;
    assert_eq!(
        login_from(&app, "198.51.100.50", "nobody", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "a new address is not slowed down for an unknown name either"
    );
}

#[tokio::test]
async fn one_ip_gets_a_burst_of_attempts_then_429() {
    let app = TestApp::builder().start().await;
    // Sent at once, so that the limiter's refill (one attempt per 3 s) plays no part.
    let burst = monoweb::auth::throttle::IP_BURST as usize;
    let attempts: Vec<_> = (0..burst + 5)
        .map(|n| {
            let req = app
                .client
                .post(app.url("/api/auth/login"))
                .json(&json!({"username": format!("user{n}"), "password": "whatever it is"}));
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!((refused, limited), (burst, 5), "{statuses:?}");
}

#[tokio::test]
async fn security_headers_on_success_not_found_and_extractor_errors() {
    let app = TestApp::builder().start().await;
    let responses = [
        app.get("/healthz").await,
        app.get("/api/nope").await,
        app.get("/nope").await,
        app.client
            .post(app.url("/api/auth/login"))
            .header("Content-Type", "application/json")
            .body("{oops")
            .send()
            .await
            .unwrap(),
        app.get("/api/auth/me").await,
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 404, 404, 400, 401]);
    for res in &responses {
        let h = res.headers();
        assert_eq!(h["content-security-policy"], "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cache-control"], "no-store");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over http"
        );
    }
}

#[tokio::test]
async fn a_1_mib_body_is_413_and_unknown_fields_are_400_and_nothing_is_stored() {
    let app = TestApp::builder().start().await;
    let huge = json!({"username": "alice", "password": "x".repeat(1 << 20)});
    let res = app.post_json("/api/auth/register", &huge, None).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"username": "alice", "password": PASSWORD, "is_admin": true}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"]["is_admin"], json!(["Unknown field."]));
    assert_eq!(crate::helpers::count_rows(&app.database_url, "users"), 0);
}

/// Sends the headers of a POST announcing a 100-byte body, then one byte of it, and reads until
/// the server closes the connection. Returns what it answered.
async fn trickle(app: &TestApp, path: &str, content_type: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Content-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // Returns when the server closes the connection (the test's own timeout bounds a hang).
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408_and_the_connection_closed() {
    let app = TestApp::builder()
        .configure(|s| s.body_timeout_secs = 1)
        .start()
        .await;
    let answer = trickle(&app, "/api/auth/register", "application/json").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":408"), "the envelope: {answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let page = trickle(&app, "/login", "application/x-www-form-urlencoded").await;
    assert!(page.starts_with("HTTP/1.1 408"), "{page}");
    assert!(page.contains("<html"), "a page outside /api: {page}");
    assert!(
        page.to_ascii_lowercase().contains("connection: close"),
        "{page}"
    );
    assert_eq!(crate::helpers::count_rows(&app.database_url, "users"), 0);
    // A body that does arrive is read as before.
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn errors_actix_answers_by_itself_come_in_the_envelope_or_the_page() {
    let app = TestApp::builder().start().await;
    // A body over the limit: the error page on the webhook receiver (it answers like any page),
    // the envelope under /api; never actix-web's plain text.
    for (path, page) in [
        ("/hooks/mono/not-a-secret", true),
        ("/api/auth/login", false),
    ] {
        let res = app
            .client
            .post(app.url(path))
            .header("Content-Type", "application/json")
            .body(vec![b'a'; 1 << 20])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        if page {
            assert!(crate::helpers::is_html(&res), "{path}");
        } else {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["code"], 413, "{path}");
        }
    }
    // A path that does not parse, on a page: the styled 404 page, without the parser's words.
    let admin = app.logged_in("boss").await;
    let res = app.get_as("/admin/users/abc/active", &admin).await;
    assert_eq!(
        res.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "the route takes POST"
    );
    let token = app.form_token("/admin", &admin).await;
    let res = app
        .post_form_as(
            "/admin/users/abc/active",
            &admin,
            &[("active", "false"), ("csrf", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(crate::helpers::is_html(&res));
    let page = res.text().await.unwrap();
    assert!(!page.contains("i64") && !page.contains("parse"), "{page}");
}

#[tokio::test]
async fn another_host_is_refused_and_the_origin_check_trusts_only_the_public_url() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    // The probe's attack: a forged Host with a matching Origin once passed the origin check.
    let res = app
        .client
        .delete(app.url("/api/mono/"))
        .header("Host", "evil.example")
        .header("Origin", "http://evil.example")
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 400);
    let get_for = |path: &str, host: &str| {
        app.client
            .get(app.url(path))
            .header("Host", host)
            .header("Cookie", &cookie)
            .send()
    };
    let page = get_for("/login", "evil.example").await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(crate::helpers::is_html(&page));
    // Probes answer any host; a loopback name serves a loopback public URL.
    let probe = get_for("/healthz", "10.1.2.3:8080").await.unwrap();
    assert_eq!(probe.status(), StatusCode::OK);
    let port = app.address.rsplit(':').next().unwrap();
    let me = get_for("/api/auth/me", &format!("localhost:{port}"))
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // The right Host with another Origin is still cross-site.
    let res = app
        .client
        .delete(app.url("/api/mono/"))
        .header("Origin", "http://evil.example")
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn registration_rules() {
    let app = TestApp::builder().start().await;
    let bad = [
        (json!({"username": "al", "password": PASSWORD}), "username"),
        (
            json!({"username": "a l i c e", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"username": "alice", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "alice", "password": "1qaz2wsx3edc"}),
            "password",
        ),
        (
            json!({"username": "alice", "password": "my monoweb password"}),
            "password",
        ),
        (json!({"username": "alice"}), "password"),
        (json!({"username": 5, "password": PASSWORD}), "username"),
    ];
    for (body, field) in bad {
        let res = app.post_json("/api/auth/register", &body, None).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = res.json().await.unwrap();
        assert!(answer["errors"][field][0].is_string(), "{body}: {answer}");
    }
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("ALICE", PASSWORD).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.register("bob", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let bob = app.login("bob", PASSWORD).await;
    let body: Value = app.get_as("/api/auth/me", &bob).await.json().await.unwrap();
    assert_eq!(
        body["detail"]["is_admin"], false,
        "only the first user is admin"
    );
}

#[tokio::test]
async fn closed_registration_is_403() {
    let app = TestApp::builder()
        .configure(|s| s.registration = monoweb::config::Registration::Closed)
        .start()
        .await;
    let res = app.register("alice", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(crate::helpers::count_rows(&app.database_url, "users"), 0);
}

#[tokio::test]
async fn https_public_url_gives_a_secure_host_cookie_and_hsts() {
    let app = TestApp::builder()
        .configure(|s| {
            s.public_url = "https://money.example.com".parse().unwrap();
            // The test calls it by address, as a proxy in front of it would.
            s.allowed_hosts = vec!["127.0.0.1".into()];
        })
        .start()
        .await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "alice", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("__Host-monoweb_session="),
        "{set_cookie}"
    );
    for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"));
    assert!(res.headers().contains_key("strict-transport-security"));

    let plain = TestApp::builder().start().await;
    let cookie_res = {
        assert_eq!(
            plain.register("bob", PASSWORD).await.status(),
            StatusCode::CREATED
        );
        plain
            .post_json(
                "/api/auth/login",
                &json!({"username": "bob", "password": PASSWORD}),
                None,
            )
            .await
    };
    let set_cookie = cookie_res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.starts_with("monoweb_session=")
            && set_cookie.contains("HttpOnly")
            && !set_cookie.contains("Secure"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    let mut conn = app.db();
    let name = monoweb::domain::Username::parse("alice").unwrap();
    monoweb::services::users::set_active(&mut conn, &name, false).unwrap();
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "alice", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a disabled user cannot log in"
    );
}

#[tokio::test]
async fn a_weaker_stored_hash_is_upgraded_at_login() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let app = TestApp::builder().start().await;
    assert_eq!(
        app.register("alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let mut conn = app.db();
    let name = monoweb::domain::Username::parse("alice").unwrap();
    let user = monoweb::db::users::find_by_username(&mut conn, &name)
        .unwrap()
        .unwrap();
    monoweb::db::users::set_password(&mut conn, user.id(), &weak, &user.security_stamp).unwrap();
    app.login("alice", PASSWORD).await;
    let after = monoweb::db::users::find_by_username(&mut conn, &name)
        .unwrap()
        .unwrap();
    assert!(
        after
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        after.password_hash
    );
    assert!(after.last_login_at.is_some());
}

/// Logs in with the login page's form, ticking "stay signed in" or not; answers the session
/// cookie and the `Set-Cookie` header that carried it.
async fn page_login(app: &TestApp, username: &str, remember: bool) -> (String, String) {
    let (guest, csrf) = app.guest_form("/login", "en").await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", PASSWORD),
    ];
    if remember {
        fields.push(("remember", "1"));
    }
    let res = app.post_form_as("/login", &guest, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {username}");
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("monoweb_session="))
        .unwrap();
    (crate::helpers::session_cookie(&res).unwrap(), set)
}

#[tokio::test]
async fn stay_signed_in_outlives_idleness_and_the_browser_but_not_a_logout_elsewhere() {
    let app = TestApp::builder().start().await;
    assert_eq!(app.register("alice", PASSWORD).await.status(), 201);
    let (kept, set) = page_login(&app, "alice", true).await;
    assert!(
        set.contains("Max-Age=2592000"),
        "a cookie for 30 days: {set}"
    );
    let (plain, set) = page_login(&app, "alice", false).await;
    assert!(
        !set.contains("Max-Age"),
        "a cookie for this browser only: {set}"
    );

    // Two idle hours end the plain session and not the kept one; the settings say which is which.
    app.clock.advance(2 * 3_600);
    assert_eq!(me(&app, &plain).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &kept).await, StatusCode::OK);
    let settings = app.get_as("/settings", &kept).await.text().await.unwrap();
    assert!(settings.contains("stays signed in until"), "{settings}");
    // A state change (a flash message) sets the cookie again: it keeps its 30 days.
    let csrf = app.form_token("/settings", &kept).await;
    let res = app
        .post_form_as(
            "/language",
            &kept,
            &[("csrf", csrf.as_str()), ("language", "en")],
        )
        .await;
    let again = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("monoweb_session="));
    let again = again.expect("the session middleware sets a changed session's cookie again");
    assert!(again.contains("Max-Age=2592000"), "{again}");
    // The sweeper leaves it too.
    let swept = {
        use monobank::clock::Clock;
        let mut conn = app.db();
        monoweb::db::sessions::purge_expired(&mut conn, app.clock.now(), 1_800).unwrap()
    };
    assert_eq!(
        swept, 0,
        "the plain session was already gone; the kept one stays"
    );
    assert_eq!(me(&app, &kept).await, StatusCode::OK);

    // Idle for hours, it is still listed on another device, which can end it.
    app.clock.advance(3 * 3_600);
    let other = app.login("alice", PASSWORD).await;
    let listed = app.get_as("/settings", &other).await.text().await.unwrap();
    assert!(listed.contains("stays signed in until"), "{listed}");
    assert!(listed.contains("Log out other sessions (1)"), "{listed}");
    let csrf = app.form_token("/settings", &other).await;
    let res = app
        .post_form_as("/settings/sessions", &other, &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&app, &kept).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_kept_session_still_ends_thirty_days_after_login() {
    let app = TestApp::builder().start().await;
    assert_eq!(app.register("alice", PASSWORD).await.status(), 201);
    let (kept, _) = page_login(&app, "alice", true).await;
    for _ in 0..29 {
        app.clock.advance(86_400);
        assert_eq!(me(&app, &kept).await, StatusCode::OK);
    }
    app.clock.advance(86_400 + 1);
    assert_eq!(me(&app, &kept).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_rows(), 0);
}

#[tokio::test]
async fn an_operator_can_turn_stay_signed_in_off() {
    let app = TestApp::builder()
        .configure(|s| s.session_remember_days = 0)
        .start()
        .await;
    assert_eq!(app.register("alice", PASSWORD).await.status(), 201);
    let login = app.get("/login").await.text().await.unwrap();
    assert!(!login.contains("name=\"remember\""), "not offered");
    // A posted box is ignored: the session ends with the browser and when idle.
    let (cookie, set) = page_login(&app, "alice", true).await;
    assert!(!set.contains("Max-Age"), "{set}");
    app.clock.advance(1_801);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}
