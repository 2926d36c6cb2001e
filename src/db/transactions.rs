//! The transaction store and the raw webhook events.
//!
//! # Matching rules
//! - A transaction is identified by (user, Monobank id); storing it again updates the row.
//! - A hold settled under another id: when a settled (non-hold) transaction is stored, the
//!   newest stored hold of the same account with the same operation amount, operation currency
//!   and MCC, no newer than it and at most [`SETTLE_WINDOW_SECS`] older, is deleted: the settled
//!   row replaces it.
//! - A cancelled hold: a statement page covers a span of time completely; a stored hold inside
//!   that span that the page does not list any more is marked `cancelled` (kept for the record,
//!   never shown in statements).

use diesel::prelude::*;

use super::schema::{transactions, webhook_events};
use super::users::UserId;
use super::DbConnection;
use monobank::types::StatementItem;

/// How long after a hold its settled transaction may come.
pub const SETTLE_WINDOW_SECS: i64 = 31 * 86_400;

/// Where a stored transaction came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Webhook,
    Statement,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::Statement => "statement",
        }
    }
}

/// A row of `transactions`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = transactions)]
pub struct TransactionRow {
    pub user_id: i64,
    pub id: String,
    pub account: String,
    pub time: i64,
    pub description: String,
    pub mcc: i32,
    pub original_mcc: i32,
    pub amount: i64,
    pub operation_amount: i64,
    pub currency_code: i32,
    pub commission_rate: i64,
    pub cashback_amount: i64,
    pub balance: i64,
    pub hold: bool,
    pub comment: Option<String>,
    pub receipt_id: Option<String>,
    pub invoice_id: Option<String>,
    pub counter_edrpou: Option<String>,
    pub counter_iban: Option<String>,
    pub counter_name: Option<String>,
    pub source: String,
    pub received_at: i64,
    pub cancelled: bool,
}

impl TransactionRow {
    pub fn new(
        user: UserId,
        account: &str,
        item: &StatementItem,
        source: Source,
        now: i64,
    ) -> Self {
        TransactionRow {
            user_id: user.0,
            id: item.id.clone(),
            account: account.to_owned(),
            time: item.time,
            description: item.description.clone(),
            mcc: item.mcc,
            original_mcc: item.original_mcc,
            amount: item.amount,
            operation_amount: item.operation_amount,
            currency_code: i32::from(item.currency_code),
            commission_rate: item.commission_rate,
            cashback_amount: item.cashback_amount,
            balance: item.balance,
            hold: item.hold,
            comment: item.comment.clone(),
            receipt_id: item.receipt_id.clone(),
            invoice_id: item.invoice_id.clone(),
            counter_edrpou: item.counter_edrpou.clone(),
            counter_iban: item.counter_iban.clone(),
            counter_name: item.counter_name.clone(),
            source: source.as_str().to_owned(),
            received_at: now,
            cancelled: false,
        }
    }

    /// Back to Monobank's wire shape.
    pub fn item(&self) -> StatementItem {
        StatementItem {
            id: self.id.clone(),
            time: self.time,
            description: self.description.clone(),
            mcc: self.mcc,
            original_mcc: self.original_mcc,
            amount: self.amount,
            operation_amount: self.operation_amount,
            currency_code: u16::try_from(self.currency_code).unwrap_or(0),
            commission_rate: self.commission_rate,
            cashback_amount: self.cashback_amount,
            balance: self.balance,
            hold: self.hold,
            comment: self.comment.clone(),
            receipt_id: self.receipt_id.clone(),
            invoice_id: self.invoice_id.clone(),
            counter_edrpou: self.counter_edrpou.clone(),
            counter_iban: self.counter_iban.clone(),
            counter_name: self.counter_name.clone(),
        }
    }
}

/// Stores one transaction (insert, or update of the same id) and lets a settled transaction
/// replace its hold. Returns whether the id was new. Call inside a database transaction.
pub fn upsert(conn: &mut DbConnection, row: &TransactionRow) -> QueryResult<bool> {
    use transactions::dsl as t;
    let existing: Option<String> = t::transactions
        .filter(t::user_id.eq(row.user_id).and(t::id.eq(&row.id)))
        .select(t::id)
        .first(conn)
        .optional()?;
    if existing.is_some() {
        diesel::update(t::transactions.filter(t::user_id.eq(row.user_id).and(t::id.eq(&row.id))))
            .set((
                t::account.eq(&row.account),
                t::time.eq(row.time),
                t::description.eq(&row.description),
                t::mcc.eq(row.mcc),
                t::original_mcc.eq(row.original_mcc),
                t::amount.eq(row.amount),
                t::operation_amount.eq(row.operation_amount),
                t::currency_code.eq(row.currency_code),
                t::commission_rate.eq(row.commission_rate),
                t::cashback_amount.eq(row.cashback_amount),
                t::balance.eq(row.balance),
                t::hold.eq(row.hold),
                t::comment.eq(&row.comment),
                t::receipt_id.eq(&row.receipt_id),
                t::invoice_id.eq(&row.invoice_id),
                t::counter_edrpou.eq(&row.counter_edrpou),
                t::counter_iban.eq(&row.counter_iban),
                t::counter_name.eq(&row.counter_name),
                t::cancelled.eq(false),
            ))
            .execute(conn)?;
    } else {
        let insert = diesel::insert_into(t::transactions)
            .values(row)
            .on_conflict((t::user_id, t::id))
            .do_nothing();
        crate::per_backend!(conn, |c| insert.execute(c))?;
    }
    if !row.hold {
        settle_hold(conn, row)?;
    }
    Ok(existing.is_none())
}

/// Deletes the hold that `settled` replaces, if there is one (see the module's rules).
fn settle_hold(conn: &mut DbConnection, settled: &TransactionRow) -> QueryResult<usize> {
    use transactions::dsl as t;
    let hold: Option<String> = t::transactions
        .filter(t::user_id.eq(settled.user_id))
        .filter(t::account.eq(&settled.account))
        .filter(t::hold.eq(true))
        .filter(t::id.ne(&settled.id))
        .filter(t::operation_amount.eq(settled.operation_amount))
        .filter(t::currency_code.eq(settled.currency_code))
        .filter(t::mcc.eq(settled.mcc))
        .filter(t::time.le(settled.time))
        .filter(t::time.ge(settled.time - SETTLE_WINDOW_SECS))
        .order(t::time.desc())
        .select(t::id)
        .first(conn)
        .optional()?;
    match hold {
        Some(id) => {
            diesel::delete(t::transactions.filter(t::user_id.eq(settled.user_id).and(t::id.eq(id))))
                .execute(conn)
        }
        None => Ok(0),
    }
}

/// Marks as cancelled the holds of `account` in `[from, to]` that a complete statement of that
/// span (`present`) no longer lists.
pub fn mark_cancelled(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    from: i64,
    to: i64,
    present: &[String],
) -> QueryResult<usize> {
    use transactions::dsl as t;
    diesel::update(
        t::transactions
            .filter(t::user_id.eq(user.0))
            .filter(t::account.eq(account))
            .filter(t::hold.eq(true))
            .filter(t::cancelled.eq(false))
            .filter(t::time.between(from, to))
            .filter(t::id.ne_all(present)),
    )
    .set(t::cancelled.eq(true))
    .execute(conn)
}

/// The transactions of `account` in `[from, to]`, newest first, without cancelled holds.
pub fn range(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    from: i64,
    to: i64,
) -> QueryResult<Vec<TransactionRow>> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0))
        .filter(t::account.eq(account))
        .filter(t::time.between(from, to))
        .filter(t::cancelled.eq(false))
        .order((t::time.desc(), t::id.desc()))
        .select(TransactionRow::as_select())
        .load(conn)
}

/// How many transactions a user has stored.
pub fn count(conn: &mut DbConnection, user: UserId) -> QueryResult<i64> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0))
        .count()
        .get_result(conn)
}

/// Every stored id of a user's account (tests and checks).
pub fn ids(conn: &mut DbConnection, user: UserId, account: &str) -> QueryResult<Vec<String>> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0).and(t::account.eq(account)))
        .filter(t::cancelled.eq(false))
        .select(t::id)
        .load(conn)
}

/// Keeps a webhook event's raw body; a repeated delivery of the same transaction is ignored.
pub fn insert_event(
    conn: &mut DbConnection,
    user: UserId,
    transaction_id: &str,
    body: &str,
    signed: bool,
    now: i64,
) -> QueryResult<usize> {
    use webhook_events::dsl as e;
    let insert = diesel::insert_into(e::webhook_events)
        .values((
            e::user_id.eq(user.0),
            e::transaction_id.eq(transaction_id),
            e::body.eq(body),
            e::signed.eq(signed),
            e::received_at.eq(now),
        ))
        .on_conflict((e::user_id, e::transaction_id))
        .do_nothing();
    crate::per_backend!(conn, |c| insert.execute(c))
}
