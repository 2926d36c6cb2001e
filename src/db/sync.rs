//! Sync bookkeeping: per account, what span of time the store holds and the fetches in
//! progress; per user, the lease that lets one instance at a time sync a token, the webhook's
//! coverage and its known gaps; per instance, a heartbeat.

use diesel::prelude::*;

use super::schema::{heartbeats, sync_accounts, sync_gaps, sync_users};
use super::users::UserId;
use super::DbConnection;

/// A row of `sync_accounts`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sync_accounts)]
pub struct SyncAccount {
    pub user_id: i64,
    pub account: String,
    /// The oldest second the store should hold.
    pub history_from: i64,
    /// `[synced_from, synced_to]` is completely in the store (empty while from > to).
    pub synced_from: i64,
    pub synced_to: i64,
    /// The fetch of older history in progress (JSON `StatementCursor`), ending at
    /// `synced_from - 1`.
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
    /// The fetch of recent days in progress (JSON `StatementCursor`): the newest month, a
    /// catch-up after a gap, or a re-read of open holds.
    pub recent_cursor: Option<String>,
    /// When the account last had a statement call, in the user's round-robin order.
    pub turn: i64,
    /// When the open holds of the account were last re-read (Unix s).
    pub reread_at: i64,
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

impl SyncAccount {
    /// A newly tracked account: nothing fetched yet (`synced_from > synced_to`), no fetch under
    /// way.
    pub fn untouched(user: UserId, account: &str, history_from: i64, now: i64) -> Self {
        SyncAccount {
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
            recent_cursor: None,
            turn: 0,
            reread_at: 0,
        }
    }
}

/// Starts tracking an account (nothing synced yet) unless it is tracked already.
pub fn track(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    history_from: i64,
    now: i64,
) -> QueryResult<usize> {
    let row = SyncAccount::untouched(user, account, history_from, now);
    let insert = diesel::insert_into(sync_accounts::table)
        .values(&row)
        .on_conflict((sync_accounts::user_id, sync_accounts::account))
        .do_nothing();
    crate::per_backend!(conn, |c| insert.execute(c))
}

/// Writes a sync row back, all but `history_from` (a request for older history that arrived
/// while the sync was fetching stands). The sync read the row before its call to Monobank; what
/// was written since is kept: the row is re-read, locked (PostgreSQL), and its fetched span joined
/// with the one written here ([`joined`]), so webhook coverage folded into it meanwhile is not
/// undone. Call inside a write transaction.
pub fn save(conn: &mut DbConnection, row: &SyncAccount) -> QueryResult<usize> {
    let mine = sync_accounts::table
        .filter(sync_accounts::user_id.eq(row.user_id))
        .filter(sync_accounts::account.eq(&row.account));
    let span = mine.select((sync_accounts::synced_from, sync_accounts::synced_to));
    let stored: Option<(i64, i64)> = match conn {
        DbConnection::Postgres(c) => span.for_update().first(c).optional()?,
        DbConnection::Sqlite(c) => span.first(c).optional()?,
    };
    let Some(stored) = stored else {
        return Ok(0);
    };
    let (synced_from, synced_to) = joined(stored, (row.synced_from, row.synced_to));
    diesel::update(mine)
        .set((
            sync_accounts::synced_from.eq(synced_from),
            sync_accounts::synced_to.eq(synced_to),
            sync_accounts::cursor.eq(&row.cursor),
            sync_accounts::updated_at.eq(row.updated_at),
            sync_accounts::failures.eq(row.failures),
            sync_accounts::retry_at.eq(row.retry_at),
            sync_accounts::last_error.eq(&row.last_error),
            sync_accounts::closed.eq(row.closed),
            sync_accounts::recent_cursor.eq(&row.recent_cursor),
            sync_accounts::turn.eq(row.turn),
            sync_accounts::reread_at.eq(row.reread_at),
        ))
        .execute(conn)
}

/// The fetched span after the sync writes `written` over `stored` (each `(from, to)`, empty
/// while from > to). Both grew from the span the sync read, so when both hold something they
/// touch and their union is complete; a span never shrinks. Should they not touch, the sync's
/// own span is the one it can vouch for.
pub fn joined(stored: (i64, i64), written: (i64, i64)) -> (i64, i64) {
    let empty = |(from, to): (i64, i64)| from > to;
    if empty(stored) {
        return written;
    }
    if empty(written) {
        return stored;
    }
    let touch = written.0 <= stored.1.saturating_add(1) && stored.0 <= written.1.saturating_add(1);
    if touch {
        (stored.0.min(written.0), stored.1.max(written.1))
    } else {
        written
    }
}

/// Asks for history back to `from` (an explicit request; never a side effect of reading): moves
/// `history_from` of `account` (every account when `None`) back, never forward.
pub fn request_history(
    conn: &mut DbConnection,
    user: UserId,
    account: Option<&str>,
    from: i64,
) -> QueryResult<usize> {
    let mut update = sync_accounts::table
        .filter(sync_accounts::user_id.eq(user.0))
        .filter(sync_accounts::history_from.gt(from))
        .into_boxed();
    if let Some(account) = account {
        update = update.filter(sync_accounts::account.eq(account.to_owned()));
    }
    let accounts: Vec<String> = update.select(sync_accounts::account).load(conn)?;
    diesel::update(
        sync_accounts::table
            .filter(sync_accounts::user_id.eq(user.0))
            .filter(sync_accounts::account.eq_any(&accounts)),
    )
    .set(sync_accounts::history_from.eq(from))
    .execute(conn)
}

/// Forgets the sync state of a user (their token went away or changed).
pub fn forget(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(sync_accounts::table.filter(sync_accounts::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(sync_gaps::table.filter(sync_gaps::user_id.eq(user.0))).execute(conn)?;
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
    /// Since this second every operation arrives by webhook, once `held_confirmed`.
    pub held_from: Option<i64>,
    /// Whether client-info confirmed monoweb's receiver since `held_from` was set at a start.
    pub held_confirmed: bool,
}

impl SyncUser {
    /// The second from which webhook deliveries hold every operation, if they do.
    pub fn held_since(&self) -> Option<i64> {
        self.held_from.filter(|_| self.held_confirmed)
    }
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

/// Sets the webhook's coverage of `user`: held from `from` (confirmed or waiting for
/// client-info to confirm the receiver), or not held (`None`).
pub fn set_held(
    conn: &mut DbConnection,
    user: UserId,
    from: Option<i64>,
    confirmed: bool,
) -> QueryResult<usize> {
    ensure_user(conn, user)?;
    diesel::update(sync_users::table.find(user.0))
        .set((
            sync_users::held_from.eq(from),
            sync_users::held_confirmed.eq(confirmed && from.is_some()),
        ))
        .execute(conn)
}

/// Webhook coverage from `held_from` is about to be cut: the accounts whose fetched span
/// reaches it keep what it held, up to `up_to`, as fetched (so the cut leaves a gap only from
/// `up_to` on, not back to the last statement fetch).
pub fn fold_held(
    conn: &mut DbConnection,
    user: UserId,
    held_from: i64,
    up_to: i64,
) -> QueryResult<usize> {
    diesel::update(
        sync_accounts::table
            .filter(sync_accounts::user_id.eq(user.0))
            .filter(sync_accounts::closed.eq(false))
            .filter(sync_accounts::synced_from.le(sync_accounts::synced_to))
            .filter((sync_accounts::synced_to + 1_i64).ge(held_from))
            .filter(sync_accounts::synced_to.lt(up_to)),
    )
    .set(sync_accounts::synced_to.eq(up_to))
    .execute(conn)
}

/// Client-info shows monoweb's receiver still registered: a coverage set at a start holds.
pub fn confirm_held(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::update(
        sync_users::table
            .find(user.0)
            .filter(sync_users::held_from.is_not_null()),
    )
    .set(sync_users::held_confirmed.eq(true))
    .execute(conn)
}

/// Users whose webhook coverage is (or was about to be) held.
pub fn held_users(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    sync_users::table
        .filter(sync_users::held_from.is_not_null())
        .select(sync_users::user_id)
        .load(conn)
}

/// A row of `sync_gaps`: a time when webhook deliveries may have been lost.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sync_gaps)]
pub struct Gap {
    pub id: i64,
    pub user_id: i64,
    /// `registered`, `downtime`, `switched_off` or `receiver_failed`.
    pub kind: String,
    pub gap_from: i64,
    pub gap_to: i64,
    pub recorded_at: i64,
}

/// How many gaps are kept per user.
pub const GAPS_KEPT: i64 = 20;

/// Records a gap of `user`'s webhook coverage (the oldest beyond [`GAPS_KEPT`] are dropped).
pub fn record_gap(
    conn: &mut DbConnection,
    user: UserId,
    kind: &str,
    (from, to): (i64, i64),
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_into(sync_gaps::table)
        .values((
            sync_gaps::user_id.eq(user.0),
            sync_gaps::kind.eq(kind),
            sync_gaps::gap_from.eq(from),
            sync_gaps::gap_to.eq(to),
            sync_gaps::recorded_at.eq(now),
        ))
        .execute(conn)?;
    let keep: Vec<i64> = sync_gaps::table
        .filter(sync_gaps::user_id.eq(user.0))
        .order(sync_gaps::id.desc())
        .limit(GAPS_KEPT)
        .select(sync_gaps::id)
        .load(conn)?;
    diesel::delete(
        sync_gaps::table
            .filter(sync_gaps::user_id.eq(user.0))
            .filter(sync_gaps::id.ne_all(keep)),
    )
    .execute(conn)
}

/// The gaps of `user`, newest first.
pub fn gaps(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Gap>> {
    sync_gaps::table
        .filter(sync_gaps::user_id.eq(user.0))
        .order(sync_gaps::id.desc())
        .select(Gap::as_select())
        .load(conn)
}

/// Notes that `instance` is alive at `now`.
pub fn beat(conn: &mut DbConnection, instance: &str, now: i64) -> QueryResult<usize> {
    let insert = diesel::insert_into(heartbeats::table)
        .values((
            heartbeats::instance.eq(instance),
            heartbeats::beat_at.eq(now),
        ))
        .on_conflict(heartbeats::instance)
        .do_update()
        .set(heartbeats::beat_at.eq(now));
    crate::per_backend!(conn, |c| insert.execute(c))
}

/// The newest heartbeat of any instance but `instance`.
pub fn last_beat_of_others(conn: &mut DbConnection, instance: &str) -> QueryResult<Option<i64>> {
    heartbeats::table
        .filter(heartbeats::instance.ne(instance))
        .select(diesel::dsl::max(heartbeats::beat_at))
        .first(conn)
}

/// Forgets the heartbeats older than `stale_before` (instances that are gone).
pub fn forget_beats_before(conn: &mut DbConnection, stale_before: i64) -> QueryResult<usize> {
    diesel::delete(heartbeats::table.filter(heartbeats::beat_at.lt(stale_before))).execute(conn)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const USER: UserId = UserId(1);

    #[test]
    fn a_save_keeps_the_webhook_coverage_folded_in_while_the_sync_was_fetching() {
        let (_dir, mut conn) = crate::db::test_store();
        let conn = &mut conn;
        track(conn, USER, "card", 0, 1_000).unwrap();
        let mut row = account(conn, USER, "card").unwrap().unwrap();
        (row.synced_from, row.synced_to) = (500, 1_000);
        save(conn, &row).unwrap();
        // The sync reads the row and asks Monobank for older history; meanwhile the webhook's
        // coverage up to 2000 is folded into the fetched span (another instance started).
        let read = account(conn, USER, "card").unwrap().unwrap();
        assert_eq!(fold_held(conn, USER, 900, 2_000).unwrap(), 1);
        let mut next = read.clone();
        next.synced_from = 100;
        next.turn = 7;
        save(conn, &next).unwrap();
        let saved = account(conn, USER, "card").unwrap().unwrap();
        assert_eq!((saved.synced_from, saved.synced_to), (100, 2_000));
        assert_eq!(saved.turn, 7, "the rest is the sync's");
    }

    #[test]
    fn joined_spans_only_grow_and_never_bridge_a_gap() {
        let empty = (1_001, 1_000);
        assert_eq!(joined(empty, (10, 20)), (10, 20));
        assert_eq!(
            joined((10, 20), empty),
            (10, 20),
            "never shrinks to nothing"
        );
        assert_eq!(joined((10, 20), (5, 20)), (5, 20));
        assert_eq!(joined((10, 30), (5, 20)), (5, 30));
        assert_eq!(joined((21, 30), (10, 20)), (10, 30), "touching spans join");
        assert_eq!(joined((25, 30), (10, 20)), (10, 20), "a gap is not bridged");
    }
}
