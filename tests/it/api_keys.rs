//! Personal API keys: `Authorization: Bearer` instead of the session cookie (README, "API keys").

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};

/// Makes a key with the session `cookie`; returns (id, key).
async fn make_key(app: &TestApp, cookie: &str, name: &str, scope: &str) -> (i64, String) {
    let res = app
        .post_json(
            "/api/auth/keys",
            &json!({"name": name, "scope": scope}),
            Some(cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"]["scope"], scope);
    (
        body["detail"]["id"].as_i64().unwrap(),
        body["detail"]["key"].as_str().unwrap().to_owned(),
    )
}

/// Every text column of every stored key, in one string.
fn stored_keys(app: &TestApp) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.db();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT name || ' ' || prefix || ' ' || key_hash || ' ' || scope AS text FROM api_keys",
    )
    .load(&mut conn)
    .unwrap();
    rows.into_iter()
        .map(|r| r.text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A request with only the key (no cookie).
async fn with_key(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

async fn status_with(app: &TestApp, method: Method, path: &str, key: &str) -> StatusCode {
    with_key(app, method, path, key, None).await.status()
}

#[tokio::test]
async fn a_read_key_reads_cannot_write_and_is_stored_only_as_a_hash() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let cookie = app.with_token(&sandbox, 0, "alice").await;
    let (_, key) = make_key(&app, &cookie, "home assistant", "read").await;
    assert!(key.starts_with("mwk_"), "{key}");

    let res = with_key(&app, Method::GET, "/api/mono/balance/", &key, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let balance: Value = res.json().await.unwrap();
    assert!(balance["detail"]["accounts"].is_array(), "{balance}");
    let pair = json!({"currency": "USD/UAH"});
    let res = with_key(&app, Method::POST, "/api/mono/currency/", &key, Some(pair)).await;
    assert_eq!(res.status(), StatusCode::OK, "a POST that only reads");
    assert_eq!(
        status_with(&app, Method::GET, "/api/auth/me", &key).await,
        StatusCode::OK
    );

    // Writes are refused, and change nothing.
    let res = with_key(&app, Method::DELETE, "/api/mono/", &key, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 403);
    let status: Value = app
        .get_as("/api/mono/", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["detail"]["connected"], true, "{status}");
    let webhook = json!({"webHookUrl": "https://example.org/hook"});
    let res = with_key(
        &app,
        Method::POST,
        "/api/mono/webhook/",
        &key,
        Some(webhook),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Keys and the password need a session, whatever the key's scope.
    assert_eq!(
        status_with(&app, Method::GET, "/api/auth/keys", &key).await,
        StatusCode::FORBIDDEN
    );
    let change = json!({"current_password": PASSWORD, "new_password": "another long passphrase"});
    let res = with_key(&app, Method::POST, "/api/auth/password", &key, Some(change)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Only the hash is stored; the list shows the prefix and the last use, never the key.
    let stored = stored_keys(&app);
    assert!(!stored.contains(&key[4..]), "{stored}");
    assert!(
        stored.contains(&monoweb::auth::api_keys::hash(&key)),
        "{stored}"
    );
    let list: Value = app
        .get_as("/api/auth/keys", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let listed = &list["detail"][0];
    assert_eq!(listed["name"], "home assistant");
    assert!(key.starts_with(listed["prefix"].as_str().unwrap()));
    assert!(listed["last_used_at"].is_i64(), "{list}");
    assert!(!list.to_string().contains(&key), "{list}");

    // A wrong key is 401, as is a key sent to a page.
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/balance/", "mwk_not-a-key").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_with(&app, Method::GET, "/settings", &key).await,
        StatusCode::SEE_OTHER,
        "pages take no keys: the login page"
    );
}

#[tokio::test]
async fn a_write_key_writes_and_keys_stop_working_when_revoked_the_password_changes_or_the_user_is_disabled(
) {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let admin = app.logged_in("boss").await;
    let cookie = app.with_token(&sandbox, 0, "alice").await;
    let (read_id, read) = make_key(&app, &cookie, "dashboard", "read").await;
    let (_, write) = make_key(&app, &cookie, "backup script", "write").await;

    // Someone else's key id is not found, and nothing is revoked.
    let res = app
        .client
        .delete(app.url(&format!("/api/auth/keys/{read_id}")))
        .header("Cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/balance/", &read).await,
        StatusCode::OK
    );

    // Revoked: refused on the next request.
    let res = app
        .client
        .delete(app.url(&format!("/api/auth/keys/{read_id}")))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/balance/", &read).await,
        StatusCode::UNAUTHORIZED
    );

    // A write key removes the token.
    assert_eq!(
        status_with(&app, Method::DELETE, "/api/mono/", &write).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/", &write).await,
        StatusCode::OK
    );

    // A password change revokes every key, as it ends the other sessions.
    let (_, doomed) = make_key(&app, &cookie, "made before the change", "read").await;
    let change = json!({"current_password": PASSWORD, "new_password": "another long passphrase"});
    let res = app
        .post_json("/api/auth/password", &change, Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/", &doomed).await,
        StatusCode::UNAUTHORIZED
    );
    let (_, write) = make_key(&app, &cookie, "backup script again", "write").await;

    // The admin disables the user: the key stops working at once.
    app.disable_on_the_admin_page(&admin, 2).await;
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/", &write).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn key_requests_are_validated_and_capped() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    for bad in [
        json!({"name": ""}),
        json!({"name": "a\nb"}),
        json!({"name": "x".repeat(65)}),
        json!({"name": "ok", "scope": "admin"}),
        json!({"name": "ok", "extra": 1}),
    ] {
        let res = app.post_json("/api/auth/keys", &bad, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(crate::helpers::count_rows(&app.database_url, "api_keys"), 0);
    let cap = usize::try_from(monoweb::services::api_keys::MAX_KEYS).unwrap();
    for n in 0..cap {
        make_key(&app, &cookie, &format!("key {n}"), "read").await;
    }
    let res = app
        .post_json(
            "/api/auth/keys",
            &json!({"name": "one more"}),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "api_keys"),
        cap
    );
}

#[tokio::test]
async fn the_settings_page_makes_a_key_shows_it_once_and_revokes_it() {
    let app = TestApp::builder().start().await;
    let cookie = app.logged_in("alice").await;
    let token = app.form_token("/settings", &cookie).await;
    let res = app
        .post_form_as(
            "/settings/keys",
            &cookie,
            &[("name", "cron <job>"), ("scope", "read"), ("csrf", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let key = html
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(key.starts_with("mwk_"), "{key}");
    assert!(
        html.contains("cron &") && !html.contains("<job>"),
        "the name is escaped"
    );
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/", &key).await,
        StatusCode::OK
    );
    let later = app.get_as("/settings", &cookie).await.text().await.unwrap();
    assert!(later.contains("cron &"));
    assert!(!later.contains(&key), "shown once");

    // A bad name is shown again with its error, and nothing is made.
    let res = app
        .post_form_as(
            "/settings/keys",
            &cookie,
            &[("name", ""), ("scope", "write"), ("csrf", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(crate::helpers::count_rows(&app.database_url, "api_keys"), 1);

    let id = later
        .split("/settings/keys/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let res = app
        .post_form_as(
            &format!("/settings/keys/{id}/revoke"),
            &cookie,
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_with(&app, Method::GET, "/api/mono/", &key).await,
        StatusCode::UNAUTHORIZED
    );
}
