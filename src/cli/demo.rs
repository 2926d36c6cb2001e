//! `monoweb demo`: the whole app against an in-process sandbox, offline, with a user `demo`
//! whose token is attached. Data lives in a throwaway directory unless `--data-dir` is given.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use rand::distr::{Alphanumeric, SampleString};
use secrecy::SecretString;
use serde_json::json;

use super::{connect_migrated, runtime, Failure};
use crate::auth::password::{self, NewPassword};
use crate::config::{DatabaseUrl, Settings};
use crate::domain::Username;
use crate::services::users;
use crate::startup::Application;
use monobank::clock::{Clock, SystemClock};
use monobank_sandbox::{Sandbox, SandboxConfig};

/// Removes the throwaway directory when the demo ends.
struct Throwaway(Option<PathBuf>);

impl Drop for Throwaway {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The demo's fake bank runs this many times faster than Monobank: its minute-long rate limit
/// lasts a second, so the sync has the newest month of every account and jar within seconds and
/// a year of them in under three minutes (calls two seconds apart: lanes count whole seconds).
const DEMO_TIME_SCALE: f64 = 60.0;

pub fn run(mut settings: Settings, keep_data_dir: bool) -> Result<(), Failure> {
    // The app keeps the sandbox's pace: a one-second lane, and a sync that looks for work as
    // often.
    settings.sync.lane_secs = 1;
    settings.sync.tick_ms = 250;
    let throwaway = if keep_data_dir {
        Throwaway(None)
    } else {
        let suffix = Alphanumeric.sample_string(&mut rand::rng(), 8);
        let dir = std::env::temp_dir().join(format!("monoweb-demo-{suffix}"));
        settings.database_url = DatabaseUrl::Sqlite(dir.join("monoweb.db"));
        settings.secret_key_file = dir.join("secret.key");
        settings.provider_key_file = dir.join("provider.key");
        settings.data_dir = dir.clone();
        Throwaway(Some(dir))
    };
    runtime()?.block_on(async move {
        let sandbox = Sandbox::start(SandboxConfig {
            bind: "127.0.0.1:0".parse().map_err(|_| Failure::Failed("bad sandbox address".into()))?,
            seed: 42,
            time_scale: DEMO_TIME_SCALE,
            clock: Arc::new(SystemClock),
            approve_providers: true,
        })
        .map_err(|e| Failure::Failed(format!("cannot start the sandbox: {e}")))?;
        settings.mono_api_url = sandbox
            .url()
            .parse()
            .map_err(|_| Failure::Failed("bad sandbox URL".into()))?;
        let token = sandbox.tokens()[0].token.clone();
        let sandbox_url = sandbox.url();
        let sandbox_task = tokio::spawn(sandbox.run_until_stopped());
        if settings.mono_mode.provider() {
            register_provider(&settings).await?;
        }

        let password = Alphanumeric.sample_string(&mut rand::rng(), 20);
        let app = Application::build(settings.clone())
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        create_demo_user(&settings, &password)?;
        let url = format!("http://127.0.0.1:{}", app.port());
        let app_task = tokio::spawn(app.run_until_stopped());
        if settings.mono_mode.personal() {
            attach_token(&url, &password, &token).await?;
        }

        println!("monoweb demo is running at {url}");
        println!("  log in as: demo");
        println!("  password:  {password}");
        println!("  fake Monobank (sandbox): {sandbox_url}");
        match (settings.mono_mode.personal(), settings.mono_mode.provider()) {
            (false, true) => println!(
                "  provider mode: press Connect Monobank on {url}/token, then approve on the \
                 sandbox page it links (as any sandbox client)"
            ),
            (true, true) => println!(
                "  both modes: the demo user has a personal token attached; to try the provider \
                 connection, remove it on {url}/token, press Connect Monobank, then approve on \
                 the sandbox page it links"
            ),
            _ => {}
        }
        match &throwaway.0 {
            Some(dir) => println!("  data: {} (deleted when the demo stops)", dir.display()),
            None => println!("  data: {}", settings.data_dir.display()),
        }
        println!("Press Ctrl-C to stop.");
        let _ = std::io::stdout().flush();
        tokio::select! {
            result = app_task => result.map_err(|e| Failure::Failed(e.to_string()))?.map_err(|e| Failure::Failed(e.to_string())),
            result = sandbox_task => result.map_err(|e| Failure::Failed(e.to_string()))?.map_err(|e| Failure::Failed(e.to_string())),
        }
    })
}

/// Provider modes: makes the demo's provider key when there is none and registers it with the
/// sandbox (which approves at once).
async fn register_provider(settings: &Settings) -> Result<(), Failure> {
    let path = &settings.provider_key_file;
    let key = if path.exists() {
        crate::startup::load_provider_key(path).map_err(|e| Failure::Usage(e.to_string()))?
    } else {
        super::provider::new_key(path)?
    };
    let client = monobank::Client::new(settings.mono_api_url.clone())
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let registration = monobank::types::Registration {
        pubkey: key.public_pem_base64(),
        name: "monoweb demo".into(),
        description: "The demo of monoweb".into(),
        contact_person: "demo".into(),
        phone: "380000000000".into(),
        email: "demo@example.org".into(),
        // A 1×1 transparent PNG.
        logo: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=".into(),
    };
    client
        .register(&key, &registration)
        .await
        .map_err(|e| Failure::Failed(format!("demo setup failed: provider registration: {e}")))?;
    Ok(())
}

/// Creates `demo` (or gives an existing one the new password).
fn create_demo_user(settings: &Settings, password: &str) -> Result<(), Failure> {
    let name = Username::parse("demo").map_err(|e| Failure::Failed(e.to_string()))?;
    let new = NewPassword::parse(SecretString::from(password.to_owned()), &name)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let hash = password::hash(&new).map_err(|e| Failure::Failed(e.to_string()))?;
    let mut conn = connect_migrated(settings)?;
    match users::create(&mut conn, SystemClock.now(), &name, &hash, true) {
        Ok(_) => Ok(()),
        Err(users::UserError::NameTaken(_)) => {
            users::set_password(&mut conn, &name, &hash).map_err(|e| Failure::Failed(e.to_string()))
        }
        Err(e) => Err(Failure::Failed(e.to_string())),
    }
}

/// Logs in as demo and attaches the sandbox token through the API, as a user would.
async fn attach_token(url: &str, password: &str, token: &str) -> Result<(), Failure> {
    let failed = |e: reqwest::Error| Failure::Failed(format!("demo setup failed: {e}"));
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"username": "demo", "password": password}))
        .send()
        .await
        .map_err(failed)?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| Failure::Failed("demo setup failed: could not log in".into()))?;
    let attach = client
        .post(format!("{url}/api/mono"))
        .header("Cookie", cookie)
        .json(&json!({"mono_token": token}))
        .send()
        .await
        .map_err(failed)?;
    // 409: a kept data directory already has it.
    if !(attach.status().is_success() || attach.status() == reqwest::StatusCode::CONFLICT) {
        return Err(Failure::Failed(format!(
            "demo setup failed: attaching the token answered {}",
            attach.status()
        )));
    }
    Ok(())
}
