//! Sync bookkeeping: per account, what span of time the store holds and the fetch in progress;
//! per user, the lease that lets one instance at a time sync a token.

use diesel::prelude::*;

use super::schema::{sync_accounts, sync_users};
use super::users::UserId;
use super::DbConnection;

/// A row of `sync_accounts`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sync_accounts)]
#[diesel(treat_none_as_null = true)]
pub struct SyncAccount {
    pub user_id: i64,
    pub account: String,
    /// The oldest second the store should hold.
    pub history_from: i64,
    /// `[synced_from, synced_to]` is completely in the store (empty while from > to).
    pub synced_from: i64,
    pub synced_to: i64,
    /// The statement fetch in progress (JSON `StatementCursor`).
    pub cursor: Option<String>,
    pub updated_at: i64,
    /// Statement calls for this account that failed in a row.
    pub failures: i32,
    /// No statement call for this account before this time (Unix s), after a failure.
    pub retry_at: i64,
    /// What the last failed call said, while failures last.
    pub last_error: Option<String>,
    /// Monobank no longer knows the account (a closed card or jar): its sync has ended.
    pub closed: bool,
}

/// The sync rows of a user's accounts, by account id.
pub fn accounts(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<SyncAccount>> {
    sync_accounts::table
        .filter(sync_accounts::user_id.eq(user.0))
        .order(sync_accounts::account)
        .select(SyncAccount::as_select())
        .load(conn)
}

/// The sync row of one account.
pub fn account(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
) -> QueryResult<Option<SyncAccount>> {
    sync_accounts::table
        .find((user.0, account))
        .select(SyncAccount::as_select())
        .first(conn)
        .optional()
}

/// Starts tracking an account (nothing synced yet) unless it is tracked already.
pub fn track(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    history_from: i64,
    now: i64,
) -> QueryResult<usize> {
    let row = SyncAccount {
        user_id: user.0,
        account: account.to_owned(),
        history_from,
        synced_from: now + 1,
        synced_to: now,
        cursor: None,
        updated_at: now,
        failures: 0,
        retry_at: 0,
        last_error: None,
        closed: false,
    };
    let insert = diesel::insert_into(sync_accounts::table)
        .values(&row)
        .on_conflict((sync_accounts::user_id, sync_accounts::account))
        .do_nothing();
    crate::per_backend!(conn, |c| insert.execute(c))
}

/// Writes a sync row back.
pub fn save(conn: &mut DbConnection, row: &SyncAccount) -> QueryResult<usize> {
    diesel::update(
        sync_accounts::table
            .filter(sync_accounts::user_id.eq(row.user_id))
            .filter(sync_accounts::account.eq(&row.account)),
    )
    .set(row)
    .execute(conn)
}

/// Asks for history back to `from` (a statement asked for older days than the sync keeps).
pub fn extend_history(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    from: i64,
) -> QueryResult<usize> {
    diesel::update(
        sync_accounts::table
            .filter(sync_accounts::user_id.eq(user.0))
            .filter(sync_accounts::account.eq(account))
            .filter(sync_accounts::history_from.gt(from)),
    )
    .set(sync_accounts::history_from.eq(from))
    .execute(conn)
}

/// Forgets the sync state of a user (their token went away or changed).
pub fn forget(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(sync_accounts::table.filter(sync_accounts::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(sync_users::table.filter(sync_users::user_id.eq(user.0))).execute(conn)
}

/// A row of `sync_users`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sync_users)]
pub struct SyncUser {
    pub user_id: i64,
    pub lease_owner: Option<String>,
    pub lease_until: i64,
    pub last_event_at: Option<i64>,
    pub webhook_checked_at: i64,
}

fn ensure_user(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    let insert = diesel::insert_into(sync_users::table)
        .values(sync_users::user_id.eq(user.0))
        .on_conflict(sync_users::user_id)
        .do_nothing();
    crate::per_backend!(conn, |c| insert.execute(c))
}

pub fn user(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<SyncUser>> {
    sync_users::table
        .find(user.0)
        .select(SyncUser::as_select())
        .first(conn)
        .optional()
}

/// Takes (or renews) the lease on a user's sync for `owner` until `until`; false when another
/// instance holds a lease that has not expired. One UPDATE decides, so two instances cannot
/// both win.
pub fn claim_lease(
    conn: &mut DbConnection,
    user: UserId,
    owner: &str,
    now: i64,
    until: i64,
) -> QueryResult<bool> {
    ensure_user(conn, user)?;
    let won = diesel::update(
        sync_users::table
            .filter(sync_users::user_id.eq(user.0))
            .filter(
                sync_users::lease_until
                    .lt(now)
                    .or(sync_users::lease_owner.eq(owner)),
            ),
    )
    .set((
        sync_users::lease_owner.eq(owner),
        sync_users::lease_until.eq(until),
    ))
    .execute(conn)?;
    Ok(won == 1)
}

/// Gives a lease up (the instance is stopping, or has nothing to do).
pub fn release_lease(conn: &mut DbConnection, user: UserId, owner: &str) -> QueryResult<usize> {
    diesel::update(
        sync_users::table
            .filter(sync_users::user_id.eq(user.0))
            .filter(sync_users::lease_owner.eq(owner)),
    )
    .set((
        sync_users::lease_owner.eq(None::<String>),
        sync_users::lease_until.eq(0),
    ))
    .execute(conn)
}

/// Records that a webhook event arrived.
pub fn note_event(conn: &mut DbConnection, user: UserId, now: i64) -> QueryResult<usize> {
    ensure_user(conn, user)?;
    diesel::update(sync_users::table.find(user.0))
        .set(sync_users::last_event_at.eq(now))
        .execute(conn)
}

/// Records when the webhook was last checked against client-info.
pub fn webhook_checked(conn: &mut DbConnection, user: UserId, now: i64) -> QueryResult<usize> {
    ensure_user(conn, user)?;
    diesel::update(sync_users::table.find(user.0))
        .set(sync_users::webhook_checked_at.eq(now))
        .execute(conn)
}
