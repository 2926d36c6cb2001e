//! The database: one connection type over SQLite and PostgreSQL, the r2d2 pool, per-connection
//! setup, and [`run`], the only way request handlers touch the database.
//!
//! SQLite is the embedded default. Each SQLite connection is set up with WAL journaling, a busy
//! timeout (a writer waits for a lock instead of failing at once) and foreign keys on. PostgreSQL
//! is for several app instances behind a load balancer; its connect timeout is bounded so that
//! an unreachable server makes `/readyz` answer 503 quickly instead of hanging.

pub mod api_keys;
pub mod error;
pub mod file_lock;
pub mod migrations;
pub mod provider;
pub mod schema;
pub mod sessions;
pub mod snapshots;
pub mod sync;
pub mod tokens;
pub mod transactions;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use secrecy::ExposeSecret;

use crate::config::DatabaseUrl;
pub use error::StoreError;

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, for the few statements that
/// the multi-backend connection cannot express (e.g. `ON CONFLICT DO NOTHING`): the query is
/// built once and executed on whichever backend is in use.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// The pool every request borrows from.
pub type DbPool = Pool<ConnectionManager>;

/// How long SQLite waits for a lock before reporting "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
/// How long libpq waits for a TCP connection to PostgreSQL.
const PG_CONNECT_TIMEOUT_SECS: u32 = 3;

/// Opens connections for the pool, dispatching on the configured backend.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        ConnectionManager { url }
    }
}

/// Opens one connection outside the pool (CLI commands, migrations).
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, diesel::ConnectionError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                crate::crypto::create_private_dir(parent).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!(
                        "cannot create {}: {e}",
                        parent.display()
                    ))
                })?;
            }
            // The database holds every transaction: readable by the service account only.
            crate::crypto::create_private_file(path).map_err(|e| {
                diesel::ConnectionError::BadConnection(format!(
                    "cannot create {}: {e}",
                    path.display()
                ))
            })?;
            let path = path.to_str().ok_or_else(|| {
                diesel::ConnectionError::BadConnection("the SQLite path is not UTF-8".into())
            })?;
            let mut conn = SqliteConnection::establish(path)?;
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            ))
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(url) => {
            let url = with_connect_timeout(url.expose_secret());
            Ok(DbConnection::Postgres(PgConnection::establish(&url)?))
        }
    }
}

/// Adds libpq's `connect_timeout` unless the operator set one.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        connect(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        ping(conn).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Sqlite(c) => c.is_broken(),
            DbConnection::Postgres(c) => c.is_broken(),
        }
    }
}

/// A trivial query that proves the connection works.
pub fn ping(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(drop)
}

/// Builds the pool without connecting; the first use (migrations at start) connects.
pub fn pool(url: &DatabaseUrl) -> DbPool {
    let (max_size, test_on_check_out) = match url {
        // One writer at a time anyway; a few readers in parallel thanks to WAL. A file
        // connection does not go stale, so it is not pinged before every use.
        DatabaseUrl::Sqlite(_) => (8, false),
        // A server restart breaks pooled connections: check each one before use, so the app
        // recovers by itself.
        DatabaseUrl::Postgres(_) => (16, true),
    };
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(test_on_check_out)
        .build_unchecked(ConnectionManager::new(url.clone()))
}

/// Runs `work` in one write transaction. On SQLite it begins with `BEGIN IMMEDIATE`, so a writer
/// waits for the lock (within the busy timeout) instead of failing when it upgrades a read to a
/// write while another writer holds the lock; on PostgreSQL it is an ordinary transaction.
/// `work` must not open transactions of its own.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    write_transaction_with(conn, work)
}

/// [`write_transaction`] for `work` that answers with the caller's own error type (a domain
/// error decided inside the transaction), which takes the store's failures.
pub fn write_transaction_with<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    let begin = match conn {
        DbConnection::Postgres(_) => "BEGIN",
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
    };
    conn.batch_execute(begin).map_err(StoreError::from)?;
    match work(conn) {
        Ok(value) => {
            conn.batch_execute("COMMIT").map_err(StoreError::from)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = conn.batch_execute("ROLLBACK") {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Runs `work` with a pooled connection on the blocking thread pool, inside the caller's tracing
/// span. The connection is taken inside the blocking task and returned at its end, so it is never
/// held across an `.await`.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    run_with(pool, work).await
}

/// [`run`] for `work` that answers with the caller's own error type (a domain error decided
/// inside the transaction), which takes the store's failures.
pub async fn run_with<T, E, F>(pool: &DbPool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(StoreError::from)?;
        work(&mut conn)
    })
    .await
    .unwrap_or_else(|e| Err(StoreError::internal(format!("a database task failed: {e}")).into()))
}

/// Whether the database answers within `timeout`; used by `/readyz`.
pub async fn is_ready(pool: &DbPool, timeout: Duration) -> bool {
    let pool = pool.clone();
    let check = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get_timeout(timeout).ok()?;
        ping(&mut conn).ok()
    });
    matches!(
        tokio::time::timeout(timeout + Duration::from_millis(500), check).await,
        Ok(Ok(Some(())))
    )
}

/// A fresh SQLite store for unit tests, migrated, with one user (id 1).
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn test_store() -> (tempfile::TempDir, DbConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db"));
    let mut conn = connect(&url).unwrap();
    migrations::run_pending(&mut conn).unwrap();
    users::insert(
        &mut conn,
        &users::NewUser {
            username: "owner",
            password_hash: "x",
            is_admin: false,
            is_active: true,
            created_at: 0,
            security_stamp: "s",
        },
    )
    .unwrap();
    (dir, conn)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=require"),
            "postgres://h/db?sslmode=require&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9"),
            "postgres://h/db?connect_timeout=9"
        );
    }

    #[test]
    fn sqlite_connections_are_set_up() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("sub/x.db"));
        let DbConnection::Sqlite(mut conn) = connect(&url).unwrap() else {
            panic!("expected sqlite");
        };
        #[derive(diesel::QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let read = |conn: &mut SqliteConnection, pragma: &str| -> String {
            diesel::sql_query(format!("SELECT CAST(({pragma}) AS TEXT) AS v"))
                .get_result::<Value>(conn)
                .unwrap()
                .v
        };
        let mode: Vec<Value> =
            diesel::sql_query("SELECT journal_mode AS v FROM pragma_journal_mode")
                .load(&mut conn)
                .unwrap();
        assert_eq!(mode[0].v, "wal");
        assert_eq!(
            read(&mut conn, "SELECT foreign_keys FROM pragma_foreign_keys"),
            "1"
        );
        assert_eq!(
            read(&mut conn, "SELECT timeout FROM pragma_busy_timeout"),
            "5000"
        );
    }
}
