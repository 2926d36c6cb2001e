//! `token_keys` and `mono_tokens`: encrypted Monobank tokens and the ids of the keys that sealed
//! them. Only ciphertext, a keyed fingerprint and the last four characters are stored.

use diesel::prelude::*;

use super::schema::{mono_tokens, token_keys};
use super::users::UserId;
use super::DbConnection;

/// A row of `mono_tokens`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = mono_tokens)]
pub struct TokenRow {
    pub user_id: i64,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: i32,
    pub fingerprint: String,
    pub last4: String,
    pub webhook_url: Option<String>,
    pub webhook_secret_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When Monobank first answered a call made with the token.
    pub verified_at: Option<i64>,
    /// When Monobank rejected the token (revoked or mistyped); calls stop until it is replaced.
    pub rejected_at: Option<i64>,
    /// [`PERSONAL`] or [`PROVIDER`].
    pub kind: String,
    /// When monoweb last took the webhook back from another URL (see [`WebhookReset`]).
    pub webhook_reset_at: Option<i64>,
    pub webhook_reset_cause: Option<String>,
    pub webhook_reset_from: Option<String>,
    pub webhook_reset_to: Option<String>,
}

impl TokenRow {
    /// The last time monoweb took the webhook back, until one is registered again.
    pub fn webhook_reset(&self) -> Option<WebhookReset> {
        Some(WebhookReset {
            at: self.webhook_reset_at?,
            cause: self.webhook_reset_cause.clone()?,
            from: self.webhook_reset_from.clone()?,
            to: self.webhook_reset_to.clone()?,
        })
    }
}

/// monoweb pointed the webhook back at its own receiver ([`RESET_TO_OWN`]) or removed it
/// ([`RESET_REMOVED`]) after a password change, "log out other sessions" or a disable (`cause`:
/// [`CAUSE_PASSWORD`], [`CAUSE_SESSIONS`], [`CAUSE_DISABLED`]); `from` is the URL it replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookReset {
    pub at: i64,
    pub cause: String,
    pub from: String,
    pub to: String,
}

pub const CAUSE_PASSWORD: &str = "password";
pub const CAUSE_SESSIONS: &str = "sessions";
pub const CAUSE_DISABLED: &str = "disabled";
pub const RESET_TO_OWN: &str = "own";
pub const RESET_REMOVED: &str = "removed";

/// A personal token.
pub const PERSONAL: &str = "personal";
/// A request id a user accepted for this server's provider key.
pub const PROVIDER: &str = "provider";

#[derive(Insertable)]
#[diesel(table_name = mono_tokens)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub ciphertext: &'a [u8],
    pub nonce: &'a [u8],
    pub key_id: i32,
    pub fingerprint: &'a str,
    pub last4: &'a str,
    pub created_at: i64,
    pub updated_at: i64,
    pub verified_at: Option<i64>,
    pub kind: &'a str,
}

/// The key new tokens are sealed with: the newest, created on first use.
pub fn current_key(conn: &mut DbConnection, now: i64) -> QueryResult<i32> {
    let newest: Option<i32> = token_keys::table
        .select(diesel::dsl::max(token_keys::id))
        .first(conn)?;
    match newest {
        Some(id) => Ok(id),
        None => add_key(conn, now),
    }
}

/// Adds a key newer than every other and returns its id.
pub fn add_key(conn: &mut DbConnection, now: i64) -> QueryResult<i32> {
    let newest: Option<i32> = token_keys::table
        .select(diesel::dsl::max(token_keys::id))
        .first(conn)?;
    let id = newest.unwrap_or(0) + 1;
    diesel::insert_into(token_keys::table)
        .values((token_keys::id.eq(id), token_keys::created_at.eq(now)))
        .execute(conn)?;
    Ok(id)
}

pub fn find(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<TokenRow>> {
    mono_tokens::table
        .find(user.0)
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// Whether `user`'s token is still the one `fingerprint` names, its row then locked until the
/// transaction ends (PostgreSQL; SQLite's write transaction holds the whole database): what a
/// call made with a token brought is written only while that token is attached, and a removal
/// or a replacement waits for such a write to end. Call inside a write transaction.
pub fn holds(conn: &mut DbConnection, user: UserId, fingerprint: &str) -> QueryResult<bool> {
    let query = mono_tokens::table
        .find(user.0)
        .filter(mono_tokens::fingerprint.eq(fingerprint))
        .select(mono_tokens::user_id);
    let found = match conn {
        DbConnection::Postgres(c) => query.for_update().first::<i64>(c).optional()?,
        DbConnection::Sqlite(c) => query.first::<i64>(c).optional()?,
    };
    Ok(found.is_some())
}

/// Runs `work` in one write transaction while `user`'s token is still the one `fingerprint`
/// names ([`holds`], the row locked for the transaction); `None`, with nothing done, once it was
/// removed or replaced. What a call to Monobank brought is written through this.
pub fn while_attached<T>(
    conn: &mut DbConnection,
    user: UserId,
    fingerprint: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<T, super::StoreError>,
) -> Result<Option<T>, super::StoreError> {
    super::write_transaction(conn, |conn| {
        if holds(conn, user, fingerprint)? {
            work(conn).map(Some)
        } else {
            Ok(None)
        }
    })
}

/// The user a fingerprint belongs to, if any.
pub fn owner_of(conn: &mut DbConnection, fingerprint: &str) -> QueryResult<Option<i64>> {
    mono_tokens::table
        .filter(mono_tokens::fingerprint.eq(fingerprint))
        .select(mono_tokens::user_id)
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(mono_tokens::table)
        .values(new)
        .execute(conn)
}

/// Replaces the token of a user (new ciphertext, fingerprint, last four; webhook forgotten).
pub fn replace(conn: &mut DbConnection, new: &NewToken<'_>) -> QueryResult<usize> {
    diesel::update(mono_tokens::table.find(new.user_id))
        .set((
            mono_tokens::ciphertext.eq(new.ciphertext),
            mono_tokens::nonce.eq(new.nonce),
            mono_tokens::key_id.eq(new.key_id),
            mono_tokens::fingerprint.eq(new.fingerprint),
            mono_tokens::last4.eq(new.last4),
            mono_tokens::webhook_url.eq(None::<String>),
            mono_tokens::webhook_secret_hash.eq(None::<String>),
            mono_tokens::updated_at.eq(new.updated_at),
            mono_tokens::verified_at.eq(new.verified_at),
            mono_tokens::rejected_at.eq(None::<i64>),
            mono_tokens::kind.eq(new.kind),
            // The note that a webhook was taken back was about the old token's.
            mono_tokens::webhook_reset_at.eq(None::<i64>),
            mono_tokens::webhook_reset_cause.eq(None::<String>),
            mono_tokens::webhook_reset_from.eq(None::<String>),
            mono_tokens::webhook_reset_to.eq(None::<String>),
        ))
        .execute(conn)
}

/// Notes that Monobank answered a call made with the token of `fingerprint` (once).
pub fn mark_verified(conn: &mut DbConnection, fingerprint: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        mono_tokens::table
            .filter(mono_tokens::fingerprint.eq(fingerprint))
            .filter(mono_tokens::verified_at.is_null()),
    )
    .set(mono_tokens::verified_at.eq(now))
    .execute(conn)
}

/// Notes that Monobank rejected the token of `fingerprint` (the first time is kept).
pub fn mark_rejected(conn: &mut DbConnection, fingerprint: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        mono_tokens::table
            .filter(mono_tokens::fingerprint.eq(fingerprint))
            .filter(mono_tokens::rejected_at.is_null()),
    )
    .set(mono_tokens::rejected_at.eq(now))
    .execute(conn)
}

/// Re-seals a token under another key (key rotation).
pub fn reseal(
    conn: &mut DbConnection,
    user: i64,
    ciphertext: &[u8],
    nonce: &[u8],
    key_id: i32,
) -> QueryResult<usize> {
    diesel::update(mono_tokens::table.find(user))
        .set((
            mono_tokens::ciphertext.eq(ciphertext),
            mono_tokens::nonce.eq(nonce),
            mono_tokens::key_id.eq(key_id),
        ))
        .execute(conn)
}

/// Records the webhook monoweb registered with Monobank for this token (or none). The token's
/// own times are left alone: the token did not change.
pub fn set_webhook(
    conn: &mut DbConnection,
    user: UserId,
    url: Option<&str>,
    secret_hash: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(mono_tokens::table.find(user.0))
        .set((
            mono_tokens::webhook_url.eq(url),
            mono_tokens::webhook_secret_hash.eq(secret_hash),
            // A webhook registered again answers the note that one was taken back.
            mono_tokens::webhook_reset_at.eq(None::<i64>),
            mono_tokens::webhook_reset_cause.eq(None::<String>),
            mono_tokens::webhook_reset_from.eq(None::<String>),
            mono_tokens::webhook_reset_to.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records that monoweb took the webhook back (after pointing it at its own receiver with
/// [`set_webhook`], or removing it).
pub fn record_webhook_reset(
    conn: &mut DbConnection,
    user: UserId,
    reset: &WebhookReset,
) -> QueryResult<usize> {
    diesel::update(mono_tokens::table.find(user.0))
        .set((
            mono_tokens::webhook_reset_at.eq(reset.at),
            mono_tokens::webhook_reset_cause.eq(&reset.cause),
            mono_tokens::webhook_reset_from.eq(&reset.from),
            mono_tokens::webhook_reset_to.eq(&reset.to),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(mono_tokens::table.find(user.0)).execute(conn)
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<TokenRow>> {
    mono_tokens::table.select(TokenRow::as_select()).load(conn)
}

/// The token whose own-receiver secret hashes to `hash`.
pub fn find_by_webhook_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<TokenRow>> {
    mono_tokens::table
        .filter(mono_tokens::webhook_secret_hash.eq(hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// The provider-connected users (access not lost) whose tracked accounts include `account` (at
/// most one, unless two users connected the same Monobank client).
pub fn provider_users_with_account(
    conn: &mut DbConnection,
    account: &str,
) -> QueryResult<Vec<i64>> {
    use super::schema::sync_accounts;
    mono_tokens::table
        .inner_join(sync_accounts::table.on(sync_accounts::user_id.eq(mono_tokens::user_id)))
        .filter(mono_tokens::kind.eq(PROVIDER))
        .filter(mono_tokens::rejected_at.is_null())
        .filter(sync_accounts::account.eq(account))
        .select(mono_tokens::user_id)
        .distinct()
        .load(conn)
}
