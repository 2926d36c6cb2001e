//! `StoreError`: what the storage layer fails with, in its own words. The services carry it in
//! their `Store` variants and the HTTP layer decides what a client is told (`api::errors`), so
//! nothing below the HTTP layer names a status code.

/// A failure of the database or of the pool in front of it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("no such row")]
    NotFound,
    /// A unique key is taken (mapped where it is raised when it means something more).
    #[error("that already exists")]
    Conflict,
    /// The database held a lock past the busy timeout, or a transaction must be retried.
    #[error("the database is busy")]
    Busy,
    /// No connection could be had, or the connection is gone.
    #[error("the database is unavailable")]
    Unavailable,
    /// Anything else: a bug or a broken database; the text is for the log.
    #[error("database failure: {0}")]
    Internal(String),
}

impl StoreError {
    /// Wraps an unexpected failure (its text is logged, never shown).
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        StoreError::Internal(cause.to_string())
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => StoreError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Conflict,
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => StoreError::Busy,
            Error::DatabaseError(_, info) if is_busy(info.message()) => StoreError::Busy,
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => StoreError::Unavailable,
            other => StoreError::internal(other),
        }
    }
}

/// SQLite reports a lock that outlived `busy_timeout` only in the message text.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database table is locked")
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection");
        StoreError::Unavailable
    }
}
