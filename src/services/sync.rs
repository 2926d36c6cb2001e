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
//! `docs/history.md` states the rules the store follows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use tokio::sync::Notify;
use tracing::Instrument;

use super::client_info::{account_ids, default_account};
use super::mono::ViewError;
use super::receiver::{own_prefix, secret_hash};
use super::tokens::{self, Attached, TokenError};
use super::Context;
use crate::db::sync::{self, SyncAccount};
use crate::db::transactions::{self, Source, TransactionRow};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots};
use crate::upstream::UpstreamError;
use monobank::statement::{StatementCursor, Step};
use monobank::types::UserInfo;
use monobank::MonoError;

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
/// How long a page's interest in an account lasts.
pub const SHOWING_SECS: i64 = 300;
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

/// Cuts `user`'s webhook coverage. When it is known to have worked until `worked_until`, what
/// the confirmed coverage held until then (less [`DELIVERY_MARGIN_SECS`]) stays covered as
/// fetched; a `kind` gap is recorded, and the coverage becomes `next` (`Some((from,
/// confirmed))`, or none).
fn cut_coverage(
    conn: &mut crate::db::DbConnection,
    user: UserId,
    kind: &str,
    worked_until: Option<i64>,
    next: Option<(i64, bool)>,
    now: i64,
) -> Result<(), StoreError> {
    let held = sync::user(conn, user)?.and_then(|u| u.held_since());
    let fold_to = worked_until.map(|t| (t - DELIVERY_MARGIN_SECS).min(now - 1));
    let mut gap_from = held.unwrap_or(now);
    if let (Some(from), Some(to)) = (held, fold_to) {
        if from <= to {
            sync::fold_held(conn, user, from, to)?;
            gap_from = to + 1;
        }
    }
    sync::set_held(conn, user, next.map(|n| n.0), next.is_some_and(|n| n.1))?;
    sync::record_gap(conn, user, kind, (gap_from.min(now), now), now)?;
    Ok(())
}

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
    /// Turns true when the server stops: every background task of the instance ends then (and
    /// lets go of its database connections).
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Per user, the account a page showed last and until when that counts (Unix s).
    showing: Arc<Mutex<HashMap<i64, (String, i64)>>>,
}

impl Default for SyncHandle {
    fn default() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        SyncHandle {
            instance: hex::encode(bytes),
            bell: Arc::new(Notify::new()),
            stopped: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            showing: Arc::default(),
        }
    }
}

impl SyncHandle {
    /// Asks the loop to look for work now (a token was attached, a range was asked for).
    pub fn wake(&self) {
        self.bell.notify_one();
    }

    /// Ends the loop after the round in progress, and every background task waiting in
    /// [`Self::until_stopped`] (the server is stopping).
    pub fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.bell.notify_one();
        self.stopping.send_replace(true);
    }

    /// Returns once [`Self::stop`] was called (at once if it was already).
    pub async fn until_stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        // An error means the handle is gone: nothing is left to wait for either.
        let _ = stopping.wait_for(|stopped| *stopped).await;
    }

    /// A page shows `account` of `user` without all of its range: the account goes first for a
    /// while (this instance only: a hint, not state), and the loop is woken.
    pub fn showing(&self, user: UserId, account: &str, now: i64) {
        if let Ok(mut map) = self.showing.lock() {
            map.retain(|_, (_, until)| *until > now);
            map.insert(user.0, (account.to_owned(), now + SHOWING_SECS));
        }
        self.wake();
    }

    fn shown(&self, user: UserId, now: i64) -> Option<String> {
        let map = self.showing.lock().ok()?;
        map.get(&user.0)
            .filter(|(_, until)| *until > now)
            .map(|(account, _)| account.clone())
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

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
                () = ctx.sync.bell.notified() => {}
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
        if let Err(e) = sync_user(ctx, user).instrument(span).await {
            tracing::warn!(user_id = user.0, error = %e, "sync step failed");
        }
    }
    Ok(())
}

/// Reads client-info if its lane is open (the gateway stores the snapshot) and tracks new
/// accounts and jars. `None` when the lane is closed or Monobank failed (logged).
async fn read_accounts(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
) -> Result<Option<UserInfo>, StoreError> {
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
    let key = attached.credential.lane_key.clone();
    // The token may have been removed or replaced while the call was on its way.
    let current = db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            for id in &ids {
                sync::track(conn, user, id, history_from, now)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(current.map(|()| info))
}

/// Writes a sync row back ([`sync::save`]) unless the token it was read for went meanwhile.
async fn save_if_current(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    row: sync::SyncAccount,
) -> Result<(), StoreError> {
    let key = attached.credential.lane_key.clone();
    db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| Ok(sync::save(conn, &row)?))
    })
    .await
    .map(drop)
}

/// A genuine event could not be stored: webhook coverage is cut at now (a `receiver_failed`
/// gap) until client-info confirms the receiver, and the gap is fetched. Logged when even that
/// cannot be written (the database is down).
pub async fn note_receiver_failure(ctx: &Context, user: UserId) {
    let now = ctx.clock.now();
    let noted = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if sync::user(conn, user)?.is_some_and(|u| u.held_from.is_some()) {
                let next = Some((now + 1, false));
                cut_coverage(conn, user, "receiver_failed", Some(now), next, now)?;
                sync::webhook_checked(conn, user, 0)?;
            }
            Ok(())
        })
    })
    .await;
    if let Err(e) = noted {
        tracing::error!(error = %e, "could not note that a webhook event was lost");
    }
    ctx.sync.wake();
}

/// Registers monoweb's own receiver for `user` with a new secret (the previous one stops
/// working). The secret's hash is stored before Monobank is asked, because Monobank checks the
/// URL with a GET while it registers it; on failure the previous record is put back.
#[tracing::instrument(skip(ctx))]
pub async fn register_own_webhook(ctx: &Context, user: UserId) -> Result<(), ViewError> {
    let attached = tokens::usable(tokens::load(ctx, user).await?)?;
    if attached.credential.secret.is_provider() {
        return Err(ViewError::ProviderWebhook);
    }
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
    let key = attached.credential.lane_key.clone();
    let (previous_url, previous_hash) = db::run(&ctx.pool, {
        let (prefix, key) = (prefix.clone(), key.clone());
        move |conn| {
            db::write_transaction(conn, |conn| {
                let Some(row) =
                    crate::db::tokens::find(conn, user)?.filter(|row| row.fingerprint == key)
                else {
                    return Ok(None);
                };
                crate::db::tokens::set_webhook(conn, user, Some(&prefix), Some(&hash))?;
                Ok(Some((row.webhook_url, row.webhook_secret_hash)))
            })
        }
    })
    .await?
    .ok_or(TokenError::NotAdded)?;
    let result = super::mono::call_set_webhook(ctx, &attached, &format!("{prefix}{secret}")).await;
    // The token may have been removed or replaced while Monobank was asked: then nothing of this
    // registration is written onto what took its place.
    if let Err(e) = result {
        let key = key.clone();
        db::run(&ctx.pool, move |conn| {
            crate::db::tokens::while_attached(conn, user, &key, |conn| {
                let (url, hash) = (previous_url.as_deref(), previous_hash.as_deref());
                Ok(crate::db::tokens::set_webhook(conn, user, url, hash)?)
            })
        })
        .await?;
        return Err(e);
    }
    // From the next second on, every operation arrives here; what happened before is a gap
    // the sync fetches first.
    let now = ctx.clock.now();
    let current = db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            let since = sync::accounts(conn, user)?
                .iter()
                .filter(|r| !r.closed && r.synced_from <= r.synced_to)
                .map(|r| r.synced_to + 1)
                .min()
                .unwrap_or(now)
                .min(now);
            sync::set_held(conn, user, Some(now + 1), true)?;
            sync::record_gap(conn, user, "registered", (since, now), now)?;
            Ok(())
        })
    })
    .await?;
    if current.is_none() {
        return Err(TokenError::NotAdded.into());
    }
    tracing::info!("monoweb's own webhook registered at Monobank");
    ctx.sync.wake();
    Ok(())
}

/// Which fetch of an account a job continues or starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    /// Recent days: the newest month, a catch-up after a gap, a re-read of open holds.
    Recent,
    /// Older history, back to `history_from`.
    Older,
}

/// Why a job is due, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// A gap after the last fetch (missed webhooks, downtime, a registration), a catch-up, or a
    /// recent fetch in progress.
    Gap,
    /// The newest month of an account never fetched.
    Newest,
    /// Older history of the account a page is showing.
    Shown,
    /// The span of open holds, read again until they settle or vanish.
    Reread,
    /// Older history.
    Older,
}

/// One statement page to fetch.
#[derive(Clone, Debug)]
pub struct Job {
    pub row: SyncAccount,
    pub track: Track,
    pub urgency: Urgency,
    pub cursor: StatementCursor,
}

/// What the scheduler knows of a user besides the sync rows.
#[derive(Clone, Debug, Default)]
pub struct Outlook<'a> {
    /// Per account, the time of the oldest open hold of the recent month.
    pub holds: HashMap<String, i64>,
    /// Since when webhook deliveries bring every operation.
    pub held_since: Option<i64>,
    /// The account a page is showing.
    pub shown: Option<&'a str>,
    /// The default card (first among equals).
    pub preferred: Option<&'a str>,
}

/// The job an account needs most, if any.
fn job_for(row: &SyncAccount, outlook: &Outlook<'_>, now: i64) -> Option<Job> {
    let shown = outlook.shown == Some(row.account.as_str());
    let job = |track, urgency, cursor| {
        Some(Job {
            row: row.clone(),
            track,
            urgency,
            cursor,
        })
    };
    let recent = |from: i64| StatementCursor::new(row.account.clone(), from, now - 1).ok();
    let synced = row.synced_from <= row.synced_to;
    if let Some(cursor) = super::history::recent_cursor_of(row) {
        let urgency = if synced {
            Urgency::Gap
        } else {
            Urgency::Newest
        };
        return job(Track::Recent, urgency, cursor);
    }
    if !synced {
        let from = row.history_from.max(now - RECENT_SECS);
        return job(Track::Recent, Urgency::Newest, recent(from)?);
    }
    let behind = now - 1 > row.synced_to;
    let tail_missing = match outlook.held_since {
        Some(held) => row.synced_to + 1 < held,
        None => now - row.synced_to > if shown { SHOWN_GAP_SECS } else { GAP_SECS },
    };
    if behind && tail_missing {
        return job(
            Track::Recent,
            Urgency::Gap,
            recent(row.synced_to - GAP_MARGIN_SECS)?,
        );
    }
    let older = || {
        if row.synced_from <= row.history_from {
            return None;
        }
        let cursor = super::history::cursor_of(row).or_else(|| {
            StatementCursor::new(row.account.clone(), row.history_from, row.synced_from - 1).ok()
        })?;
        let urgency = if shown {
            Urgency::Shown
        } else {
            Urgency::Older
        };
        job(Track::Older, urgency, cursor)
    };
    let reread = outlook
        .holds
        .get(&row.account)
        .filter(|_| now - row.reread_at >= REREAD_SECS)
        .and_then(|&oldest| recent(oldest.max(now - RECENT_SECS)))
        .map(|cursor| Job {
            row: row.clone(),
            track: Track::Recent,
            urgency: Urgency::Reread,
            cursor,
        });
    match (reread, older()) {
        (Some(r), Some(o)) => Some(if o.urgency < r.urgency { o } else { r }),
        (r, o) => r.or(o),
    }
}

/// The next statement page to fetch for a user: the most urgent job, then the account a page
/// is showing, then the account whose turn is oldest (round robin), the default card first
/// among equals.
pub fn plan(rows: &[SyncAccount], outlook: &Outlook<'_>, now: i64) -> Option<Job> {
    rows.iter()
        // A closed account is done; one whose last call failed waits for its retry time.
        .filter(|r| !r.closed && r.retry_at <= now)
        .filter_map(|r| job_for(r, outlook, now))
        .min_by_key(|j| {
            (
                j.urgency,
                outlook.shown != Some(j.row.account.as_str()),
                j.row.turn,
                outlook.preferred != Some(j.row.account.as_str()),
                j.row.account.clone(),
            )
        })
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

/// The row after a page of `job`, whose cursor moved on: finished spans join the covered span.
fn advance(job: &Job, holds: &HashMap<String, i64>, turn: i64, now: i64) -> SyncAccount {
    let mut row = job.row.clone();
    let cursor = &job.cursor;
    row.failures = 0;
    row.retry_at = 0;
    row.last_error = None;
    row.turn = turn;
    row.updated_at = now;
    let json = (!cursor.is_complete())
        .then(|| serde_json::to_string(cursor).ok())
        .flatten();
    match job.track {
        Track::Older => {
            if cursor.is_complete() {
                row.synced_from = row.synced_from.min(cursor.from);
            }
            row.cursor = json;
        }
        Track::Recent => {
            if cursor.is_complete() {
                if row.synced_from > row.synced_to {
                    row.synced_from = cursor.from;
                    row.synced_to = cursor.to;
                } else if cursor.from <= row.synced_to + 1 {
                    row.synced_from = row.synced_from.min(cursor.from);
                    row.synced_to = row.synced_to.max(cursor.to);
                }
                // A recent fetch that read every open hold is their re-read.
                if holds
                    .get(&row.account)
                    .is_none_or(|&oldest| cursor.from <= oldest)
                {
                    row.reread_at = now;
                }
            }
            row.recent_cursor = json;
        }
    }
    row
}

/// One user's round: accounts (when due), then one statement page.
async fn sync_user(ctx: &Context, user: UserId) -> Result<(), StoreError> {
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
            let prefix = own_prefix(ctx);
            let shown_own = fresh.web_hook_url.starts_with(&prefix);
            let key = attached.credential.lane_key.clone();
            let lost = db::run(&ctx.pool, move |conn| {
                crate::db::tokens::while_attached(conn, user, &key, |conn| {
                    sync::webhook_checked(conn, user, now)?;
                    // Whether monoweb's receiver is still the one on record: the user may have
                    // set another URL while this call was on its way.
                    let own = crate::db::tokens::find(conn, user)?
                        .is_some_and(|t| t.webhook_url.as_deref() == Some(prefix.as_str()));
                    let still_own = own && shown_own;
                    let since = if checked_at > 0 { checked_at } else { now };
                    if still_own {
                        if sync::user(conn, user)?.is_some_and(|u| u.held_from.is_some()) {
                            sync::confirm_held(conn, user)?;
                        } else {
                            // Registered before monoweb kept webhook coverage (an upgrade):
                            // it holds from now on; what came before is a gap.
                            sync::set_held(conn, user, Some(now + 1), true)?;
                            sync::record_gap(conn, user, "registered", (since, now), now)?;
                        }
                    } else if own {
                        // Deliveries since the last check (and a while before) may be lost.
                        let worked = (checked_at > 0).then_some(checked_at);
                        cut_coverage(conn, user, "switched_off", worked, None, now)?;
                    }
                    Ok(own && !still_own)
                })
            })
            .await?
            .unwrap_or(false);
            if lost {
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
    let preferred = info
        .as_ref()
        .and_then(|info| default_account(info).map(|a| a.id.clone()));
    let shown = ctx.sync.shown(user, now);
    let outlook = Outlook {
        holds,
        held_since: sync_row.as_ref().and_then(sync::SyncUser::held_since),
        shown: shown.as_deref(),
        preferred: preferred.as_deref(),
    };
    let Some(mut job) = plan(&rows, &outlook, now) else {
        return Ok(());
    };
    let turn = rows.iter().map(|r| r.turn).max().unwrap_or(0) + 1;
    let before = job.cursor.next_request();
    let requested_at = ctx.clock.now();
    let step = ctx
        .upstream
        .statement_page(&attached.credential, &mut job.cursor)
        .await;
    let row = job.row.clone();
    match step {
        Ok(Step::Fetched(items)) => {
            let account = row.account.clone();
            let cursor = &job.cursor;
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
            let next = advance(&job, &outlook.holds, turn, now);
            let fetched = rows.len();
            let key = attached.credential.lane_key.clone();
            // A token removed or replaced while the page was on its way: its data is not
            // written after it went.
            db::run(&ctx.pool, move |conn| {
                crate::db::tokens::while_attached(conn, user, &key, |conn| {
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
            metrics::counter!("sync_statement_calls_total", "outcome" => "fetched").increment(1);
            metrics::counter!("sync_items_fetched_total").increment(fetched as u64);
            tracing::debug!(fetched, urgency = ?job.urgency, "sync fetched a statement page");
        }
        Ok(Step::Complete) => {
            let next = advance(&job, &outlook.holds, turn, now);
            save_if_current(ctx, user, &attached, next).await?;
        }
        Ok(Step::LaneClosed { .. }) => {}
        Err(UpstreamError::Mono(MonoError::BadRequest(text))) if is_unknown_account(&text) => {
            // Monobank does not know this account (a closed card or jar): stop asking for it,
            // and say so. What was fetched stays; nothing is marked fetched that was not.
            tracing::warn!(account = %row.account, "Monobank does not know the account; its sync ends");
            let mut closed = row;
            closed.closed = true;
            closed.cursor = None;
            closed.recent_cursor = None;
            closed.last_error = Some("Monobank does not know this account (closed?).".into());
            closed.updated_at = now;
            save_if_current(ctx, user, &attached, closed).await?;
        }
        Err(UpstreamError::Mono(e)) => {
            // Not data: the span stays unfetched, and the account is tried again later.
            let mut failed = row;
            failed.failures = failed.failures.saturating_add(1);
            failed.retry_at = now + retry_delay(failed.failures);
            failed.last_error = Some(e.to_string());
            failed.updated_at = now;
            metrics::counter!("sync_statement_calls_total", "outcome" => "failed").increment(1);
            tracing::warn!(error = %e, failures = failed.failures, "sync statement call failed");
            save_if_current(ctx, user, &attached, failed).await?;
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

    const NOW: i64 = 100_000_000;
    const DAY: i64 = 86_400;

    fn row(account: &str, history_from: i64, synced_from: i64, synced_to: i64) -> SyncAccount {
        let mut row = SyncAccount::untouched(UserId(1), account, history_from, 0);
        (row.synced_from, row.synced_to, row.updated_at) = (synced_from, synced_to, 0);
        row
    }

    fn fresh(account: &str) -> SyncAccount {
        row(account, NOW - 365 * DAY, NOW + 1, NOW)
    }

    fn planned(rows: &[SyncAccount], outlook: &Outlook<'_>) -> (String, Urgency, i64, i64) {
        let job = plan(rows, outlook, NOW).unwrap_or_else(|| panic!("a job"));
        (job.row.account, job.urgency, job.cursor.from, job.cursor.to)
    }

    #[test]
    fn the_newest_month_of_every_account_comes_before_older_history() {
        let mut rows = vec![fresh("a"), fresh("b"), fresh("c")];
        let outlook = Outlook {
            preferred: Some("b"),
            ..Outlook::default()
        };
        let mut order = Vec::new();
        for turn in 1..=6 {
            let job = plan(&rows, &outlook, NOW).unwrap_or_else(|| panic!("a job"));
            order.push((job.row.account.clone(), job.urgency));
            let mut done = job.clone();
            while !done.cursor.is_complete() {
                let (_, to) = done.cursor.next_request().unwrap_or_else(|| panic!());
                done.cursor.record(Vec::new());
                assert!(to < NOW);
            }
            // One window per call: the older track takes one window, then it is another's turn.
            let next = advance(&done, &HashMap::new(), turn, NOW);
            let i = rows
                .iter()
                .position(|r| r.account == next.account)
                .unwrap_or_else(|| panic!());
            rows[i] = next;
        }
        assert_eq!(
            order,
            [
                ("b".to_owned(), Urgency::Newest),
                ("a".to_owned(), Urgency::Newest),
                ("c".to_owned(), Urgency::Newest),
                ("b".to_owned(), Urgency::Older),
                ("a".to_owned(), Urgency::Older),
                ("c".to_owned(), Urgency::Older),
            ]
        );
        assert_eq!(rows[0].synced_from, NOW - 365 * DAY, "older history joined");
    }

    #[test]
    fn the_first_fetch_is_the_newest_month_up_to_the_second_before_now() {
        let (_, urgency, from, to) = planned(&[fresh("a")], &Outlook::default());
        assert_eq!(
            (urgency, from, to),
            (Urgency::Newest, NOW - RECENT_SECS, NOW - 1)
        );
    }

    #[test]
    fn gaps_and_catch_ups_go_first() {
        let behind = row("old", NOW - 30 * DAY, NOW - 30 * DAY, NOW - GAP_SECS - 2);
        let rows = [fresh("new"), behind.clone()];
        let (account, urgency, from, to) = planned(&rows, &Outlook::default());
        assert_eq!(account, "old");
        assert_eq!(urgency, Urgency::Gap);
        assert_eq!((from, to), (NOW - GAP_SECS - 2 - GAP_MARGIN_SECS, NOW - 1));
        let recent = row("a", NOW - 30 * DAY, NOW - 30 * DAY, NOW - 10);
        assert!(
            plan(std::slice::from_ref(&recent), &Outlook::default(), NOW).is_none(),
            "up to date"
        );
        let held = Outlook {
            held_since: Some(NOW - 5),
            ..Outlook::default()
        };
        let (_, urgency, _, _) = planned(std::slice::from_ref(&recent), &held);
        assert_eq!(
            urgency,
            Urgency::Gap,
            "seconds between the fetch and the webhook's start"
        );
        let held = Outlook {
            held_since: Some(NOW - 9),
            ..Outlook::default()
        };
        assert!(
            plan(&[recent], &held, NOW).is_none(),
            "the webhook holds the rest"
        );
    }

    #[test]
    fn open_holds_are_read_again_before_older_history_but_after_every_newest_month() {
        let synced = row("a", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10);
        let outlook = Outlook {
            holds: HashMap::from([("a".to_owned(), NOW - 5 * DAY)]),
            ..Outlook::default()
        };
        let (_, urgency, from, to) = planned(std::slice::from_ref(&synced), &outlook);
        assert_eq!(
            (urgency, from, to),
            (Urgency::Reread, NOW - 5 * DAY, NOW - 1)
        );
        let (account, urgency, _, _) = planned(&[synced.clone(), fresh("b")], &outlook);
        assert_eq!((account.as_str(), urgency), ("b", Urgency::Newest));
        let mut reread = synced;
        reread.reread_at = NOW - REREAD_SECS + 1;
        let (_, urgency, _, _) = planned(&[reread], &outlook);
        assert_eq!(urgency, Urgency::Older, "not again within the hour");
    }

    #[test]
    fn the_account_a_page_shows_goes_first_within_its_class() {
        let rows = [fresh("a"), fresh("b")];
        let outlook = Outlook {
            shown: Some("b"),
            ..Outlook::default()
        };
        assert_eq!(planned(&rows, &outlook).0, "b");
        let older = [
            row("a", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10),
            row("b", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10),
        ];
        let (account, urgency, _, _) = planned(&older, &outlook);
        assert_eq!((account.as_str(), urgency), ("b", Urgency::Shown));
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
        let mut waiting = fresh("a");
        waiting.retry_at = NOW + 60;
        assert!(plan(std::slice::from_ref(&waiting), &Outlook::default(), NOW).is_none());
        waiting.retry_at = NOW;
        assert!(plan(std::slice::from_ref(&waiting), &Outlook::default(), NOW).is_some());
        let mut closed = fresh("a");
        closed.closed = true;
        assert!(plan(&[closed], &Outlook::default(), NOW).is_none());
    }

    #[test]
    fn a_recent_fetch_joins_the_covered_span_only_when_it_touches_it() {
        let job = |row: SyncAccount, from: i64, to: i64| {
            let mut cursor = StatementCursor::new("a", from, to).unwrap_or_else(|_| panic!());
            cursor.record(Vec::new());
            Job {
                row,
                track: Track::Recent,
                urgency: Urgency::Gap,
                cursor,
            }
        };
        let r = advance(&job(row("a", 0, 100, 200), 150, 300), &HashMap::new(), 1, 7);
        assert_eq!(
            (r.synced_from, r.synced_to, r.recent_cursor),
            (100, 300, None)
        );
        let r = advance(&job(row("a", 0, 100, 200), 250, 300), &HashMap::new(), 1, 7);
        assert_eq!(
            (r.synced_from, r.synced_to),
            (100, 200),
            "a hole at 201..249"
        );
        let holds = HashMap::from([("a".to_owned(), 140)]);
        let r = advance(&job(row("a", 0, 100, 200), 150, 300), &holds, 1, 7);
        assert_eq!(r.reread_at, 0, "the hold at 140 was not read again");
        let r = advance(&job(row("a", 0, 100, 200), 130, 300), &holds, 1, 7);
        assert_eq!(r.reread_at, 7);
    }
}
