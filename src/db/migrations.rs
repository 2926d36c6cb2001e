//! Embedded migrations, one folder per backend with identical version names
//! (`migrations/sqlite`, `migrations/postgres`). They run at start and by `monoweb migrate`.
//!
//! On PostgreSQL several app instances may start at once; an advisory lock makes them take turns,
//! so a migration is never applied twice.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary constant naming monoweb's migration lock in `pg_advisory_lock`.
const PG_MIGRATION_LOCK: i64 = 0x006d_6f6e_6f77_6562; // "monoweb" in ASCII

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        DbConnection::Sqlite(c) => names(c.run_pending_migrations(SQLITE)),
        DbConnection::Postgres(c) => with_lock(c, |c| names(c.run_pending_migrations(POSTGRES))),
    }
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        DbConnection::Sqlite(c) => names(c.revert_all_migrations(SQLITE)),
        DbConnection::Postgres(c) => with_lock(c, |c| names(c.revert_all_migrations(POSTGRES))),
    }
}

/// The versions not yet applied (nothing is changed).
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        DbConnection::Sqlite(c) => names(
            c.pending_migrations(SQLITE)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        ),
        DbConnection::Postgres(c) => names(
            c.pending_migrations(POSTGRES)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        ),
    }
}

/// Versions applied to the database that this build does not know: the database was written by
/// a newer monoweb.
pub fn unknown_applied(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    fn unknown<DB: diesel::backend::Backend>(
        conn: &mut impl MigrationHarness<DB>,
        source: EmbeddedMigrations,
    ) -> Result<Vec<String>, BoxError> {
        use diesel::migration::MigrationSource;
        let known: Vec<String> = MigrationSource::<DB>::migrations(&source)?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
        Ok(conn
            .applied_migrations()?
            .iter()
            .map(ToString::to_string)
            .filter(|v| !known.contains(v))
            .collect())
    }
    match conn {
        DbConnection::Sqlite(c) => unknown(c, SQLITE),
        DbConnection::Postgres(c) => unknown(c, POSTGRES),
    }
}

fn names<V: ToString>(result: Result<Vec<V>, BoxError>) -> Result<Vec<String>, BoxError> {
    Ok(result?.iter().map(ToString::to_string).collect())
}

/// Runs `work` holding monoweb's migration lock, released whatever `work` returns.
fn with_lock<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, BoxError>,
) -> Result<T, BoxError> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
    let result = work(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use diesel::migration::MigrationSource;

    use super::*;

    #[test]
    fn both_backends_have_the_same_versions() {
        let versions = |source: &EmbeddedMigrations| -> Vec<String> {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(source)
                .unwrap()
                .iter()
                .map(|m| m.name().to_string())
                .collect()
        };
        let sqlite = versions(&SQLITE);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions(&POSTGRES));
    }
}
