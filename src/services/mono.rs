//! What the Mono views do: client-info and balance from a per-user snapshot within Monobank's
//! limits, currency rates from the shared cache, statements within the lane, and webhooks.
//!
//! Upstream trouble, uniformly (`docs/monobank-api.md`, M10): when the lane is closed or Monobank answers 429, 5xx,
//! garbage or times out, the last snapshot is served marked stale; with no snapshot the view
//! fails with a [`ViewError`], which the HTTP layer maps to its answer in one place
//! (`src/api/errors.rs`). A rejected token is always 422, and an edge 403 stops every call of
//! this instance for a while.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::client_info::{currency_of, default_account};
use super::tokens::{self, Attached, TokenError};
use super::Context;
use crate::auth::claim::Claim;
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots};
use crate::upstream::{retry_after, Answer, UpstreamError, FRESH_SECS};
use monobank::currency::{format_minor, CurrencyCode, UAH};
use monobank::limit::LANE_SECS;
use monobank::statement::{StatementCursor, Step};
use monobank::types::{CurrencyInfo, StatementItem, UserInfo};
use monobank::MonoError;

/// Why a Mono view could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// No usable token: none attached, or it does not open.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Monobank failed or could not be asked, and nothing stored could stand in.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The account asked for is not one of the user's accounts or jars (or Monobank does not
    /// know it).
    #[error("not one of the user's accounts or jars")]
    UnknownAccount,
    /// The user's accounts have not been read from Monobank yet, so an account id cannot be
    /// checked.
    #[error("the accounts have not been read yet")]
    AccountsNotRead,
    /// Monobank refused the webhook URL (it must answer its GET with 200).
    #[error("Monobank refused the webhook URL")]
    WebhookUrlRefused,
    /// A provider connection has no webhook of its own: the server's provider webhook brings
    /// its operations.
    #[error("a provider connection has no webhook of its own")]
    ProviderWebhook,
    /// The session ended, or the database failed.
    #[error(transparent)]
    Other(#[from] StoreError),
    /// The session no longer belongs to an active user (the caller ends it).
    #[error("not logged in")]
    NotLoggedIn,
}

/// The user's client-info: the snapshot when it is under a minute old, else one call if the lane
/// is open, else the snapshot marked stale (or 429 with `Retry-After` when there is none); see
/// [`crate::upstream::Upstream::client_info_for_view`].
#[tracing::instrument(skip(ctx, claim), fields(user_id = claim.id.0))]
pub async fn client_info(ctx: &Context, claim: &Claim) -> Result<Answer<Arc<UserInfo>>, ViewError> {
    // The hot path: the user check, the token and the snapshot from memory when read within the
    // last second, else one trip to the database for all three.
    let user = claim.id;
    let hot = &ctx.hot;
    let remembered = (
        hot.users.get(&user),
        hot.tokens.get(&user),
        hot.snapshots.get(&user),
    );
    let (row_user, row, stored) = match remembered {
        (Some(row_user), Some(row), Some(stored)) => (row_user, row, stored),
        _ => {
            let marks = (
                hot.users.read_mark(),
                hot.tokens.read_mark(),
                hot.snapshots.read_mark(),
            );
            let (row_user, row, stored) = db::run(&ctx.pool, move |conn| {
                Ok((
                    crate::db::users::find_by_id(conn, user)?,
                    crate::db::tokens::find(conn, user)?,
                    snapshots::client_info(conn, user)?,
                ))
            })
            .await?;
            let stored = stored.map(|(info, at)| (std::sync::Arc::new(info), at));
            hot.users.put_read(marks.0, user, row_user.clone());
            hot.tokens.put_read(marks.1, user, row.clone());
            hot.snapshots.put_read(marks.2, user, stored.clone());
            (row_user, row, stored)
        }
    };
    // The claim no longer holds: the caller ends the session.
    claim.check(row_user).ok_or(ViewError::NotLoggedIn)?;
    let attached = tokens::usable(tokens::open_row(&ctx.secret, user, row)?)?;
    Ok(ctx
        .upstream
        .client_info_for_view(user, &attached.credential, stored)
        .await?)
}

/// An exact amount of money as the API answers it: a JSON number written with exactly the
/// currency's minor digits (`1234.56` hryvnias, `5` yen), never in exponent form, so a client
/// that reads it as a decimal gets the bank's amount to the kopiyka.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Money(serde_json::Number);

impl Money {
    /// `amount` minor units of `currency`; `None` only for an amount no JSON number holds.
    pub fn of(amount: i64, currency: CurrencyCode) -> Option<Self> {
        format_minor(amount, currency)
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Money)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "An exact amount: a decimal number with exactly the currency's minor digits \
                 (two for UAH, USD and EUR), never in exponent form. Read it as a decimal, not a \
                 binary float, to keep every kopiyka.",
            ))
            .examples([json!(1234.56)])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

/// An amount in minor units as a JSON number with exactly the currency's decimals (`null` for
/// one no JSON number holds).
pub fn money(amount: i64, currency: CurrencyCode) -> Value {
    Money::of(amount, currency).map_or(Value::Null, |m| Value::Number(m.0))
}

/// A card or account in the balance view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceAccount {
    pub id: String,
    /// Monobank's account type: black, white, platinum, iron, fop, yellow, eAid, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// ISO 4217 alpha code.
    #[schema(example = "UAH")]
    pub currency: String,
    /// The balance, credit limit included (as Monobank reports it).
    pub balance: Option<Money>,
    /// The balance without the credit limit.
    pub own_funds: Option<Money>,
    pub credit_limit: Option<Money>,
    /// The masked card numbers (`537541******1234`).
    pub masked_pan: Vec<String>,
    pub iban: String,
    /// None, UAH, Miles; null when Monobank sends none.
    pub cashback_type: Option<String>,
    /// Whether this is the account Monobank serves as `0` (the default UAH card).
    pub default: bool,
}

/// A jar in the balance view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceJar {
    pub id: String,
    pub title: String,
    pub description: String,
    #[schema(example = "UAH")]
    pub currency: String,
    pub balance: Option<Money>,
    /// The target amount; null without one.
    pub goal: Option<Money>,
}

/// The net worth in the balance view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceNetWorth {
    /// Own funds of every account and jar in hryvnias, at Monobank's buying rates; null when a
    /// currency held has no rate.
    pub amount: Option<Money>,
    /// Always `UAH`.
    #[schema(example = "UAH")]
    pub currency: &'static str,
    /// When the rates were fetched (Unix s); null when none were needed or to be had.
    pub rates_at: Option<i64>,
    /// The rate used for each other currency held (hryvnias for one unit), by alpha code.
    #[schema(example = json!({"USD": 41.05}))]
    pub rates: BTreeMap<String, f64>,
}

/// `detail` of the balance view: the default UAH card (Monobank's account `0`), every account and
/// jar, and the net worth.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceDetail {
    /// The default card's balance, in hryvnias; null without a UAH account.
    pub balance: Option<Money>,
    /// Always `UAH`.
    #[schema(example = "UAH")]
    pub currency: &'static str,
    /// The default card's id.
    pub account: Option<String>,
    pub own_funds: Option<Money>,
    pub credit_limit: Option<Money>,
    pub accounts: Vec<BalanceAccount>,
    pub jars: Vec<BalanceJar>,
    pub net_worth: BalanceNetWorth,
}

/// The balance view's answer: the default UAH card, every account and jar, exact decimals, and
/// the net worth in hryvnias at `rates` (fetched at `rates_at`; `None`: no rates to be had).
pub fn balance_of(info: &UserInfo, rates: Option<(&[CurrencyInfo], i64)>) -> BalanceDetail {
    let worth = super::insight::net_worth(info, rates.map_or(&[][..], |r| r.0));
    let default = default_account(info);
    let accounts = info
        .accounts
        .iter()
        .map(|a| {
            let currency = CurrencyCode(a.currency_code);
            BalanceAccount {
                id: a.id.clone(),
                kind: a.kind.clone(),
                currency: currency.to_string(),
                balance: Money::of(a.balance, currency),
                own_funds: Money::of(a.own_funds(), currency),
                credit_limit: Money::of(a.credit_limit, currency),
                masked_pan: a.masked_pan.clone(),
                iban: a.iban.clone(),
                cashback_type: a.cashback_type.clone(),
                default: default.is_some_and(|d| d.id == a.id),
            }
        })
        .collect();
    let jars = info
        .jars
        .iter()
        .flatten()
        .map(|j| {
            let currency = CurrencyCode(j.currency_code);
            BalanceJar {
                id: j.id.clone(),
                title: j.title.clone(),
                description: j.description.clone(),
                currency: currency.to_string(),
                balance: Money::of(j.balance, currency),
                goal: j.goal.and_then(|g| Money::of(g, currency)),
            }
        })
        .collect();
    BalanceDetail {
        balance: default.and_then(|a| Money::of(a.balance, UAH)),
        currency: "UAH",
        account: default.map(|a| a.id.clone()),
        own_funds: default.and_then(|a| Money::of(a.own_funds(), UAH)),
        credit_limit: default.and_then(|a| Money::of(a.credit_limit, UAH)),
        accounts,
        jars,
        net_worth: BalanceNetWorth {
            amount: worth.amount.and_then(|a| Money::of(a, UAH)),
            currency: "UAH",
            rates_at: rates.map(|r| r.1),
            rates: worth.rates,
        },
    }
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
/// that is everything. Asking again later continues where the last call stopped. When the lane
/// is busy (the background sync, another view) and nothing is kept for this period, the answer
/// comes from the transaction store, marked stale and complete only if the store holds it all.
#[tracing::instrument(skip(ctx))]
pub async fn statement(
    ctx: &Context,
    user: UserId,
    account: String,
    period: u8,
) -> Result<StatementAnswer, ViewError> {
    // The lane is busy (the background sync, another view), or Monobank said so.
    let busy = |e: &ViewError| match e {
        ViewError::Upstream(UpstreamError::LaneClosed { retry_after }) => Some(*retry_after),
        ViewError::Upstream(UpstreamError::Mono(MonoError::RateLimited { retry_after })) => {
            Some(retry_after.unwrap_or(60))
        }
        _ => None,
    };
    let fetched = fetch_statement(ctx, user, account.clone(), period).await;
    let Some(retry_after) = fetched.as_ref().err().and_then(busy) else {
        return fetched;
    };
    let now = ctx.clock.now();
    let from = now - i64::from(period) * 86_400;
    match super::history::statement(ctx, user, Some(account), from, now).await {
        Ok(stored) => Ok(StatementAnswer {
            items: stored.items.iter().map(|r| r.item()).collect(),
            complete: stored.complete,
            next_fetch_at: Some(now + i64::try_from(retry_after).unwrap_or(LANE_SECS)),
            fetched_at: now,
            stale: true,
        }),
        Err(_) => fetched,
    }
}

async fn fetch_statement(
    ctx: &Context,
    user: UserId,
    account: String,
    period: u8,
) -> Result<StatementAnswer, ViewError> {
    let kind = format!("statement:{account}:{period}");
    let attached = tokens::usable(tokens::load(ctx, user).await?)?;
    let now = ctx.clock.now();
    let (previous, accounts): (Option<(StatementSnapshot, i64)>, _) = {
        let kind = kind.clone();
        db::run(&ctx.pool, move |conn| {
            Ok((
                snapshots::get(conn, user, &kind)?
                    .and_then(|s| snapshots::parse(&s.json).map(|data| (data, s.fetched_at))),
                snapshots::client_info(conn, user)?,
            ))
        })
        .await?
    };
    // Only the user's own accounts and jars are asked for: another id is refused here, without
    // spending the token's minute on it ("0" is Monobank's name for the default card).
    if account != "0" {
        match accounts {
            Some((info, _)) if currency_of(&info, &account).is_some() => {}
            Some(_) => return Err(ViewError::UnknownAccount),
            None => return Err(ViewError::AccountsNotRead),
        }
    }
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
            let cursor = StatementCursor::new(account, from, now).map_err(StoreError::internal)?;
            (
                StatementSnapshot {
                    cursor,
                    items: Vec::new(),
                },
                old,
            )
        }
    };
    fetch_or_serve(ctx, user, &attached, kind, snap, fallback, now).await
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
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    kind: String,
    mut snap: StatementSnapshot,
    fallback: Option<(StatementSnapshot, i64)>,
    now: i64,
) -> Result<StatementAnswer, ViewError> {
    let serve = |error: ViewError, next_at: Option<i64>| match fallback {
        Some((old, fetched_at)) => Ok(answer(old, fetched_at, true, next_at)),
        None => Err(error),
    };
    let step = ctx
        .upstream
        .statement_page(&attached.credential, &mut snap.cursor)
        .await;
    match step {
        Ok(Step::Fetched(items)) => {
            snap.items.extend(items);
            let json = serde_json::to_string(&snap).map_err(StoreError::internal)?;
            let key = attached.credential.lane_key.clone();
            // Not after the token the page was read with was removed or replaced.
            db::run(&ctx.pool, move |conn| {
                crate::db::tokens::while_attached(conn, user, &key, |conn| {
                    Ok(snapshots::put(conn, user, &kind, &json, now)?)
                })
            })
            .await?;
            Ok(answer(snap, now, false, Some(now + LANE_SECS)))
        }
        Ok(Step::Complete) => Ok(answer(snap, now, false, None)),
        Ok(Step::LaneClosed { next_at }) => serve(
            UpstreamError::LaneClosed {
                retry_after: retry_after(next_at, now),
            }
            .into(),
            Some(next_at),
        ),
        Err(UpstreamError::Mono(MonoError::BadRequest(_))) => Err(ViewError::UnknownAccount),
        Err(UpstreamError::Mono(e)) if e.is_transient() || e == MonoError::EdgeBlocked => {
            serve(UpstreamError::Mono(e).into(), Some(now + LANE_SECS))
        }
        Err(e) => Err(e.into()),
    }
}

/// Asks Monobank to send `attached`'s transactions to `url` (it checks the URL with a GET).
pub async fn call_set_webhook(
    ctx: &Context,
    attached: &Attached,
    url: &str,
) -> Result<(), ViewError> {
    if attached.credential.secret.is_provider() {
        return Err(ViewError::ProviderWebhook);
    }
    match ctx.upstream.set_webhook(&attached.credential, url).await {
        Ok(()) => Ok(()),
        Err(MonoError::BadRequest(_)) => Err(ViewError::WebhookUrlRefused),
        Err(e) => Err(UpstreamError::Mono(e).into()),
    }
}
/// Registers `url` as the token's webhook at Monobank and records that monoweb set it.
#[tracing::instrument(skip(ctx, url))]
pub async fn set_webhook(ctx: &Context, user: UserId, url: String) -> Result<(), ViewError> {
    let attached = tokens::usable(tokens::load(ctx, user).await?)?;
    if attached.credential.secret.is_provider() {
        return Err(ViewError::ProviderWebhook);
    }
    // From the moment Monobank is asked, deliveries may go elsewhere: monoweb's store no longer
    // hears of every operation (even if the call fails: it may have reached Monobank).
    db::run(&ctx.pool, move |conn| {
        Ok(crate::db::sync::set_held(conn, user, None, false)?)
    })
    .await?;
    call_set_webhook(ctx, &attached, &url).await?;
    let key = attached.credential.lane_key.clone();
    // Not onto a token that replaced this one while Monobank was asked.
    db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            Ok(crate::db::tokens::set_webhook(
                conn,
                user,
                Some(&url),
                None,
            )?)
        })
    })
    .await?;
    tracing::info!("webhook registered at Monobank");
    Ok(())
}
