//! Provider mode on the sandbox: the operator's commands (key, registration, approval), a user
//! connecting through the accept page and the callback, every view and the history read with the
//! provider's signature, revocation, the provider webhook, and both modes side by side.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use monobank::client::{AccessState, Client};
use monobank::clock::{Clock, ManualClock};
use monobank::provider::{ProviderAccess, ProviderKey, RequestId};
use monobank::MonoError;
use serde_json::{json, Value};

use crate::helpers::{run_monoweb, TestApp, TestSandbox};
use crate::history::{default_account, json_of, run_backfill, syncing};

/// Runs the binary off the test's thread (it talks to the sandbox this test serves).
async fn monoweb(dir: &Path, env: Vec<(String, String)>, args: Vec<String>) -> (i32, String) {
    let dir = dir.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_monoweb(&dir, &env, &args, "")
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The operator's steps with the binary: keygen, register, status (New), the bank approves,
/// status (Approved). Returns the key file.
async fn operator_registers(dir: &Path, sandbox: &TestSandbox) -> std::path::PathBuf {
    let key_file = dir.join("keys").join("provider.key");
    let env = vec![
        (
            "MONOWEB_PROVIDER_KEY_FILE".to_owned(),
            key_file.display().to_string(),
        ),
        ("MONOWEB_MONO_API_URL".to_owned(), sandbox.url.clone()),
        (
            "MONOWEB_DATA_DIR".to_owned(),
            dir.join("data").display().to_string(),
        ),
    ];
    let (code, out) = monoweb(dir, env.clone(), strings(&["provider", "keygen"])).await;
    assert_eq!(code, 0, "{out}");
    let key = ProviderKey::from_pem(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    assert!(out.contains(&format!("key id: {}", key.key_id())), "{out}");
    assert!(out.contains(&key.public_pem_base64()), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second keygen never overwrites the key.
    let (code, out) = monoweb(dir, env.clone(), strings(&["provider", "keygen"])).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not overwritten"), "{out}");

    let logo = dir.join("logo.png");
    std::fs::write(&logo, b"\x89PNG\r\n\x1a\nnot really an image").unwrap();
    let mut register = strings(&[
        "provider",
        "register",
        "--name",
        "monoweb test",
        "--description",
        "Reads statements for the people who connect",
        "--contact",
        "Operator",
        "--phone",
        "380671234567",
        "--email",
        "ops@example.org",
        "--logo",
    ]);
    register.push(logo.display().to_string());
    // A bad field is refused before anything is sent.
    let mut bad = register.clone();
    bad[8] = "12".into();
    let (code, out) = monoweb(dir, env.clone(), bad).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--phone"), "{out}");
    let (code, out) = monoweb(dir, env.clone(), register).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("status: New"), "{out}");
    let (code, out) = monoweb(dir, env.clone(), strings(&["provider", "status"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("status: New"), "{out}");
    let (status, answer) = sandbox
        .post_control("/sandbox/provider/approve", json!({}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let (code, out) = monoweb(dir, env, strings(&["provider", "status"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("status: Approved"), "{out}");
    assert!(out.contains(&format!("key id: {}", key.key_id())), "{out}");
    key_file
}

/// An app in `mode` with the provider key, syncing a year, on the sandbox's clock.
async fn provider_app(
    sandbox: &TestSandbox,
    clock: Arc<ManualClock>,
    key_file: &Path,
    mode: monoweb::config::MonoMode,
) -> TestApp {
    let key_file = key_file.to_owned();
    syncing(365)
        .clock(clock)
        .mono_api(&sandbox.url)
        .configure(move |s| {
            s.mono_mode = mode;
            s.provider_key_file = key_file;
        })
        .start()
        .await
}

/// The user connects: `POST /api/mono/connect`, the test opens the accept URL as sandbox client
/// `n` and approves; the sandbox calls the app back. Returns the accept page's answer.
async fn connect_as(app: &TestApp, sandbox: &TestSandbox, cookie: &str, n: usize) -> String {
    let res = app
        .post_json("/api/mono/connect", &json!({}), Some(cookie))
        .await;
    assert_eq!(res.status(), 200);
    let pending = json_of(res).await;
    assert_eq!(pending["detail"]["state"], "pending", "{pending}");
    let accept_url = pending["detail"]["accept_url"].as_str().unwrap().to_owned();
    assert!(accept_url.starts_with(&format!("{}/sandbox/accept/", sandbox.url)));
    // Asking again answers the same pending request.
    let again = json_of(
        app.post_json("/api/mono/connect", &json!({}), Some(cookie))
            .await,
    )
    .await;
    assert_eq!(again["detail"]["accept_url"], accept_url.as_str());
    // The page shows the link and a QR code, and refreshes itself.
    let page = app.get_as("/token", cookie).await.text().await.unwrap();
    assert!(page.contains(&accept_url), "the accept link");
    assert!(page.contains("<svg"), "the QR code");
    assert!(page.contains(r#"http-equiv="refresh""#));
    let shown = sandbox.http.get(&accept_url).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert!(shown
        .text()
        .await
        .unwrap()
        .contains(&sandbox.tokens[n].name));
    let answer = sandbox
        .http
        .post(&accept_url)
        .form(&[("client", n.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer.text().await.unwrap()
}

#[tokio::test]
async fn a_provider_user_connects_in_the_app_and_every_view_and_the_history_match_the_ledger() {
    // The binary signs with the real time: the sandbox's clock starts there. Time scale 60: a
    // webhook delivery that fails on a loaded machine is retried after a second.
    let clock = ManualClock::at(monobank::clock::SystemClock.now());
    let sandbox = TestSandbox::start_with(clock.clone(), 60.0, false).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = operator_registers(dir.path(), &sandbox).await;
    let app = provider_app(
        &sandbox,
        clock.clone(),
        &key_file,
        monoweb::config::MonoMode::Provider,
    )
    .await;
    let cookie = app.logged_in("alice").await;

    // Personal tokens are not taken in provider mode.
    let res = app
        .post_json(
            "/api/mono",
            &json!({"mono_token": sandbox.tokens[1].token}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("connect Monobank"));

    let answered = connect_as(&app, &sandbox, &cookie, 0).await;
    assert!(answered.contains("Callback: answered 200"), "{answered}");
    let state = json_of(app.get_as("/api/mono/connect", &cookie).await).await;
    assert_eq!(state["detail"]["state"], "connected", "{state}");
    let status = json_of(app.get_as("/api/mono", &cookie).await).await;
    assert_eq!(status["detail"]["kind"], "provider", "{status}");
    assert_eq!(status["detail"]["token_hint"], Value::Null);

    // Client-info and balance are the sandbox client's, read with the provider's signature.
    let account = default_account(&app, &cookie).await;
    let info = json_of(app.get_as("/api/mono/client-info", &cookie).await).await;
    assert_eq!(
        info["detail"]["name"],
        sandbox.tokens[0].name.as_str(),
        "{info}"
    );
    let signed_calls = sandbox.calls("/personal/client-info").await;
    assert!(!signed_calls.is_empty());
    assert!(signed_calls.iter().all(|c| c["status"] == 200));

    // The provider webhook, set by the app at start (the test waits for the bank to list it, and
    // for the sync to track the user's accounts); an operation reaches the store through it.
    let key = ProviderKey::from_pem(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    let bank = Client::new(sandbox.url.parse().unwrap())
        .unwrap()
        .with_clock(clock.clone());
    let started = Instant::now();
    loop {
        let hook_set = !bank.corp_settings(&key).await.unwrap().webhook.is_empty();
        let tracked = json_of(app.get_as("/api/mono/sync", &cookie).await).await["detail"]
            ["accounts"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        if hook_set && tracked {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "webhook set: {hook_set}, accounts tracked: {tracked}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let created = sandbox.create_on(0, &account, -1234, "Через вебхук").await;
    let started = Instant::now();
    loop {
        let mut conn = app.db();
        let ids =
            monoweb::db::transactions::ids(&mut conn, monoweb::db::users::UserId(1), &account)
                .unwrap();
        if ids.contains(&created.id) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the provider webhook did not deliver: {:?}",
            sandbox.deliveries().await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A year of history, every account and jar exactly the ledger's.
    let start = app.clock.now();
    let p = run_backfill(&app, &cookie).await;
    let accounts = p["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 4, "{p}");
    let mut total = 0;
    for a in accounts {
        let id = a["account"].as_str().unwrap();
        let history_from = a["history_from"].as_i64().unwrap();
        assert!((history_from - (start - 365 * 86_400)).abs() < 600);
        let expected: BTreeSet<String> = sandbox
            .ledger(0, id)
            .await
            .into_iter()
            .filter(|i| i.time >= history_from)
            .map(|i| i.id)
            .collect();
        let mut conn = app.db();
        let stored: BTreeSet<String> =
            monoweb::db::transactions::ids(&mut conn, monoweb::db::users::UserId(1), id)
                .unwrap()
                .into_iter()
                .collect();
        assert_eq!(stored, expected, "account {id}");
        total += expected.len();
    }
    assert!(total > 1000, "a year of history: {total}");

    // The statement API and the CSV serve the same rows as the ledger.
    let from = monoweb::web::format::date(start - 200 * 86_400);
    let to = monoweb::web::format::date(start - 3 * 86_400);
    let query = format!("from={from}&to={to}&account={account}");
    let body = json_of(
        app.get_as(&format!("/api/mono/statement?{query}"), &cookie)
            .await,
    )
    .await;
    let items = body["detail"]["items"].as_array().unwrap();
    let (lo, hi) = (
        monoweb::domain::kyiv::day_bounds(from.parse().unwrap())
            .unwrap()
            .0,
        monoweb::domain::kyiv::day_bounds(to.parse().unwrap())
            .unwrap()
            .1,
    );
    let expected: BTreeSet<String> = sandbox
        .ledger(0, &account)
        .await
        .into_iter()
        .filter(|i| (lo..=hi).contains(&i.time))
        .map(|i| i.id)
        .collect();
    let got: BTreeSet<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(items.len() > 100, "{}", items.len());
    assert_eq!((got.len(), got), (items.len(), expected));
    let csv = app
        .get_as(&format!("/api/mono/statement.csv?{query}"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), items.len() + 1);

    // The provider webhook's own checks: the bank's test POST, a forged signature, an account
    // nobody connected, an unsigned event (kept, marked unsigned).
    let hook = monoweb::services::ingest::provider_webhook_url_of(
        &app.context.secret,
        &app.context.public_url,
    );
    let post = |body: Vec<u8>, sign: Option<(String, String)>| {
        let mut req = app
            .client
            .post(&hook)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some((key_id, sign)) = sign {
            req = req.header("X-Key-Id", key_id).header("X-Sign", sign);
        }
        req.send()
    };
    assert_eq!(post(b"{}".to_vec(), None).await.unwrap().status(), 200);
    let now = app.clock.now();
    let forged = serde_json::to_vec(&crate::history::event(&account, "forged-1", now)).unwrap();
    let (key_id, sign) = sandbox.sign(b"another body").await;
    let res = post(forged, Some((key_id, sign))).await.unwrap();
    assert_eq!(res.status(), 400);
    // An event nobody here can take is dropped with a 200 (an error would make the bank retry
    // it and switch off the webhook every provider user relies on).
    let events_before = crate::helpers::count_rows(&app.database_url, "webhook_events");
    let stranger =
        serde_json::to_vec(&crate::history::event("nobodys", "stranger-1", now)).unwrap();
    let signed = sandbox.sign(&stranger).await;
    assert_eq!(post(stranger, Some(signed)).await.unwrap().status(), 200);
    let unsigned = serde_json::to_vec(&crate::history::event(&account, "unsigned-1", now)).unwrap();
    assert_eq!(post(unsigned, None).await.unwrap().status(), 200);
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "webhook_events"),
        events_before + 1,
        "the stranger's event was not kept, the user's unsigned one was"
    );
    let mut conn = app.db();
    let ids =
        monoweb::db::transactions::ids(&mut conn, monoweb::db::users::UserId(1), &account).unwrap();
    assert!(ids.contains(&"unsigned-1".to_owned()));
    assert!(!ids.contains(&"forged-1".to_owned()));
    drop(conn);
    // A stranger's post to the provider webhook's path guesses no secret.
    let res = app
        .client
        .post(app.url("/hooks/provider/0123456789abcdef0123456789abcdef"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The user revokes the access in the Monobank app: the next call learns it, every view
    // answers 422 "connect again", and the page offers it.
    let (status, answer) = sandbox
        .post_control(
            "/sandbox/provider/revoke",
            json!({"token": sandbox.tokens[0].token}),
        )
        .await;
    assert_eq!((status, answer["revoked"].as_i64()), (200, Some(1)));
    // The sync or the view makes the next call (the other may serve the snapshot once).
    let mut tries = 0;
    loop {
        app.clock.advance(61);
        let res = app.get_as("/api/mono/client-info", &cookie).await;
        if res.status() == 422 {
            break;
        }
        assert_eq!(res.status(), 200);
        tries += 1;
        assert!(tries < 20, "the revocation was never noticed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let revoked = "Access was revoked in the Monobank app: connect again.";
    for path in ["/api/mono/client-info", "/api/mono/balance"] {
        let res = app.get_as(path, &cookie).await;
        assert_eq!(res.status(), 422, "{path}");
        assert_eq!(json_of(res).await["detail"], revoked, "{path}");
    }
    let res = app
        .post_json("/api/mono/statement", &json!({"period": 7}), Some(&cookie))
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(json_of(res).await["detail"], revoked);
    // What was fetched stays readable from the store.
    let res = app
        .get_as(&format!("/api/mono/statement?{query}"), &cookie)
        .await;
    assert_eq!(res.status(), 200);
    let page = app.get_as("/token", &cookie).await.text().await.unwrap();
    assert!(page.contains("id=\"access-revoked\""));
    assert!(page.contains("Connect again"));
    let state = json_of(app.get_as("/api/mono/connect", &cookie).await).await;
    assert_eq!(state["detail"]["state"], "revoked");
    // Connecting again (as the same client) replaces the revoked connection.
    let answered = connect_as(&app, &sandbox, &cookie, 0).await;
    assert!(answered.contains("Callback: answered 200"), "{answered}");
    let info = client_info(&app, &cookie).await;
    assert_eq!(info["detail"]["name"], sandbox.tokens[0].name.as_str());
}

/// The user's client-info once it can be had (the sync and the view share its minute).
async fn client_info(app: &TestApp, cookie: &str) -> Value {
    for _ in 0..100 {
        let res = app.get_as("/api/mono/client-info", cookie).await;
        if res.status() == 200 {
            return json_of(res).await;
        }
        assert_eq!(res.status(), 429);
        app.clock.advance(61);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("client-info was never read");
}

#[tokio::test]
async fn the_sandbox_checks_every_provider_signature_and_time() {
    let clock = ManualClock::at(monobank::clock::SystemClock.now());
    let sandbox = TestSandbox::start(clock.clone(), 1.0).await;
    let key = Arc::new(ProviderKey::from_secret_bytes(&[9; 32]).unwrap());
    let client = register(&sandbox, &clock, &key).await;
    let asked = client.request_access(&key, "", None).await.unwrap();
    let access = ProviderAccess {
        key: key.clone(),
        request_id: RequestId::parse(&asked.token_request_id).unwrap(),
    };
    assert_eq!(
        client.access_state(&access).await.unwrap(),
        AccessState::Pending
    );
    // Letters the company was not granted are refused.
    assert!(matches!(
        client.request_access(&key, "j", None).await,
        Err(MonoError::BadRequest(text)) if text.contains("X-Permissions")
    ));
    let answer = sandbox
        .http
        .post(&asked.accept_url)
        .form(&[("client", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        client.access_state(&access).await.unwrap(),
        AccessState::Granted
    );
    // Both encodings verify.
    let info = client.client_info(&access).await.unwrap();
    assert_eq!(info.name, sandbox.tokens[2].name);
    let der = ProviderAccess {
        key: Arc::new(
            ProviderKey::from_secret_bytes(&[9; 32])
                .unwrap()
                .with_encoding(monobank::provider::Encoding::Der),
        ),
        request_id: access.request_id.clone(),
    };
    clock.advance(61);
    client.client_info(&der).await.unwrap();

    // An X-Time two minutes off is refused, however well signed.
    let skewed = ManualClock::at(clock.now() + 120);
    let skewed_client = Client::new(sandbox.url.parse().unwrap())
        .unwrap()
        .with_clock(skewed);
    assert_eq!(
        skewed_client.client_info(&access).await.unwrap_err(),
        MonoError::ProviderRefused
    );
    // A signature over another path, or by another key, is refused.
    let now = clock.now();
    let request_id = access.request_id.expose();
    let headers = key.headers(
        now,
        monobank::provider::Ingredient::RequestId(request_id),
        "/personal/statement/0/1/2",
    );
    let client_info_with = |time: String, sign: String| {
        sandbox
            .http
            .get(format!("{}/personal/client-info", sandbox.url))
            .header("X-Key-Id", key.key_id())
            .header("X-Time", time)
            .header("X-Request-Id", request_id)
            .header("X-Sign", sign)
            .send()
    };
    let tampered = client_info_with(headers.time, headers.sign).await.unwrap();
    assert_eq!(tampered.status(), 403);
    let stranger = ProviderKey::from_secret_bytes(&[5; 32]).unwrap();
    let foreign = stranger.headers(
        now,
        monobank::provider::Ingredient::RequestId(request_id),
        "/personal/client-info",
    );
    let res = client_info_with(foreign.time, foreign.sign).await.unwrap();
    assert_eq!(res.status(), 403);
    // The refused calls changed nothing: the access still works.
    clock.advance(61);
    client.client_info(&access).await.unwrap();
}

/// Registers `key` with the sandbox (which approves at once); answers a client on its clock.
async fn register(sandbox: &TestSandbox, clock: &Arc<ManualClock>, key: &ProviderKey) -> Client {
    let client = Client::new(sandbox.url.parse().unwrap())
        .unwrap()
        .with_clock(clock.clone());
    let registration = monobank::types::Registration {
        pubkey: key.public_pem_base64(),
        name: "monoweb".into(),
        description: "test".into(),
        contact_person: "test".into(),
        phone: "380671234567".into(),
        email: "t@example.org".into(),
        logo: "iVBORw0KGgo=".into(),
    };
    client.register(key, &registration).await.unwrap();
    client
}

/// A sandbox and an app in `mode` whose provider key is registered (and approved) there.
pub(crate) async fn provider_deployment(mode: monoweb::config::MonoMode) -> (TestApp, TestSandbox) {
    let clock = ManualClock::at(monobank::clock::SystemClock.now());
    let sandbox = TestSandbox::start(clock.clone(), 1.0).await;
    let dir = tempfile::tempdir().unwrap().keep();
    let key_file = dir.join("provider.key");
    let key = ProviderKey::from_secret_bytes(&[3; 32]).unwrap();
    {
        use secrecy::ExposeSecret;
        std::fs::write(&key_file, key.to_sec1_pem().expose_secret()).unwrap();
    }
    register(&sandbox, &clock, &key).await;
    let app = provider_app(&sandbox, clock, &key_file, mode).await;
    (app, sandbox)
}

#[tokio::test]
async fn both_modes_serve_a_personal_token_user_and_a_provider_user_side_by_side() {
    let (app, sandbox) = provider_deployment(monoweb::config::MonoMode::Both).await;
    let personal = app.with_token(&sandbox, 1, "paul").await;
    let provided = app.logged_in("petra").await;
    let page = app.get_as("/token", &provided).await.text().await.unwrap();
    assert!(page.contains("id=\"connect-button\""), "connect offered");
    assert!(page.contains("Personal API token"), "a token offered too");
    connect_as(&app, &sandbox, &provided, 0).await;
    for (cookie, n, kind) in [(&personal, 1, "personal"), (&provided, 0, "provider")] {
        let status = json_of(app.get_as("/api/mono", cookie).await).await;
        assert_eq!(status["detail"]["kind"], kind);
        let info = client_info(&app, cookie).await;
        assert_eq!(
            info["detail"]["name"],
            sandbox.tokens[n].name.as_str(),
            "{info}"
        );
    }
    // A provider user has no webhook of their own to set.
    let res = app
        .post_json("/api/mono/webhook", &json!({}), Some(&provided))
        .await;
    assert_eq!(res.status(), 422);
    // Disconnecting forgets the connection; a new request waits for the user's minute (each
    // is a signed call the bank sees), then works.
    let res = app
        .client
        .delete(app.url("/api/mono"))
        .header("Cookie", &provided)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let state = json_of(app.get_as("/api/mono/connect", &provided).await).await;
    assert_eq!(state["detail"]["state"], "none");
    let res = app
        .post_json("/api/mono/connect", &json!({}), Some(&provided))
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    app.clock.advance(61);
    let res = app
        .post_json("/api/mono/connect", &json!({}), Some(&provided))
        .await;
    assert_eq!(res.status(), 200);
    // A request given up before the approval stores nothing when the approval comes.
    let accept_url = json_of(res).await["detail"]["accept_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .delete(app.url("/api/mono"))
        .header("Cookie", &provided)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let answer = sandbox
        .http
        .post(&accept_url)
        .form(&[("client", "0")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answer.contains("Callback: answered 404"), "{answer}");
    let state = json_of(app.get_as("/api/mono/connect", &provided).await).await;
    assert_eq!(state["detail"]["state"], "none");
    // The personal user has nothing pending to connect, and a provider connection cannot be
    // started on top of a token.
    let res = app
        .post_json("/api/mono/connect", &json!({}), Some(&personal))
        .await;
    assert_eq!(res.status(), 409);
}
