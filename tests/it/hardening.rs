//! The second hardening round: each test here is one of a black-box probe's reproductions.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

/// Opens a connection, sends a request head announcing a chunked body and one chunk of it, and
/// never sends the rest. Returns the stream, still open on this side.
async fn endless_chunked(
    app: &TestApp,
    method: &str,
    path: &str,
    form: bool,
) -> tokio::net::TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let content_type = if form {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Transfer-Encoding: chunked\r\n\r\n1\r\n{{\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_chunked_body_that_never_ends_is_answered_and_its_connection_closed_on_any_route() {
    let app = TestApp::builder()
        .configure(|s| s.body_timeout_secs = 1)
        .start()
        .await;
    let routes = [
        ("GET", "/healthz", "200"),
        ("POST", "/api/auth/register", "408"),
        ("POST", "/login", "408"),
        // Answered without reading the body: a JSON body where a form is expected, and no route.
        ("POST", "/register", "415"),
        ("POST", "/api/no-such-route", "404"),
        ("GET", "/login", "200"),
    ];
    // Several of each at once: none may keep its socket.
    let mut open = Vec::new();
    for _ in 0..8 {
        for (method, path, status) in routes {
            let form = path == "/login";
            let stream = endless_chunked(&app, method, path, form).await;
            open.push((stream, format!("{method} {path}"), status));
        }
    }
    for (mut stream, path, status) in open {
        let mut answer = Vec::new();
        // The server must close the connection by itself; the guard only bounds a hang.
        let closed =
            tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            closed.is_ok_and(|read| read.is_ok()),
            "{path}: the connection was never closed; it answered {answer}"
        );
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{path}: {answer}"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(crate::helpers::count_rows(&app.database_url, "users"), 0);
}

/// Points the user's Monobank webhook at `url` with `cookie`'s session, as a thief holding a
/// stolen session would.
async fn point_webhook(app: &TestApp, cookie: &str, url: &str) {
    let res = app
        .send(
            reqwest::Method::POST,
            "/api/mono/webhook",
            Some(&serde_json::json!({ "webHookUrl": url })),
            cookie,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "the thief's webhook is set");
}

/// Probe item 3: a stolen session points the webhook elsewhere; the owner's password change, a
/// "log out other sessions" and an admin's disable each point it back at monoweb's own receiver,
/// and the owner is told by the answer and on `/webhook`.
#[tokio::test]
async fn a_password_change_logging_out_other_sessions_and_a_disable_take_a_hijacked_webhook_back() {
    use crate::helpers::PASSWORD;
    let (app, sb) = TestApp::builder().start_with_sandbox(1.0).await;
    let alice = app.with_token(&sb, 0, "alice").await;
    let bob = app.with_token(&sb, 1, "bob").await;
    app.with_token(&sb, 2, "carol").await;
    // Any URL that answers Monobank's GET with 200 will do for the thief.
    let thief = app.url("/healthz");
    for name in ["alice", "bob", "carol"] {
        let stolen = app.login(name, PASSWORD).await;
        point_webhook(&app, &stolen, &thief).await;
    }

    let res = app
        .send(
            reqwest::Method::POST,
            "/api/auth/password",
            Some(&serde_json::json!({
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
            })),
            &alice,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let detail = res.json::<serde_json::Value>().await.unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.starts_with("Password changed."), "{detail}");
    assert!(
        detail.contains(&thief) && detail.contains("monoweb's own receiver"),
        "the answer tells: {detail}"
    );

    let csrf = app.form_token("/settings", &bob).await;
    let res = app
        .post_form_as("/settings/sessions", &bob, &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), 303);
    let settings = app.get_as("/settings", &bob).await.text().await.unwrap();
    assert!(
        settings.contains(&format!(
            "Your Monobank webhook went to {thief}; it now goes to monoweb&#39;s own receiver."
        )),
        "the flash tells bob: {settings}"
    );

    let carol_id = {
        let mut conn = app.db();
        monoweb::db::users::find_by_username(
            &mut conn,
            &monoweb::domain::Username::parse("carol").unwrap(),
        )
        .unwrap()
        .unwrap()
        .id
    };
    app.disable_on_the_admin_page(&alice, carol_id).await;

    // Monobank's own record, read once the minute of each token's last client-info is over.
    app.clock.advance(61);
    let own = app.url("/hooks/mono/");
    for n in 0..3 {
        let registered = sb
            .client()
            .client_info(&sb.token(n))
            .await
            .unwrap()
            .web_hook_url;
        assert!(
            registered.starts_with(&own),
            "client {n}'s webhook goes to {registered}, not to monoweb's receiver"
        );
    }
    let page = app.get_as("/webhook", &alice).await.text().await.unwrap();
    assert!(page.contains("id=\"webhook-reset\""), "{page}");
    assert!(page.contains(&thief) && page.contains("your password was changed"));
    assert!(
        page.contains("id=\"webhook-current\""),
        "the own receiver is shown"
    );

    // Registering a webhook again answers the note.
    point_webhook(&app, &alice, &thief).await;
    let page = app.get_as("/webhook", &alice).await.text().await.unwrap();
    assert!(!page.contains("id=\"webhook-reset\""));
}

/// Probe item 7 (and item 3 for the command line): `monoweb user delete` removes the user's
/// webhook at Monobank, as `DELETE /api/mono/` does; `set-password` and `disable` remove one
/// that a stolen session pointed elsewhere, and `/webhook` says so.
#[tokio::test]
async fn the_user_commands_remove_the_webhook_at_monobank() {
    let (app, sb) = TestApp::builder().start_with_sandbox(1.0).await;
    let names = ["alice", "bob", "carol"];
    let mut cookies = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let cookie = app.with_token(&sb, n, name).await;
        point_webhook(&app, &cookie, &app.url("/healthz")).await;
        cookies.push(cookie);
    }
    let env = [
        ("MONOWEB_DATABASE_URL", app.database_url.clone()),
        ("MONOWEB_MONO_API_URL", app.mono_api_url.to_string()),
        (
            "MONOWEB_SECRET_KEY_FILE",
            app.secret_file.display().to_string(),
        ),
        ("MONOWEB_PUBLIC_URL", app.address.clone()),
    ];
    let dir = app.dir.path().to_owned();
    let commands: [&[&str]; 3] = [
        &["user", "delete", "alice"],
        &["user", "disable", "bob"],
        &["user", "set-password", "carol", "--password-stdin"],
    ];
    for args in commands {
        let (env, dir) = (env.clone(), dir.clone());
        let out = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            crate::helpers::run_monoweb(&dir, &env, args, "a brand new passphrase\n")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("removed the webhook of"),
            "{args:?} says so: {stdout}"
        );
    }

    app.clock.advance(61);
    for n in 0..3 {
        let registered = sb
            .client()
            .client_info(&sb.token(n))
            .await
            .unwrap()
            .web_hook_url;
        assert_eq!(registered, "", "client {n}'s webhook is removed");
    }
    // What `/webhook` tells carol (its text is checked above), as the command recorded it.
    let carol = monoweb::db::users::find_by_username(
        &mut app.db(),
        &monoweb::domain::Username::parse("carol").unwrap(),
    )
    .unwrap()
    .unwrap();
    let reset = monoweb::db::tokens::find(&mut app.db(), carol.id())
        .unwrap()
        .unwrap()
        .webhook_reset()
        .expect("the reset is recorded");
    assert_eq!(
        (reset.cause.as_str(), reset.to.as_str(), reset.from),
        ("password", "removed", app.url("/healthz"))
    );

    // Whatever keeps the command from asking Monobank (here the secret file is not where it is
    // said to be), the user is deleted all the same, and told what stays registered (dave has
    // the token alice had).
    let dave = app.with_token(&sb, 0, "dave").await;
    point_webhook(&app, &dave, &app.url("/healthz")).await;
    let mut env = env.clone();
    env[2].1 = app.dir.path().join("no-such.key").display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::helpers::run_monoweb(&dir, &env, &["user", "delete", "dave"], "")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("the webhook of dave still goes to"),
        "{stderr}"
    );
    let gone = monoweb::db::users::find_by_username(
        &mut app.db(),
        &monoweb::domain::Username::parse("dave").unwrap(),
    )
    .unwrap();
    assert!(gone.is_none(), "dave is deleted");
}

/// Probe item 10: the bank's webhook test POST is undocumented, so whatever it is (an empty body
/// without `Content-Type`, `null`, `[]`, `{}`, text) it gets 200 and nothing is stored; an event
/// (a JSON object with a `type`) is still checked.
#[tokio::test]
async fn any_post_that_is_not_an_event_is_the_banks_test_and_gets_200() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("provider.pem");
    let key = monobank::provider::ProviderKey::from_secret_bytes(&[7; 32]).unwrap();
    std::fs::write(
        &key_file,
        secrecy::ExposeSecret::expose_secret(&key.to_sec1_pem()),
    )
    .unwrap();
    let (app, _sandbox) = TestApp::builder()
        .configure(move |s| {
            s.mono_mode = monoweb::config::MonoMode::Both;
            s.provider_key_file = key_file;
        })
        .start_with_sandbox(1.0)
        .await;
    let hook = monoweb::services::ingest::provider_webhook_url_of(
        &app.context.secret,
        &app.context.public_url,
    );
    let tests: [(Option<&str>, &str); 7] = [
        (None, ""),
        (Some("application/json"), ""),
        (Some("application/json"), "null"),
        (Some("application/json"), "[]"),
        (Some("application/json"), "{}"),
        (Some("text/plain"), "test"),
        (Some("application/x-www-form-urlencoded"), "a=b"),
    ];
    for (content_type, body) in tests {
        let mut req = app.client.post(&hook).body(body);
        if let Some(content_type) = content_type {
            req = req.header("Content-Type", content_type);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{content_type:?} {body:?}");
    }
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "webhook_events"),
        0
    );
    let event = serde_json::json!({"type": "StatementItem", "data": {}});
    let res = app
        .client
        .post(&hook)
        .header("Content-Type", "text/plain")
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415, "an event is still held to its rules");
}

/// Probe item 11: the key `monoweb provider keygen` writes is one OpenSSL reads (RFC 5915: the
/// curve's parameters are present), and OpenSSL derives from it the public key monoweb sends
/// Monobank.
#[test]
fn the_provider_key_keygen_writes_is_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("provider.pem");
    let key_path = key_file.display().to_string();
    let out = crate::helpers::run_monoweb(
        dir.path(),
        &[("MONOWEB_PROVIDER_KEY_FILE", &key_path)],
        &["provider", "keygen"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is installed (.ci/run installs it)");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = openssl(&["ec", "-in", &key_path, "-noout", "-text"]);
    assert!(text.contains("ASN1 OID: secp256k1"), "{text}");
    let public = openssl(&["ec", "-in", &key_path, "-pubout"]);
    let key =
        monobank::provider::ProviderKey::from_pem(&std::fs::read_to_string(&key_file).unwrap())
            .unwrap();
    assert_eq!(public, key.public_pem());
}
