//! User administration shared by the CLI, the admin page and registration.

use rand::Rng;

use crate::auth::PasswordHash;
use crate::db::users::{self, NewUser, User};
use crate::db::DbConnection;
use crate::db::StoreError;
use crate::domain::Username;

/// Why a user administration step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// Another user has this name (names are case-insensitive).
    #[error("a user named {0} already exists")]
    NameTaken(String),
    /// No user has this name.
    #[error("no such user")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for UserError {
    fn from(e: diesel::result::Error) -> Self {
        UserError::Store(e.into())
    }
}

/// The outcome of [`create`].
#[derive(Debug)]
pub struct Created {
    pub user: User,
    /// The user was made admin because they are the first one.
    pub first_user: bool,
}

/// A fresh random security stamp; changing it ends every session tied to the old one.
pub fn new_security_stamp() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates a user. The first user of an instance always becomes admin.
#[tracing::instrument(skip(conn, hash), fields(username = %username))]
pub fn create(
    conn: &mut DbConnection,
    now: i64,
    username: &Username,
    hash: &PasswordHash,
    admin: bool,
) -> Result<Created, UserError> {
    let stamp = new_security_stamp();
    let created = crate::db::write_transaction(conn, |conn| {
        if users::find_by_username(conn, username)?.is_some() {
            return Ok(None);
        }
        let first_user = users::count(conn)? == 0;
        let user = users::insert(
            conn,
            &NewUser {
                username: username.as_str(),
                password_hash: &hash.0,
                is_admin: admin || first_user,
                is_active: true,
                created_at: now,
                security_stamp: &stamp,
            },
        )?;
        Ok(Some(Created { user, first_user }))
    })
    .map_err(|e| match e {
        // Lost a race with another create of the same name.
        StoreError::Conflict => UserError::NameTaken(username.to_string()),
        other => UserError::Store(other),
    })?
    .ok_or_else(|| UserError::NameTaken(username.to_string()))?;
    tracing::info!(admin = created.user.is_admin, "user created");
    Ok(created)
}

/// Finds a user by name (case-insensitively).
pub fn get(conn: &mut DbConnection, username: &Username) -> Result<User, UserError> {
    users::find_by_username(conn, username)?.ok_or(UserError::NotFound)
}

/// Sets a new password, ends the user's sessions and revokes their API keys.
#[tracing::instrument(skip(conn, hash), fields(username = %username))]
pub fn set_password(
    conn: &mut DbConnection,
    username: &Username,
    hash: &PasswordHash,
) -> Result<(), UserError> {
    let user = get(conn, username)?;
    users::set_password(conn, user.id(), &hash.0, &new_security_stamp())?;
    crate::db::api_keys::delete_for_user(conn, user.id())?;
    tracing::info!("password changed; the user's API keys are revoked");
    Ok(())
}

/// Enables or disables a user; disabling ends their sessions.
#[tracing::instrument(skip(conn), fields(username = %username))]
pub fn set_active(
    conn: &mut DbConnection,
    username: &Username,
    active: bool,
) -> Result<User, UserError> {
    let user = get(conn, username)?;
    set_user_active(conn, &user, active)?;
    get(conn, username)
}

/// Enables or disables `user`; disabling gives them a new security stamp, ends their sessions
/// and revokes their API keys.
#[tracing::instrument(skip(conn, user), fields(user_id = user.id))]
pub fn set_user_active(
    conn: &mut DbConnection,
    user: &User,
    active: bool,
) -> Result<(), UserError> {
    let stamp = if active {
        user.security_stamp.clone()
    } else {
        new_security_stamp()
    };
    users::set_active(conn, user.id(), active, &stamp)?;
    if !active {
        crate::db::sessions::delete_for_user(conn, user.id(), None)?;
        crate::db::api_keys::delete_for_user(conn, user.id())?;
    }
    tracing::info!(active, "user activity changed");
    Ok(())
}

/// Deletes a user (and, through foreign keys, everything they own).
#[tracing::instrument(skip(conn), fields(username = %username))]
pub fn delete(conn: &mut DbConnection, username: &Username) -> Result<(), UserError> {
    let user = get(conn, username)?;
    users::delete(conn, user.id())?;
    tracing::info!("user deleted");
    Ok(())
}
