//! What the Mono views do: client-info and balance from a per-user snapshot within Monobank's
//! limits, currency rates from the shared cache, statements within the lane, and webhooks.
//!
//! Upstream trouble, uniformly (DESIGN.md): when the lane is closed or Monobank answers 429, 5xx,
//! garbage or times out, the last snapshot is served marked stale; with no snapshot the error is
//! mapped once, by `From<MonoError> for AppError`. A rejected token is always 422, and an edge
//! 403 stops every call of this instance for a while.

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::tokens::{self, Attached};
use crate::auth::current_user::SessionUser;
use crate::db::users::UserId;
use crate::db::{self, snapshots};
use crate::error::AppError;
use crate::mono::currency::{format_minor, CurrencyCode, UAH};
use crate::mono::lanes::{self, Endpoint, Through};
use crate::mono::statement::{self, StatementCursor, Step, StepError};
use crate::mono::types::{StatementItem, UserInfo};
use crate::mono::MonoError;
use crate::startup::AppState;

/// How long after an edge-firewall 403 no call is made.
const EDGE_BACKOFF_SECS: i64 = 15 * 60;
/// A snapshot younger than this is served without asking Monobank (it could not answer anyway).
const FRESH_SECS: i64 = lanes::LANE_SECS;
/// The snapshot kind of client-info.
pub const CLIENT_INFO: &str = "client-info";

/// Data and how old it is.
#[derive(Debug)]
pub struct Answer<T> {
    pub data: T,
    pub fetched_at: i64,
    /// Served from a snapshot because Monobank could not be asked or failed.
    pub stale: bool,
}

/// Whether an error means "try later" (serve the snapshot) rather than "this is wrong".
fn servable_from_snapshot(e: &MonoError) -> bool {
    e.is_transient() || matches!(e, MonoError::EdgeBlocked)
}

pub fn note_edge_block(state: &AppState, e: &MonoError) {
    if matches!(e, MonoError::EdgeBlocked) {
        let until = state.clock.now() + EDGE_BACKOFF_SECS;
        state.mono_blocked_until.store(until, Ordering::SeqCst);
        tracing::error!(
            until,
            "Monobank's edge firewall blocked this server; pausing all calls"
        );
    }
}

/// `Err` while the edge back-off lasts.
pub fn check_backoff(state: &AppState) -> Result<(), MonoError> {
    if state.mono_blocked_until.load(Ordering::SeqCst) > state.clock.now() {
        return Err(MonoError::EdgeBlocked);
    }
    Ok(())
}

async fn load_snapshot<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    user: UserId,
    kind: String,
) -> Result<Option<(T, i64)>, AppError> {
    let snap = db::run(&state.pool, move |conn| {
        Ok(snapshots::get(conn, user, &kind)?)
    })
    .await?;
    Ok(snap.and_then(|s| parse_snapshot(&s.json).map(|data| (data, s.fetched_at))))
}

/// A snapshot's data; an unreadable one is logged and ignored.
pub fn parse_snapshot<T: for<'de> Deserialize<'de>>(json: &str) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(data) => Some(data),
        Err(e) => {
            tracing::warn!(error = %e, "an unreadable snapshot is ignored");
            None
        }
    }
}

async fn save_snapshot<T: Serialize>(
    state: &AppState,
    user: UserId,
    kind: String,
    data: &T,
    now: i64,
) -> Result<(), AppError> {
    let json = serde_json::to_string(data).map_err(AppError::internal)?;
    db::run(&state.pool, move |conn| {
        Ok(snapshots::put(conn, user, &kind, &json, now)?)
    })
    .await?;
    Ok(())
}

/// The user's client-info: the snapshot when it is under a minute old, else one call if the lane
/// is open, else the snapshot marked stale (or 429 with `Retry-After` when there is none).
#[tracing::instrument(skip(state, session_user), fields(user_id = session_user.id.0))]
pub async fn client_info(
    state: &AppState,
    session_user: &SessionUser,
) -> Result<Answer<UserInfo>, AppError> {
    // One trip to the database for the user check, the token and the snapshot: the hot path.
    let user = session_user.id;
    let (row_user, row, snap) = db::run(&state.pool, move |conn| {
        Ok((
            crate::db::users::find_by_id(conn, user)?,
            crate::db::tokens::find(conn, user)?,
            snapshots::get(conn, user, CLIENT_INFO)?,
        ))
    })
    .await?;
    session_user
        .check(row_user)
        .inspect_err(|_| session_user.end())?;
    let attached = tokens::open_row(&state.secret, user, row)?;
    let now = state.clock.now();
    let snapshot: Option<(UserInfo, i64)> =
        snap.and_then(|s| parse_snapshot(&s.json).map(|d| (d, s.fetched_at)));
    if let Some((info, fetched_at)) = &snapshot {
        if now - fetched_at < FRESH_SECS {
            return Ok(Answer {
                data: info.clone(),
                fetched_at: *fetched_at,
                stale: false,
            });
        }
    }
    let stale = |error: AppError| match &snapshot {
        Some((info, fetched_at)) => Ok(Answer {
            data: info.clone(),
            fetched_at: *fetched_at,
            stale: true,
        }),
        None => Err(error),
    };
    if let Err(e) = check_backoff(state) {
        return stale(e.into());
    }
    let through = lanes::call_through(
        &state.pool,
        &state.clock,
        &attached.fingerprint,
        Endpoint::ClientInfo,
        || state.mono.client_info(&attached.token),
    )
    .await?;
    let result = match through {
        Through::Called(result) => result,
        Through::Closed { next_at } => {
            if snapshot.is_none() && next_at - lanes::LANE_SECS >= now - IN_FLIGHT_SECS {
                // The lane was taken moments ago (the background sync, another tab): that
                // answer is on its way; wait for it rather than answer "too many requests".
                if let Some(answer) = await_snapshot(state, user).await? {
                    return Ok(answer);
                }
            }
            return stale(AppError::RateLimited {
                retry_after: retry_after(next_at, now),
            });
        }
    };
    match result {
        Ok(info) => {
            save_snapshot(state, user, CLIENT_INFO.into(), &info, now).await?;
            Ok(Answer {
                data: info,
                fetched_at: now,
                stale: false,
            })
        }
        Err(e) => {
            note_edge_block(state, &e);
            if servable_from_snapshot(&e) {
                stale(e.into())
            } else {
                Err(e.into())
            }
        }
    }
}

/// A lane taken less than this long ago probably has its call still in flight.
const IN_FLIGHT_SECS: i64 = 10;

/// Waits (at most 3 s) for a client-info snapshot that another caller is fetching.
pub async fn await_snapshot(
    state: &AppState,
    user: UserId,
) -> Result<Option<Answer<UserInfo>>, AppError> {
    for _ in 0..30 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Some((data, fetched_at)) =
            load_snapshot::<UserInfo>(state, user, CLIENT_INFO.into()).await?
        {
            return Ok(Some(Answer {
                data,
                fetched_at,
                stale: false,
            }));
        }
    }
    Ok(None)
}

fn retry_after(next_at: i64, now: i64) -> u64 {
    u64::try_from(next_at - now).unwrap_or(1).max(1)
}

/// An amount in minor units as a JSON number with exactly the currency's decimals.
pub fn money(amount: i64, currency: CurrencyCode) -> Value {
    format_minor(amount, currency)
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// The account Mono serves as `0`: the first black UAH card, else the first UAH account. Mono's
/// order is not stable, so ties go to the smallest id.
pub fn default_account(info: &UserInfo) -> Option<&crate::mono::types::Account> {
    let uah = |a: &&crate::mono::types::Account| a.currency_code == UAH.0;
    let smallest =
        |a: &&crate::mono::types::Account, b: &&crate::mono::types::Account| a.id.cmp(&b.id);
    info.accounts
        .iter()
        .filter(uah)
        .filter(|a| a.kind == "black")
        .min_by(smallest)
        .or_else(|| info.accounts.iter().filter(uah).min_by(smallest))
}

/// The balance view's answer: the default UAH card, every account and jar, exact decimals.
pub fn balance_of(info: &UserInfo) -> Value {
    let default = default_account(info);
    let accounts: Vec<Value> = info
        .accounts
        .iter()
        .map(|a| {
            let currency = CurrencyCode(a.currency_code);
            json!({
                "id": a.id,
                "type": a.kind,
                "currency": currency.to_string(),
                "balance": money(a.balance, currency),
                "own_funds": money(a.own_funds(), currency),
                "credit_limit": money(a.credit_limit, currency),
                "masked_pan": a.masked_pan,
                "iban": a.iban,
                "cashback_type": a.cashback_type,
                "default": default.is_some_and(|d| d.id == a.id),
            })
        })
        .collect();
    let jars: Vec<Value> = info
        .jars
        .iter()
        .flatten()
        .map(|j| {
            let currency = CurrencyCode(j.currency_code);
            json!({
                "id": j.id,
                "title": j.title,
                "description": j.description,
                "currency": currency.to_string(),
                "balance": money(j.balance, currency),
                "goal": j.goal.map(|g| money(g, currency)),
            })
        })
        .collect();
    json!({
        "balance": default.map(|a| money(a.balance, UAH)),
        "currency": "UAH",
        "account": default.map(|a| a.id.clone()),
        "own_funds": default.map(|a| money(a.own_funds(), UAH)),
        "credit_limit": default.map(|a| money(a.credit_limit, UAH)),
        "accounts": accounts,
        "jars": jars,
    })
}

/// A statement fetch in progress or done, kept as a snapshot per (account, period).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StatementSnapshot {
    cursor: StatementCursor,
    items: Vec<StatementItem>,
}

/// The statement view's answer.
#[derive(Debug)]
pub struct StatementAnswer {
    pub items: Vec<StatementItem>,
    pub complete: bool,
    /// When more can be fetched (Unix s), while incomplete.
    pub next_fetch_at: Option<i64>,
    pub fetched_at: i64,
    pub stale: bool,
}

/// The statement of `account` for the last `period` days. Never waits for the lane and never
/// breaks it: it makes at most one call, answers with what it has, newest first, and says whether
/// that is everything. Asking again later continues where the last call stopped.
#[tracing::instrument(skip(state))]
pub async fn statement(
    state: &AppState,
    user: UserId,
    account: String,
    period: u8,
) -> Result<StatementAnswer, AppError> {
    let kind = format!("statement:{account}:{period}");
    let attached = tokens::load(state, user).await?;
    let now = state.clock.now();
    let previous: Option<(StatementSnapshot, i64)> =
        load_snapshot(state, user, kind.clone()).await?;
    let (snap, fallback) = match previous {
        // An unfinished fetch continues; as it is, it is also what we serve if no call can be made.
        Some((snap, fetched_at)) if !snap.cursor.is_complete() => {
            (snap.clone(), Some((snap, fetched_at)))
        }
        Some((snap, fetched_at)) if now - fetched_at < FRESH_SECS => {
            return Ok(answer(snap, fetched_at, false, None));
        }
        // Start over; an older complete answer is served if no call can be made.
        old => {
            let from = now - i64::from(period) * 86_400;
            let cursor = StatementCursor::new(account, from, now).map_err(AppError::internal)?;
            (
                StatementSnapshot {
                    cursor,
                    items: Vec::new(),
                },
                old,
            )
        }
    };
    fetch_or_serve(state, user, &attached, kind, snap, fallback, now).await
}

fn answer(
    snap: StatementSnapshot,
    fetched_at: i64,
    stale: bool,
    next_fetch_at: Option<i64>,
) -> StatementAnswer {
    let complete = snap.cursor.is_complete();
    let mut items = snap.items;
    items.sort_by_key(|i| std::cmp::Reverse(i.time));
    StatementAnswer {
        items,
        complete,
        next_fetch_at: if complete { None } else { next_fetch_at },
        fetched_at,
        stale,
    }
}

async fn fetch_or_serve(
    state: &AppState,
    user: UserId,
    attached: &Attached,
    kind: String,
    mut snap: StatementSnapshot,
    fallback: Option<(StatementSnapshot, i64)>,
    now: i64,
) -> Result<StatementAnswer, AppError> {
    let serve = |error: AppError, next_at: Option<i64>| match fallback {
        Some((old, fetched_at)) => Ok(answer(old, fetched_at, true, next_at)),
        None => Err(error),
    };
    if let Err(e) = check_backoff(state) {
        return serve(e.into(), None);
    }
    let step = statement::step(
        &state.mono,
        &state.pool,
        &attached.token,
        &attached.fingerprint,
        &mut snap.cursor,
        &state.clock,
    )
    .await;
    match step {
        Ok(Step::Fetched(items)) => {
            snap.items.extend(items);
            save_snapshot(state, user, kind, &snap, now).await?;
            let next_at = now + lanes::LANE_SECS;
            Ok(answer(snap, now, false, Some(next_at)))
        }
        Ok(Step::Complete) => Ok(answer(snap, now, false, None)),
        Ok(Step::LaneClosed { next_at }) => serve(
            AppError::RateLimited {
                retry_after: retry_after(next_at, now),
            },
            Some(next_at),
        ),
        Err(StepError::Db(e)) => Err(e),
        Err(StepError::Mono(MonoError::BadRequest(_))) => {
            Err(AppError::Missing("Unknown account.".into()))
        }
        Err(StepError::Mono(e)) => {
            note_edge_block(state, &e);
            if servable_from_snapshot(&e) {
                serve(e.into(), Some(now + lanes::LANE_SECS))
            } else {
                Err(e.into())
            }
        }
    }
}

/// Asks Monobank to send `attached`'s transactions to `url` (it checks the URL with a GET).
pub async fn call_set_webhook(
    state: &AppState,
    attached: &Attached,
    url: &str,
) -> Result<(), AppError> {
    check_backoff(state)?;
    match state.mono.set_webhook(&attached.token, url).await {
        Ok(()) => Ok(()),
        Err(MonoError::BadRequest(_)) => Err(AppError::field(
            "webHookUrl",
            "Monobank refused this URL: it must be reachable and answer GET with 200.",
        )),
        Err(e) => {
            note_edge_block(state, &e);
            Err(e.into())
        }
    }
}

/// Registers `url` as the token's webhook at Monobank and records that monoweb set it.
#[tracing::instrument(skip(state, url))]
pub async fn set_webhook(state: &AppState, user: UserId, url: String) -> Result<(), AppError> {
    let attached = tokens::load(state, user).await?;
    call_set_webhook(state, &attached, &url).await?;
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        Ok(crate::db::tokens::set_webhook(
            conn,
            user,
            Some(&url),
            None,
            now,
        )?)
    })
    .await?;
    tracing::info!("webhook registered at Monobank");
    Ok(())
}
