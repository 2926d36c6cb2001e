//! The README's run command: `monoweb` with no arguments in a fresh directory serves `/healthz`,
//! creates `./data/monoweb.db` and `./data/secret.key` (0600), and a restart reuses both.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{fresh_database, monoweb_command, postgres_server};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(cwd: &Path, env: &[(&str, &str)]) -> Server {
    let child = monoweb_command(cwd, env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server(child)
}

async fn wait_healthy(port: u16) -> Duration {
    let started = Instant::now();
    let client = reqwest::Client::new();
    loop {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            assert_eq!(res.status(), 200);
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn default_run_creates_its_data_and_a_restart_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let database_url;
    let mut env = vec![("MONOWEB_BIND", bind.as_str())];
    if postgres_server().is_some() {
        database_url = fresh_database(dir.path());
        env.push(("MONOWEB_DATABASE_URL", database_url.as_str()));
    }
    let port: u16 = port.parse().unwrap();
    let server = start(dir.path(), &env);
    wait_healthy(port).await;
    let key = dir.path().join("data/secret.key");
    let secret = std::fs::read_to_string(&key).unwrap();
    assert_eq!(monoweb::crypto::file_mode(&key).unwrap() & 0o777, 0o600);
    let db_file = dir.path().join("data/monoweb.db");
    assert_eq!(db_file.exists(), postgres_server().is_none());
    drop(server);

    let _server = start(dir.path(), &env);
    wait_healthy(port).await;
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        secret,
        "the secret is reused"
    );
}

/// The soft and hard open-files limits in `/proc/<pid>/limits`.
fn open_files_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let mut fields = line["Max open files".len()..].split_whitespace();
    (
        fields.next().unwrap().to_owned(),
        fields.next().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_server_raises_its_open_files_soft_limit_to_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let database_url;
    let mut env = vec![("MONOWEB_BIND", bind.as_str())];
    if postgres_server().is_some() {
        database_url = fresh_database(dir.path());
        env.push(("MONOWEB_DATABASE_URL", database_url.as_str()));
    }
    // Started with a soft limit of 256 under whatever hard limit this machine has.
    let program = monoweb_command(dir.path(), &env);
    let mut shell = std::process::Command::new("bash");
    shell
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\"")
        .arg(program.get_program())
        .envs(
            program
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("MONOWEB_")) {
        shell.env_remove(name);
    }
    let server = Server(shell.spawn().unwrap());
    wait_healthy(port).await;
    let (soft, hard) = open_files_limits(server.0.id());
    assert_ne!(
        hard, "256",
        "the machine's hard limit must be above 256 for this test"
    );
    assert_eq!(soft, hard);
}
