//! The `sessions` table: rows keyed by the SHA-256 of the session key.

use diesel::prelude::*;

use super::schema::sessions;
use super::users::UserId;
use super::DbConnection;

/// A row of `sessions`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub key_hash: String,
    pub user_id: Option<i64>,
    pub login_id: Option<String>,
    pub state: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// Started with "stay signed in": never ended for being idle (only at `expires_at`).
    pub remembered: bool,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub key_hash: &'a str,
    pub user_id: Option<i64>,
    pub login_id: Option<&'a str>,
    pub state: &'a str,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub remembered: bool,
}

pub fn find(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(key_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
}

/// Replaces the state of a live session and marks it seen; 0 when it no longer exists.
pub fn update_state(
    conn: &mut DbConnection,
    key_hash: &str,
    user_id: Option<i64>,
    login_id: Option<&str>,
    state: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(key_hash)
            .filter(sessions::expires_at.ge(now)),
    )
    .set((
        sessions::user_id.eq(user_id),
        sessions::login_id.eq(login_id),
        sessions::state.eq(state),
        sessions::last_seen_at.eq(now),
    ))
    .execute(conn)
}

/// Marks a session seen at `now` (never back in time).
pub fn touch(conn: &mut DbConnection, key_hash: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(key_hash)
            .filter(sessions::last_seen_at.lt(now)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, key_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(key_hash)).execute(conn)
}

/// The live sessions of a user, most recently seen first.
pub fn list_for_user(
    conn: &mut DbConnection,
    user: UserId,
    now: i64,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user.0))
        .filter(sessions::expires_at.ge(now))
        .order(sessions::last_seen_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
}

/// Ends every session of a user except the one with `keep_login_id`.
pub fn delete_for_user(
    conn: &mut DbConnection,
    user: UserId,
    keep_login_id: Option<&str>,
) -> QueryResult<usize> {
    let of_user = sessions::table.filter(sessions::user_id.eq(user.0));
    match keep_login_id {
        Some(keep) => diesel::delete(of_user.filter(sessions::login_id.ne(keep))).execute(conn),
        None => diesel::delete(of_user).execute(conn),
    }
}

/// Ends the session of a user with `login_id`; 0 when there is none.
pub fn delete_login(conn: &mut DbConnection, user: UserId, login_id: &str) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::login_id.eq(login_id)),
    )
    .execute(conn)
}

/// Removes sessions past their absolute deadline, and those not remembered that have been idle
/// longer than `idle_secs`.
pub fn purge_expired(conn: &mut DbConnection, now: i64, idle_secs: i64) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at.lt(now).or(sessions::remembered
                .eq(false)
                .and(sessions::last_seen_at.lt(now - idle_secs))),
        ),
    )
    .execute(conn)
}

/// Sessions of a logged-in user not past their absolute deadline (the idle ones until the
/// sweeper removes them).
pub fn count_live(conn: &mut DbConnection, now: i64) -> QueryResult<i64> {
    sessions::table
        .filter(
            sessions::expires_at
                .ge(now)
                .and(sessions::user_id.is_not_null()),
        )
        .count()
        .get_result(conn)
}
