//! The `api_keys` table: a user's personal API keys, stored as SHA-256 hashes.

use diesel::prelude::*;

use super::schema::{api_keys, users};
use super::DbConnection;
use crate::db::users::{User, UserId};

/// A row of `api_keys`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new key, as stored.
pub struct NewKey<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub scope: &'a str,
    pub now: i64,
}

/// Stores a new key; returns its row.
pub fn insert(conn: &mut DbConnection, key: &NewKey<'_>) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::user_id.eq(key.user.0),
            api_keys::name.eq(key.name),
            api_keys::prefix.eq(key.prefix),
            api_keys::key_hash.eq(key.key_hash),
            api_keys::scope.eq(key.scope),
            api_keys::created_at.eq(key.now),
        ))
        .execute(conn)?;
    api_keys::table
        .filter(api_keys::key_hash.eq(key.key_hash))
        .select(ApiKeyRow::as_select())
        .first(conn)
}

/// A user's keys, oldest first.
pub fn list(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::user_id.eq(user.0))
        .order(api_keys::id)
        .select(ApiKeyRow::as_select())
        .load(conn)
}

/// How many keys a user has.
pub fn count(conn: &mut DbConnection, user: UserId) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::user_id.eq(user.0))
        .count()
        .get_result(conn)
}

/// Deletes the user's key `id`; the row, if it was theirs.
pub fn delete(conn: &mut DbConnection, user: UserId, id: i64) -> QueryResult<Option<ApiKeyRow>> {
    let row = api_keys::table
        .filter(api_keys::id.eq(id).and(api_keys::user_id.eq(user.0)))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(api_keys::table.find(id)).execute(conn)?;
    }
    Ok(row)
}

/// The key with this hash and its user.
pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<(ApiKeyRow, User)>> {
    api_keys::table
        .inner_join(users::table)
        .filter(api_keys::key_hash.eq(hash))
        .select((ApiKeyRow::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Notes that key `id` was used at `now`.
pub fn touch(conn: &mut DbConnection, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(Some(now)))
        .execute(conn)
}

/// Deletes every key of a user (their password changed, or they were disabled).
pub fn delete_for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(api_keys::table.filter(api_keys::user_id.eq(user.0))).execute(conn)
}
