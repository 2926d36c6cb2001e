//! The sync's calls and what they write: client-info (tracking new accounts and jars) and one
//! statement page, written only while the token it was read for is still attached.

use super::plan::{advance, after_failure, Job, Planned};
use crate::db::sync::{self, SyncAccount};
use crate::db::transactions::{self, Source, TransactionRow};
use crate::db::users::UserId;
use crate::db::{self, StoreError};
use crate::services::client_info::account_ids;
use crate::services::tokens::Attached;
use crate::services::Context;
use crate::upstream::UpstreamError;
use monobank::statement::Step;
use monobank::types::{StatementItem, UserInfo};

/// Reads client-info if its lane is open (the gateway stores the snapshot) and tracks new
/// accounts and jars. `None` when the lane is closed or Monobank failed (logged).
pub(super) async fn read_accounts(
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
    row: SyncAccount,
) -> Result<(), StoreError> {
    let key = attached.credential.lane_key.clone();
    db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| Ok(sync::save(conn, &row)?))
    })
    .await
    .map(drop)
}

/// Fetches the planned page and writes what it brought ([`store_page`]); Monobank not knowing
/// the account ends its sync, any other failure backs the account off ([`after_failure`]).
pub(super) async fn statement_page(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    planned: Planned,
    now: i64,
) -> Result<(), StoreError> {
    let Planned {
        mut job,
        holds,
        turn,
    } = planned;
    let before = job.cursor.next_request();
    let requested_at = ctx.clock.now();
    let step = ctx
        .upstream
        .statement_page(&attached.credential, &mut job.cursor)
        .await;
    match step {
        Ok(Step::Fetched(items)) => {
            let page = Page {
                before,
                requested_at,
                items,
                next: advance(&job, &holds, turn, now),
            };
            store_page(ctx, user, attached, &job, page, now).await
        }
        Ok(Step::Complete) => {
            save_if_current(ctx, user, attached, advance(&job, &holds, turn, now)).await
        }
        Err(UpstreamError::Mono(e)) => {
            let row = after_failure(job.row, &e, now);
            // A closed account is said so by `after_failure`; any other failure is counted.
            if !row.closed {
                metrics::counter!("sync_statement_calls_total", "outcome" => "failed").increment(1);
                tracing::warn!(error = %e, failures = row.failures, "sync statement call failed");
            }
            save_if_current(ctx, user, attached, row).await
        }
        Err(UpstreamError::Store(e)) => Err(e),
        // A closed lane is `Step::LaneClosed`, never the error; nothing to do either way.
        Ok(Step::LaneClosed { .. }) | Err(UpstreamError::LaneClosed { .. }) => Ok(()),
    }
}

/// What one statement call brought.
struct Page {
    /// The window the call asked for.
    before: Option<(i64, i64)>,
    /// When it was asked (a hold Monobank no longer lists was cancelled before then).
    requested_at: i64,
    items: Vec<StatementItem>,
    /// The account's sync row after it.
    next: SyncAccount,
}

/// Writes a page: its items, the holds it no longer lists as cancelled, the holds it still
/// lists as purchases of their own, and the account's progress, in one transaction and only
/// while the token it was read with is still attached (a token removed or replaced while the
/// page was on its way leaves no data after it went).
async fn store_page(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    job: &Job,
    page: Page,
    now: i64,
) -> Result<(), StoreError> {
    let account = job.row.account.clone();
    let cursor = &job.cursor;
    // The span this call read completely; a hold in it that Monobank no longer lists was
    // cancelled. The top second of a continued page is left alone (it was split).
    let span = page.before.map(|(_, to)| {
        let top = if to == cursor.to { to } else { to - 1 };
        (cursor.fetched_from(), top)
    });
    let present: Vec<String> = page.items.iter().map(|i| i.id.clone()).collect();
    let rows: Vec<TransactionRow> = page
        .items
        .iter()
        .map(|i| TransactionRow::new(user, &account, i, Source::Statement, now))
        .collect();
    let (fetched, next, requested_at) = (rows.len(), page.next, page.requested_at);
    let key = attached.credential.lane_key.clone();
    db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            for r in &rows {
                transactions::upsert(conn, r)?;
            }
            // A hold this page still lists is a purchase of its own, even if a settled row
            // stored before superseded it.
            transactions::restore_listed(conn, user, &account, &present)?;
            if let Some((from, to)) = span.filter(|(from, to)| from <= to) {
                transactions::mark_cancelled(
                    conn,
                    user,
                    &account,
                    (from, to),
                    &present,
                    requested_at,
                )?;
            }
            sync::save(conn, &next)?;
            Ok(())
        })
    })
    .await?;
    metrics::counter!("sync_statement_calls_total", "outcome" => "fetched").increment(1);
    metrics::counter!("sync_items_fetched_total").increment(fetched as u64);
    tracing::debug!(fetched, urgency = ?job.urgency, "sync fetched a statement page");
    Ok(())
}
