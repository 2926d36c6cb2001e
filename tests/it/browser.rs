//! The whole web flow in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against the app and the sandbox. Screenshots of the main pages at phone and desktop widths go
//! to `target/screenshots/`.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`. Without them the build script
//! (`build.rs`) marks the test ignored, with the reason, so `cargo test` lists it as such; with
//! `MONOWEB_BROWSER_TESTS=required` (as `.ci/run` sets, after installing them) their absence
//! fails the build instead.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use monobank::clock::Clock;
use serde_json::json;

use crate::helpers::{TestApp, PASSWORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 800);

/// chromedriver as a child process, stopped on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (driver, port)
}

async fn connect(port: u16, profile: &Path) -> Client {
    connect_with(port, profile, &[]).await
}

/// A session with more browser switches (`--force-dark-mode`: the system asks for dark pages).
async fn connect_with(port: u16, profile: &Path, extra: &[&str]) -> Client {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        // The flows read the English pages; the Ukrainian ones are shot apart.
        "--accept-lang=en-US,en",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": args}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshots of the page at phone and desktop widths: the first screen, and the whole page.
async fn shoot(c: &Client, name: &str) {
    for (label, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        c.set_window_size(width, height).await.unwrap();
        let first_screen = c.screenshot().await.unwrap();
        std::fs::write(
            screenshot_dir().join(format!("{name}-{label}-top.png")),
            first_screen,
        )
        .unwrap();
        let full: f64 = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(f64::from(height));
        let tall = (full as u32).clamp(height, 4_000) + 140;
        c.set_window_size(width, tall).await.unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("{name}-{label}.png")), png).unwrap();
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// Waits (at most 15 s) for an element; on time-out fails with the page's text.
async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    let found = tokio::time::timeout(
        Duration::from_secs(15),
        c.wait().for_element(Locator::Css(css)),
    )
    .await;
    match found {
        Ok(Ok(element)) => element,
        _ => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let body = text_of(c, "main").await;
            panic!("no {css} on {url}:\n{body}");
        }
    }
}

/// Waits (at most 15 s) until the address bar's query holds `part`.
async fn wait_for_query(c: &Client, part: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = c.current_url().await.unwrap();
        if url.query().unwrap_or("").contains(part) {
            return;
        }
        assert!(Instant::now() < deadline, "{url} never had {part}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn text(c: &Client, css: &str) -> String {
    wait(c, css).await.text().await.unwrap()
}

async fn fill(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Clicks a control that loads a new page, and waits (at most 15 s) until the new page is there:
/// a mark set on the old document is gone and the new one has finished loading.
async fn click(c: &Client, css: &str) {
    c.execute("window.__monowebOldPage = true;", vec![])
        .await
        .unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let loaded = c
            .execute(
                "return window.__monowebOldPage === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if loaded {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "clicking {css} loaded no new page"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The logged-in pages: path, an element that shows the page is ready, name.
const PAGES: [(&str, &str, &str); 9] = [
    ("/", "#accounts", "dashboard"),
    ("/statement?account=all", "#range", "statement"),
    ("/months", "#months-chart", "months"),
    ("/rates", "#rates", "rates"),
    ("/token", "#token-hint", "token"),
    ("/token/remove", "#confirm-remove", "token-remove"),
    ("/webhook", "#use-own", "webhook"),
    ("/settings", "#language", "settings"),
    ("/admin", "#users", "admin"),
];

/// The language a page says it is in.
async fn page_lang(c: &Client) -> String {
    let html = c.find(Locator::Css("html")).await.unwrap();
    html.attr("lang").await.unwrap().unwrap_or_default()
}

/// Picks a language with the buttons at the foot of the page.
async fn switch_language(c: &Client, code: &str) {
    click(c, &format!("#languages button[value={code}]")).await;
    wait(c, &format!("html[lang={code}]")).await;
}

/// Shoots every page in the session's language, as `{lang}-{scheme}-{page}`; each must speak
/// that language and name no missing message.
async fn every_page(
    c: &Client,
    app: &crate::helpers::TestApp,
    pages: &[(&str, &str, &str)],
    scheme: &str,
) {
    for (path, ready, name) in pages {
        c.goto(&app.url(path)).await.unwrap();
        wait(c, ready).await;
        let lang = page_lang(c).await;
        let source = c.source().await.unwrap();
        assert!(
            !source.contains('⟦'),
            "{path} in {lang} names a missing message"
        );
        shoot(c, &format!("{lang}-{scheme}-{name}")).await;
    }
}

/// From a logged-in English session: every page in English, then in Ukrainian; the visitor's
/// pages in Ukrainian, then in English; and logged in again, in English.
async fn both_languages(c: &Client, app: &crate::helpers::TestApp, scheme: &str) {
    every_page(c, app, &PAGES, scheme).await;
    switch_language(c, "uk").await;
    assert_eq!(text(c, "nav .nav a[href='/statement']").await, "Виписка");
    every_page(c, app, &PAGES, scheme).await;
    click(c, "#logout").await;
    let visitor = [
        ("/login", "#username", "login"),
        ("/register", "#username", "register"),
    ];
    every_page(c, app, &visitor, scheme).await;
    assert_eq!(
        page_lang(c).await,
        "uk",
        "the cookie keeps the user's choice after logout"
    );
    switch_language(c, "en").await;
    every_page(c, app, &visitor, scheme).await;
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "username", "browser").await;
    fill(c, "password", "a fresh browser passphrase").await;
    click(c, "form[action='/login'] button[type=submit]").await;
    assert_eq!(
        page_lang(c).await,
        "uk",
        "the user's setting wins over the visitor's choice"
    );
    switch_language(c, "en").await;
}

#[tokio::test]
#[cfg_attr(
    browser_absent,
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn the_whole_flow_in_headless_chromium() {
    let (app, sandbox) = TestApp::builder().syncing().start_with_sandbox(1.0).await;
    let (_driver, port) = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let c = connect(port, profile.path()).await;
    flow(&c, &app, &sandbox).await;
    // Every page in both languages, light.
    both_languages(&c, &app, "light").await;
    c.close().await.unwrap();

    // Dark mode, as a system set to dark asks for it.
    let dark_profile = tempfile::tempdir().unwrap();
    let c = connect_with(port, dark_profile.path(), &["--force-dark-mode"]).await;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
    let dark = c
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(dark, json!(true), "the browser asks for dark pages");
    fill(&c, "username", "browser").await;
    fill(&c, "password", "a fresh browser passphrase").await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    let background = c
        .execute(
            "return getComputedStyle(document.documentElement).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, json!("rgb(13, 17, 23)"), "the dark palette");
    shoot(&c, "dashboard-dark").await;
    c.goto(&app.url("/months")).await.unwrap();
    wait(&c, "#months-chart").await;
    shoot(&c, "months-dark").await;
    c.goto(&app.url("/statement?account=all")).await.unwrap();
    wait(&c, "#range").await;
    shoot(&c, "statement-dark").await;

    // Every page in both languages, dark.
    both_languages(&c, &app, "dark").await;
    c.close().await.unwrap();
}

async fn flow(c: &Client, app: &crate::helpers::TestApp, sandbox: &crate::helpers::TestSandbox) {
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();

    // Register (which logs in), log out, log in again.
    c.goto(&app.url("/register")).await.unwrap();
    fill(c, "username", "browser").await;
    fill(c, "password", PASSWORD).await;
    click(c, "form[action='/register'] button[type=submit]").await;
    assert!(text(c, ".flash.success")
        .await
        .contains("Welcome, browser."));
    assert_eq!(c.current_url().await.unwrap().path(), "/token");
    click(c, "#logout").await;
    assert!(text(c, ".flash.info")
        .await
        .contains("You have been logged out."));
    c.goto(&app.url("/login")).await.unwrap();
    shoot(c, "login").await;
    fill(c, "username", "browser").await;
    fill(c, "password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    assert_eq!(text(c, "#current-user").await, "browser");

    // Attach the sandbox token.
    c.goto(&app.url("/token")).await.unwrap();
    fill(c, "mono_token", &sandbox.tokens[0].token).await;
    click(c, "form[action='/token'] button[type=submit]").await;
    assert!(text(c, ".flash.success")
        .await
        .contains("The token is attached."));

    // The dashboard shows the sandbox's balances.
    c.goto(&app.url("/")).await.unwrap();
    let cards = text(c, "#accounts").await;
    shoot(c, "dashboard").await;
    for money in sandbox.balances_as_shown(app, 0).await {
        // The browser gives no-break spaces as spaces.
        let money = money.replace('\u{a0}', " ");
        assert!(cards.contains(&money), "{money} in {cards}");
    }

    // The converter.
    c.goto(&app.url("/rates")).await.unwrap();
    fill(c, "amount", "250").await;
    c.find(Locator::Id("from"))
        .await
        .unwrap()
        .select_by_value("EUR")
        .await
        .unwrap();
    c.find(Locator::Id("to"))
        .await
        .unwrap()
        .select_by_value("UAH")
        .await
        .unwrap();
    click(c, "#converter button[type=submit]").await;
    let result = text(c, "#conversion").await;
    assert!(result.starts_with("250,00 € = "), "{result}");
    let rows = c.find_all(Locator::Css("#rates tbody tr")).await.unwrap();
    assert!(rows.len() > 5, "the whole table");
    shoot(c, "rates").await;

    // The statement for a range: rows and the chart.
    c.goto(&app.url("/statement")).await.unwrap();
    let today = monoweb::web::format::date(app.clock.now());
    let two_weeks_ago = monoweb::web::format::date(app.clock.now() - 13 * 86_400);
    c.execute(
        "document.getElementById('from').value = arguments[0];
         document.getElementById('to').value = arguments[1];",
        vec![json!(two_weeks_ago), json!(today)],
    )
    .await
    .unwrap();
    let default_account = c
        .find(Locator::Css("#account option[selected]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        default_account.starts_with("Black card UAH"),
        "{default_account}"
    );
    click(c, "#range button[type=submit]").await;
    wait_for_query(c, &format!("from={two_weeks_ago}")).await;
    // The background sync fills the store within moments of the token's attachment.
    for _ in 0..100 {
        if c.find(Locator::Css("#statement tbody tr")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.refresh().await.unwrap();
    }
    wait(c, "#statement tbody tr").await;
    assert!(c.find(Locator::Id("csv")).await.is_ok(), "a CSV link");
    let rows = c
        .find_all(Locator::Css("#statement tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 50, "{} rows", rows.len());
    let bars = c.find_all(Locator::Css("#chart rect")).await.unwrap();
    assert!(!bars.is_empty(), "the chart has bars");
    assert!(text(c, "#total-out").await.starts_with('−'));
    shoot(c, "statement").await;

    // A category bar leads to its operations; the filter box is open and says which.
    click(c, "#chart a").await;
    wait_for_query(c, "category=").await;
    wait(c, "details.filters[open]").await;
    let chosen = text(c, "#category option[selected]").await;
    assert!(!chosen.is_empty() && chosen != "Any", "{chosen}");
    let shown = c
        .find_all(Locator::Css("#statement tbody tr:not(.day)"))
        .await
        .unwrap();
    assert!(!shown.is_empty(), "the category's operations");
    shoot(c, "statement-category").await;

    // Search: any case, kept in the box and in the next page's link.
    c.goto(&app.url(&format!("/statement?from={two_weeks_ago}&to={today}")))
        .await
        .unwrap();
    // Opening the filter box loads nothing.
    wait(c, "details.filters summary")
        .await
        .click()
        .await
        .unwrap();
    fill(c, "q", "БАНКОМАТ").await;
    click(c, "#range button[type=submit]").await;
    wait_for_query(c, "q=").await;
    let descriptions = text(c, "#statement tbody").await;
    assert!(descriptions.contains("Банкомат"), "{descriptions}");
    shoot(c, "statement-search").await;

    // Every account at once, transfers between them marked.
    c.goto(&app.url(&format!(
        "/statement?account=all&from={two_weeks_ago}&to={today}"
    )))
    .await
    .unwrap();
    wait(c, "#transfers-note").await;
    shoot(c, "statement-all").await;

    // Twelve months at a glance; a month's bar leads to its statement of every account.
    c.goto(&app.url("/months")).await.unwrap();
    wait(c, "#months-chart").await;
    let months = c.find_all(Locator::Css("#months tbody tr")).await.unwrap();
    assert_eq!(months.len(), 12);
    shoot(c, "months").await;
    click(c, "#months tbody tr:first-child a").await;
    wait_for_query(c, "account=all").await;

    // Change the password, log out, log in with the new one.
    c.goto(&app.url("/settings")).await.unwrap();
    fill(c, "current_password", PASSWORD).await;
    fill(c, "new_password", "a fresh browser passphrase").await;
    fill(c, "confirm_password", "a fresh browser passphrase").await;
    click(c, "form[action='/settings/password'] button[type=submit]").await;
    assert!(text(c, ".flash.success")
        .await
        .contains("Password changed."));
    shoot(c, "settings").await;

    // Make an API key: shown once, then listed by its prefix.
    fill(c, "name", "home assistant").await;
    click(c, "form[action='/settings/keys'] button[type=submit]").await;
    let key = text(c, "#new-key code").await;
    assert!(key.starts_with("mwk_"), "{key}");
    assert!(text(c, "#key-list").await.contains("home assistant"));
    shoot(c, "settings-key").await;
    click(c, "#logout").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/login",
        "logged out"
    );
    fill(c, "username", "browser").await;
    fill(c, "password", "a fresh browser passphrase").await;
    click(c, "form[action='/login'] button[type=submit]").await;
    assert_eq!(text(c, "#current-user").await, "browser");
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/",
        "back to where it was going"
    );
}

#[tokio::test]
#[cfg_attr(
    browser_absent,
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn connecting_through_the_monobank_app_in_headless_chromium() {
    let (app, _sandbox) =
        crate::provider::provider_deployment(monoweb::config::MonoMode::Both).await;
    let (_driver, port) = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let c = connect(port, profile.path()).await;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    c.goto(&app.url("/register")).await.unwrap();
    fill(&c, "username", "petra").await;
    fill(&c, "password", PASSWORD).await;
    click(&c, "form[action='/register'] button[type=submit]").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/token");
    shoot(&c, "token-both").await;

    // Connect: the link and the QR code, drawn on the server.
    click(&c, "#connect-button").await;
    assert!(text(&c, ".flash.success")
        .await
        .contains("approve in the Monobank app"));
    wait(&c, ".qr svg").await;
    let link = c
        .find(Locator::Css("#accept-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("/sandbox/accept/"), "{link}");
    shoot(&c, "token-connect-pending").await;

    // The person approves on the bank's page (as the first sandbox client); the page they left
    // finds the connection on its next load.
    c.goto(&link).await.unwrap();
    click(&c, "button[name=client][value='0']").await;
    assert!(text(&c, "body").await.contains("Callback: answered 200"));
    c.goto(&app.url("/token")).await.unwrap();
    wait(&c, "#connected-provider").await;
    shoot(&c, "token-connected-provider").await;
    c.goto(&app.url("/")).await.unwrap();
    wait(&c, "#accounts").await;
    c.close().await.unwrap();
}
