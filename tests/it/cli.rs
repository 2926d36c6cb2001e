//! Every `monoweb user …` command and the configuration errors, through the built binary.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use monoweb::auth::password::{self, PasswordHash};
use monoweb::db;
use monoweb::domain::Username;

use crate::helpers::{fresh_database, run_monoweb};

const PASSWORD: &str = "correct horse battery staple\n";

/// A scratch directory with its own database, and a way to run the binary against it.
struct Cli {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(dir.path());
        Cli { dir, database_url }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(&[], args, stdin)
    }

    fn run_with(&self, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
        let mut all = vec![("MONOWEB_DATABASE_URL", self.database_url.as_str())];
        all.extend_from_slice(env);
        run_monoweb(self.dir.path(), &all, args, stdin)
    }

    fn stored_hash(&self, name: &str) -> PasswordHash {
        let mut conn = crate::helpers::connect(&self.database_url);
        let user = db::users::find_by_username(&mut conn, &Username::parse(name).unwrap())
            .unwrap()
            .unwrap();
        PasswordHash(user.password_hash)
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

#[test]
fn create_then_list_shows_the_user() {
    let cli = Cli::new();
    let out = cli.run(&["user", "create", "alice", "--password-stdin"], PASSWORD);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("created admin alice (the first user is always an admin)"));
    let out = cli.run(&["user", "create", "bob", "--password-stdin"], PASSWORD);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("created user bob"),
        "{}",
        stdout(&out)
    );
    let out = cli.run(&["user", "list"], "");
    assert_exit(&out, 0);
    let list = stdout(&out);
    let alice = list.lines().find(|l| l.starts_with("alice")).expect(&list);
    assert!(
        alice.contains("yes") && alice.contains("active") && alice.contains("never"),
        "{alice}"
    );
    let bob = list.lines().find(|l| l.starts_with("bob")).expect(&list);
    assert!(bob.contains(" no "), "{bob}");
    assert!(!list.contains("argon2"), "hashes never listed");
    assert!(password::verify(
        &cli.stored_hash("alice"),
        "correct horse battery staple"
    ));
}

#[test]
fn the_same_name_again_fails_with_exit_1_whatever_the_case() {
    let cli = Cli::new();
    assert_exit(
        &cli.run(&["user", "create", "alice", "--password-stdin"], PASSWORD),
        0,
    );
    for name in ["alice", "ALICE"] {
        let out = cli.run(&["user", "create", name, "--password-stdin"], PASSWORD);
        assert_exit(&out, 1);
        assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    }
}

#[test]
fn a_too_short_password_exits_2_naming_the_rule_and_creates_nothing() {
    let cli = Cli::new();
    let out = cli.run(&["user", "create", "alice", "--password-stdin"], "short\n");
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("at least 12 characters"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&cli.run(&["user", "list"], "")).contains("no users yet"));
}

#[test]
fn bad_input_exits_2() {
    let cli = Cli::new();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["user", "create", "a b", "--password-stdin"],
            PASSWORD,
            "username may contain only",
        ),
        (
            &["user", "create", "alice", "--password-stdin"],
            "",
            "no password on standard input",
        ),
        (&["user", "create", "alice"], "", "--password-stdin"),
        (
            &["user", "create", "alice", "--password-stdin"],
            "alice\n",
            "at least 12",
        ),
        (&["user", "frobnicate"], "", "unrecognized subcommand"),
        (&["user", "create"], "", "NAME"),
    ];
    for (args, stdin, expected) in cases {
        let out = cli.run(args, stdin);
        assert_exit(&out, 2);
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn set_password_replaces_the_hash() {
    let cli = Cli::new();
    assert_exit(
        &cli.run(&["user", "create", "alice", "--password-stdin"], PASSWORD),
        0,
    );
    let out = cli.run(
        &["user", "set-password", "Alice", "--password-stdin"],
        "a much better passphrase\r\n",
    );
    assert_exit(&out, 0);
    let hash = cli.stored_hash("alice");
    assert!(password::verify(&hash, "a much better passphrase"));
    assert!(!password::verify(&hash, "correct horse battery staple"));
    let out = cli.run(
        &["user", "set-password", "alice", "--password-stdin"],
        "tiny\n",
    );
    assert_exit(&out, 2);
    assert!(
        password::verify(&cli.stored_hash("alice"), "a much better passphrase"),
        "unchanged"
    );
}

#[test]
fn disable_enable_and_delete() {
    let cli = Cli::new();
    assert_exit(
        &cli.run(&["user", "create", "alice", "--password-stdin"], PASSWORD),
        0,
    );
    assert_exit(&cli.run(&["user", "disable", "alice"], ""), 0);
    assert!(stdout(&cli.run(&["user", "list"], "")).contains("disabled"));
    assert_exit(&cli.run(&["user", "enable", "alice"], ""), 0);
    assert!(!stdout(&cli.run(&["user", "list"], "")).contains("disabled"));
    assert_exit(&cli.run(&["user", "delete", "alice"], ""), 0);
    assert!(stdout(&cli.run(&["user", "list"], "")).contains("no users yet"));
}

#[test]
fn commands_on_an_unknown_user_exit_1() {
    let cli = Cli::new();
    for cmd in ["disable", "enable", "delete"] {
        let out = cli.run(&["user", cmd, "ghost"], "");
        assert_exit(&out, 1);
        assert!(
            stderr(&out).contains("no user named ghost"),
            "{cmd}: {}",
            stderr(&out)
        );
    }
    let out = cli.run(
        &["user", "set-password", "ghost", "--password-stdin"],
        PASSWORD,
    );
    assert_exit(&out, 1);
}

#[test]
fn bad_settings_exit_2_with_one_line_naming_the_setting() {
    let cli = Cli::new();
    let out = cli.run_with(&[("MONOWEB_BIND", "nonsense")], &["user", "list"], "");
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("MONOWEB_BIND"), "{err}");

    std::fs::write(
        cli.dir.path().join("monoweb.toml"),
        "bind = \"127.0.0.1:9\"\ncolour = \"blue\"\n",
    )
    .unwrap();
    let out = cli.run(&["user", "list"], "");
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown setting `colour`"), "{err}");
    std::fs::remove_file(cli.dir.path().join("monoweb.toml")).unwrap();

    let out = cli.run(&["--config", "/nonexistent.toml", "user", "list"], "");
    assert_exit(&out, 2);
    let out = cli.run(&["--session-idle-secs", "abc", "user", "list"], "");
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("--session-idle-secs"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_reports_plain_http_and_exits_1() {
    let cli = Cli::new();
    let out = cli.run(&["check"], "");
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("WARN  public_url http://127.0.0.1:8080/"),
        "{text}"
    );
    assert!(text.contains("secret key file"), "{text}");
    let out = cli.run_with(
        &[("MONOWEB_PUBLIC_URL", "https://money.example.com")],
        &["check"],
        "",
    );
    let text = stdout(&out);
    assert!(
        text.contains("ok    public_url https://money.example.com/"),
        "{text}"
    );
}

#[test]
fn check_flags_a_world_readable_secret_file() {
    let cli = Cli::new();
    assert_exit(&cli.run(&["migrate"], ""), 0);
    let key = cli.dir.path().join("key");
    std::fs::write(&key, "ab".repeat(32)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key_arg = key.display().to_string();
    let out = cli.run_with(
        &[
            ("MONOWEB_SECRET_KEY_FILE", &key_arg),
            ("MONOWEB_PUBLIC_URL", "https://m.example.com"),
        ],
        &["check"],
        "",
    );
    assert_exit(&out, 1);
    assert!(
        stdout(&out).contains("ERROR secret key file"),
        "{}",
        stdout(&out)
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = cli.run_with(
        &[
            ("MONOWEB_SECRET_KEY_FILE", &key_arg),
            ("MONOWEB_PUBLIC_URL", "https://m.example.com"),
            ("MONOWEB_REGISTRATION", "closed"),
        ],
        &["check"],
        "",
    );
    assert_exit(&out, 0);
    assert!(Path::new(&key).exists());
}

#[test]
fn check_warns_of_open_registration_before_the_first_user_and_of_trusting_every_address() {
    let cli = Cli::new();
    let line = |text: &str, subject: &str| {
        text.lines()
            .find(|l| l[6..].starts_with(subject))
            .unwrap_or_else(|| panic!("no {subject} line in {text}"))
            .to_owned()
    };
    let public = [
        ("MONOWEB_PUBLIC_URL", "https://m.example.com"),
        ("MONOWEB_BIND", "0.0.0.0:8080"),
    ];
    // A fresh instance anyone can reach: the first visitor would become its admin.
    let out = cli.run_with(&public, &["check"], "");
    assert_exit(&out, 1);
    let text = stdout(&out);
    let registration = line(&text, "registration");
    assert!(registration.starts_with("WARN "), "{text}");
    assert!(registration.contains("no user yet"), "{text}");
    assert!(line(&text, "trusted_proxies").starts_with("ok "), "{text}");
    // On loopback only, nobody else can be first.
    let out = cli.run(&["check"], "");
    assert!(line(&stdout(&out), "registration").starts_with("ok "));
    // Once the owner's user exists, open registration is a choice, not a hole.
    let out = cli.run_with(
        &public,
        &["user", "create", "owner", "--password-stdin"],
        PASSWORD,
    );
    assert_exit(&out, 0);
    let out = cli.run_with(&public, &["check"], "");
    assert_exit(&out, 0);
    assert!(line(&stdout(&out), "registration").starts_with("ok "));
    for every in ["0.0.0.0/0", "10.0.0.1,::/0"] {
        let env = [public[0], public[1], ("MONOWEB_TRUSTED_PROXIES", every)];
        let out = cli.run_with(&env, &["check"], "");
        assert_exit(&out, 1);
        let text = stdout(&out);
        let proxies = line(&text, "trusted_proxies");
        assert!(proxies.starts_with("WARN "), "{every}: {text}");
        assert!(proxies.contains("trusts every address"), "{every}: {text}");
    }
    let env = [
        public[0],
        public[1],
        ("MONOWEB_TRUSTED_PROXIES", "10.0.0.1"),
    ];
    let out = cli.run_with(&env, &["check"], "");
    assert_exit(&out, 0);
}

#[test]
fn every_command_keeps_the_data_private_and_check_reports_what_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let data_arg = data.display().to_string();
    let env = [
        ("MONOWEB_DATA_DIR", data_arg.as_str()),
        ("MONOWEB_PUBLIC_URL", "https://m.example.com"),
    ];
    let out = run_monoweb(
        dir.path(),
        &env,
        &["user", "create", "alice", "--password-stdin"],
        PASSWORD,
    );
    assert_exit(&out, 0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data directory");
    let db = data.join("monoweb.db");
    assert_eq!(mode(&db), 0o600, "the database");
    for suffix in ["-wal", "-shm"] {
        let side = data.join(format!("monoweb.db{suffix}"));
        if side.exists() {
            assert_eq!(mode(&side), 0o600, "{suffix}");
        }
    }
    let out = run_monoweb(dir.path(), &env, &["check"], "");
    assert!(
        stdout(&out).contains("ok    private files"),
        "{}",
        stdout(&out)
    );
    // Loosened by hand: `check` says which, as an error.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_monoweb(dir.path(), &env, &["check"], "");
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("ERROR private files"), "{text}");
    assert!(text.contains("monoweb.db (mode 0644)"), "{text}");
    assert!(text.contains("fresh (mode 0755)"), "{text}");
}

#[tokio::test]
async fn sandbox_command_prints_its_tokens_and_serves_them() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::helpers::monoweb_command(dir.path(), &[])
        .args([
            "sandbox",
            "--bind",
            "127.0.0.1:0",
            "--seed",
            "7",
            "--time-scale",
            "60",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut tokens = Vec::new();
    let url = loop {
        let line = lines.next().expect("sandbox output").unwrap();
        if let Some(url) = line.strip_prefix("sandbox listening on ") {
            break url.to_owned();
        }
        let parts: Vec<&str> = line.splitn(5, ' ').collect();
        assert_eq!((parts[0], parts[2]), ("token", "client"), "{line}");
        assert_eq!(parts[1].len(), 44);
        tokens.push(parts[1].to_owned());
    };
    assert_eq!(tokens.len(), 3);
    let listed: Vec<serde_json::Value> = reqwest::get(format!("{url}/sandbox/tokens"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = listed
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    assert_eq!(listed, tokens);
    let _ = child.kill();
    let _ = child.wait();

    for bad in [
        &["sandbox", "--time-scale", "0"][..],
        &["sandbox", "--time-scale", "abc"],
        &["sandbox", "--bind", "nowhere"],
        &["sandbox", "--seed", "-1"],
    ] {
        let out = run_monoweb(dir.path(), &[], bad, "");
        assert_exit(&out, 2);
    }
}

#[tokio::test]
async fn demo_serves_a_ready_user_to_a_scripted_rest_client() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = crate::helpers::monoweb_command(dir.path(), &[("MONOWEB_LOG", "warn")])
        .args(["demo", "--bind", &bind])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut password) = (String::new(), String::new());
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("monoweb demo is running at ") {
            url = rest.to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix("password:") {
            password = rest.trim().to_owned();
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    assert_eq!(url, format!("http://{bind}"));
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{url}/api/auth/login"))
        .json(&serde_json::json!({"username": "demo", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = crate::helpers::session_cookie(&login).unwrap();
    for (method, path, body) in [
        ("GET", "/api/mono/balance", None),
        ("GET", "/api/mono/currencies", None),
        (
            "POST",
            "/api/mono/currency",
            Some(serde_json::json!({"currency": "USDUAH"})),
        ),
        (
            "POST",
            "/api/mono/statement",
            Some(serde_json::json!({"period": 3})),
        ),
    ] {
        let mut req = client
            .request(method.parse().unwrap(), format!("{url}{path}"))
            .header("Cookie", &cookie);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let answer: serde_json::Value = res.json().await.unwrap();
        assert_eq!(answer["code"], 200, "{path}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Inserts users one transaction at a time until told to stop; counts those committed.
fn write_load(
    database_url: &str,
    committed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    use diesel::RunQueryDsl;
    use std::sync::atomic::Ordering;
    let mut conn = crate::helpers::connect(database_url);
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            diesel::sql_query(format!(
                "INSERT INTO users (username, password_hash, created_at, security_stamp) \
                 VALUES ('load{n}', 'not a hash', 0, 'stamp')"
            ))
            .execute(&mut conn)
            .unwrap();
            committed.store(n, Ordering::SeqCst);
        }
    })
}

/// The `load{n}` users of a database, as their numbers.
fn load_users(database_url: &str) -> Vec<usize> {
    let mut conn = crate::helpers::connect(database_url);
    let mut numbers: Vec<usize> = monoweb::db::users::list(&mut conn)
        .unwrap()
        .into_iter()
        .filter_map(|u| u.username.strip_prefix("load")?.parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers
}

#[tokio::test]
async fn backup_under_a_write_load_holds_every_committed_row_and_restore_puts_it_back() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let app = crate::helpers::TestApp::builder().start().await;
    let cwd = app.dir.path();
    let env = [("MONOWEB_DATABASE_URL", app.database_url.as_str())];
    let file = cwd.join("backup.db");
    let file_arg = file.display().to_string();
    if !app.database_url.starts_with("sqlite://") {
        let out = run_monoweb(cwd, &env, &["backup", &file_arg], "");
        assert_exit(&out, 2);
        assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
        return;
    }
    let committed = std::sync::Arc::new(AtomicUsize::new(0));
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let load = write_load(&app.database_url, committed.clone(), stop.clone());
    while committed.load(Ordering::SeqCst) < 50 {
        tokio::task::yield_now().await;
    }
    let before = committed.load(Ordering::SeqCst);
    let out = run_monoweb(cwd, &env, &["backup", &file_arg], "");
    let after = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    load.join().unwrap();
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("NOT in the backup"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let backup_url = format!("sqlite://{}", file.display());
    let saved = load_users(&backup_url);
    let n = saved.len();
    assert!(
        (before..=after).contains(&n),
        "{before} <= {n} <= {after}: every row committed before the backup began"
    );
    assert_eq!(saved, (1..=n).collect::<Vec<_>>(), "one consistent moment");
    let out = run_monoweb(cwd, &env, &["backup", &file_arg], "");
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );

    // A restore refuses while the app runs, and changes nothing.
    let out = run_monoweb(cwd, &env, &["restore", &file_arg], "");
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("an app is running"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        load_users(&app.database_url).len(),
        committed.load(Ordering::SeqCst)
    );

    app.stop_and_wait().await;
    let db_path = cwd.join("monoweb.db");
    // The server's task drops its lock when it has finished.
    while monoweb::db::file_lock::exclude(&db_path).is_err() {
        tokio::task::yield_now().await;
    }
    let out = run_monoweb(cwd, &env, &["restore", &file_arg], "");
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("kept as"), "{}", stdout(&out));
    assert_eq!(load_users(&app.database_url), saved);

    // Garbage is refused before anything is touched.
    let garbage = cwd.join("garbage.db");
    std::fs::write(&garbage, "not a database").unwrap();
    let out = run_monoweb(cwd, &env, &["restore", &garbage.display().to_string()], "");
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("not a usable monoweb backup"),
        "{}",
        stderr(&out)
    );
    assert_eq!(load_users(&app.database_url), saved);

    // The restored database serves.
    let again = crate::helpers::TestApp::builder()
        .deployment_of(&app)
        .start()
        .await;
    assert_eq!(again.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn a_backup_with_the_secret_restores_the_key_on_a_new_machine_but_never_replaces_one() {
    let app = crate::helpers::TestApp::builder().start().await;
    if !app.database_url.starts_with("sqlite://") {
        return; // SQLite only; the PostgreSQL refusal is checked above.
    }
    let cwd = app.dir.path();
    let secret = app.secret_file.display().to_string();
    let env = [
        ("MONOWEB_DATABASE_URL", app.database_url.as_str()),
        ("MONOWEB_SECRET_KEY_FILE", secret.as_str()),
    ];
    let file = cwd.join("with-secret.db").display().to_string();
    let out = run_monoweb(cwd, &env, &["backup", &file, "--with-secret"], "");
    assert_exit(&out, 0);
    app.stop_and_wait().await;
    let key = std::fs::read_to_string(&app.secret_file).unwrap();

    // A new machine: an empty directory, no key.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_db = format!(
        "sqlite://{}",
        fresh.path().join("data/monoweb.db").display()
    );
    let fresh_key = fresh.path().join("data/secret.key");
    let fresh_key_arg = fresh_key.display().to_string();
    let fresh_env = [
        ("MONOWEB_DATABASE_URL", fresh_db.as_str()),
        ("MONOWEB_SECRET_KEY_FILE", fresh_key_arg.as_str()),
    ];
    let out = run_monoweb(fresh.path(), &fresh_env, &["restore", &file], "");
    assert_exit(&out, 0);
    assert_eq!(
        std::fs::read_to_string(&fresh_key).unwrap().trim(),
        key.trim()
    );
    assert_eq!(
        std::fs::metadata(&fresh_key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The key is not left in the restored database.
    let tables = crate::helpers::introspect(&fresh_db);
    assert!(
        !tables.contains_key("monoweb_backup_secret"),
        "{:?}",
        tables.keys()
    );

    // Another key is never overwritten.
    std::fs::write(&fresh_key, format!("{}\n", "ab".repeat(32))).unwrap();
    let out = run_monoweb(fresh.path(), &fresh_env, &["restore", &file], "");
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("different secret key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&fresh_key).unwrap(),
        format!("{}\n", "ab".repeat(32))
    );
}
