//! The HTML pages, driven with plain HTTP form posts (no JavaScript): access rules, CSRF on every
//! form, post/redirect/get with flash messages, forms shown again with their errors, escaping.

use crate::helpers::{csrf_of, guest_cookie, session_cookie, TestApp, PASSWORD};

/// A browser without JavaScript: keeps the session cookie and the last form token.
struct Visitor<'a> {
    app: &'a TestApp,
    cookie: Option<String>,
    /// The guest form cookie (set by the login and registration pages).
    guest: Option<String>,
    csrf: Option<String>,
}

/// A response, read.
struct Page {
    status: u16,
    location: String,
    /// The `Retry-After` header, in seconds.
    retry_after: Option<u64>,
    body: String,
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp) -> Self {
        Visitor {
            app,
            cookie: None,
            guest: None,
            csrf: None,
        }
    }

    async fn read(&mut self, res: reqwest::Response) -> Page {
        if let Some(cookie) = session_cookie(&res) {
            self.cookie = Some(cookie);
        }
        if let Some(cookie) = guest_cookie(&res) {
            self.guest = Some(cookie);
        }
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|r| r.to_str().unwrap().parse().unwrap());
        let body = res.text().await.unwrap();
        if let Some(token) = csrf_of(&body) {
            self.csrf = Some(token);
        }
        Page {
            status,
            location,
            retry_after,
            body,
        }
    }

    /// The cookies a browser would send: the session's and the guest form cookie.
    fn cookies(&self) -> Option<String> {
        let all: Vec<&str> = [&self.cookie, &self.guest]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!all.is_empty()).then(|| all.join("; "))
    }

    async fn get(&mut self, path: &str) -> Page {
        let mut req = self.app.client.get(self.app.url(path));
        if let Some(cookie) = self.cookies() {
            req = req.header("Cookie", cookie);
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// Posts a form as a browser does (same-origin), with the page's token unless told not to.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)], with_token: bool) -> Page {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if with_token {
            form.push((
                "csrf".into(),
                self.csrf.clone().expect("a page with a form"),
            ));
        }
        let mut req = self
            .app
            .client
            .post(self.app.url(path))
            .header("Sec-Fetch-Site", "same-origin")
            .form(&form);
        if let Some(cookie) = self.cookies() {
            req = req.header("Cookie", cookie);
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// Posts, expects 303, and follows it.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.post(path, fields, true).await;
        assert_eq!(page.status, 303, "{path}: {}", page.body);
        let location = page.location.clone();
        self.get(&location).await
    }

    async fn register(&mut self, name: &str) -> Page {
        self.get("/register").await;
        self.submit("/register", &[("username", name), ("password", PASSWORD)])
            .await
    }
}

const PAGES: [&str; 8] = [
    "/",
    "/token",
    "/rates",
    "/statement",
    "/webhook",
    "/settings",
    "/admin",
    "/statement?from=2026-01-01&to=2026-01-31",
];

#[tokio::test]
async fn pages_answer_their_user_redirect_strangers_and_keep_admin_for_admins() {
    let (app, _sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let mut stranger = Visitor::new(&app);
    for path in PAGES {
        let page = stranger.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(page.location, format!("/login?next={next}"), "{path}");
    }
    for path in ["/login", "/register", "/static/app.css"] {
        assert_eq!(stranger.get(path).await.status, 200, "{path}");
    }
    let mut admin = Visitor::new(&app);
    let welcome = admin.register("first").await;
    assert!(
        welcome.body.contains("Welcome, first."),
        "flash after register"
    );
    let mut user = Visitor::new(&app);
    user.register("second").await;
    for path in PAGES {
        let page = admin.get(path).await;
        assert_eq!(page.status, 200, "admin {path}: {}", page.body);
        assert!(page.body.contains("<h1>"), "{path}");
        let page = user.get(path).await;
        let expected = if path == "/admin" { 403 } else { 200 };
        assert_eq!(page.status, expected, "user {path}");
    }
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), 404);
    let body = page.text().await.unwrap();
    assert!(body.contains("<h1>Page not found</h1>") && body.contains("/static/app.css"));
    assert!(!body.contains("Not found."), "said once, in words");
    assert!(body.contains("href=\"/login\"") && !body.contains("current-user"));
    // Logged in, the error pages keep the navigation and the user's name.
    let page = user.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(
        page.body.contains("<h1>Page not found</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"current-user\">second<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/statement\""), "the navigation");
    let page = user.get("/admin").await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("id=\"current-user\">second<"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn every_form_without_its_token_is_refused_and_changes_nothing() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let mut v = Visitor::new(&app);
    v.register("owner").await;
    let token = sandbox.tokens[0].token.clone();
    let other = sandbox.tokens[1].token.clone();
    let forms: [(&str, Vec<(&str, &str)>); 9] = [
        ("/token", vec![("mono_token", &token)]),
        ("/token/remove", vec![("confirm", "yes")]),
        ("/webhook", vec![("webHookUrl", "https://example.com/hook")]),
        (
            "/settings/password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", "another long password"),
                ("confirm_password", "another long password"),
            ],
        ),
        ("/settings/sessions", vec![]),
        ("/admin/users/1/active", vec![("active", "false")]),
        ("/logout", vec![]),
        (
            "/login",
            vec![("username", "owner"), ("password", PASSWORD)],
        ),
        (
            "/register",
            vec![("username", "intruder"), ("password", PASSWORD)],
        ),
    ];
    let users_before = crate::helpers::count_rows(&app.database_url, "users");
    for (path, fields) in &forms {
        let page = v.post(path, fields, false).await;
        assert_eq!(page.status, 403, "{path} without a token");
        assert!(page.body.contains("This form has expired"), "{path}");
        let mut forged = fields.clone();
        forged.push(("csrf", "forged"));
        let page = v.post(path, &forged, false).await;
        assert_eq!(page.status, 403, "{path} with a forged token");
    }
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "users"),
        users_before
    );
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "mono_tokens"),
        0
    );
    // Still logged in (logout was refused), the password unchanged, the user enabled.
    assert_eq!(v.get("/settings").await.status, 200);
    let mut again = Visitor::new(&app);
    again.get("/login").await;
    let page = again
        .post(
            "/login",
            &[("username", "owner"), ("password", PASSWORD)],
            true,
        )
        .await;
    assert_eq!(page.status, 303);
    // With the token the same form works: a token that belongs to no one is attached.
    let page = v.submit("/token", &[("mono_token", &other)]).await;
    assert!(
        page.body.contains("The token is attached."),
        "{}",
        page.body
    );
    assert_eq!(
        crate::helpers::count_rows(&app.database_url, "mono_tokens"),
        1
    );
}

/// Reloads the statement page of the last week until the sync has brought rows (at most 5 s).
/// The week is asked for: the page's own default, this month, is a day long on the 1st.
async fn statement_with_rows(v: &mut Visitor<'_>) -> Page {
    use monobank::clock::Clock;
    let now = v.app.clock.now();
    let path = format!(
        "/statement?from={}&to={}",
        monoweb::web::format::date(now - 6 * 86_400),
        monoweb::web::format::date(now)
    );
    for _ in 0..250 {
        let page = v.get(&path).await;
        if page.body.contains("<table id=\"statement\"") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the statement never had rows");
}

#[tokio::test]
async fn every_job_works_without_javascript() {
    let (app, sandbox) = TestApp::builder().syncing().start_with_sandbox(1.0).await;
    let mut v = Visitor::new(&app);
    v.register("walker").await;

    // Token: attach, with the wrong format first (shown on the form, never echoed).
    let bad = v
        .post("/token", &[("mono_token", "short-secret")], true)
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(
        !bad.body.contains("short-secret"),
        "a token is never echoed"
    );
    let token = sandbox.tokens[0].token.clone();
    let page = v.submit("/token", &[("mono_token", &token)]).await;
    assert!(page.body.contains("The token is attached."));
    let last4 = &token[token.len() - 4..];
    assert!(page.body.contains(&format!("…{last4}")));
    assert!(!page.body.contains(&token), "only the last four characters");

    // Dashboard: the sandbox's balances as cards (asked of the sandbox a minute later: one
    // client-info call per minute per token).
    let dashboard = v.get("/").await;
    assert_eq!(dashboard.status, 200);
    for money in sandbox.balances_as_shown(&app, 0).await {
        assert!(
            dashboard.body.contains(&money),
            "{money} on the dashboard: {}",
            dashboard.body
        );
    }
    assert!(dashboard.body.contains("<progress"), "a jar goal");

    // Rates: the table and the converter, with a bad amount shown next to the field.
    let rates = v.get("/rates?amount=250&from=USD&to=UAH").await;
    assert_eq!(rates.status, 200);
    assert!(rates.body.contains("id=\"conversion\""));
    assert!(rates.body.contains("250,00\u{a0}$ ="), "{}", rates.body);
    let inverse = v.get("/rates?amount=1000&from=UAH&to=EUR").await;
    assert!(inverse.body.contains("1\u{a0}000,00\u{a0}₴ ="));
    // The table: the dollar, the euro and the złoty first, one rate column, four decimals; the
    // filter finds by code or name; the swap link turns the pair round.
    let first_rows: Vec<&str> = rates
        .body
        .split("<tr")
        .skip(2)
        .take(3)
        .map(|row| row.split("</abbr>").next().unwrap_or(""))
        .collect();
    assert!(
        first_rows[0].ends_with(">USD")
            && first_rows[1].ends_with(">EUR")
            && first_rows[2].ends_with(">PLN"),
        "{first_rows:?}"
    );
    assert!(
        rates
            .body
            .contains("href=\"/rates?amount=250&#38;from=UAH&#38;to=USD\""),
        "swap"
    );
    let zloty = v.get("/rates?q=zloty").await;
    assert_eq!(zloty.status, 200);
    assert!(zloty.body.contains(">PLN</abbr>") && !zloty.body.contains(">USD</abbr>/"));
    assert_eq!(v.get("/rates?q=%1B").await.status, 400);

    // Amounts in English style when the user asks, on every page; Ukrainian is the default.
    let dashboard = v.get("/").await;
    assert!(dashboard.body.contains("\u{a0}₴"), "Ukrainian by default");
    let page = v.submit("/settings/amounts", &[("style", "en")]).await;
    assert!(
        page.body
            .contains("Amounts are now written as ₴1,338,439.09."),
        "{}",
        page.body
    );
    let english = v.get("/rates?amount=250&from=USD&to=UAH").await;
    assert!(english.body.contains("$250.00 = ₴"), "{}", english.body);
    assert_eq!(
        v.post("/settings/amounts", &[("style", "xx")], true)
            .await
            .status,
        400
    );
    v.submit("/settings/amounts", &[("style", "uk")]).await;
    let bad = v.get("/rates?amount=-3&from=XYZ&to=UAH").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter an amount greater than 0"));
    assert!(bad.body.contains("Choose a currency from the list."));
    assert!(bad.body.contains("value=\"-3\""), "the input is kept");

    // Statement: rows, totals, the chart and the CSV link, from the store the sync fills; a
    // range not fetched yet shows the sync's progress; a bad range is explained.
    let statement = statement_with_rows(&mut v).await;
    assert_eq!(statement.status, 200);
    assert!(
        statement.body.contains("<ul class=\"chart\" id=\"chart\"")
            && statement.body.contains("class=\"chart-bar\"")
    );
    assert!(statement.body.contains("id=\"total-out\""));
    assert!(statement
        .body
        .contains("href=\"/api/mono/statement.csv?from="));
    let other_range = v.get("/statement?from=2025-12-01&to=2025-12-02").await;
    assert_eq!(other_range.status, 200);
    assert!(
        other_range.body.contains("id=\"fetch-progress\""),
        "a range not fetched yet shows progress: {}",
        other_range.body
    );
    let bad = v.get("/statement?from=2026-05-01&to=2026-04-01").await;
    assert_eq!(bad.status, 400);
    assert!(bad
        .body
        .contains("The end date must not be before the start date."));
    let bad = v.get("/statement?from=yesterday").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter a date as YYYY-MM-DD."));

    // Webhook: a bad URL is refused on the form; a good one is registered.
    let bad = v
        .post("/webhook", &[("webHookUrl", "ftp://example.com/x")], true)
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("value=\"ftp://example.com/x\""));
    let hook = format!("{}/healthz", app.address);
    let page = v.submit("/webhook", &[("webHookUrl", &hook)]).await;
    assert!(page.body.contains("Webhook registered."), "{}", page.body);
    assert!(page.body.contains(&hook));

    // Settings: a second session, then the password change ends it.
    let mut elsewhere = Visitor::new(&app);
    elsewhere.get("/login").await;
    let login = elsewhere
        .post(
            "/login",
            &[("username", "walker"), ("password", PASSWORD)],
            true,
        )
        .await;
    assert_eq!(login.status, 303);
    // A script's session too, which the owner ends alone: the list names each session's client
    // and address.
    let script = app
        .client
        .post(app.url("/api/auth/login"))
        .header("User-Agent", "curl/8.5.0")
        .json(&serde_json::json!({"username": "walker", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    let script_cookie = crate::helpers::session_cookie(&script).unwrap();
    let settings = v.get("/settings").await;
    assert!(settings.body.contains("Log out other sessions (2)"));
    assert!(
        settings.body.contains("<td class=\"whole\">curl</td>"),
        "{}",
        settings.body
    );
    assert!(settings
        .body
        .contains("<td class=\"whole\">Unknown client</td>"));
    assert!(settings.body.contains("127.0.0.1"));
    let ends: Vec<String> = settings
        .body
        .split("action=\"/settings/sessions/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ends.len(), 2, "each other session can be ended");
    for bad in ["not-hex/end", "00000000000000000000000000000000/end"] {
        let page = v
            .post(&format!("/settings/sessions/{bad}"), &[], true)
            .await;
        assert_eq!(page.status, 404, "{bad}");
    }
    // End the script's session alone: its row's form.
    let row = settings
        .body
        .split("<tr>")
        .find(|row| row.contains("<td class=\"whole\">curl</td>"))
        .unwrap();
    let end = row
        .split("action=\"/settings/sessions/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(app
        .get_as("/api/auth/me", &script_cookie)
        .await
        .status()
        .is_success());
    let page = v.submit(&format!("/settings/sessions/{end}"), &[]).await;
    assert!(page.body.contains("The session ended."));
    assert_eq!(
        app.get_as("/api/auth/me", &script_cookie).await.status(),
        401
    );
    assert!(!page.body.contains("<td class=\"whole\">curl</td>"));
    assert!(
        page.body.contains("Log out other sessions (1)"),
        "the browser's stays"
    );
    assert_eq!(elsewhere.get("/settings").await.status, 200);
    let mismatch = v
        .post(
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a different passphrase"),
            ],
            true,
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("The two new passwords differ."));
    let wrong = v
        .post(
            "/settings/password",
            &[
                ("current_password", "not the password at all"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
            true,
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("The current password is wrong."));
    assert!(!wrong.body.contains("not the password at all"));
    let page = v
        .submit(
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert!(page.body.contains("Password changed."));
    assert!(page.body.contains("Log out other sessions (0)"));
    assert_eq!(elsewhere.get("/settings").await.status, 303, "ended");

    // Token removal, then logout.
    // Removing asks first: without the confirmation nothing is removed.
    let page = v.get("/token/remove").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"confirm-remove\""), "{}", page.body);
    let unconfirmed = v.post("/token/remove", &[], true).await;
    assert_eq!(
        (unconfirmed.status, unconfirmed.location.as_str()),
        (303, "/token/remove")
    );
    assert!(
        v.get("/token").await.body.contains("id=\"token-hint\""),
        "still attached"
    );
    let page = v.submit("/token/remove", &[("confirm", "yes")]).await;
    assert!(page.body.contains("The token is removed."));
    assert_eq!(
        v.get("/token/remove").await.status,
        303,
        "nothing to remove"
    );
    let out = v.post("/logout", &[], true).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/login?bye=1"));
    assert_eq!(v.get("/").await.status, 303);
}

#[tokio::test]
async fn login_and_register_forms_keep_the_name_not_the_password() {
    let app = TestApp::builder().start().await;
    let mut v = Visitor::new(&app);
    v.get("/register").await;
    let page = v
        .post(
            "/register",
            &[("username", "x"), ("password", "hunter2hunter2")],
            true,
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("value=\"x\""));
    assert!(!page.body.contains("hunter2hunter2"));
    v.register("keeper").await;
    v.post("/logout", &[], true).await;
    v.get("/login?next=/rates").await;
    let page = v
        .post(
            "/login",
            &[
                ("username", "keeper"),
                ("password", "wrong password!"),
                ("next", "/rates"),
            ],
            true,
        )
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("Invalid username or password."));
    assert!(page.body.contains("value=\"keeper\""));
    assert!(!page.body.contains("wrong password!"));
    let page = v
        .post(
            "/login",
            &[
                ("username", "keeper"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
            true,
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_str()),
        (303, "/"),
        "no open redirect"
    );
    let page = v.get("/").await;
    assert!(page.body.contains("Welcome back, keeper."), "flash once");
    assert!(
        !v.get("/").await.body.contains("Welcome back"),
        "and only once"
    );
    assert!(session_cookie_is_http_only(&app).await);
}

async fn session_cookie_is_http_only(app: &TestApp) -> bool {
    let res = app.get("/login").await;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| c.to_str().unwrap().contains("HttpOnly"))
}

#[tokio::test]
async fn descriptions_and_names_are_escaped() {
    let (app, sandbox) = TestApp::builder().syncing().start_with_sandbox(1.0).await;
    let script = "<script>alert('x')</script>";
    sandbox.create_transaction(0, -4_200, script).await;
    // A fetch covers the seconds before it was made: the purchase's second has passed.
    app.clock.advance(1);
    let mut v = Visitor::new(&app);
    v.register("escaper").await;
    v.submit("/token", &[("mono_token", &sandbox.tokens[0].token)])
        .await;
    let page = statement_with_rows(&mut v).await;
    assert!(
        page.body.contains("alert("),
        "the transaction is on the page"
    );
    assert!(!page.body.contains(script), "never raw");
    assert!(
        page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
        "shown as text"
    );
    let page = v.get("/rates?amount=%3Cscript%3E").await;
    assert!(!page.body.contains("<script>"));
}

#[tokio::test]
async fn admins_enable_and_disable_users_from_the_page() {
    let app = TestApp::builder().start().await;
    let mut admin = Visitor::new(&app);
    admin.register("boss").await;
    let mut user = Visitor::new(&app);
    user.register("worker").await;
    let page = admin.get("/admin").await;
    assert!(page.body.contains("worker"));
    let disabled = admin
        .submit("/admin/users/2/active", &[("active", "false")])
        .await;
    assert!(disabled.body.contains("worker is disabled."));
    assert_eq!(user.get("/").await.status, 303, "the user's session ended");
    let page = admin
        .post("/admin/users/1/active", &[("active", "false")], true)
        .await;
    assert_eq!(page.status, 403, "not oneself");
    let page = admin
        .post("/admin/users/99/active", &[("active", "true")], true)
        .await;
    assert_eq!(page.status, 404);
    let page = user
        .post("/admin/users/2/active", &[("active", "true")], true)
        .await;
    assert_eq!(page.status, 303, "a logged-out user is sent to log in");
    let enabled = admin
        .submit("/admin/users/2/active", &[("active", "true")])
        .await;
    assert!(enabled.body.contains("worker is enabled."));
    let _ = session_cookie;
}

#[tokio::test]
async fn guesses_at_the_current_password_count_as_failed_logins_and_a_refused_form_says_when_to_retry(
) {
    let app = TestApp::builder().start().await;
    let mut owner = Visitor::new(&app);
    owner.register("owner").await;
    owner.get("/settings").await;
    let new = "another long password";
    let change = |current: &str| {
        vec![
            ("current_password", current.to_owned()),
            ("new_password", new.to_owned()),
            ("confirm_password", new.to_owned()),
        ]
    };
    // A session thief guessing the password on /settings: five wrong tries lock this address out.
    for n in 0..5 {
        let fields = change(&format!("guess number {n}"));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = owner.post("/settings/password", &fields, true).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("The current password is wrong."));
        assert_eq!(page.retry_after, None);
    }
    let fields = change(PASSWORD);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = owner.post("/settings/password", &fields, true).await;
    assert_eq!(page.status, 429, "even the right password: {}", page.body);
    assert!(
        page.retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "{:?}",
        page.retry_after
    );
    assert!(page.body.contains("Too many"), "{}", page.body);
    // The login form from this address is locked out of the account too, and says for how long.
    let mut visitor = Visitor::new(&app);
    visitor.get("/login").await;
    let page = visitor
        .post(
            "/login",
            &[("username", "owner"), ("password", PASSWORD)],
            true,
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.retry_after.is_some_and(|s| (1..=60).contains(&s)));
    app.clock.advance(61);
    let page = owner.post("/settings/password", &fields, true).await;
    assert_eq!(page.status, 303, "the lock ends: {}", page.body);
    // The right password forgave the failures: one wrong try now is not a lock.
    let page = visitor
        .post(
            "/login",
            &[("username", "owner"), ("password", "not it at all")],
            true,
        )
        .await;
    assert_eq!(page.status, 401, "{}", page.body);
    let page = visitor
        .post("/login", &[("username", "owner"), ("password", new)], true)
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}
