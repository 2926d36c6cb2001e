//! The background sync: keeps each user's transaction store complete within Monobank's limits.
//!
//! Every instance runs one loop. Each round, for each user with a token, it takes the user's
//! lease in the database (so with several instances on one PostgreSQL only one syncs a token at
//! a time; a dead instance's lease expires) and does at most one client-info call and one
//! statement call, each through the token's rate lane:
//! - client-info when the accounts were never read, once a day, and every ten minutes while
//!   monoweb's own webhook is registered (to see whether Monobank switched it off after failed
//!   deliveries, and then register it again);
//! - one statement page for the account that needs it most: a fetch in progress first (its
//!   cursor is stored with the items it brought, so a restart resumes without gaps or
//!   duplicates), then history not fetched yet (newest window first, back to
//!   `sync_history_days`), then a gap: an account whose store ends more than an hour ago is
//!   caught up from an hour before its end (webhooks missed while the app was down or the
//!   webhook was off; settled holds).

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tracing::Instrument;

use super::mono::ViewError;
use super::tokens::{self, Attached, TokenError};
use super::Context;
use crate::db::sync::{self, SyncAccount};
use crate::db::transactions::{self, Source, TransactionRow};
use crate::db::users::UserId;
use crate::db::{self, snapshots};
use crate::error::AppError;
use crate::upstream::UpstreamError;
use monobank::statement::{StatementCursor, Step};
use monobank::types::UserInfo;
use monobank::MonoError;

/// How long a lease lasts without renewal (each round renews it): another instance takes over
/// a dead instance's users this long after its last round.
pub const LEASE_SECS: i64 = 600;
/// An account whose store ends longer ago than this is caught up.
pub const GAP_SECS: i64 = 3_600;
/// A catch-up starts this long before the store's end (holds settle, late deliveries).
pub const GAP_MARGIN_SECS: i64 = 3_600;
/// How often client-info is read while monoweb's own webhook is registered.
pub const WEBHOOK_CHECK_SECS: i64 = 600;
/// How often the accounts are read otherwise.
pub const ACCOUNTS_REFRESH_SECS: i64 = 86_400;

/// This instance's sync: its lease name and the bell that wakes it.
#[derive(Clone)]
pub struct SyncHandle {
    pub instance: String,
    bell: Arc<Notify>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl Default for SyncHandle {
    fn default() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        SyncHandle {
            instance: hex::encode(bytes),
            bell: Arc::new(Notify::new()),
            stopped: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }
}

impl SyncHandle {
    /// Asks the loop to look for work now (a token was attached, a range was asked for).
    pub fn wake(&self) {
        self.bell.notify_one();
    }

    /// Ends the loop after the round in progress (the server is stopping).
    pub fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.bell.notify_one();
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Starts the loop; it runs until the process ends.
pub fn spawn(ctx: Arc<Context>) {
    let tick = Duration::from_millis(ctx.sync_tick_ms.max(1));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                () = ctx.sync.bell.notified() => {}
            }
            if ctx.sync.is_stopped() {
                tracing::info!("sync stopped");
                return;
            }
            if let Err(e) = run_once(&ctx).await {
                tracing::warn!(error = %e, "sync round failed");
            }
        }
    });
}

/// One round over every user with a token.
pub async fn run_once(ctx: &Context) -> Result<(), AppError> {
    let users: Vec<UserId> = db::run(&ctx.pool, |conn| {
        Ok(crate::db::tokens::all(conn)?
            .into_iter()
            .map(|t| UserId(t.user_id))
            .collect())
    })
    .await?;
    for user in users {
        let now = ctx.clock.now();
        let owner = ctx.sync.instance.clone();
        let won = db::run(&ctx.pool, move |conn| {
            Ok(sync::claim_lease(
                conn,
                user,
                &owner,
                now,
                now + LEASE_SECS,
            )?)
        })
        .await?;
        if !won {
            continue;
        }
        let span = tracing::info_span!("sync", user_id = user.0);
        if let Err(e) = sync_user(ctx, user).instrument(span).await {
            tracing::warn!(user_id = user.0, error = %e, "sync step failed");
        }
    }
    Ok(())
}

/// The URL prefix of monoweb's own receiver (the secret follows it).
pub fn own_prefix(ctx: &Context) -> String {
    format!(
        "{}/hooks/mono/",
        ctx.public_url.as_str().trim_end_matches('/')
    )
}

/// The stored hash of a receiver secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Reads client-info if its lane is open (the gateway stores the snapshot) and tracks new
/// accounts and jars. `None` when the lane is closed or Monobank failed (logged).
async fn read_accounts(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
) -> Result<Option<UserInfo>, AppError> {
    let Some(info) = ctx
        .upstream
        .refresh_client_info(user, &attached.credential)
        .await?
    else {
        return Ok(None);
    };
    let now = ctx.clock.now();
    let history_from = now - i64::from(ctx.history_days) * 86_400;
    let ids = account_ids(&info);
    db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            for id in &ids {
                sync::track(conn, user, id, history_from, now)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(Some(info))
}

/// Every account and jar id of a client-info.
fn account_ids(info: &UserInfo) -> Vec<String> {
    info.accounts
        .iter()
        .map(|a| a.id.clone())
        .chain(info.jars.iter().flatten().map(|j| j.id.clone()))
        .collect()
}

/// Registers monoweb's own receiver for `user` with a new secret (the previous one stops
/// working). The secret's hash is stored before Monobank is asked, because Monobank checks the
/// URL with a GET while it registers it; on failure the previous record is put back.
#[tracing::instrument(skip(ctx))]
pub async fn register_own_webhook(ctx: &Context, user: UserId) -> Result<(), ViewError> {
    let attached = tokens::usable(tokens::load(ctx, user).await?)?;
    let has_accounts = db::run(&ctx.pool, move |conn| {
        Ok(snapshots::get(conn, user, snapshots::CLIENT_INFO)?.is_some())
    })
    .await?;
    if !has_accounts {
        // Events are checked against the accounts: read them first (or wait for the read
        // already on its way).
        if read_accounts(ctx, user, &attached).await?.is_none() {
            ctx.upstream.await_client_info(user).await?;
        }
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let prefix = own_prefix(ctx);
    let hash = secret_hash(&secret);
    let (previous_url, previous_hash) = db::run(&ctx.pool, {
        let prefix = prefix.clone();
        move |conn| {
            let Some(row) = crate::db::tokens::find(conn, user)? else {
                return Ok(None);
            };
            crate::db::tokens::set_webhook(conn, user, Some(&prefix), Some(&hash))?;
            Ok(Some((row.webhook_url, row.webhook_secret_hash)))
        }
    })
    .await?
    .ok_or(TokenError::NotAdded)?;
    let result = super::mono::call_set_webhook(ctx, &attached, &format!("{prefix}{secret}")).await;
    if let Err(e) = result {
        db::run(&ctx.pool, move |conn| {
            Ok(crate::db::tokens::set_webhook(
                conn,
                user,
                previous_url.as_deref(),
                previous_hash.as_deref(),
            )?)
        })
        .await?;
        return Err(e);
    }
    tracing::info!("monoweb's own webhook registered at Monobank");
    ctx.sync.wake();
    Ok(())
}

/// Which account to fetch for next, and the cursor to fetch with.
/// Accounts are taken in order, `preferred` (the default card, the one people look at) first.
fn next_job(
    rows: &[SyncAccount],
    preferred: Option<&str>,
    now: i64,
) -> Option<(SyncAccount, StatementCursor)> {
    // A closed account is done; one whose last call failed waits for its retry time.
    let mut ordered: Vec<SyncAccount> = rows
        .iter()
        .filter(|r| !r.closed && r.retry_at <= now)
        .cloned()
        .collect();
    ordered.sort_by_key(|r| Some(r.account.as_str()) != preferred);
    let rows = ordered.as_slice();
    let resume = rows
        .iter()
        .find_map(|r| super::history::cursor_of(r).map(|c| (r.clone(), c)));
    let backfill = || {
        rows.iter().find_map(|r| {
            let range = if r.synced_from > r.synced_to {
                Some((r.history_from, now))
            } else if r.synced_from > r.history_from {
                Some((r.history_from, r.synced_from - 1))
            } else {
                None
            };
            range.and_then(|(from, to)| {
                StatementCursor::new(r.account.clone(), from, to)
                    .ok()
                    .map(|c| (r.clone(), c))
            })
        })
    };
    let gap = || {
        rows.iter()
            .filter(|r| r.synced_from <= r.synced_to && now - r.synced_to > GAP_SECS)
            .min_by_key(|r| r.synced_to)
            .and_then(|r| {
                StatementCursor::new(r.account.clone(), r.synced_to - GAP_MARGIN_SECS, now)
                    .ok()
                    .map(|c| (r.clone(), c))
            })
    };
    resume.or_else(backfill).or_else(gap)
}

/// How long the sync leaves an account alone after `failures` failed calls in a row: a minute,
/// doubling, at most an hour.
pub fn retry_delay(failures: i32) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(6);
    (60_i64 << doublings).min(3_600)
}

/// Whether Monobank's 400 says the account does not exist (a closed card or jar): the only error
/// that ends an account's sync. Its text is `invalid account` (see `docs/monobank-api.md`, M5).
fn is_unknown_account(text: &str) -> bool {
    text.to_ascii_lowercase().contains("invalid account")
}

/// The row after its fetch `cursor` moved on: finished spans join the covered span.
fn advance(mut row: SyncAccount, cursor: &StatementCursor, now: i64) -> SyncAccount {
    row.failures = 0;
    row.retry_at = 0;
    row.last_error = None;
    if cursor.is_complete() {
        if row.synced_from > row.synced_to {
            row.synced_from = cursor.from;
            row.synced_to = cursor.to;
        } else {
            row.synced_from = row.synced_from.min(cursor.from);
            row.synced_to = row.synced_to.max(cursor.to);
        }
        row.cursor = None;
    } else {
        row.cursor = serde_json::to_string(cursor).ok();
    }
    row.updated_at = now;
    row
}

/// One user's round: accounts (when due), then one statement page.
async fn sync_user(ctx: &Context, user: UserId) -> Result<(), AppError> {
    if ctx.upstream.is_blocked() {
        // Monobank's edge firewall blocked this server: no call until the back-off ends.
        return Ok(());
    }
    let attached = match tokens::load(ctx, user).await {
        Ok(attached) => attached,
        Err(TokenError::Store(e)) => return Err(e),
        // No token (any more), or one that does not open: nothing to sync.
        Err(_) => return Ok(()),
    };
    if attached.rejected_at.is_some() {
        // Monobank rejected it: no call until the user replaces it.
        return Ok(());
    }
    let now = ctx.clock.now();
    let (snap, sync_user) = db::run(&ctx.pool, move |conn| {
        Ok((
            snapshots::get(conn, user, snapshots::CLIENT_INFO)?,
            sync::user(conn, user)?,
        ))
    })
    .await?;
    let own = attached
        .webhook_url
        .as_deref()
        .is_some_and(|u| u == own_prefix(ctx));
    let checked_at = sync_user.map_or(0, |u| u.webhook_checked_at);
    let snapshot_age = snap.as_ref().map_or(i64::MAX, |s| now - s.fetched_at);
    let mut info = snap
        .as_ref()
        .and_then(|s| snapshots::parse::<UserInfo>(&s.json));
    let due = info.is_none()
        || snapshot_age >= ACCOUNTS_REFRESH_SECS
        || (own && now - checked_at >= WEBHOOK_CHECK_SECS);
    if due {
        if let Some(fresh) = read_accounts(ctx, user, &attached).await? {
            db::run(&ctx.pool, move |conn| {
                Ok(sync::webhook_checked(conn, user, now)?)
            })
            .await?;
            if own && !fresh.web_hook_url.starts_with(&own_prefix(ctx)) {
                tracing::warn!("Monobank switched monoweb's webhook off; registering it again");
                if let Err(e) = register_own_webhook(ctx, user).await {
                    tracing::warn!(error = %e, "could not register monoweb's webhook again");
                }
            }
            info = Some(fresh);
        }
    }
    // Accounts read by a view (which saved the snapshot) are tracked here.
    let ids = info.as_ref().map(account_ids).unwrap_or_default();
    let history_from = now - i64::from(ctx.history_days) * 86_400;
    let rows = db::run(&ctx.pool, move |conn| {
        let mut rows = sync::accounts(conn, user)?;
        if ids.iter().any(|id| !rows.iter().any(|r| &r.account == id)) {
            for id in &ids {
                sync::track(conn, user, id, history_from, now)?;
            }
            rows = sync::accounts(conn, user)?;
        }
        Ok(rows)
    })
    .await?;
    let preferred = info
        .as_ref()
        .and_then(|info| super::mono::default_account(info).map(|a| a.id.clone()));
    let Some((row, mut cursor)) = next_job(&rows, preferred.as_deref(), now) else {
        return Ok(());
    };
    let before = cursor.next_request();
    let requested_at = ctx.clock.now();
    let step = ctx
        .upstream
        .statement_page(&attached.credential, &mut cursor)
        .await;
    match step {
        Ok(Step::Fetched(items)) => {
            let account = row.account.clone();
            // The span this call read completely; a hold in it that Monobank no longer lists
            // was cancelled. The top second of a continued page is left alone (it was split).
            let span = before.map(|(_, to)| {
                let top = if to == cursor.to { to } else { to - 1 };
                (cursor.fetched_from(), top)
            });
            let present: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
            let rows: Vec<TransactionRow> = items
                .iter()
                .map(|i| TransactionRow::new(user, &account, i, Source::Statement, now))
                .collect();
            let next = advance(row, &cursor, now);
            let fetched = rows.len();
            db::run(&ctx.pool, move |conn| {
                db::write_transaction(conn, |conn| {
                    for r in &rows {
                        transactions::upsert(conn, r)?;
                    }
                    // A hold this page still lists is a purchase of its own, even if a settled
                    // row stored before superseded it.
                    transactions::restore_listed(conn, user, &account, &present)?;
                    if let Some((from, to)) = span {
                        if from <= to {
                            transactions::mark_cancelled(
                                conn,
                                user,
                                &account,
                                (from, to),
                                &present,
                                requested_at,
                            )?;
                        }
                    }
                    sync::save(conn, &next)?;
                    Ok(())
                })
            })
            .await?;
            tracing::debug!(fetched, "sync fetched a statement page");
        }
        Ok(Step::Complete) => {
            let next = advance(row, &cursor, now);
            db::run(&ctx.pool, move |conn| Ok(sync::save(conn, &next)?)).await?;
        }
        Ok(Step::LaneClosed { .. }) => {}
        Err(UpstreamError::Mono(MonoError::BadRequest(text))) if is_unknown_account(&text) => {
            // Monobank does not know this account (a closed card or jar): stop asking for it,
            // and say so. What was fetched stays; nothing is marked fetched that was not.
            tracing::warn!(account = %row.account, "Monobank does not know the account; its sync ends");
            let mut closed = row;
            closed.closed = true;
            closed.cursor = None;
            closed.last_error = Some("Monobank does not know this account (closed?).".into());
            closed.updated_at = now;
            db::run(&ctx.pool, move |conn| Ok(sync::save(conn, &closed)?)).await?;
        }
        Err(UpstreamError::Mono(e)) => {
            // Not data: the span stays unfetched, and the account is tried again later.
            let mut failed = row;
            failed.failures = failed.failures.saturating_add(1);
            failed.retry_at = now + retry_delay(failed.failures);
            failed.last_error = Some(e.to_string());
            failed.updated_at = now;
            tracing::warn!(error = %e, failures = failed.failures, "sync statement call failed");
            db::run(&ctx.pool, move |conn| Ok(sync::save(conn, &failed)?)).await?;
        }
        Err(UpstreamError::Store(e)) => return Err(e),
        // A closed lane is `Step::LaneClosed`, never this error; nothing to do either way.
        Err(UpstreamError::LaneClosed { .. }) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(history_from: i64, synced_from: i64, synced_to: i64) -> SyncAccount {
        SyncAccount {
            user_id: 1,
            account: "a".into(),
            history_from,
            synced_from,
            synced_to,
            cursor: None,
            updated_at: 0,
            failures: 0,
            retry_at: 0,
            last_error: None,
            closed: false,
        }
    }

    #[test]
    fn jobs_resume_then_backfill_then_fill_gaps() {
        let now = 1_000_000;
        let (_, c) =
            next_job(&[row(0, now + 1, now)], None, now).unwrap_or_else(|| panic!("a job"));
        assert_eq!(
            (c.from, c.to),
            (0, now),
            "nothing synced: the whole history"
        );
        let (_, c) = next_job(&[row(0, 500, now)], None, now).unwrap_or_else(|| panic!("a job"));
        assert_eq!((c.from, c.to), (0, 499), "older history");
        let (_, c) =
            next_job(&[row(0, 0, now - GAP_SECS - 1)], None, now).unwrap_or_else(|| panic!());
        assert_eq!(
            (c.from, c.to),
            (now - GAP_SECS - 1 - GAP_MARGIN_SECS, now),
            "a gap"
        );
        assert!(
            next_job(&[row(0, 0, now - 10)], None, now).is_none(),
            "up to date"
        );
        let mut busy = row(0, now + 1, now);
        busy.cursor =
            serde_json::to_string(&StatementCursor::new("a", 5, 9).unwrap_or_else(|_| panic!()))
                .ok();
        let (_, c) = next_job(&[row(0, 500, now), busy], None, now).unwrap_or_else(|| panic!());
        assert_eq!((c.from, c.to), (5, 9), "a fetch in progress first");
    }

    #[test]
    fn failures_back_off_from_a_minute_to_an_hour_and_only_invalid_account_closes() {
        let delays: Vec<i64> = (1..=8).map(retry_delay).collect();
        assert_eq!(delays, [60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
        assert!(is_unknown_account("invalid account"));
        assert!(is_unknown_account("Invalid account"));
        assert!(!is_unknown_account("Period must be no more than 31 days"));
        assert!(!is_unknown_account("Request failed, try later"));
    }

    #[test]
    fn accounts_backing_off_or_closed_get_no_job() {
        let now = 1_000_000;
        let mut waiting = row(0, now + 1, now);
        waiting.retry_at = now + 60;
        assert!(next_job(std::slice::from_ref(&waiting), None, now).is_none());
        waiting.retry_at = now;
        assert!(next_job(std::slice::from_ref(&waiting), None, now).is_some());
        let mut closed = row(0, now + 1, now);
        closed.closed = true;
        assert!(next_job(&[closed], None, now).is_none());
    }

    #[test]
    fn finished_fetches_join_the_covered_span() {
        let mut cursor = StatementCursor::new("a", 100, 200).unwrap_or_else(|_| panic!());
        cursor.record(Vec::new());
        let r = advance(row(100, 300, 200), &cursor, 7);
        assert_eq!((r.synced_from, r.synced_to, r.cursor), (100, 200, None));
        let r = advance(row(0, 201, 400), &cursor, 7);
        assert_eq!((r.synced_from, r.synced_to), (100, 400));
    }
}
