//! `monoweb check`: reports insecure or broken settings, like Django's `check --deploy`.
//! Each finding is one line; the exit code is 1 when any finding is a warning or an error.
#![allow(clippy::print_stdout)]

use std::net::IpAddr;

use url::{Host, Url};

use super::{connect, Failure};
use crate::config::{DatabaseUrl, Registration, Settings};
use crate::crypto::{self, SecretFileError};
use crate::db::migrations;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warn,
    Error,
}

struct Finding {
    level: Level,
    subject: String,
    message: String,
}

pub fn run(settings: &Settings) -> Result<(), Failure> {
    let findings = [
        secret_file(settings),
        public_url(settings),
        mono_api_url(settings),
        database(settings),
        private_files(settings),
        provider_key(settings),
        registration(settings),
        trusted_proxies(settings),
    ];
    let mut worst = Level::Ok;
    for f in &findings {
        let tag = match f.level {
            Level::Ok => "ok   ",
            Level::Warn => "WARN ",
            Level::Error => "ERROR",
        };
        println!("{tag} {}: {}", f.subject, f.message);
        worst = worst.max(f.level);
    }
    match worst {
        Level::Ok => {
            println!("no problems found");
            Ok(())
        }
        _ => Err(Failure::Failed(
            "problems found: fix the lines marked WARN or ERROR above".into(),
        )),
    }
}

fn finding(level: Level, subject: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        level,
        subject: subject.into(),
        message: message.into(),
    }
}

/// Provider modes: the key file reads as a secp256k1 key and only its owner may read it.
fn provider_key(settings: &Settings) -> Finding {
    let path = &settings.provider_key_file;
    let subject = format!("provider key file {}", path.display());
    if !settings.mono_mode.provider() {
        return finding(Level::Ok, subject, "not used (personal mode)");
    }
    match crate::startup::load_provider_key(path) {
        Err(e) => finding(Level::Error, subject, e.to_string()),
        Ok(key) => match crypto::file_mode(path) {
            Ok(mode) if mode & 0o077 != 0 => finding(
                Level::Warn,
                subject,
                format!("others may read it (mode {mode:04o}); run `chmod 600` on it"),
            ),
            _ => finding(Level::Ok, subject, format!("key id {}", key.key_id())),
        },
    }
}

fn secret_file(settings: &Settings) -> Finding {
    let path = &settings.secret_key_file;
    let subject = format!("secret key file {}", path.display());
    match crypto::load(path) {
        Err(SecretFileError::Unreadable(_, e)) if e.kind() == std::io::ErrorKind::NotFound => {
            finding(
                Level::Ok,
                subject,
                "absent; it will be created (mode 0600) at the first start",
            )
        }
        Err(e) => finding(Level::Error, subject, e.to_string()),
        Ok(_) => match crypto::file_mode(path) {
            Ok(mode) if mode & 0o077 != 0 => finding(
                Level::Warn,
                subject,
                format!(
                    "readable by its group (mode {:04o}); run `chmod 600`",
                    mode & 0o7777
                ),
            ),
            _ => finding(Level::Ok, subject, "present, readable only by its owner"),
        },
    }
}

fn private_files(settings: &Settings) -> Finding {
    let paths = crate::startup::private_paths(settings);
    let loose = crypto::loose_modes(paths.iter().map(|p| p.as_path()));
    if loose.is_empty() {
        return finding(
            Level::Ok,
            "private files",
            "the data directory, the secret and the database are readable only by their owner",
        );
    }
    let list = loose
        .iter()
        .map(|(path, mode)| format!("{} (mode {mode:04o})", path.display()))
        .collect::<Vec<_>>()
        .join(", ");
    finding(
        Level::Error,
        "private files",
        format!(
            "others may read {list}: the transaction history and the sessions are in there; \
             run `chmod go-rwx` on each"
        ),
    )
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn public_url(settings: &Settings) -> Finding {
    let url = &settings.public_url;
    let subject = format!("public_url {url}");
    if settings.is_https() {
        return finding(
            Level::Ok,
            subject,
            "https: cookies are Secure with the __Host- prefix",
        );
    }
    let reach = if is_loopback(url) {
        "fine on your own machine, but"
    } else {
        "reachable from other machines, and"
    };
    finding(
        Level::Warn,
        subject,
        format!(
            "plain http: {reach} session cookies cannot be Secure and passwords travel \
             unencrypted; serve monoweb behind HTTPS and set MONOWEB_PUBLIC_URL=https://..."
        ),
    )
}

fn mono_api_url(settings: &Settings) -> Finding {
    let url = &settings.mono_api_url;
    let subject = format!("mono_api_url {url}");
    if url.scheme() == "https" || is_loopback(url) {
        finding(
            Level::Ok,
            subject,
            "tokens travel encrypted or stay on this machine",
        )
    } else {
        finding(
            Level::Warn,
            subject,
            "plain http to another host would expose Monobank tokens",
        )
    }
}

fn database(settings: &Settings) -> Finding {
    let subject = format!("database ({})", settings.database_url.backend());
    if let DatabaseUrl::Sqlite(path) = &settings.database_url {
        if !path.exists() {
            // Connecting would create the file; a check changes nothing.
            return finding(
                Level::Ok,
                subject,
                format!(
                    "{} absent; it will be created at the first start",
                    path.display()
                ),
            );
        }
    }
    let mut conn = match connect(settings) {
        Ok(conn) => conn,
        Err(Failure::Failed(message) | Failure::Usage(message)) => {
            return finding(Level::Error, subject, message)
        }
    };
    match migrations::pending(&mut conn) {
        Ok(pending) if pending.is_empty() => {
            finding(Level::Ok, subject, "reachable, migrations up to date")
        }
        Ok(pending) => finding(
            Level::Warn,
            subject,
            format!(
                "reachable, {} migration(s) pending; they apply at the next start or with \
                 `monoweb migrate`",
                pending.len()
            ),
        ),
        Err(e) => finding(
            Level::Error,
            subject,
            format!("cannot read migrations: {e}"),
        ),
    }
}

/// Open registration on an instance others can reach, before its first user exists: the first
/// visitor becomes its admin.
fn registration(settings: &Settings) -> Finding {
    let subject = "registration";
    if settings.registration == Registration::Closed {
        return finding(Level::Ok, subject, "closed: only admins create users");
    }
    let url = &settings.public_url;
    if settings.bind.ip().is_loopback() && is_loopback(url) {
        return finding(Level::Ok, subject, "open, on this machine only");
    }
    let absent = matches!(&settings.database_url, DatabaseUrl::Sqlite(path) if !path.exists());
    let users = if absent {
        Ok(0)
    } else {
        // A database that answers but has no users table yet (not migrated) has no user.
        connect(settings)
            .map(|mut conn| crate::db::users::count(&mut conn).unwrap_or(0))
            .map_err(drop)
    };
    match users {
        Ok(0) => finding(
            Level::Warn,
            subject,
            format!(
                "open, and there is no user yet: the first visitor to {url} becomes the admin; \
                 create yours first (`monoweb user create NAME --password-stdin`; the first \
                 user is the admin) or set registration = \"closed\""
            ),
        ),
        Ok(_) => finding(
            Level::Ok,
            subject,
            format!("open: anyone who reaches {url} may register"),
        ),
        Err(()) => finding(
            Level::Ok,
            subject,
            "open; the users could not be counted (see the database line)",
        ),
    }
}

/// A trusted proxy range that holds every address lets any client choose the address that the
/// login throttle and the logs see.
fn trusted_proxies(settings: &Settings) -> Finding {
    let subject = "trusted_proxies";
    let proxies = &settings.trusted_proxies;
    if let Some(all) = proxies.iter().find(|net| net.prefix_len() == 0) {
        return finding(
            Level::Warn,
            subject,
            format!(
                "{all} trusts every address: any client can send X-Forwarded-For and pick the \
                 address the login throttle and the logs see; list only your reverse proxy"
            ),
        );
    }
    if proxies.is_empty() {
        return finding(Level::Ok, subject, "none: X-Forwarded-For is ignored");
    }
    let list = proxies
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    finding(
        Level::Ok,
        subject,
        format!("X-Forwarded-For trusted from {list}"),
    )
}
