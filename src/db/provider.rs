//! `provider_requests`: the access request each user has waiting in the Monobank app, sealed like
//! tokens, found by the hash of its callback secret.

use diesel::prelude::*;

use super::schema::provider_requests;
use super::users::UserId;
use super::DbConnection;

/// A row of `provider_requests`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = provider_requests)]
pub struct RequestRow {
    pub user_id: i64,
    /// The request id and the accept link, sealed together.
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: i32,
    pub callback_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the bank was last asked whether the user accepted.
    pub checked_at: i64,
}

pub fn find(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<RequestRow>> {
    provider_requests::table
        .find(user.0)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// The request whose callback secret hashes to `hash`.
pub fn find_by_callback(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<RequestRow>> {
    provider_requests::table
        .filter(provider_requests::callback_hash.eq(hash))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// Stores `row` as the user's one request, replacing an older one.
pub fn put(conn: &mut DbConnection, row: &RequestRow) -> QueryResult<usize> {
    delete(conn, UserId(row.user_id))?;
    diesel::insert_into(provider_requests::table)
        .values(row)
        .execute(conn)
}

/// Deletes the user's request if it is still the one made with `callback_hash`: 1 when this
/// caller took it (and may act on it), 0 when it is gone or was replaced meanwhile.
pub fn take(conn: &mut DbConnection, user: UserId, callback_hash: &str) -> QueryResult<usize> {
    diesel::delete(
        provider_requests::table
            .find(user.0)
            .filter(provider_requests::callback_hash.eq(callback_hash)),
    )
    .execute(conn)
}

/// Claims the right to ask the bank about `user`'s request at `now`: true when the last check
/// was at least `every` seconds ago (one UPDATE decides, so instances do not ask twice).
pub fn claim_check(
    conn: &mut DbConnection,
    user: UserId,
    now: i64,
    every: i64,
) -> QueryResult<bool> {
    let claimed = diesel::update(
        provider_requests::table
            .find(user.0)
            .filter(provider_requests::checked_at.le(now - every)),
    )
    .set(provider_requests::checked_at.eq(now))
    .execute(conn)?;
    Ok(claimed > 0)
}

pub fn delete(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(provider_requests::table.find(user.0)).execute(conn)
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<RequestRow>> {
    provider_requests::table
        .select(RequestRow::as_select())
        .load(conn)
}

/// Seals a request again under another key (key rotation).
pub fn reseal(
    conn: &mut DbConnection,
    user: i64,
    ciphertext: &[u8],
    nonce: &[u8],
    key_id: i32,
) -> QueryResult<usize> {
    diesel::update(provider_requests::table.find(user))
        .set((
            provider_requests::ciphertext.eq(ciphertext),
            provider_requests::nonce.eq(nonce),
            provider_requests::key_id.eq(key_id),
        ))
        .execute(conn)
}
