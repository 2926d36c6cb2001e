//! Test harness: fresh databases, `spawn_app()`, running the binary, schema introspection.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Once;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use monoweb::config::{self, Key, Layers, Settings};
use monoweb::startup::Application;
use tempfile::TempDir;

/// Set to a server URL (e.g. `postgres://postgres@127.0.0.1:5433/postgres`) to run every test
/// on PostgreSQL; each test then gets its own database on that server.
pub const POSTGRES_ENV: &str = "MONOWEB_TEST_POSTGRES_URL";

pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())
}

/// A database URL for one test: a new SQLite file in `dir`, or a new PostgreSQL database.
pub fn fresh_database(dir: &Path) -> String {
    match postgres_server() {
        None => format!("sqlite://{}", dir.join("monoweb.db").display()),
        Some(server) => {
            let mut conn = PgConnection::establish(&server).expect("test PostgreSQL server");
            let name = format!("monoweb_test_{}", hex_id());
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .expect("create test database");
            let mut url = url::Url::parse(&server).unwrap();
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
    }
}

fn hex_id() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Logs appear only with `TEST_LOG=1`.
pub fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            monoweb::telemetry::init("debug", config::LogFormat::Text);
        }
    });
}

/// Settings for a test: port 0, everything under `dir`, the given database, nothing from the
/// developer's environment or working directory.
pub fn test_settings(dir: &Path, database_url: &str) -> Settings {
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let mut settings = config::load(&Layers {
        config_file: Some(empty),
        env: HashMap::new(),
        flags: vec![
            (Key::Bind, "127.0.0.1:0".into()),
            (Key::DataDir, dir.join("data").display().to_string()),
            (Key::DatabaseUrl, database_url.into()),
        ],
    })
    .unwrap();
    // The background sync makes Monobank calls of its own; the tests of the history turn it on.
    settings.sync.enabled = false;
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    pub dir: TempDir,
    /// The app's clock; starts at the real time and moves only when a test says so.
    pub clock: std::sync::Arc<monobank::clock::ManualClock>,
    /// Stops the server and its sync, as if the process ended.
    pub stop: std::sync::Arc<dyn Fn() + Send + Sync>,
    /// The Monobank API it talks to (a sandbox in most tests).
    pub mono_api_url: url::Url,
    /// The services' handles: tests that drive the sync step by step call it with this.
    pub context: std::sync::Arc<monoweb::services::Context>,
    /// The master secret's file (another instance of the deployment reads the same).
    pub secret_file: std::path::PathBuf,
}

/// A password that meets the policy.
pub const PASSWORD: &str = "violet staple lantern";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET with a session cookie.
    pub async fn get_as(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    /// POST a JSON body, optionally with a session cookie.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(cookie) = cookie {
            req = req.header("Cookie", cookie);
        }
        req.send().await.unwrap()
    }

    pub async fn register(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/auth/register",
            &serde_json::json!({"username": username, "password": password}),
            None,
        )
        .await
    }

    /// Logs in and returns the session cookie (`name=value`).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self
            .post_json(
                "/api/auth/login",
                &serde_json::json!({"username": username, "password": password}),
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "login of {username}");
        session_cookie(&res).expect("a session cookie")
    }

    /// Disables user `id` with the admin page's form, as a browser posts it.
    pub async fn disable_on_the_admin_page(&self, admin_cookie: &str, id: i64) {
        let token = self.form_token("/admin", admin_cookie).await;
        let res = self
            .post_form_as(
                &format!("/admin/users/{id}/active"),
                admin_cookie,
                &[("active", "false"), ("csrf", &token)],
            )
            .await;
        assert_eq!(res.status(), 303, "disabling user {id}");
    }

    /// Registers and logs in a new user; returns the cookie.
    pub async fn logged_in(&self, username: &str) -> String {
        assert_eq!(self.register(username, PASSWORD).await.status(), 201);
        self.login(username, PASSWORD).await
    }

    /// Posts a form as a browser on this site does (`Sec-Fetch-Site: same-origin`), with a
    /// session cookie.
    pub async fn post_form_as(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Cookie", cookie)
            .header("Sec-Fetch-Site", "same-origin")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// A visitor's guest cookie and form token, from the form page at `path` read in the
    /// language `accept` asks for.
    pub async fn guest_form(&self, path: &str, accept: &str) -> (String, String) {
        let res = self
            .client
            .get(self.url(path))
            .header("Accept-Language", accept)
            .send()
            .await
            .unwrap();
        let guest = guest_cookie(&res).expect("a guest cookie");
        let csrf = csrf_of(&res.text().await.unwrap()).expect("a form");
        (guest, csrf)
    }

    /// The form token of a page `cookie`'s session sees.
    pub async fn form_token(&self, path: &str, cookie: &str) -> String {
        let page = self.get_as(path, cookie).await.text().await.unwrap();
        csrf_of(&page).expect("a page with a form")
    }

    /// How many session rows the database holds.
    /// Registers `username`, logs in and attaches sandbox token `n`; answers the session cookie.
    pub async fn with_token(&self, sandbox: &TestSandbox, n: usize, username: &str) -> String {
        let cookie = self.logged_in(username).await;
        let res = self
            .post_json(
                "/api/mono",
                &serde_json::json!({"mono_token": sandbox.tokens[n].token}),
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status(), 201);
        cookie
    }

    /// Stops this instance as the process would end (its sync notes the stop) and waits until
    /// its port is free; answers the address, for [`TestApp::start_again`].
    pub async fn stop_and_wait(&self) -> std::net::SocketAddr {
        monoweb::services::sync::note_stop(&self.context)
            .await
            .unwrap();
        self.die_and_wait().await
    }

    /// Stops this instance at once, as if the process died (nothing is noted), and waits until
    /// its port is free; answers the address, for [`TestApp::start_again`].
    pub async fn die_and_wait(&self) -> std::net::SocketAddr {
        (self.stop)();
        let address = self.address.trim_start_matches("http://").parse().unwrap();
        while tokio::net::TcpStream::connect(address).await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        address
    }

    /// Starts `builder` as this (stopped) deployment again, on `address`, the stopped process's;
    /// the new process has noted its start. The stopped one must outlive it (its directory holds
    /// the database): forget it.
    pub async fn start_again(&self, builder: AppBuilder, address: std::net::SocketAddr) -> TestApp {
        let again = builder
            .deployment_of(self)
            .configure(move |s| s.bind = address)
            .start()
            .await;
        monoweb::services::sync::note_start(&again.context)
            .await
            .unwrap();
        again
    }

    pub fn session_rows(&self) -> usize {
        crate::helpers::count_rows(&self.database_url, "sessions")
    }

    /// A request with a method, JSON body and cookie.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        cookie: &str,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("Cookie", cookie);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    /// A direct connection to the app's database.
    pub fn db(&self) -> monoweb::db::DbConnection {
        connect(&self.database_url)
    }
}

/// A direct connection to a test database given by its URL.
pub fn connect(database_url: &str) -> monoweb::db::DbConnection {
    let url = match database_url.strip_prefix("sqlite://") {
        Some(path) => monoweb::config::DatabaseUrl::Sqlite(path.into()),
        None => monoweb::config::DatabaseUrl::Postgres(database_url.to_owned().into()),
    };
    monoweb::db::connect(&url).unwrap()
}

/// The form token in a page's hidden `csrf` field.
pub fn csrf_of(body: &str) -> Option<String> {
    let start = body.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// Whether a response is an HTML page.
pub fn is_html(res: &reqwest::Response) -> bool {
    res.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The `name=value` of the session cookie a response sets, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    cookie_named(res, "monoweb_session=")
}

/// The `name=value` of the guest form cookie a response sets, if any.
pub fn guest_cookie(res: &reqwest::Response) -> Option<String> {
    cookie_named(res, "monoweb_csrf=")
}

fn cookie_named(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains(name))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in a table of a test database.
pub fn count_rows(database_url: &str, table: &str) -> usize {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let n = if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut conn = SqliteConnection::establish(path).unwrap();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    } else {
        let mut conn = PgConnection::establish(database_url).unwrap();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    };
    usize::try_from(n).unwrap()
}

/// Builds a test app: a real server on port 0 with its own database (a fresh SQLite file, or a
/// fresh PostgreSQL database), on a manual clock that starts at the real time, with the
/// background sync off unless asked for. The one way tests start an app:
///
/// ```ignore
/// let app = TestApp::builder().start().await;
/// let (app, sandbox) = TestApp::builder().syncing().start_with_sandbox(1.0).await;
/// let second = TestApp::builder().deployment_of(&app).syncing().start().await;
/// ```
#[derive(Default)]
pub struct AppBuilder {
    clock: Option<std::sync::Arc<monobank::clock::ManualClock>>,
    /// Another instance of this deployment: its database, directory of the secret, clock.
    deployment: Option<(String, std::path::PathBuf)>,
    configure: Vec<Configure>,
}

/// One adjustment of a test app's settings.
type Configure = Box<dyn FnOnce(&mut Settings)>;

impl TestApp {
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }
}

impl AppBuilder {
    /// Adjusts the settings (applied in order, after the test defaults).
    pub fn configure(mut self, f: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    /// Runs on `clock` (shared with a sandbox or another instance).
    pub fn clock(mut self, clock: std::sync::Arc<monobank::clock::ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Talks to the Monobank API at `url`.
    pub fn mono_api(self, url: &str) -> Self {
        let url: url::Url = url.parse().unwrap();
        self.configure(move |s| s.mono_api_url = url)
    }

    /// With the background sync on, looking for work every 10 ms.
    pub fn syncing(self) -> Self {
        self.configure(|s| {
            s.sync.enabled = true;
            s.sync.tick_ms = 10;
        })
    }

    /// Another instance of `first`'s deployment: the same database, master secret, clock and
    /// Monobank.
    pub fn deployment_of(mut self, first: &TestApp) -> Self {
        let secret = first.secret_file.clone();
        self.deployment = Some((first.database_url.clone(), secret.clone()));
        self.clock = Some(first.clock.clone());
        let api = first.mono_api_url.clone();
        self.configure(move |s| {
            s.secret_key_file = secret;
            s.mono_api_url = api;
        })
    }

    /// Starts the app.
    pub async fn start(self) -> TestApp {
        use monobank::clock::Clock;
        init_logs();
        let clock = self.clock.unwrap_or_else(|| {
            monobank::clock::ManualClock::at(monobank::clock::SystemClock.now())
        });
        let dir = tempfile::tempdir().unwrap();
        let database_url = match self.deployment {
            Some((url, _)) => url,
            None => fresh_database(dir.path()),
        };
        let mut settings = test_settings(dir.path(), &database_url);
        for configure in self.configure {
            configure(&mut settings);
        }
        let mono_api_url = settings.mono_api_url.clone();
        let secret_file = settings.secret_key_file.clone();
        let app = Application::build_with_clock(settings, clock.clone())
            .await
            .expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let stop = std::sync::Arc::new(app.stopper());
        let context = app.context();
        tokio::spawn(app.run_until_stopped());
        // The suite reads the pages in English, as a browser asking for it does; the Ukrainian
        // pages have their own tests (`languages.rs`).
        let mut english = reqwest::header::HeaderMap::new();
        english.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        );
        let client = reqwest::Client::builder()
            .default_headers(english)
            .redirect(reqwest::redirect::Policy::none())
            // Idle connections are dropped well before the server's 5-s keep-alive ends them,
            // so none is reused at the instant the server closes it.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        TestApp {
            address,
            client,
            database_url,
            dir,
            clock,
            stop,
            mono_api_url,
            context,
            secret_file,
        }
    }

    /// Starts a sandbox Monobank (every limit and delay divided by `time_scale`) on the app's
    /// clock, then the app talking to it.
    pub async fn start_with_sandbox(mut self, time_scale: f64) -> (TestApp, TestSandbox) {
        use monobank::clock::Clock;
        let clock = self.clock.take().unwrap_or_else(|| {
            monobank::clock::ManualClock::at(monobank::clock::SystemClock.now())
        });
        let sandbox = TestSandbox::start(clock.clone(), time_scale).await;
        let app = self.clock(clock).mono_api(&sandbox.url).start().await;
        (app, sandbox)
    }
}

/// 08:00 in Kyiv yesterday: tests that move the clock on by hours and look at "today" (or this
/// month) start here, so that it does not cross midnight halfway, whatever time the suite runs.
pub fn yesterday_morning() -> std::sync::Arc<monobank::clock::ManualClock> {
    use monobank::clock::Clock;
    let today: jiff::civil::Date = monoweb::web::format::date(monobank::clock::SystemClock.now())
        .parse()
        .unwrap();
    let (midnight, _) = monoweb::domain::kyiv::day_bounds(today.yesterday().unwrap()).unwrap();
    monobank::clock::ManualClock::at(midnight + 8 * 3_600)
}

/// The `monoweb` binary with a clean environment: only the variables given here.
pub fn monoweb_command(cwd: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_monoweb"));
    cmd.current_dir(cwd);
    for (name, _) in std::env::vars() {
        if name.starts_with("MONOWEB_") {
            cmd.env_remove(name);
        }
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd
}

/// Runs the binary to completion, feeding `stdin`.
pub fn run_monoweb(cwd: &Path, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut child = monoweb_command(cwd, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A command that refuses its arguments exits before it reads its input.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// Columns of one table as (name, type as the database reports it, nullable).
pub type Columns = Vec<(String, String, bool)>;

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The application tables of a database (migration bookkeeping excluded) and their columns.
pub fn introspect(database_url: &str) -> BTreeMap<String, Columns> {
    let mut tables = BTreeMap::new();
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut conn = SqliteConnection::establish(path).unwrap();
        let names: Vec<Name> = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name != '__diesel_schema_migrations' ORDER BY name",
        )
        .load(&mut conn)
        .unwrap();
        for Name { name } in names {
            let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
                "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}')"
            ))
            .load(&mut conn)
            .unwrap();
            let cols = cols
                .into_iter()
                .map(|c| (c.name, c.r#type, c.notnull == 0 && c.pk == 0))
                .collect();
            tables.insert(name, cols);
        }
    } else {
        let mut conn = PgConnection::establish(database_url).unwrap();
        let cols: Vec<PgColumn> = diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS data_type, is_nullable::text AS is_nullable \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name != '__diesel_schema_migrations' ORDER BY table_name, ordinal_position",
        )
        .load(&mut conn)
        .unwrap();
        for c in cols {
            tables.entry(c.table_name).or_insert_with(Vec::new).push((
                c.column_name,
                c.data_type,
                c.is_nullable == "YES",
            ));
        }
    }
    tables
}

/// A sandbox Monobank on port 0, running in the background.
pub struct TestSandbox {
    pub url: String,
    pub tokens: Vec<monobank_sandbox::TokenLine>,
    pub http: reqwest::Client,
}

impl TestSandbox {
    pub async fn start(clock: monobank::clock::SharedClock, time_scale: f64) -> Self {
        Self::start_with(clock, time_scale, true).await
    }

    /// A sandbox that approves provider registrations at once, or only when told to.
    pub async fn start_with(
        clock: monobank::clock::SharedClock,
        time_scale: f64,
        approve_providers: bool,
    ) -> Self {
        init_logs();
        let sandbox = monobank_sandbox::Sandbox::start(monobank_sandbox::SandboxConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            seed: 42,
            time_scale,
            clock,
            approve_providers,
        })
        .unwrap();
        let url = sandbox.url();
        let tokens = sandbox.tokens();
        tokio::spawn(sandbox.run_until_stopped());
        TestSandbox {
            url,
            tokens,
            // A new connection per request: a kept-alive one that the sandbox closes as it goes
            // idle can be reused at that instant and fail ("incomplete message") on a loaded
            // machine.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    pub fn client(&self) -> monobank::Client {
        monobank::Client::new(self.url.parse().unwrap()).unwrap()
    }

    pub fn token(&self, n: usize) -> monobank::MonoToken {
        monobank::MonoToken::parse(&self.tokens[n].token).unwrap()
    }

    pub async fn calls(&self, prefix: &str) -> Vec<serde_json::Value> {
        let all: Vec<serde_json::Value> = self
            .control(self.http.get(format!("{}/sandbox/calls", self.url)))
            .await;
        all.into_iter()
            .filter(|c| c["path"].as_str().unwrap().starts_with(prefix))
            .collect()
    }

    /// `(X-Key-Id, X-Sign)` for `body`, signed by the sandbox's webhook key.
    pub async fn sign(&self, body: &[u8]) -> (String, String) {
        let answer: serde_json::Value = self
            .control(
                self.http
                    .post(format!("{}/sandbox/sign", self.url))
                    .body(body.to_vec()),
            )
            .await;
        (
            answer["keyId"].as_str().unwrap().to_owned(),
            answer["sign"].as_str().unwrap().to_owned(),
        )
    }

    /// The sandbox's webhook delivery log (`GET /sandbox/deliveries`), oldest first.
    pub async fn deliveries(&self) -> Vec<serde_json::Value> {
        self.control(self.http.get(format!("{}/sandbox/deliveries", self.url)))
            .await
    }

    /// Sends a request to a control endpoint and reads its JSON answer.
    async fn control<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> T {
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Waits (at most `limit`) until the sandbox has switched client `n`'s webhook off after its
    /// third failed delivery: the event after which no attempt can follow.
    pub async fn wait_for_switch_off(&self, n: usize, limit: std::time::Duration) {
        let token = &self.tokens[n].token;
        let hint = &token[token.len() - 4..];
        self.wait_for_deliveries("the sandbox to switch the webhook off", limit, |log| {
            log.iter()
                .any(|d| d["switched_off"] == true && d["token_hint"] == hint)
        })
        .await;
    }

    /// Waits (at most `limit`) until the delivery log satisfies `done`; panics naming `what`.
    pub async fn wait_for_deliveries(
        &self,
        what: &str,
        limit: std::time::Duration,
        done: impl Fn(&[serde_json::Value]) -> bool,
    ) {
        let deadline = std::time::Instant::now() + limit;
        while !done(&self.deliveries().await) {
            assert!(
                std::time::Instant::now() < deadline,
                "waited in vain for {what}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    pub async fn fault(&self, mode: &str) {
        let res = self
            .http
            .post(format!("{}/sandbox/faults", self.url))
            .json(&serde_json::json!({"mode": mode, "ms": 1500}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    /// Creates a transaction now on token `n`'s default account (delivered to its webhook);
    /// returns the event data `{account, statementItem}`.
    pub async fn create_transaction(
        &self,
        n: usize,
        amount: i64,
        description: &str,
    ) -> serde_json::Value {
        let res = self
            .http
            .post(format!("{}/sandbox/transactions", self.url))
            .json(&serde_json::json!({"token": self.tokens[n].token, "amount": amount, "description": description}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }

    /// Every account balance of token `n` as the pages write it (asked of the sandbox once the
    /// app's client-info minute has passed: the test's clock is moved on).
    pub async fn balances_as_shown(&self, app: &TestApp, n: usize) -> Vec<String> {
        use monobank::currency::CurrencyCode;
        app.clock.advance(61);
        let info = self.client().client_info(&self.token(n)).await.unwrap();
        info.accounts
            .iter()
            .map(|a| monoweb::web::format::money(a.balance, CurrencyCode(a.currency_code)))
            .collect()
    }

    /// Posts `body` to the control endpoint `path`; answers the status and the JSON answer.
    pub async fn post_control(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or_default())
    }

    /// Creates an operation now on token `n`'s `account` (a negative amount is a hold);
    /// returns its statement item.
    pub async fn create_on(
        &self,
        n: usize,
        account: &str,
        amount: i64,
        description: &str,
    ) -> monobank::types::StatementItem {
        let body = serde_json::json!({"token": self.tokens[n].token, "account": account,
            "amount": amount, "description": description});
        let (status, answer) = self.post_control("/sandbox/transactions", body).await;
        assert_eq!(status, 201, "{answer}");
        serde_json::from_value(answer["statementItem"].clone()).unwrap()
    }

    /// The bank settles hold `id` of token `n`'s `account`: under its own id, or a new one.
    pub async fn settle(
        &self,
        n: usize,
        account: &str,
        id: &str,
        amount: Option<i64>,
        new_id: bool,
    ) -> monobank::types::StatementItem {
        let body = serde_json::json!({"token": self.tokens[n].token, "account": account,
            "id": id, "amount": amount, "new_id": new_id});
        let (status, answer) = self.post_control("/sandbox/holds/settle", body).await;
        assert_eq!(status, 200, "{answer}");
        serde_json::from_value(answer).unwrap()
    }

    /// The bank cancels hold `id` of token `n`'s `account`.
    pub async fn cancel(&self, n: usize, account: &str, id: &str) {
        let body = serde_json::json!({"token": self.tokens[n].token, "account": account, "id": id});
        let (status, answer) = self.post_control("/sandbox/holds/cancel", body).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// The next statement call gets `mode` (`badrequest`, or `latency` for `ms` ms: a hang).
    pub async fn fault_next_statement(&self, mode: &str, ms: u64) {
        let body =
            serde_json::json!({"mode": mode, "ms": ms, "once": true, "statement_only": true});
        let (status, _) = self.post_control("/sandbox/faults", body).await;
        assert_eq!(status, 200);
    }

    /// Every operation of an account, newest first (the sandbox's ground truth).
    pub async fn ledger(&self, n: usize, account: &str) -> Vec<monobank::types::StatementItem> {
        self.http
            .get(format!("{}/sandbox/transactions", self.url))
            .query(&[
                ("token", self.tokens[n].token.as_str()),
                ("account", account),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A migrated pool on a fresh database of the backend under test.
pub async fn migrated_pool(dir: &Path) -> monoweb::db::DbPool {
    let url = fresh_database(dir);
    let settings = test_settings(dir, &url);
    let mut conn = monoweb::db::connect(&settings.database_url).unwrap();
    monoweb::db::migrations::run_pending(&mut conn).unwrap();
    monoweb::db::pool(&settings.database_url)
}
