//! The transaction store and the raw webhook events.
//!
//! # Matching rules (`docs/history.md` explains them and their sources)
//! - A transaction is identified by (user, Monobank id). A statement is the truth for an id: a
//!   statement row replaces whatever was stored under its id. A webhook event never overwrites a
//!   statement row, except that a settled event replaces the hold of the same id; and it never
//!   brings back a cancelled hold.
//! - A hold settled under another id: when a settled (non-hold) transaction with an id new to the
//!   store arrives, the newest stored hold of the same account with the same operation amount,
//!   operation currency and MCC, no newer than it and at most [`SETTLE_WINDOW_SECS`] older, that
//!   no other settled row has superseded yet, is marked `superseded_by` it: one hold per settled
//!   row, one settled row per hold, never deleted. An update of a known id supersedes nothing.
//! - A statement that still lists a superseded hold brings it back (it was another purchase).
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
    /// An event that arrived while Monobank's signing key had never been obtained: shown, but
    /// unconfirmed until a statement of its time lists it (or removes it by not listing it).
    UnsignedWebhook,
    Statement,
}

/// How an unsigned event's row is marked.
pub const UNSIGNED: &str = "webhook_unsigned";

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::UnsignedWebhook => UNSIGNED,
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
    /// The settled transaction (a new id) that replaced this hold, if one did.
    pub superseded_by: Option<String>,
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
            superseded_by: None,
        }
    }

    /// Back to Monobank's wire shape.
    pub fn item(&self) -> StatementItem {
        {
            let mut built = StatementItem::default();
            built.id = self.id.clone();
            built.time = self.time;
            built.description = self.description.clone();
            built.mcc = self.mcc;
            built.original_mcc = self.original_mcc;
            built.amount = self.amount;
            built.operation_amount = self.operation_amount;
            built.currency_code = u16::try_from(self.currency_code).unwrap_or(0);
            built.commission_rate = self.commission_rate;
            built.cashback_amount = self.cashback_amount;
            built.balance = self.balance;
            built.hold = self.hold;
            built.comment = self.comment.clone();
            built.receipt_id = self.receipt_id.clone();
            built.invoice_id = self.invoice_id.clone();
            built.counter_edrpou = self.counter_edrpou.clone();
            built.counter_iban = self.counter_iban.clone();
            built.counter_name = self.counter_name.clone();
            built
        }
    }
}

/// Stores one transaction under the module's rules: insert, or update of the same id (a webhook
/// event does not overwrite a statement row unless it settles that row's hold); a settled row
/// with a new id supersedes its hold. Returns whether the id was new. Call inside a database
/// transaction.
pub fn upsert(conn: &mut DbConnection, row: &TransactionRow) -> QueryResult<bool> {
    use transactions::dsl as t;
    let unsigned = row.source == UNSIGNED;
    // The insert comes first: of two transactions storing one new id at once, one inserts and
    // the other waits for it and then takes the update's path below (a read before the insert
    // would let both see no row, and the loser's version would be dropped).
    let insert = diesel::insert_into(t::transactions)
        .values(row)
        .on_conflict((t::user_id, t::id))
        .do_nothing();
    if crate::per_backend!(conn, |c| insert.execute(c))? == 1 {
        // An unsigned event is not trusted to settle anything.
        if !row.hold && !unsigned {
            supersede_hold(conn, row)?;
        }
        return Ok(true);
    }
    // An unsigned event changes nothing that is stored.
    if unsigned {
        return Ok(false);
    }
    let Some((source, was_hold)) = stored_state(conn, row)? else {
        return Ok(false);
    };
    let from_statement = row.source == Source::Statement.as_str();
    let settles_its_hold = was_hold && !row.hold;
    if !from_statement {
        if source == Source::Statement.as_str() && !settles_its_hold {
            // The statement is the truth for this id; a late or repeated event changes nothing.
            return Ok(false);
        }
        if !was_hold && row.hold {
            // A late event of the hold never undoes its settlement.
            return Ok(false);
        }
    }
    // A row a statement stored keeps that source when an event settles its hold; a signed event
    // confirms an unsigned one.
    let source = if from_statement || source == UNSIGNED {
        row.source.as_str()
    } else {
        source.as_str()
    };
    let same_id = t::transactions.filter(t::user_id.eq(row.user_id).and(t::id.eq(&row.id)));
    diesel::update(same_id)
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
            t::source.eq(source),
        ))
        .execute(conn)?;
    if from_statement || settles_its_hold {
        // Listed by a statement, or settled under its own id: it exists, neither cancelled nor
        // superseded (a settled operation is no hold).
        diesel::update(same_id)
            .set((t::cancelled.eq(false), t::superseded_by.eq(None::<String>)))
            .execute(conn)?;
    }
    Ok(false)
}

/// The source and hold flag stored for `row`'s id, the row locked until the transaction ends
/// (PostgreSQL; SQLite's write transaction holds the whole database), so that two versions of
/// one id are judged one after the other, each against what the other stored.
fn stored_state(
    conn: &mut DbConnection,
    row: &TransactionRow,
) -> QueryResult<Option<(String, bool)>> {
    use transactions::dsl as t;
    let query = t::transactions
        .filter(t::user_id.eq(row.user_id).and(t::id.eq(&row.id)))
        .select((t::source, t::hold));
    match conn {
        DbConnection::Postgres(c) => query.for_update().first(c).optional(),
        DbConnection::Sqlite(c) => query.first(c).optional(),
    }
}

/// Marks the hold that `settled` (a new id) replaces, if there is one (see the module's rules).
fn supersede_hold(conn: &mut DbConnection, settled: &TransactionRow) -> QueryResult<usize> {
    use transactions::dsl as t;
    let hold: Option<String> = t::transactions
        .filter(t::user_id.eq(settled.user_id))
        .filter(t::account.eq(&settled.account))
        .filter(t::hold.eq(true))
        .filter(t::cancelled.eq(false))
        .filter(t::superseded_by.is_null())
        .filter(t::id.ne(&settled.id))
        .filter(t::operation_amount.eq(settled.operation_amount))
        .filter(t::currency_code.eq(settled.currency_code))
        .filter(t::mcc.eq(settled.mcc))
        .filter(t::time.le(settled.time))
        .filter(t::time.ge(settled.time - SETTLE_WINDOW_SECS))
        .order((t::time.desc(), t::id.desc()))
        .select(t::id)
        .first(conn)
        .optional()?;
    let Some(id) = hold else {
        return Ok(0);
    };
    // Taken only if it is still an open hold that no other settlement took meanwhile (PostgreSQL
    // re-checks the condition once the other transaction ends; the hold may also have settled
    // under its own id): else the next candidate is sought.
    let taken = diesel::update(
        t::transactions
            .filter(t::user_id.eq(settled.user_id).and(t::id.eq(id)))
            .filter(t::hold.eq(true))
            .filter(t::superseded_by.is_null())
            .filter(t::cancelled.eq(false)),
    )
    .set(t::superseded_by.eq(&settled.id))
    .execute(conn)?;
    if taken == 1 {
        Ok(1)
    } else {
        supersede_hold(conn, settled)
    }
}

/// Brings back the superseded holds that a statement of `account` lists (`present`): they are
/// purchases of their own. Call after storing the statement's rows.
pub fn restore_listed(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    present: &[String],
) -> QueryResult<usize> {
    use transactions::dsl as t;
    diesel::update(
        t::transactions
            .filter(t::user_id.eq(user.0))
            .filter(t::account.eq(account))
            .filter(t::superseded_by.is_not_null())
            .filter(t::id.eq_any(present)),
    )
    .set(t::superseded_by.eq(None::<String>))
    .execute(conn)
}

/// Marks as cancelled the holds of `account` in `[from, to]` that a complete statement of that
/// span (`present`) no longer lists, and the unsigned events' rows it does not list (they were
/// never Monobank's). Only rows stored before the statement was requested (`requested_at`,
/// Unix s) count: a hold that arrived while the page was on its way is simply newer than the
/// page.
pub fn mark_cancelled(
    conn: &mut DbConnection,
    user: UserId,
    account: &str,
    (from, to): (i64, i64),
    present: &[String],
    requested_at: i64,
) -> QueryResult<usize> {
    use transactions::dsl as t;
    diesel::update(
        t::transactions
            .filter(t::user_id.eq(user.0))
            .filter(t::account.eq(account))
            .filter(t::hold.eq(true).or(t::source.eq(UNSIGNED)))
            .filter(t::cancelled.eq(false))
            .filter(t::time.between(from, to))
            .filter(t::received_at.lt(requested_at))
            .filter(t::id.ne_all(present)),
    )
    .set(t::cancelled.eq(true))
    .execute(conn)
}

/// The transactions of `accounts` in `[from, to]`, newest first, without cancelled holds.
pub fn range(
    conn: &mut DbConnection,
    user: UserId,
    accounts: &[String],
    from: i64,
    to: i64,
) -> QueryResult<Vec<TransactionRow>> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0))
        .filter(t::account.eq_any(accounts))
        .filter(t::time.between(from, to))
        .filter(t::cancelled.eq(false))
        .filter(t::superseded_by.is_null())
        .order((t::time.desc(), t::id.desc()))
        .select(TransactionRow::as_select())
        .load(conn)
}

/// Per account of `user`, the time of the oldest hold at or after `since` that is still open
/// (neither settled nor cancelled): the span the sync re-reads. A hold a settled row
/// superseded counts: the match was a guess until a statement of its span confirms it
/// (the hold is gone: cancelled) or refutes it (the hold is listed: restored).
pub fn open_holds(
    conn: &mut DbConnection,
    user: UserId,
    since: i64,
) -> QueryResult<Vec<(String, Option<i64>)>> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0))
        .filter(t::hold.eq(true).or(t::source.eq(UNSIGNED)))
        .filter(t::cancelled.eq(false))
        .filter(t::time.ge(since))
        .group_by(t::account)
        .select((t::account, diesel::dsl::min(t::time)))
        .load(conn)
}

/// How many holds of `accounts` in `[from, to]` a settled row superseded and no statement has
/// confirmed yet (they are hidden, but the range is not final while they wait).
pub fn superseded_holds(
    conn: &mut DbConnection,
    user: UserId,
    accounts: &[String],
    from: i64,
    to: i64,
) -> QueryResult<i64> {
    use transactions::dsl as t;
    t::transactions
        .filter(t::user_id.eq(user.0))
        .filter(t::account.eq_any(accounts))
        .filter(t::time.between(from, to))
        .filter(t::hold.eq(true))
        .filter(t::cancelled.eq(false))
        .filter(t::superseded_by.is_not_null())
        .count()
        .get_result(conn)
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
        .filter(t::superseded_by.is_null())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::db;

    const USER: UserId = UserId(1);
    const CARD: &str = "card";
    const NINE: i64 = 1_790_000_000;

    fn store() -> (tempfile::TempDir, DbConnection) {
        db::test_store()
    }

    /// A coffee of 45.00 UAH (MCC 5814).
    fn coffee(id: &str, time: i64, hold: bool, source: Source) -> TransactionRow {
        let mut item = StatementItem::new(id.into(), time, "Coffee", 5814, -4_500, 980);
        item.operation_amount = -4_500;
        item.hold = hold;
        TransactionRow::new(USER, CARD, &item, source, time)
    }

    fn put(conn: &mut DbConnection, row: TransactionRow) {
        db::write_transaction(conn, |conn| Ok(upsert(conn, &row)?)).unwrap();
    }

    fn visible(conn: &mut DbConnection) -> Vec<String> {
        let mut ids = ids(conn, USER, CARD).unwrap();
        ids.sort();
        ids
    }

    #[test]
    fn two_coffees_on_hold_stay_two_when_one_settles_under_its_own_id() {
        let (_dir, mut c) = store();
        put(&mut c, coffee("coffeeA", NINE, true, Source::Webhook));
        put(
            &mut c,
            coffee("coffeeB", NINE + 3_600, true, Source::Webhook),
        );
        assert_eq!(visible(&mut c), ["coffeeA", "coffeeB"]);
        // coffeeB settles under its own id: an update of a known id supersedes nothing.
        put(
            &mut c,
            coffee("coffeeB", NINE + 3_600, false, Source::Webhook),
        );
        assert_eq!(visible(&mut c), ["coffeeA", "coffeeB"]);
        put(
            &mut c,
            coffee("coffeeB", NINE + 3_600, false, Source::Statement),
        );
        assert_eq!(visible(&mut c), ["coffeeA", "coffeeB"]);
        // And coffeeA's own settlement later changes nothing either.
        put(&mut c, coffee("coffeeA", NINE, false, Source::Statement));
        assert_eq!(visible(&mut c), ["coffeeA", "coffeeB"]);
    }

    #[test]
    fn a_hold_settled_under_a_new_id_shows_once_and_is_kept_marked() {
        let (_dir, mut c) = store();
        put(&mut c, coffee("hold", NINE, true, Source::Webhook));
        put(
            &mut c,
            coffee("settled", NINE + 86_400, false, Source::Statement),
        );
        assert_eq!(visible(&mut c), ["settled"]);
        let kept: Option<String> = transactions::table
            .find((USER.0, "hold"))
            .select(transactions::superseded_by)
            .first(&mut c)
            .unwrap();
        assert_eq!(kept.as_deref(), Some("settled"), "marked, never deleted");
        // One hold per settled row: storing the settled row again supersedes no other hold.
        put(&mut c, coffee("hold2", NINE + 10, true, Source::Webhook));
        put(
            &mut c,
            coffee("settled", NINE + 86_400, false, Source::Statement),
        );
        assert_eq!(visible(&mut c), ["hold2", "settled"]);
    }

    #[test]
    fn a_statement_that_lists_a_superseded_hold_brings_it_back() {
        let (_dir, mut c) = store();
        // An older hold still on hold at the bank, and a separate purchase of the same amount
        // settled at once: the heuristics take the purchase for the hold's settlement.
        put(&mut c, coffee("stillOnHold", NINE, true, Source::Webhook));
        put(&mut c, coffee("direct", NINE + 600, false, Source::Webhook));
        assert_eq!(visible(&mut c), ["direct"]);
        // The next complete statement of the span lists both: both are shown.
        let present = ["direct".to_owned(), "stillOnHold".to_owned()];
        db::write_transaction(&mut c, |c| {
            upsert(c, &coffee("direct", NINE + 600, false, Source::Statement))?;
            upsert(c, &coffee("stillOnHold", NINE, true, Source::Statement))?;
            Ok(restore_listed(c, USER, CARD, &present)?)
        })
        .unwrap();
        assert_eq!(visible(&mut c), ["direct", "stillOnHold"]);
    }

    #[test]
    fn a_superseded_hold_that_settles_under_its_own_id_comes_back_and_stays_settled() {
        let (_dir, mut c) = store();
        put(&mut c, coffee("stillOnHold", NINE, true, Source::Webhook));
        put(&mut c, coffee("direct", NINE + 600, false, Source::Webhook));
        assert_eq!(visible(&mut c), ["direct"]);
        // The hold settles under its own id: it was a purchase of its own.
        put(&mut c, coffee("stillOnHold", NINE, false, Source::Webhook));
        assert_eq!(visible(&mut c), ["direct", "stillOnHold"]);
        // A late delivery of its hold event does not undo the settlement.
        put(&mut c, coffee("stillOnHold", NINE, true, Source::Webhook));
        let hold: bool = transactions::table
            .find((USER.0, "stillOnHold"))
            .select(transactions::hold)
            .first(&mut c)
            .unwrap();
        assert!(!hold);
    }

    #[test]
    fn a_hold_that_arrives_while_a_page_is_on_its_way_is_not_cancelled_by_it() {
        let (_dir, mut c) = store();
        // Stored at NINE (its event arrived then); the page was requested at NINE too and does
        // not list it: it is newer than the page, not cancelled.
        put(&mut c, coffee("new", NINE, true, Source::Webhook));
        let cancel = |c: &mut DbConnection, requested_at| {
            db::write_transaction(c, |c| {
                Ok(mark_cancelled(
                    c,
                    USER,
                    CARD,
                    (NINE - 60, NINE),
                    &[],
                    requested_at,
                )?)
            })
            .unwrap()
        };
        assert_eq!(cancel(&mut c, NINE), 0);
        assert_eq!(visible(&mut c), ["new"]);
        // A page requested after it was stored that does not list it: cancelled.
        assert_eq!(cancel(&mut c, NINE + 1), 1);
        assert!(visible(&mut c).is_empty());
    }

    #[test]
    fn a_webhook_never_overwrites_a_statement_row_but_settles_its_hold() {
        let (_dir, mut c) = store();
        put(&mut c, coffee("paid", NINE, false, Source::Statement));
        let mut forged = coffee("paid", NINE, true, Source::Webhook);
        forged.amount = -9_999;
        forged.description = "Replayed".into();
        put(&mut c, forged);
        let row: (i64, String, bool) = transactions::table
            .find((USER.0, "paid"))
            .select((
                transactions::amount,
                transactions::description,
                transactions::hold,
            ))
            .first(&mut c)
            .unwrap();
        assert_eq!(row, (-4_500, "Coffee".to_owned(), false));
        // A statement row on hold is settled by the event of the same id.
        put(&mut c, coffee("pending", NINE, true, Source::Statement));
        put(&mut c, coffee("pending", NINE, false, Source::Webhook));
        let (hold, source): (bool, String) = transactions::table
            .find((USER.0, "pending"))
            .select((transactions::hold, transactions::source))
            .first(&mut c)
            .unwrap();
        assert!(!hold);
        assert_eq!(source, "statement", "still protected as a statement row");
        let mut replayed = coffee("pending", NINE, true, Source::Webhook);
        replayed.amount = -1;
        put(&mut c, replayed);
        let amount: i64 = transactions::table
            .find((USER.0, "pending"))
            .select(transactions::amount)
            .first(&mut c)
            .unwrap();
        assert_eq!(amount, -4_500);
        // A cancelled hold is not brought back by a repeated event.
        put(&mut c, coffee("gone", NINE, true, Source::Statement));
        db::write_transaction(&mut c, |c| {
            Ok(mark_cancelled(
                c,
                USER,
                CARD,
                (NINE, NINE),
                &["paid".into(), "pending".into()],
                NINE + 1,
            )?)
        })
        .unwrap();
        put(&mut c, coffee("gone", NINE, true, Source::Webhook));
        assert!(!visible(&mut c).contains(&"gone".to_owned()));
    }
}
