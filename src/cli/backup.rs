//! `monoweb backup FILE [--with-secret]` and `monoweb restore FILE`, for the SQLite database.
//!
//! A backup is SQLite's `VACUUM INTO`: one consistent copy of the database as of one transaction,
//! taken while the app runs (writers wait at most a moment; nothing is locked for long). The
//! master secret key is not in the database, and without it the stored Monobank tokens cannot be
//! read: `--with-secret` puts it into the backup (a table of its own, so the backup stays one
//! file), otherwise the command says where it is and that it must be kept too. The backup file is
//! created 0600: it holds everything.
//!
//! A restore refuses while an app runs on the database (the lock of `db::file_lock`), checks the
//! backup (an SQLite database that passes `integrity_check`, with monoweb's tables, written by
//! this version of monoweb or an older one), keeps the current database beside it as
//! `<database>.before-restore-<time>`, and puts the backup in its place (the current database's
//! `-wal` and `-shm` are removed: they belong to the old file). The next start applies any newer
//! migrations. A secret key in the backup is written to the secret key file when there is none;
//! a different one already there is an error (nothing is overwritten).
//!
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`); the README gives the recipe.

use std::io::Write;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

use super::Failure;
use crate::config::{DatabaseUrl, Settings};
use crate::db::{file_lock, migrations, DbConnection};

/// The table of a backup that carries the secret key file's text.
const SECRET_TABLE: &str = "monoweb_backup_secret";

fn sqlite_path(settings: &Settings) -> Result<&Path, Failure> {
    match &settings.database_url {
        DatabaseUrl::Sqlite(path) => Ok(path),
        DatabaseUrl::Postgres(_) => Err(Failure::Usage(
            "backup and restore work on the SQLite database; for PostgreSQL use pg_dump and \
             pg_restore (README, \"Backups\"), and keep the secret key file with the dump"
                .into(),
        )),
    }
}

fn quoted(path: &Path) -> Result<String, Failure> {
    let text = path
        .to_str()
        .ok_or_else(|| Failure::Usage(format!("{} is not a UTF-8 path", path.display())))?;
    Ok(format!("'{}'", text.replace('\'', "''")))
}

fn open(path: &Path) -> Result<SqliteConnection, Failure> {
    let url = path
        .to_str()
        .ok_or_else(|| Failure::Usage(format!("{} is not a UTF-8 path", path.display())))?;
    SqliteConnection::establish(url)
        .map_err(|e| Failure::Failed(format!("cannot open {}: {e}", path.display())))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .map_or(0, |c| c.n)
}

/// Copies the live database into `file` (which must not exist) with `VACUUM INTO`.
fn vacuum_into(conn: &mut SqliteConnection, file: &Path) -> Result<(), Failure> {
    // `VACUUM INTO` takes an empty file: made first, so that it is private from the start.
    crate::crypto::open_new_private(file)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", file.display())))?;
    let done = conn.batch_execute(&format!("VACUUM INTO {}", quoted(file)?));
    if let Err(e) = done {
        let _ = std::fs::remove_file(file);
        return Err(Failure::Failed(format!(
            "the copy into {} failed: {e}",
            file.display()
        )));
    }
    Ok(())
}

/// `monoweb backup FILE [--with-secret]`.
#[allow(clippy::print_stdout)]
pub fn backup(settings: &Settings, file: &Path, with_secret: bool) -> Result<(), Failure> {
    let db = sqlite_path(settings)?;
    if file.exists() {
        return Err(Failure::Failed(format!(
            "{} exists; a backup never overwrites a file: choose a new name",
            file.display()
        )));
    }
    if !db.exists() {
        return Err(Failure::Failed(format!(
            "there is no database at {} to back up",
            db.display()
        )));
    }
    let secret = if with_secret {
        // Checked like at start, so that a backup never carries an unusable key.
        crate::crypto::load(&settings.secret_key_file)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        Some(
            std::fs::read_to_string(&settings.secret_key_file).map_err(|e| {
                Failure::Failed(format!(
                    "cannot read {}: {e}",
                    settings.secret_key_file.display()
                ))
            })?,
        )
    } else {
        None
    };
    let mut live = open(db)?;
    vacuum_into(&mut live, file)?;
    let mut copy = open(file)?;
    if let Some(secret) = &secret {
        let stored = copy.batch_execute(&format!(
            "CREATE TABLE {SECRET_TABLE} (key_file TEXT NOT NULL); \
             INSERT INTO {SECRET_TABLE} (key_file) VALUES ('{}');",
            secret.trim().replace('\'', "''")
        ));
        if let Err(e) = stored {
            drop(copy);
            let _ = std::fs::remove_file(file);
            return Err(Failure::Failed(format!(
                "cannot add the secret key to the backup: {e}"
            )));
        }
    }
    let (users, operations) = (count(&mut copy, "users"), count(&mut copy, "transactions"));
    drop(copy);
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    println!(
        "backed up {} to {} ({bytes} bytes: {users} user(s), {operations} operation(s))",
        db.display(),
        file.display()
    );
    if secret.is_some() {
        println!("the secret key is in the backup: keep the file as safe as the key itself");
    } else {
        println!(
            "the secret key file {} is NOT in the backup: without it the stored Monobank tokens \
             cannot be read. Keep a copy of it apart, or back up with --with-secret",
            settings.secret_key_file.display()
        );
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// Checks that `file` is a monoweb backup this build can use; returns the secret key it holds.
fn check_backup(file: &Path) -> Result<Option<String>, Failure> {
    let bad = |detail: String| {
        Failure::Failed(format!(
            "{} is not a usable monoweb backup: {detail}",
            file.display()
        ))
    };
    let mut conn = open(file)?;
    let integrity = diesel::sql_query("SELECT integrity_check AS text FROM pragma_integrity_check")
        .load::<Text>(&mut conn)
        .map_err(|e| bad(format!("{e}")))?;
    if integrity.first().map(|r| r.text.as_str()) != Some("ok") {
        let found: Vec<String> = integrity.into_iter().take(3).map(|r| r.text).collect();
        return Err(bad(format!(
            "the integrity check failed: {}",
            found.join("; ")
        )));
    }
    let tables = diesel::sql_query(
        "SELECT name AS text FROM sqlite_master WHERE type = 'table' \
         AND name IN ('users', '__diesel_schema_migrations')",
    )
    .load::<Text>(&mut conn)
    .map_err(|e| bad(format!("{e}")))?;
    if tables.len() != 2 {
        return Err(bad("it has no monoweb tables".into()));
    }
    let mut wrapped = DbConnection::Sqlite(conn);
    let newer = migrations::unknown_applied(&mut wrapped).map_err(|e| bad(format!("{e}")))?;
    if !newer.is_empty() {
        return Err(bad(format!(
            "it was written by a newer monoweb (migrations {}); restore it with that version",
            newer.join(", ")
        )));
    }
    let DbConnection::Sqlite(mut conn) = wrapped else {
        return Err(bad("not SQLite".into()));
    };
    let has_secret = diesel::sql_query(format!(
        "SELECT name AS text FROM sqlite_master WHERE type = 'table' AND name = '{SECRET_TABLE}'"
    ))
    .load::<Text>(&mut conn)
    .map_err(|e| bad(format!("{e}")))?;
    if has_secret.is_empty() {
        return Ok(None);
    }
    let secret = diesel::sql_query(format!("SELECT key_file AS text FROM {SECRET_TABLE}"))
        .get_result::<Text>(&mut conn)
        .map_err(|e| bad(format!("its secret key table is unreadable: {e}")))?;
    Ok(Some(secret.text))
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// `monoweb restore FILE`.
#[allow(clippy::print_stdout)]
pub fn restore(settings: &Settings, file: &Path) -> Result<(), Failure> {
    use monobank::clock::Clock;
    let db = sqlite_path(settings)?;
    if !file.is_file() {
        return Err(Failure::Failed(format!("{} is not a file", file.display())));
    }
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::crypto::create_private_dir(parent)
            .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", parent.display())))?;
    }
    let _lock = file_lock::exclude(db).map_err(|e| match e {
        file_lock::LockError::Busy(_) => Failure::Failed(format!(
            "an app is running on {} (or a command, or another restore): stop it (every \
             instance) before restoring",
            db.display()
        )),
        file_lock::LockError::Io(..) => Failure::Failed(e.to_string()),
    })?;
    let secret = check_backup(file)?;
    let key_file = &settings.secret_key_file;
    let write_secret = match (&secret, std::fs::read_to_string(key_file)) {
        (Some(theirs), Ok(ours)) if theirs.trim() != ours.trim() => {
            return Err(Failure::Failed(format!(
                "the backup holds a different secret key than {}; move that file away to \
                 restore the backup's key with it (nothing was changed)",
                key_file.display()
            )));
        }
        (Some(theirs), Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Some(theirs),
        (Some(_), Err(e)) => {
            return Err(Failure::Failed(format!(
                "cannot read {}: {e}",
                key_file.display()
            )))
        }
        _ => None,
    };

    // The backup's copy, made private and without the secret key table, beside the database.
    let incoming = sibling(db, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    vacuum_into(&mut open(file)?, &incoming)?;
    let cleaned = open(&incoming).and_then(|mut c| {
        // Vacuumed, so that no freed page keeps the key.
        c.batch_execute(&format!("DROP TABLE IF EXISTS {SECRET_TABLE}; VACUUM;"))
            .map_err(|e| Failure::Failed(e.to_string()))
    });
    if let Err(e) = cleaned {
        let _ = std::fs::remove_file(&incoming);
        return Err(e);
    }

    let kept = if db.exists() {
        let stamp = monobank::clock::SystemClock.now();
        let kept = (1..)
            .map(|n| match n {
                1 => sibling(db, &format!(".before-restore-{stamp}")),
                n => sibling(db, &format!(".before-restore-{stamp}-{n}")),
            })
            .find(|path| !path.exists())
            .unwrap_or_else(|| sibling(db, ".before-restore"));
        let copied = open(db).and_then(|mut live| vacuum_into(&mut live, &kept));
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
        Some(kept)
    } else {
        None
    };
    // The key first: if it cannot be written, the database is left as it was.
    if let Some(secret) = &write_secret {
        let written = crate::crypto::open_new_private(key_file)
            .and_then(|mut out| out.write_all(format!("{}\n", secret.trim()).as_bytes()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&incoming);
            return Err(Failure::Failed(format!(
                "cannot write {}: {e} (the database is unchanged)",
                key_file.display()
            )));
        }
    }
    let undo_key = || {
        if write_secret.is_some() {
            let _ = std::fs::remove_file(key_file);
        }
    };
    for suffix in ["-wal", "-shm"] {
        let path = sibling(db, suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                undo_key();
                return Err(Failure::Failed(format!(
                    "cannot remove {}: {e} (the database is unchanged)",
                    path.display()
                )));
            }
        }
    }
    if let Err(e) = std::fs::rename(&incoming, db) {
        undo_key();
        return Err(Failure::Failed(format!(
            "cannot move the restored copy {} into place: {e}",
            incoming.display()
        )));
    }
    if write_secret.is_some() {
        println!("wrote the backup's secret key to {}", key_file.display());
    }
    let mut restored = open(db)?;
    let (users, operations) = (
        count(&mut restored, "users"),
        count(&mut restored, "transactions"),
    );
    println!(
        "restored {} into {} ({users} user(s), {operations} operation(s))",
        file.display(),
        db.display()
    );
    if let Some(kept) = kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    if secret.is_none() {
        println!(
            "the backup holds no secret key: {} must be the key file of the backed-up \
             instance, or its Monobank tokens cannot be read (users then attach them again)",
            key_file.display()
        );
    }
    Ok(())
}
