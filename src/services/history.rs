//! The transaction store as the views see it: a statement for any range of any account, served
//! from the store, saying whether the store holds all of it yet; the same rows as CSV; and the
//! sync's progress. Nothing here calls Monobank: missing history is fetched by the background
//! sync (`services::sync`), which a view only wakes.

use serde::Serialize;

use super::mono::default_account;
use super::tokens::TokenError;
use super::Context;
use crate::db::sync::{self, SyncAccount};
use crate::db::transactions::{self, TransactionRow};
use crate::db::users::UserId;
use crate::db::{self, snapshots, tokens};
use crate::domain::mcc;
use crate::error::AppError;
use crate::upstream::lanes;
use monobank::currency::{format_minor, CurrencyCode};
use monobank::limit::Endpoint;
use monobank::statement::StatementCursor;
use monobank::types::{StatementItem, UserInfo};

/// The spans of time (Unix s, inclusive) whose transactions are all in the store: the finished
/// part and the part fetched so far by the fetch in progress.
pub fn covered(row: &SyncAccount) -> Vec<(i64, i64)> {
    let mut spans = Vec::new();
    if row.synced_from <= row.synced_to {
        spans.push((row.synced_from, row.synced_to));
    }
    if let Some(cursor) = cursor_of(row) {
        if cursor.fetched_from() <= cursor.to {
            spans.push((cursor.fetched_from(), cursor.to));
        }
    }
    spans
}

/// The fetch in progress of a sync row.
pub fn cursor_of(row: &SyncAccount) -> Option<StatementCursor> {
    row.cursor
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
}

/// Whether `[from, to]` lies within the covered spans (which may touch or overlap).
pub fn is_covered(spans: &[(i64, i64)], from: i64, to: i64) -> bool {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    let mut reach = from;
    for (a, b) in sorted {
        if a <= reach && b >= reach {
            reach = b + 1;
        }
        if reach > to {
            return true;
        }
    }
    from > to
}

/// How far behind the newest fetched second a range may end and still count as complete: the
/// sync catches up an account whose store ends longer ago than this.
pub const FRESH_ENOUGH_SECS: i64 = crate::services::sync::GAP_SECS;

/// Whether the store holds `[from, to]`. The time since the newest fetched second counts as held
/// when monoweb's own webhook is registered (those transactions arrive as they happen) or when
/// it is under an hour (the sync catches up hourly): the store answers like a cache that is at
/// most an hour old, never with a hole inside the range.
pub fn is_complete(spans: &[(i64, i64)], from: i64, to: i64, live: bool) -> bool {
    let newest = spans.iter().map(|s| s.1).max();
    let to = match newest {
        Some(newest) if newest < to && (live || to - newest <= FRESH_ENOUGH_SECS) => {
            newest.max(from - 1)
        }
        _ => to,
    };
    is_covered(spans, from, to)
}

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No token is attached.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The account asked for is not one of the user's accounts or jars.
    #[error("not one of the user's accounts or jars")]
    UnknownAccount,
    /// The user's accounts have not been read from Monobank yet.
    #[error("the accounts have not been read yet")]
    AccountsNotRead,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] AppError),
}

/// A statement from the store.
#[derive(Debug)]
pub struct Stored {
    pub account: String,
    pub currency: CurrencyCode,
    pub items: Vec<TransactionRow>,
    /// Whether the store holds the whole range.
    pub complete: bool,
    /// When the sync can next fetch (Unix s), while incomplete.
    pub next_fetch_at: Option<i64>,
    /// How far the sync has come with this account.
    pub progress: Option<AccountProgress>,
}

/// The account and currency of `requested` ("0" or absent: the default UAH card), checked
/// against the user's client-info.
fn resolve(
    info: &UserInfo,
    requested: Option<&str>,
) -> Result<(String, CurrencyCode), HistoryError> {
    let unknown = || HistoryError::UnknownAccount;
    let id = match requested {
        None | Some("0") => default_account(info)
            .map(|a| a.id.clone())
            .ok_or_else(unknown)?,
        Some(id) => id.to_owned(),
    };
    let currency = currency_of(info, &id).ok_or_else(unknown)?;
    Ok((id, currency))
}

/// The currency of one of the client's accounts or jars, `None` for an id that is neither.
pub fn currency_of(info: &UserInfo, id: &str) -> Option<CurrencyCode> {
    let account = info
        .accounts
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.currency_code);
    let jar = || {
        info.jars
            .iter()
            .flatten()
            .find(|j| j.id == id)
            .map(|j| j.currency_code)
    };
    account.or_else(jar).map(CurrencyCode)
}

/// The transactions of an account between two instants (Unix s, inclusive), newest first, from
/// the store. When the store does not hold all of the range yet, the sync is asked to fetch it
/// (back to `from` if that is older than the history it keeps) and woken.
#[tracing::instrument(skip(ctx))]
pub async fn statement(
    ctx: &Context,
    user: UserId,
    requested: Option<String>,
    from: i64,
    to: i64,
) -> Result<Stored, HistoryError> {
    let now = ctx.clock.now();
    let to = to.min(now);
    let history_days = i64::from(ctx.history_days);
    let (token, snap) = db::run(&ctx.pool, move |conn| {
        Ok((
            tokens::find(conn, user)?,
            snapshots::client_info(conn, user)?,
        ))
    })
    .await?;
    let token = token.ok_or(TokenError::NotAdded)?;
    let info = match snap {
        Some((info, _)) => info,
        None => {
            // The sync reads the accounts right after a token is attached; wait for it briefly.
            ctx.sync.wake();
            match ctx.upstream.await_client_info(user).await? {
                Some(answer) => answer.data,
                None => return Err(HistoryError::AccountsNotRead),
            }
        }
    };
    let (account, currency) = resolve(&info, requested.as_deref())?;
    let acc = account.clone();
    let fingerprint = token.fingerprint.clone();
    let (rows, sync_row, lane) = db::run(&ctx.pool, move |conn| {
        let mut sync_row = sync::account(conn, user, &acc)?;
        // Written only when the sync must learn of the account or of older days.
        if sync_row.as_ref().is_none_or(|r| r.history_from > from) {
            let history_from = (now - history_days * 86_400).min(from);
            sync::track(conn, user, &acc, history_from, now)?;
            sync::extend_history(conn, user, &acc, from)?;
            sync_row = sync::account(conn, user, &acc)?;
        }
        Ok((
            transactions::range(conn, user, &acc, from, to)?,
            sync_row,
            lanes::next_at(conn, &fingerprint, Endpoint::Statement)?,
        ))
    })
    .await?;
    let live = token.webhook_secret_hash.is_some();
    let complete = sync_row
        .as_ref()
        .is_some_and(|row| is_complete(&covered(row), from, to, live));
    if !complete {
        ctx.sync.wake();
    }
    Ok(Stored {
        account,
        currency,
        items: rows,
        complete,
        next_fetch_at: (!complete).then(|| lane.unwrap_or(now).max(now)),
        progress: sync_row.as_ref().map(progress_of),
    })
}

/// One account's sync progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountProgress {
    pub account: String,
    /// The oldest day the sync fetches (Unix s).
    pub history_from: i64,
    /// The span wholly in the store, if any.
    pub synced_from: Option<i64>,
    pub synced_to: Option<i64>,
    /// Month-long windows of the fetch in progress: done of total.
    pub windows_done: u32,
    pub windows_total: u32,
    /// Whether the store holds everything from `history_from` until the last sync (a catch-up
    /// of the latest hours may be running).
    pub complete: bool,
    /// Monobank no longer knows the account (a closed card or jar): its sync has ended.
    pub closed: bool,
    /// What the last failed statement call said, while failures last.
    pub last_error: Option<String>,
    /// When the sync tries the account again after a failure (Unix s).
    pub retry_at: Option<i64>,
}

/// Where the sync stands for a user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub accounts: Vec<AccountProgress>,
    /// Transactions in the store.
    pub transactions: i64,
    /// Whether monoweb's own receiver is registered with Monobank.
    pub own_webhook: bool,
    pub last_event_at: Option<i64>,
    /// Whether Monobank's webhook signing key is known (signed events are verified).
    pub signing_key: bool,
}

fn progress_of(row: &SyncAccount) -> AccountProgress {
    let cursor = cursor_of(row);
    let synced = row.synced_from <= row.synced_to;
    // Complete once the history is in; a catch-up of recent days in progress does not undo that.
    let complete = synced
        && row.synced_from <= row.history_from
        && cursor.as_ref().is_none_or(|c| c.from >= row.synced_from);
    let (done, total) = match &cursor {
        Some(c) => (c.windows_done(), c.windows_total()),
        None if complete => (1, 1),
        None => (0, 1),
    };
    AccountProgress {
        account: row.account.clone(),
        history_from: row.history_from,
        synced_from: synced.then_some(row.synced_from),
        synced_to: synced.then_some(row.synced_to),
        windows_done: done,
        windows_total: total,
        complete,
        closed: row.closed,
        last_error: row.last_error.clone(),
        retry_at: (row.retry_at > 0).then_some(row.retry_at),
    }
}

/// The sync's progress for `user`.
pub async fn progress(ctx: &Context, user: UserId) -> Result<Progress, HistoryError> {
    let (rows, sync_user, count, token) = db::run(&ctx.pool, move |conn| {
        Ok((
            sync::accounts(conn, user)?,
            sync::user(conn, user)?,
            transactions::count(conn, user)?,
            tokens::find(conn, user)?,
        ))
    })
    .await?;
    let token = token.ok_or(TokenError::NotAdded)?;
    Ok(Progress {
        accounts: rows.iter().map(progress_of).collect(),
        transactions: count,
        own_webhook: token.webhook_secret_hash.is_some(),
        last_event_at: sync_user.and_then(|u| u.last_event_at),
        signing_key: ctx.upstream.signing_key().is_some(),
    })
}

/// The CSV header (the statement's fields, amounts as exact decimals; the README lists the columns).
pub const CSV_HEADER: &str = "date,time,account,description,mcc,category,amount,currency,\
operation_amount,operation_currency,cashback,commission,balance,hold,comment,counterparty\r\n";

/// One CSV field: quoted when it must be (RFC 4180), and a text that a spreadsheet would run as
/// a formula is prefixed with `'` (OWASP CSV injection).
fn field(out: &mut String, text: &str, is_text: bool) {
    let guarded = is_text && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = guarded || text.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        if guarded {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The CSV lines of `rows` (no header), dates and times in Kyiv.
pub fn csv_lines(rows: &[TransactionRow], currency: CurrencyCode) -> String {
    let mut out = String::with_capacity(rows.len() * 160);
    for row in rows {
        let item: StatementItem = row.item();
        let operation_currency = CurrencyCode(item.currency_code);
        let counterparty = [
            item.counter_name.as_deref(),
            item.counter_iban.as_deref(),
            item.counter_edrpou.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let cells: [(String, bool); 16] = [
            (crate::domain::kyiv::date(item.time), false),
            (crate::domain::kyiv::time(item.time), false),
            (row.account.clone(), true),
            (item.description.clone(), true),
            (item.mcc.to_string(), false),
            (mcc::category(item.mcc).to_owned(), true),
            (format_minor(item.amount, currency), false),
            (currency.to_string(), false),
            (
                format_minor(item.operation_amount, operation_currency),
                false,
            ),
            (operation_currency.to_string(), false),
            (format_minor(item.cashback_amount, currency), false),
            (format_minor(item.commission_rate, currency), false),
            (format_minor(item.balance, currency), false),
            (item.hold.to_string(), false),
            (item.comment.clone().unwrap_or_default(), true),
            (counterparty, true),
        ];
        for (i, (text, is_text)) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, text, *is_text);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_joins_touching_spans() {
        assert!(is_covered(&[(10, 20), (21, 30)], 12, 28));
        assert!(is_covered(&[(21, 30), (10, 25)], 10, 30));
        assert!(!is_covered(&[(10, 20), (22, 30)], 12, 28), "a gap at 21");
        assert!(!is_covered(&[], 1, 2));
        assert!(is_covered(&[], 5, 4), "an empty range");
        assert!(!is_covered(&[(10, 20)], 5, 15));
    }

    #[test]
    fn the_last_hour_counts_as_held() {
        let spans = [(100, 10_000)];
        assert!(
            is_complete(&spans, 5_000, 10_000 + 3_600, false),
            "an hour behind"
        );
        assert!(
            !is_complete(&spans, 5_000, 10_000 + 3_601, false),
            "more than an hour behind"
        );
        assert!(
            is_complete(&spans, 5_000, 90_000, true),
            "the webhook brings the rest"
        );
        assert!(
            !is_complete(&spans, 50, 10_000, true),
            "a hole at the start still counts"
        );
        assert!(!is_complete(&[], 5, 10, true), "nothing fetched");
    }

    #[test]
    fn csv_fields_are_quoted_and_guarded() {
        let mut out = String::new();
        field(&mut out, "a,b", true);
        out.push('|');
        field(&mut out, "say \"hi\"", true);
        out.push('|');
        field(&mut out, "=SUM(A1)", true);
        out.push('|');
        field(&mut out, "-12.50", false);
        assert_eq!(out, "\"a,b\"|\"say \"\"hi\"\"\"|\"'=SUM(A1)\"|-12.50");
    }
}
