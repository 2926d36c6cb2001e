//! The background sync: keeps each user's transaction store complete within Monobank's limits.
//!
//! Every instance runs one loop. Each round, for each user with a token, it takes the user's
//! lease in the database (so with several instances on one PostgreSQL only one syncs a token at
//! a time; a dead instance's lease expires) and does at most one client-info call and one
//! statement call, each through the token's rate lane:
//! - client-info when the accounts were never read, once a day, and every ten minutes while
//!   monoweb's own webhook is registered (to see whether Monobank switched it off after failed
//!   deliveries, and then register it again);
//! - one statement page, for the job [`plan`] picks: a gap or catch-up first, then the newest
//!   month of every account and jar (round robin), then re-reads of open holds, then older
//!   history round robin back to the account's `history_from`. A page is showing goes first
//!   within its class. Fetches in progress are stored with the items they brought, so a restart
//!   resumes without gaps or duplicates.
//!
//! The work is in named steps: the worker here (the loop, heartbeats, leases, and a user's
//! [`round`]: a usable token, the accounts when due, the next page, that page), [`plan`]'s pure
//! scheduling, [`fetch`]'s calls and writes, and [`coverage`]'s webhook coverage and
//! registration. `docs/history.md` states the rules the store follows.

mod coverage;
mod fetch;
mod plan;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use coverage::cut_coverage;
pub use coverage::{note_receiver_failure, register_own_webhook};
pub use plan::{plan, retry_delay, Job, Outlook, Planned, Track, Urgency};

use super::client_info::{account_ids, default_account};
use super::receiver::own_prefix;
use super::tokens::{self, Attached, TokenError};
use super::Context;
use crate::db::transactions;
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots, sync};
use monobank::types::UserInfo;

/// How long a lease lasts without renewal (each round renews it): another instance takes over
/// a dead instance's users this long after its last round.
pub const LEASE_SECS: i64 = 600;
/// Without monoweb's webhook, an account whose store ends longer ago than this is caught up.
pub const GAP_SECS: i64 = 3_600;
/// ... and one a page is showing, once its store ends longer ago than this.
pub const SHOWN_GAP_SECS: i64 = 60;
/// A catch-up starts this long before the store's end (holds settle, late deliveries).
pub const GAP_MARGIN_SECS: i64 = 3_600;
/// The recent days fetched first for every account, and within which open holds are re-read.
pub const RECENT_SECS: i64 = 31 * 86_400;
/// How often the span of an account's open holds is read again.
pub const REREAD_SECS: i64 = 3_600;
pub use super::worker::{SyncHandle, SHOWING_SECS};
/// How often an instance notes that it is alive.
pub const HEARTBEAT_SECS: i64 = 5;
/// A start this long after the last heartbeat of every instance follows downtime: webhook
/// deliveries may have been lost (Monobank retries a failed delivery after a minute).
pub const DOWNTIME_SECS: i64 = 30;
/// When webhook coverage is cut, what it held is kept as fetched up to this long before the
/// last moment it is known to have worked: Monobank retries a failed delivery 60 s and 600 s
/// later (each attempt waiting up to 5 s), so an event of the last minutes before a cut may
/// still be on its way, or lost.
pub const DELIVERY_MARGIN_SECS: i64 = 720;

/// How often client-info is read while monoweb's own webhook is registered.
pub const WEBHOOK_CHECK_SECS: i64 = 600;
/// How often the accounts are read otherwise.
pub const ACCOUNTS_REFRESH_SECS: i64 = 86_400;

/// Starts the loop; it runs until the process ends.
pub fn spawn(ctx: Arc<Context>) {
    let tick = Duration::from_millis(ctx.sync_tick_ms.max(1));
    let beating = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = note_start(&ctx).await {
            tracing::warn!(error = %e, "could not check for downtime");
        }
        // The heartbeat has a task of its own: a long round must not look like downtime.
        tokio::spawn(heartbeat(beating));
        loop {
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                () = ctx.sync.rung() => {}
            }
            if ctx.sync.is_stopped() {
                if let Err(e) = note_stop(&ctx).await {
                    tracing::warn!(error = %e, "could not note the stop");
                }
                tracing::info!("sync stopped");
                return;
            }
            if let Err(e) = run_once(&ctx).await {
                tracing::warn!(error = %e, "sync round failed");
            }
        }
    });
}

/// Notes this instance's start. When no other instance beat within [`DOWNTIME_SECS`], the app
/// was down: every webhook coverage is cut at now (a `downtime` gap) and waits for client-info to
/// confirm the receiver again (Monobank may have switched it off after failed deliveries).
pub async fn note_start(ctx: &Context) -> Result<(), StoreError> {
    let now = ctx.clock.now();
    let instance = ctx.sync.instance.clone();
    let cut = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let last = sync::last_beat_of_others(conn, &instance)?;
            // Instances silent that long are gone; the newest of them said when.
            sync::forget_beats_before(conn, now - DOWNTIME_SECS)?;
            let down = last.is_none_or(|beat| now - beat > DOWNTIME_SECS);
            let mut cut = 0;
            if down {
                for user in sync::held_users(conn)? {
                    let user = UserId(user);
                    cut_coverage(conn, user, "downtime", last, Some((now + 1, false)), now)?;
                    sync::webhook_checked(conn, user, 0)?;
                    cut += 1;
                }
            }
            sync::beat(conn, &instance, now)?;
            Ok(cut)
        })
    })
    .await?;
    if cut > 0 {
        tracing::warn!(
            users = cut,
            "the app was down: webhook deliveries may be missing; fetching the gap"
        );
    }
    Ok(())
}

/// Notes every [`HEARTBEAT_SECS`] that this instance is alive, until it stops.
async fn heartbeat(ctx: Arc<Context>) {
    loop {
        tokio::time::sleep(Duration::from_secs(HEARTBEAT_SECS.unsigned_abs())).await;
        if ctx.sync.is_stopped() {
            return;
        }
        let now = ctx.clock.now();
        let instance = ctx.sync.instance.clone();
        let beat = db::run(&ctx.pool, move |conn| Ok(sync::beat(conn, &instance, now)?));
        if let Err(e) = beat.await {
            tracing::warn!(error = %e, "heartbeat not written");
        }
    }
}

/// Notes that this instance stops: its last heartbeat says when, so a start after the
/// deployment was down knows until when the webhook's deliveries were received.
pub async fn note_stop(ctx: &Context) -> Result<(), StoreError> {
    let instance = ctx.sync.instance.clone();
    let now = ctx.clock.now();
    db::run(&ctx.pool, move |conn| Ok(sync::beat(conn, &instance, now)?)).await?;
    Ok(())
}

/// One round over every user with a token.
pub async fn run_once(ctx: &Context) -> Result<(), StoreError> {
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
        if let Err(e) = round(ctx, user).instrument(span).await {
            tracing::warn!(user_id = user.0, error = %e, "sync step failed");
        }
    }
    Ok(())
}

/// One user's round, in named steps: a token that may be used, the accounts when they are due
/// (with whether monoweb's receiver is still registered), the next statement page to fetch, and
/// that page with what it brought.
async fn round(ctx: &Context, user: UserId) -> Result<(), StoreError> {
    let Some(attached) = usable_token(ctx, user).await? else {
        return Ok(());
    };
    let now = ctx.clock.now();
    let info = accounts_when_due(ctx, user, &attached, now).await?;
    let Some(planned) = next_page(ctx, user, &attached, info.as_ref(), now).await? else {
        return Ok(());
    };
    fetch::statement_page(ctx, user, &attached, planned, now).await
}

/// The user's token, unless no call may be made with it: Monobank's edge firewall blocked this
/// server (no call until the back-off ends), there is no token (any more) or it does not open,
/// or Monobank rejected it (no call until the user replaces it).
async fn usable_token(ctx: &Context, user: UserId) -> Result<Option<Attached>, StoreError> {
    if ctx.upstream.is_blocked() {
        return Ok(None);
    }
    match tokens::load(ctx, user).await {
        Ok(attached) => Ok(attached.rejected_at.is_none().then_some(attached)),
        Err(TokenError::Store(e)) => Err(e),
        Err(_) => Ok(None),
    }
}

/// The user's accounts: the stored client-info, read again when it never was, once a day
/// ([`ACCOUNTS_REFRESH_SECS`]), and every [`WEBHOOK_CHECK_SECS`] while monoweb's receiver is
/// registered (client-info shows whether Monobank switched it off). `None` while never read.
async fn accounts_when_due(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    now: i64,
) -> Result<Option<UserInfo>, StoreError> {
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
    let stored = snap
        .as_ref()
        .and_then(|s| snapshots::parse::<UserInfo>(&s.json));
    let due = stored.is_none()
        || snapshot_age >= ACCOUNTS_REFRESH_SECS
        || (own && now - checked_at >= WEBHOOK_CHECK_SECS);
    if !due {
        return Ok(stored);
    }
    match fetch::read_accounts(ctx, user, attached).await? {
        Some(fresh) => {
            coverage::check_receiver(ctx, user, attached, &fresh, checked_at, now).await?;
            Ok(Some(fresh))
        }
        None => Ok(stored),
    }
}

/// The next statement page to fetch, if any: accounts read by a view (which saved the
/// snapshot) are tracked first, then [`plan`] picks among every account's sync row.
async fn next_page(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    info: Option<&UserInfo>,
    now: i64,
) -> Result<Option<Planned>, StoreError> {
    let ids = info.map(account_ids).unwrap_or_default();
    let history_from = now - i64::from(ctx.history_days) * 86_400;
    let key = attached.credential.lane_key.clone();
    let (rows, holds, sync_row) = db::run(&ctx.pool, move |conn| {
        let mut rows = sync::accounts(conn, user)?;
        if ids.iter().any(|id| !rows.iter().any(|r| &r.account == id)) {
            crate::db::tokens::while_attached(conn, user, &key, |conn| {
                for id in &ids {
                    sync::track(conn, user, id, history_from, now)?;
                }
                Ok(())
            })?;
            rows = sync::accounts(conn, user)?;
        }
        let holds = transactions::open_holds(conn, user, now - RECENT_SECS)?;
        Ok((rows, holds, sync::user(conn, user)?))
    })
    .await?;
    let holds: HashMap<String, i64> = holds
        .into_iter()
        .filter_map(|(account, oldest)| oldest.map(|t| (account, t)))
        .collect();
    let preferred = info.and_then(|info| default_account(info).map(|a| a.id.clone()));
    let shown = ctx.sync.shown(user, now);
    let outlook = Outlook {
        holds,
        held_since: sync_row.as_ref().and_then(sync::SyncUser::held_since),
        shown: shown.as_deref(),
        preferred: preferred.as_deref(),
    };
    let Some(job) = plan(&rows, &outlook, now) else {
        return Ok(None);
    };
    let turn = rows.iter().map(|r| r.turn).max().unwrap_or(0) + 1;
    Ok(Some(Planned {
        job,
        holds: outlook.holds,
        turn,
    }))
}
