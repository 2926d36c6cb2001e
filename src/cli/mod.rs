//! The command line: `monoweb [serve] | demo | migrate | user … | check | keys rotate | provider …
//! | backup | restore | sandbox`.
//!
//! Exit codes: 0 success, 1 the operation failed (e.g. the user exists), 2 bad usage or
//! configuration (clap's own usage errors exit 2 as well).

mod backup;
mod check;
mod demo;
mod provider;
mod user;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Key, Layers, Settings};
use crate::db::{self, migrations, DbConnection};
use crate::startup::{Application, StartupError};
use crate::telemetry;

#[derive(Parser)]
#[command(
    name = "monoweb",
    version,
    about = "Self-hosted web app and REST API for your own Monobank data",
    after_help = "Settings come from defaults, then monoweb.toml, then MONOWEB_* environment \
                  variables, then these flags; a later one wins."
)]
struct Cli {
    /// Read settings from this TOML file [default: ./monoweb.toml when it exists; env: MONOWEB_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingFlags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// One flag per setting, accepted by every command, made from the declarations in
/// [`config::SETTINGS`] (name, placeholder, help, environment variable and default).
#[derive(Default)]
struct SettingFlags(Vec<(Key, String)>);

/// The id of a setting's flag in clap's matches.
fn flag_id(key: Key) -> &'static str {
    key.name()
}

impl SettingFlags {
    fn get(&self, key: Key) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    fn into_pairs(self) -> Vec<(Key, String)> {
        self.0
    }
}

impl clap::FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = SettingFlags::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        for spec in config::SETTINGS {
            if let Some(value) = matches.get_one::<String>(flag_id(spec.key)) {
                self.0.retain(|(k, _)| *k != spec.key);
                self.0.push((spec.key, value.clone()));
            }
        }
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = cmd.next_help_heading("Settings");
        config::SETTINGS.iter().fold(cmd, |cmd, spec| {
            cmd.arg(
                clap::Arg::new(flag_id(spec.key))
                    .long(spec.name.replace('_', "-"))
                    .value_name(spec.value_name)
                    .global(true)
                    .action(clap::ArgAction::Set)
                    .help(format!(
                        "{} [env: {}] [default: {}]",
                        spec.help,
                        spec.key.env_var(),
                        spec.default.shown()
                    )),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app (the default when no command is given)
    Serve,
    /// Run the app against a built-in fake Monobank, with a ready user `demo` (offline)
    Demo,
    /// Apply pending database migrations and exit
    Migrate {
        /// Revert every migration instead (drops all monoweb tables and their data)
        #[arg(long)]
        revert_all: bool,
    },
    /// Administer users
    #[command(subcommand)]
    User(user::UserCommand),
    /// Report insecure or broken settings; exit 1 when there is any
    Check,
    /// Manage the keys that encrypt Monobank tokens
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Provider mode: make the key, register with Monobank, check the status, set the webhook
    #[command(subcommand)]
    Provider(provider::ProviderCommand),
    /// Write a consistent copy of the SQLite database to FILE (while the app runs)
    Backup {
        /// The backup file to create (never overwritten)
        file: PathBuf,
        /// Put the secret key into the backup too (without it the tokens cannot be read)
        #[arg(long)]
        with_secret: bool,
    },
    /// Replace the SQLite database with a backup (every app on it must be stopped)
    Restore {
        /// The backup file made by `monoweb backup`
        file: PathBuf,
    },
    /// Run only the fake Monobank API (listens on --bind, default 127.0.0.1:8090)
    Sandbox {
        /// Seed of the generated clients, accounts and transactions
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Divide every limit and delay (60-s lanes, webhook retries) by this factor
        #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
        time_scale: f64,
        /// Provider registrations wait for `POST /sandbox/provider/approve` instead of being
        /// approved at once
        #[arg(long)]
        review_providers: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-encrypt every stored token under a new key (old keys stay readable until then)
    Rotate,
}

fn parse_time_scale(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= 1_000_000.0 => Ok(x),
        _ => Err("expected a positive number, e.g. 60 (a minute becomes a second)".into()),
    }
}

/// How a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or configuration: exit 2.
    Usage(String),
    /// The operation itself failed: exit 1.
    Failed(String),
}

/// Parses the command line, loads the settings and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Sandbox {
        seed,
        time_scale,
        review_providers,
    }) = cli.command
    {
        // The sandbox stands in for Monobank: it takes none of the app's settings but --bind.
        return exit(sandbox(
            cli.settings.get(Key::Bind),
            seed,
            time_scale,
            !review_providers,
        ));
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    for var in config::unknown_env_vars(&env) {
        eprintln!("monoweb: warning: {var} is not a monoweb setting and is ignored");
    }
    let keep_data_dir = cli.settings.get(Key::DataDir).is_some();
    let layers = Layers {
        config_file: cli.config,
        env,
        flags: cli.settings.into_pairs(),
    };
    let settings = match config::load(&layers) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("monoweb: {e}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // Administrative commands only log problems; the server logs as configured.
    let filter = match command {
        Command::Serve | Command::Demo => settings.log.as_str(),
        _ => "warn",
    };
    telemetry::init(filter, settings.log_format);
    // Commands that write hold the database's shared lock, as the app does, so a restore never
    // replaces the file under them (and they do not start during one).
    let _lock = match command {
        Command::Migrate { .. } | Command::User(_) | Command::Keys(_) => {
            match hold_database(&settings) {
                Ok(lock) => lock,
                Err(failure) => return exit(Err(failure)),
            }
        }
        _ => None,
    };
    exit(match command {
        Command::Serve => serve(settings),
        Command::Demo => demo::run(settings, keep_data_dir),
        Command::Migrate { revert_all } => migrate(&settings, revert_all),
        Command::User(command) => user::run(&settings, command),
        Command::Check => check::run(&settings),
        Command::Keys(KeysCommand::Rotate) => rotate_keys(&settings),
        Command::Provider(command) => provider::run(&settings, command),
        Command::Backup { file, with_secret } => backup::backup(&settings, &file, with_secret),
        Command::Restore { file } => backup::restore(&settings, &file),
        Command::Sandbox { .. } => Err(Failure::Usage("the sandbox runs on its own".into())),
    })
}

fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("monoweb: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("monoweb: {message}");
            ExitCode::from(1)
        }
    }
}

/// A Monobank client for the commands that call Monobank themselves.
fn mono_client(settings: &Settings) -> Result<monobank::Client, Failure> {
    monobank::Client::with_options(
        settings.mono_api_url.clone(),
        monobank::client::Timeouts::default(),
        concat!("monoweb/", env!("CARGO_PKG_VERSION")),
    )
    .map_err(|e| Failure::Failed(e.to_string()))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the runtime: {e}")))
}

#[allow(clippy::print_stdout)]
fn sandbox(
    bind: Option<&str>,
    seed: u64,
    time_scale: f64,
    approve_providers: bool,
) -> Result<(), Failure> {
    use std::io::Write;
    let bind = bind.unwrap_or("127.0.0.1:8090");
    let bind: std::net::SocketAddr = bind
        .parse()
        .map_err(|_| Failure::Usage(format!("invalid --bind {bind:?}: expected IP:PORT")))?;
    telemetry::init("info", config::LogFormat::Text);
    runtime()?.block_on(async {
        let sandbox = monobank_sandbox::Sandbox::start(monobank_sandbox::SandboxConfig {
            bind,
            seed,
            time_scale,
            clock: std::sync::Arc::new(monobank::clock::SystemClock),
            approve_providers,
        })
        .map_err(|e| Failure::Failed(format!("cannot start the sandbox on {bind}: {e}")))?;
        for line in sandbox.start_lines() {
            println!("{line}");
        }
        println!("sandbox listening on {}", sandbox.url());
        let _ = std::io::stdout().flush();
        sandbox
            .run_until_stopped()
            .await
            .map_err(|e| Failure::Failed(format!("sandbox error: {e}")))
    })
}

fn serve(settings: Settings) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let app = Application::build(settings).await.map_err(|e| match e {
            StartupError::Secret(_) => Failure::Usage(e.to_string()),
            _ => Failure::Failed(e.to_string()),
        })?;
        app.run_until_stopped()
            .await
            .map_err(|e| Failure::Failed(format!("server error: {e}")))
    })
}

/// The shared lock of an SQLite database (`db::file_lock`); nothing for PostgreSQL.
fn hold_database(settings: &Settings) -> Result<Option<std::fs::File>, Failure> {
    match &settings.database_url {
        config::DatabaseUrl::Sqlite(path) => {
            db::file_lock::share(path).map(Some).map_err(|e| match e {
                db::file_lock::LockError::Busy(_) => Failure::Failed(format!(
                    "the database is being restored ({e}); try again when the restore is done"
                )),
                db::file_lock::LockError::Io(..) => Failure::Failed(e.to_string()),
            })
        }
        config::DatabaseUrl::Postgres(_) => Ok(None),
    }
}

/// Opens a connection for an administrative command.
fn connect(settings: &Settings) -> Result<DbConnection, Failure> {
    db::connect(&settings.database_url).map_err(|e| {
        Failure::Failed(format!(
            "cannot connect to the database ({}): {e}",
            settings.database_url.backend()
        ))
    })
}

/// Opens a connection with every migration applied, so commands work on a fresh install.
fn connect_migrated(settings: &Settings) -> Result<DbConnection, Failure> {
    let mut conn = connect(settings)?;
    migrations::run_pending(&mut conn)
        .map_err(|e| Failure::Failed(format!("database migrations failed: {e}")))?;
    Ok(conn)
}

#[allow(clippy::print_stdout)]
fn rotate_keys(settings: &Settings) -> Result<(), Failure> {
    use monobank::clock::Clock;
    let secret = crate::crypto::load(&settings.secret_key_file)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let mut conn = connect_migrated(settings)?;
    let (resealed, key_id, failed) = crate::services::tokens::rotate_keys(
        &mut conn,
        &secret,
        monobank::clock::SystemClock.now(),
    )
    .map_err(|e| Failure::Failed(format!("key rotation failed: {e}")))?;
    println!("re-encrypted {resealed} token(s) under key {key_id}");
    if failed > 0 {
        return Err(Failure::Failed(format!(
            "{failed} token(s) do not decrypt with this secret key file and were left as they were"
        )));
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn migrate(settings: &Settings, revert_all: bool) -> Result<(), Failure> {
    let mut conn = connect(settings)?;
    let (verb, result) = if revert_all {
        ("reverted", migrations::revert_all(&mut conn))
    } else {
        ("applied", migrations::run_pending(&mut conn))
    };
    let versions = result.map_err(|e| Failure::Failed(format!("migration failed: {e}")))?;
    if versions.is_empty() {
        println!("nothing to do: no migration {verb}");
    }
    for version in versions {
        println!("{verb} {version}");
    }
    Ok(())
}
