//! The transaction store as the views see it: a statement for any range of any account, served
//! from the store, saying whether the store holds all of it yet; the same rows as CSV; and the
//! sync's progress. Nothing here calls Monobank: missing history is fetched by the background
//! sync (`services::sync`), which a view only wakes.

use std::collections::HashMap;

use serde::Serialize;

use super::client_info::{account_ids, currency_of, default_account};
use super::tokens::TokenError;
use super::Context;
use crate::db::sync::{self, SyncAccount};
use crate::db::transactions::{self, TransactionRow};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots, tokens};
use crate::domain::mcc;
use crate::upstream::lanes;
use monobank::currency::{format_minor, CurrencyCode};
use monobank::limit::Endpoint;
use monobank::statement::StatementCursor;
use monobank::types::{StatementItem, UserInfo};

/// How far apart in time the two sides of an own transfer may be (the rule is
/// `insight::own_transfers`); a statement also loads the rows this close outside its range.
pub const TRANSFER_WINDOW_SECS: i64 = 120;

/// The spans of time (Unix s, inclusive) that statement fetches have read completely: the
/// finished span and the parts fetched so far by the fetches in progress.
pub fn covered(row: &SyncAccount) -> Vec<(i64, i64)> {
    let mut spans = Vec::new();
    if row.synced_from <= row.synced_to {
        spans.push((row.synced_from, row.synced_to));
    }
    for cursor in [cursor_of(row), recent_cursor_of(row)]
        .into_iter()
        .flatten()
    {
        if cursor.fetched_from() <= cursor.to {
            spans.push((cursor.fetched_from(), cursor.to));
        }
    }
    spans
}

fn parse_cursor(json: Option<&str>) -> Option<StatementCursor> {
    json.and_then(|json| serde_json::from_str(json).ok())
}

/// The fetch of older history in progress of a sync row.
pub fn cursor_of(row: &SyncAccount) -> Option<StatementCursor> {
    parse_cursor(row.cursor.as_deref())
}

/// The fetch of recent days in progress of a sync row.
pub fn recent_cursor_of(row: &SyncAccount) -> Option<StatementCursor> {
    parse_cursor(row.recent_cursor.as_deref())
}

/// The parts of `[from, to]` that none of `spans` (which may touch or overlap) covers.
pub fn missing(spans: &[(i64, i64)], from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    let mut holes = Vec::new();
    let mut reach = from;
    for (a, b) in sorted {
        if reach > to {
            break;
        }
        if a > reach {
            holes.push((reach, (a - 1).min(to)));
        }
        reach = reach.max(b.saturating_add(1));
    }
    if reach <= to {
        holes.push((reach, to));
    }
    holes
}

/// Whether `[from, to]` lies within the covered spans.
pub fn is_covered(spans: &[(i64, i64)], from: i64, to: i64) -> bool {
    missing(spans, from, to).is_empty()
}

/// What the store holds of a range of one account: the parts statement fetches read, the
/// second since which webhook deliveries bring every operation, and what is neither. The range
/// is complete when nothing is missing.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// The range asked for, up to now.
    pub range: Span,
    /// Parts of the range that statement fetches read completely (Unix s, inclusive).
    pub fetched: Vec<Span>,
    /// Since this second (Unix s) monoweb's own receiver brings every operation, if it does.
    pub webhook_from: Option<i64>,
    /// Parts of the range not in the store yet.
    pub missing: Vec<Span>,
    /// Holds in the range that are still open: the bank may yet settle them (under their id,
    /// perhaps for another amount, or a new one) or cancel them, so the range is not final.
    /// Holds hidden as settled by a new id count until a statement confirms it, and so do the
    /// rows of unsigned events (kept only while Monobank's signing key was never known).
    pub open_holds: usize,
}

/// A span of time, Unix seconds, both ends inclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Span {
    pub from: i64,
    pub to: i64,
}

impl Coverage {
    /// The coverage of `[from, to]` for an account's sync row (`None`: never fetched) and the
    /// user's webhook coverage.
    pub fn of(row: Option<&SyncAccount>, held_since: Option<i64>, from: i64, to: i64) -> Self {
        let fetched_spans = row.map(covered).unwrap_or_default();
        let mut all = fetched_spans.clone();
        if let Some(held) = held_since {
            all.push((held, i64::MAX - 1));
        }
        let mut fetched: Vec<Span> = fetched_spans
            .iter()
            .filter(|(a, b)| *a <= to && *b >= from)
            .map(|&(a, b)| Span {
                from: a.max(from),
                to: b.min(to),
            })
            .collect();
        fetched.sort_by_key(|s| s.from);
        Coverage {
            range: Span { from, to },
            fetched,
            webhook_from: held_since,
            missing: missing(&all, from, to)
                .into_iter()
                .map(|(from, to)| Span { from, to })
                .collect(),
            open_holds: 0,
        }
    }

    /// The coverage of several accounts together: a second is missing when any account misses
    /// it, and fetched when any account's fetches read it (so the store holds nothing only when
    /// no account holds anything).
    pub fn joined<'a>(parts: impl Iterator<Item = &'a Coverage>, from: i64, to: i64) -> Self {
        let mut holes: Vec<(i64, i64)> = Vec::new();
        let mut read: Vec<(i64, i64)> = Vec::new();
        let mut webhook_from = None;
        for part in parts {
            holes.extend(part.missing.iter().map(|m| (m.from, m.to)));
            read.extend(part.fetched.iter().map(|s| (s.from, s.to)));
            webhook_from = part.webhook_from;
        }
        let spans = |pairs: Vec<(i64, i64)>| -> Vec<Span> {
            pairs
                .into_iter()
                .map(|(from, to)| Span { from, to })
                .collect()
        };
        // Merged: the complement of the complement.
        let merge = |pairs: &[(i64, i64)]| missing(&missing(pairs, from, to), from, to);
        Coverage {
            range: Span { from, to },
            missing: spans(merge(&holes)),
            fetched: spans(merge(&read)),
            webhook_from,
            open_holds: 0,
        }
    }

    /// Whether the store holds the whole range, final: nothing missing and no open hold.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.open_holds == 0
    }

    /// Whether the store holds nothing of the range (its totals would be a made-up zero).
    pub fn holds_nothing(&self) -> bool {
        self.missing == [self.range] && self.fetched.is_empty()
    }
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
    Store(#[from] StoreError),
}

/// The account value that asks for every account and jar at once.
pub const ALL_ACCOUNTS: &str = "all";

/// A statement from the store.
#[derive(Debug)]
pub struct Stored {
    /// The account or jar id, or [`ALL_ACCOUNTS`].
    pub account: String,
    /// The account's currency; hryvnias for [`ALL_ACCOUNTS`] (totals are converted).
    pub currency: CurrencyCode,
    /// The currency of each account and jar the statement holds.
    pub currencies: HashMap<String, CurrencyCode>,
    /// With every account: the rows just outside the range (within
    /// [`TRANSFER_WINDOW_SECS`]), the possible partners of own transfers at its
    /// edges. Not part of the statement.
    pub edges: Vec<TransactionRow>,
    /// The operations of the range. Never an unsigned event's row: see `unconfirmed`.
    pub items: Vec<TransactionRow>,
    /// Rows of unsigned webhook events in the range, newest first: nothing proves the bank sent
    /// them, so they are shown apart and count in no total, chart, month or export until a
    /// statement lists them (which makes them ordinary rows) or leaves them out (which removes
    /// them).
    pub unconfirmed: Vec<TransactionRow>,
    /// Whether the store holds the whole range.
    pub complete: bool,
    /// When the sync can next fetch (Unix s), while incomplete.
    pub next_fetch_at: Option<i64>,
    /// How far the sync has come with this account.
    pub progress: Option<AccountProgress>,
    /// What part of the range the store holds.
    pub coverage: Coverage,
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

/// The transactions of an account between two instants (Unix s, inclusive), newest first, from
/// the store, with what part of the range the store holds. Reading changes no sync state: the
/// sync is only told which account a page is showing (it goes first) and woken. History older
/// than the sync keeps is fetched only on request ([`request_history`]).
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
    let all = requested.as_deref() == Some(ALL_ACCOUNTS);
    let (account, currency, currencies) = if all {
        let currencies: HashMap<String, CurrencyCode> = account_ids(&info)
            .into_iter()
            .filter_map(|id| currency_of(&info, &id).map(|c| (id, c)))
            .collect();
        (ALL_ACCOUNTS.to_owned(), monobank::currency::UAH, currencies)
    } else {
        let (id, currency) = resolve(&info, requested.as_deref())?;
        (id.clone(), currency, HashMap::from([(id, currency)]))
    };
    let ids: Vec<String> = currencies.keys().cloned().collect();
    let fingerprint = token.fingerprint.clone();
    let margin = TRANSFER_WINDOW_SECS;
    let (sync_rows, sync_user, rows, superseded, lane, edges) = db::run(&ctx.pool, move |conn| {
        // Coverage first: rows read after it are at least as new as what it claims.
        let mut sync_rows = Vec::with_capacity(ids.len());
        for id in &ids {
            sync_rows.push((id.clone(), sync::account(conn, user, id)?));
        }
        let sync_user = sync::user(conn, user)?;
        let mut edges = Vec::new();
        if all {
            edges.extend(transactions::range(
                conn,
                user,
                &ids,
                from - margin,
                from - 1,
            )?);
            edges.extend(transactions::range(conn, user, &ids, to + 1, to + margin)?);
            // No unsigned event is a transfer's partner (see below).
            edges.retain(|r| r.source != transactions::UNSIGNED);
        }
        Ok((
            sync_rows,
            sync_user,
            transactions::range(conn, user, &ids, from, to)?,
            transactions::superseded_holds(conn, user, &ids, from, to)?,
            lanes::next_at(conn, &fingerprint, Endpoint::Statement)?,
            edges,
        ))
    })
    .await?;
    let held_since = sync_user.as_ref().and_then(sync::SyncUser::held_since);
    let coverages: Vec<(String, Coverage)> = sync_rows
        .iter()
        .map(|(id, row)| (id.clone(), Coverage::of(row.as_ref(), held_since, from, to)))
        .collect();
    let mut coverage = match coverages.as_slice() {
        [(_, only)] => only.clone(),
        _ => Coverage::joined(coverages.iter().map(|(_, c)| c), from, to),
    };
    // Unsigned events' rows are kept apart from the money; they, and holds, wait for a
    // statement to make them final.
    let (unconfirmed, rows): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.source == transactions::UNSIGNED);
    let open = unconfirmed.len() + rows.iter().filter(|r| r.hold).count();
    coverage.open_holds = open + usize::try_from(superseded).unwrap_or(usize::MAX);
    let complete = coverage.is_complete();
    // The sync fetches the shown account first (with every account, the first one missing).
    if let Some((id, _)) = coverages.iter().find(|(_, c)| !c.missing.is_empty()) {
        ctx.sync.showing(user, id, now);
    } else if !complete {
        ctx.sync.wake();
    }
    let progress = match sync_rows.as_slice() {
        [(_, Some(row))] if !all => Some(progress_of(row, held_since, now)),
        _ => None,
    };
    Ok(Stored {
        account,
        currency,
        currencies,
        edges,
        items: rows,
        unconfirmed,
        complete,
        next_fetch_at: (!complete).then(|| lane.unwrap_or(now).max(now)),
        progress,
        coverage,
    })
}

/// Monobank's first day (2017-11-01, Kyiv): no history is asked for before it.
pub const MONOBANK_FIRST_DAY: i64 = 1_509_487_200;

/// Asks the sync to fetch the history of `requested` (every account and jar when `None`) back to
/// `from`, never before [`MONOBANK_FIRST_DAY`]: the explicit request that history older than the
/// sync keeps needs. Answers the sync's progress.
#[tracing::instrument(skip(ctx))]
pub async fn request_history(
    ctx: &Context,
    user: UserId,
    requested: Option<String>,
    from: i64,
) -> Result<Progress, HistoryError> {
    let now = ctx.clock.now();
    let from = from.clamp(MONOBANK_FIRST_DAY, now);
    let (token, snap) = db::run(&ctx.pool, move |conn| {
        Ok((
            tokens::find(conn, user)?,
            snapshots::client_info(conn, user)?,
        ))
    })
    .await?;
    // Without a token there is nothing to fetch: the answer of every view that needs one.
    token.ok_or(TokenError::NotAdded)?;
    let (info, _) = snap.ok_or(HistoryError::AccountsNotRead)?;
    let account = match requested {
        Some(id) => Some(resolve(&info, Some(&id))?.0),
        None => None,
    };
    let history_days = i64::from(ctx.history_days);
    let ids: Vec<String> = match &account {
        Some(id) => vec![id.clone()],
        None => account_ids(&info),
    };
    db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            for id in &ids {
                sync::track(conn, user, id, now - history_days * 86_400, now)?;
            }
            sync::request_history(conn, user, account.as_deref(), from)?;
            Ok(())
        })
    })
    .await?;
    ctx.sync.wake();
    progress(ctx, user).await
}

/// One account's sync progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountProgress {
    pub account: String,
    /// The oldest second the sync fetches (Unix s); older history only on request.
    pub history_from: i64,
    /// The newest second the store holds (Unix s): the end of the last statement fetch, or now
    /// while monoweb's receiver brings every operation. `None` before the first fetch.
    pub fetched_to: Option<i64>,
    /// Month-long (31-day) windows from `history_from` to now: how many the store holds in
    /// full, of how many.
    pub windows_done: u32,
    pub windows_total: u32,
    /// Whether the store holds everything from `history_from` to `fetched_to`.
    pub complete: bool,
    /// Parts from `history_from` to now not in the store yet (Unix s, inclusive).
    pub missing: Vec<Span>,
    /// Monobank no longer knows the account (a closed card or jar): its sync has ended.
    pub closed: bool,
    /// What the last failed statement call said, while failures last.
    pub last_error: Option<String>,
    /// When the sync tries the account again after a failure (Unix s).
    pub retry_at: Option<i64>,
}

/// A gap in webhook coverage that the sync knows of.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapReport {
    /// `registered` (before the receiver was registered), `downtime` (the app was not running),
    /// `switched_off` (Monobank switched the receiver off) or `receiver_failed`.
    pub kind: String,
    pub from: i64,
    pub to: i64,
    /// Whether a statement fetch has covered it for every account since.
    pub closed: bool,
}

/// Where the sync stands for a user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub accounts: Vec<AccountProgress>,
    /// Transactions in the store.
    pub transactions: i64,
    /// Whether monoweb's own receiver is registered with Monobank.
    pub own_webhook: bool,
    /// Since this second every operation arrives by webhook (registered, confirmed, no gap).
    pub webhook_from: Option<i64>,
    pub last_event_at: Option<i64>,
    /// Whether Monobank's webhook signing key is known (signed events are verified).
    pub signing_key: bool,
    /// Known gaps in webhook coverage, newest first.
    pub gaps: Vec<GapReport>,
}

/// The length of one statement window the progress counts in.
const WINDOW_SECS: i64 = 31 * 86_400;

fn progress_of(row: &SyncAccount, held_since: Option<i64>, now: i64) -> AccountProgress {
    let coverage = Coverage::of(Some(row), held_since, row.history_from, now);
    let fetched_to = coverage.fetched.iter().map(|s| s.to).max().map(|newest| {
        if held_since.is_some_and(|h| h <= newest + 1) {
            now
        } else {
            newest
        }
    });
    // Nothing missing up to the newest second held.
    let complete = fetched_to.is_some_and(|end| coverage.missing.iter().all(|m| m.from > end));
    let length = (now - row.history_from + 1).max(1);
    let held: i64 = coverage
        .missing
        .iter()
        .fold(length, |left, m| left - (m.to - m.from + 1));
    let total = u32::try_from((length + WINDOW_SECS - 1) / WINDOW_SECS).unwrap_or(u32::MAX);
    let done = if complete || coverage.is_complete() {
        total
    } else {
        u32::try_from(held / WINDOW_SECS)
            .unwrap_or(0)
            .min(total.saturating_sub(1))
    };
    AccountProgress {
        account: row.account.clone(),
        history_from: row.history_from,
        fetched_to,
        windows_done: done,
        windows_total: total,
        complete,
        missing: coverage.missing,
        closed: row.closed,
        last_error: row.last_error.clone(),
        retry_at: (row.retry_at > 0).then_some(row.retry_at),
    }
}

/// The sync's progress for `user`.
pub async fn progress(ctx: &Context, user: UserId) -> Result<Progress, HistoryError> {
    let (rows, sync_user, count, token, gaps) = db::run(&ctx.pool, move |conn| {
        Ok((
            sync::accounts(conn, user)?,
            sync::user(conn, user)?,
            transactions::count(conn, user)?,
            tokens::find(conn, user)?,
            sync::gaps(conn, user)?,
        ))
    })
    .await?;
    let token = token.ok_or(TokenError::NotAdded)?;
    let now = ctx.clock.now();
    let held_since = sync_user.as_ref().and_then(sync::SyncUser::held_since);
    let live: Vec<&SyncAccount> = rows.iter().filter(|r| !r.closed).collect();
    Ok(Progress {
        accounts: rows
            .iter()
            .map(|row| progress_of(row, held_since, now))
            .collect(),
        transactions: count,
        own_webhook: token.webhook_secret_hash.is_some(),
        webhook_from: held_since,
        last_event_at: sync_user.and_then(|u| u.last_event_at),
        signing_key: ctx.upstream.signing_key().is_some(),
        gaps: gaps
            .into_iter()
            .map(|g| GapReport {
                closed: live
                    .iter()
                    .all(|r| is_covered(&covered(r), g.gap_from, g.gap_to)),
                kind: g.kind,
                from: g.gap_from,
                to: g.gap_to,
            })
            .collect(),
    })
}

/// The CSV header (the statement's fields, amounts as exact decimals; the README lists the columns).
pub const CSV_HEADER: &str = "date,time,account,description,mcc,category,amount,currency,\
operation_amount,operation_currency,cashback,commission,balance,hold,comment,counterparty\r\n";

/// Whether `c` has no place in a CSV cell: a control character (a line break or tab becomes a
/// space, the others go) or a bidirectional override, which can make a cell read as something
/// else than it holds.
fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` without what [`is_unprintable`] names: line breaks and tabs as spaces.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(is_unprintable) {
        return text.into();
    }
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if is_unprintable(c) => None,
            c => Some(c),
        })
        .collect::<String>()
        .into()
}

/// One CSV field: text from the bank without control characters ([`printable`]), quoted when it
/// must be (RFC 4180), and a text that a spreadsheet would run as a formula is prefixed with `'`
/// (OWASP CSV injection).
fn field(out: &mut String, text: &str, is_text: bool) {
    let text = if is_text {
        printable(text)
    } else {
        text.into()
    };
    // Spaces before a formula do not stop every spreadsheet from running it.
    let guarded = is_text
        && text
            .trim_start_matches(' ')
            .starts_with(['=', '+', '-', '@']);
    let needs_quotes = guarded || text.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        if guarded {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

/// The CSV lines of `rows` (no header), dates and times in Kyiv; `currencies` gives each
/// account's currency.
pub fn csv_lines(rows: &[TransactionRow], currencies: &HashMap<String, CurrencyCode>) -> String {
    let mut out = String::with_capacity(rows.len() * 160);
    for row in rows {
        let item: StatementItem = row.item();
        let currency = currencies
            .get(&row.account)
            .copied()
            .unwrap_or(CurrencyCode(0));
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

    fn synced(from: i64, to: i64) -> SyncAccount {
        let mut row = SyncAccount::untouched(UserId(1), "a", from, 0);
        (row.synced_from, row.synced_to) = (from, to);
        row
    }

    #[test]
    fn missing_parts_are_the_holes_between_spans() {
        assert_eq!(
            missing(&[(10, 20), (30, 40)], 0, 50),
            [(0, 9), (21, 29), (41, 50)]
        );
        assert_eq!(missing(&[(10, 20), (21, 40)], 15, 35), []);
        assert_eq!(missing(&[], 5, 9), [(5, 9)]);
        assert_eq!(missing(&[(0, i64::MAX - 1)], 5, 9), []);
    }

    #[test]
    fn a_range_is_complete_only_where_fetches_or_the_webhook_hold_it() {
        let row = synced(100, 10_000);
        assert!(Coverage::of(Some(&row), None, 5_000, 10_000).is_complete());
        let tail = Coverage::of(Some(&row), None, 5_000, 10_001);
        assert_eq!(
            tail.missing,
            [Span {
                from: 10_001,
                to: 10_001
            }],
            "no grace after the last fetch"
        );
        assert!(
            Coverage::of(Some(&row), Some(10_001), 5_000, 90_000).is_complete(),
            "the webhook holds everything from the end of the fetch on"
        );
        let gap = Coverage::of(Some(&row), Some(20_000), 5_000, 90_000);
        assert_eq!(
            gap.missing,
            [Span {
                from: 10_001,
                to: 19_999
            }],
            "between the last fetch and the webhook's start"
        );
        assert!(
            !Coverage::of(None, None, 5, 10).is_complete(),
            "nothing fetched"
        );
        assert!(
            !Coverage::of(None, Some(8), 5, 10).is_complete(),
            "before the webhook"
        );
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

    #[test]
    fn csv_text_from_the_bank_loses_its_control_characters_and_bidi_overrides() {
        let mut out = String::new();
        field(&mut out, "Shop\u{0}\u{1b}[31m\nline\ttwo\u{7f}\u{9b}", true);
        out.push('|');
        field(&mut out, "\u{202e}gnp.exe\u{2066}", true);
        out.push('|');
        field(&mut out, "\n=HYPERLINK(1)", true);
        out.push('|');
        field(&mut out, "Кава, Київ", true);
        assert_eq!(
            out,
            "Shop[31m line two|gnp.exe|\"' =HYPERLINK(1)\"|\"Кава, Київ\""
        );
    }
}
