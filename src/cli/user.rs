//! `monoweb user …`: create, list, set-password, disable, enable, delete.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use super::{connect_migrated, Failure};
use crate::auth::password::{self, NewPassword};
use crate::config::Settings;
use crate::db::tokens::{CAUSE_DISABLED, CAUSE_PASSWORD};
use crate::db::users as user_rows;
use crate::db::StoreError;
use crate::domain::Username;
use crate::services::users;
use crate::services::users::UserError;
use monobank::clock::{Clock, SystemClock};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user (the first user of an instance is always an admin)
    Create {
        name: String,
        /// Make the user an admin
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users (never their passwords or tokens)
    List,
    /// Set a user's password; ends all their sessions
    SetPassword {
        name: String,
        /// Read the password from the first line of standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user: they cannot log in and their sessions end
    Disable { name: String },
    /// Enable a disabled user
    Enable { name: String },
    /// Delete a user and everything they own
    Delete { name: String },
}

pub fn run(settings: &Settings, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Create {
            name,
            admin,
            password_stdin,
        } => {
            let name = parse_name(&name)?;
            let hash = new_password_hash(&name, password_stdin)?;
            let mut conn = connect_migrated(settings)?;
            let created = users::create(&mut conn, SystemClock.now(), &name, &hash, admin)
                .map_err(failed(&name))?;
            let role = if created.user.is_admin {
                "admin"
            } else {
                "user"
            };
            let note = if created.first_user && !admin {
                " (the first user is always an admin)"
            } else {
                ""
            };
            println!("created {role} {}{note}", created.user.username);
        }
        UserCommand::List => {
            let mut conn = connect_migrated(settings)?;
            let rows = user_rows::list(&mut conn).map_err(|e| failed_plain(StoreError::from(e)))?;
            print_table(&rows);
        }
        UserCommand::SetPassword {
            name,
            password_stdin,
        } => {
            let name = parse_name(&name)?;
            let hash = new_password_hash(&name, password_stdin)?;
            let mut conn = connect_migrated(settings)?;
            users::set_password(&mut conn, &name, &hash).map_err(failed(&name))?;
            println!("password of {name} changed; their sessions have ended");
            release_webhook(settings, &mut conn, &name, Some(CAUSE_PASSWORD))?;
        }
        UserCommand::Disable { name } => set_active(settings, &name, false)?,
        UserCommand::Enable { name } => set_active(settings, &name, true)?,
        UserCommand::Delete { name } => {
            let name = parse_name(&name)?;
            let mut conn = connect_migrated(settings)?;
            release_webhook(settings, &mut conn, &name, None)?;
            users::delete(&mut conn, &name).map_err(failed(&name))?;
            println!("deleted {name}");
        }
    }
    Ok(())
}

fn set_active(settings: &Settings, name: &str, active: bool) -> Result<(), Failure> {
    let name = parse_name(name)?;
    let mut conn = connect_migrated(settings)?;
    let user = users::set_active(&mut conn, &name, active).map_err(failed(&name))?;
    let state = if active { "enabled" } else { "disabled" };
    println!("{state} {}", user.username);
    if !active {
        release_webhook(settings, &mut conn, &name, Some(CAUSE_DISABLED))?;
    }
    Ok(())
}

/// Removes the user's webhook at Monobank, as the pages do: before `delete` (`cause` `None`)
/// whatever it points at; after `set-password` or `disable` one that does not go to monoweb's
/// own receiver (a stolen session may have pointed it elsewhere), recorded for `/webhook`.
/// When Monobank cannot be asked, says so and goes on: the user's change stands.
fn release_webhook(
    settings: &Settings,
    conn: &mut crate::db::DbConnection,
    name: &Username,
    cause: Option<&str>,
) -> Result<(), Failure> {
    use crate::db::tokens::{self as token_rows, WebhookReset, RESET_REMOVED};
    let store = |e: diesel::result::Error| failed_plain(StoreError::from(e));
    let Some(user) = user_rows::find_by_username(conn, name).map_err(store)? else {
        return Ok(());
    };
    let id = user.id();
    let Some(row) = token_rows::find(conn, id).map_err(store)? else {
        return Ok(());
    };
    let Some(url) = row.webhook_url.clone() else {
        return Ok(());
    };
    let own = url == crate::services::receiver::own_prefix_of(&settings.public_url);
    if row.kind == token_rows::PROVIDER || (cause.is_some() && own) {
        return Ok(());
    }
    let shown = if own { "monoweb's own receiver" } else { &url };
    // Whatever stops the call (the secret file, the client, the bank) is said, and the user's
    // change goes on.
    let stays = |why: &dyn std::fmt::Display| {
        eprintln!(
            "warning: the webhook of {name} still goes to {shown}: Monobank could not be asked \
             to remove it ({why})"
        );
        Ok(())
    };
    let secret = match crate::crypto::load(&settings.secret_key_file) {
        Ok(secret) => secret,
        Err(e) => return stays(&e),
    };
    let attached = match crate::services::tokens::open_row(&secret, id, Some(row)) {
        Ok(attached) => attached,
        Err(e) => return stays(&e),
    };
    let crate::upstream::Secret::Token(token) = &attached.credential.secret else {
        return Ok(());
    };
    let called = super::mono_client(settings).and_then(|client| {
        super::runtime()?
            .block_on(client.set_webhook(token, ""))
            .map_err(|e| Failure::Failed(e.to_string()))
    });
    if let Err(Failure::Failed(e) | Failure::Usage(e)) = called {
        return stays(&e);
    }
    token_rows::set_webhook(conn, id, None, None).map_err(store)?;
    if let Some(cause) = cause {
        let reset = WebhookReset {
            at: SystemClock.now(),
            cause: cause.to_owned(),
            from: url.clone(),
            to: RESET_REMOVED.to_owned(),
        };
        token_rows::record_webhook_reset(conn, id, &reset).map_err(store)?;
    }
    println!("removed the webhook of {name} at Monobank (it went to {shown})");
    Ok(())
}

fn parse_name(raw: &str) -> Result<Username, Failure> {
    Username::parse(raw).map_err(|e| Failure::Usage(e.to_string()))
}

/// Maps a service error to exit 1, naming the user when they do not exist.
fn failed(name: &Username) -> impl Fn(UserError) -> Failure + '_ {
    move |e| match e {
        UserError::NotFound => Failure::Failed(format!("no user named {name}")),
        UserError::NameTaken(_) => Failure::Failed(e.to_string()),
        UserError::Store(e) => failed_plain(e),
    }
}

fn failed_plain(e: StoreError) -> Failure {
    match e {
        StoreError::Internal(cause) => Failure::Failed(cause),
        other => Failure::Failed(other.to_string()),
    }
}

/// Reads a new password (stdin or prompt), checks the policy and hashes it.
fn new_password_hash(name: &Username, from_stdin: bool) -> Result<password::PasswordHash, Failure> {
    let raw = if from_stdin {
        read_stdin_line()?
    } else {
        prompt_twice()?
    };
    let new = NewPassword::parse(raw, name).map_err(|e| Failure::Usage(e.to_string()))?;
    password::hash(&new).map_err(|e| Failure::Failed(format!("cannot hash the password: {e}")))
}

/// The first line of standard input, without its line ending.
fn read_stdin_line() -> Result<SecretString, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("cannot read the password from stdin: {e}")))?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(Failure::Usage("no password on standard input".into()));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

fn prompt_twice() -> Result<SecretString, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "no terminal to ask for the password: pipe it in with --password-stdin".into(),
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|e| Failure::Usage(format!("cannot read the password: {e}")))
    };
    let first = ask("New password: ")?;
    let second = ask("Repeat it: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(Failure::Usage("the passwords do not match".into()));
    }
    Ok(first)
}

fn print_table(rows: &[user_rows::User]) {
    if rows.is_empty() {
        println!("no users yet: create one with `monoweb user create NAME`");
        return;
    }
    let width = rows
        .iter()
        .map(|u| u.username.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{:<width$}  {:<5}  {:<8}  {:<20}  LAST LOGIN",
        "USERNAME", "ADMIN", "ACTIVE", "CREATED"
    );
    for u in rows {
        println!(
            "{:<width$}  {:<5}  {:<8}  {:<20}  {}",
            u.username,
            yes_no(u.is_admin),
            if u.is_active { "active" } else { "disabled" },
            format_time(Some(u.created_at)),
            format_time(u.last_login_at),
        );
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn format_time(secs: Option<i64>) -> String {
    match secs.and_then(|s| jiff::Timestamp::from_second(s).ok()) {
        Some(ts) => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        None => "never".into(),
    }
}
