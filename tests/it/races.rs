//! Races between instances on one PostgreSQL database, made to happen in one order every time:
//! a transaction keeps its write open while a second one runs into it (seen waiting for a lock
//! in `pg_stat_activity`), then commits. Each test is skipped (and says so) on SQLite, where a
//! write transaction holds the whole database and these races cannot happen.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use monobank::types::StatementItem;
use monoweb::db::transactions::{self, Source, TransactionRow};
use monoweb::db::users::UserId;
use monoweb::db::{self, DbConnection};

use crate::helpers::{connect, fresh_database, postgres_server};

const USER: UserId = UserId(1);
const CARD: &str = "card";
const NOW: i64 = 1_790_000_000;

/// A fresh, migrated PostgreSQL database with one user, or `None` (the test is skipped).
fn database(test: &str) -> Option<String> {
    if postgres_server().is_none() {
        eprintln!("{test}: skipped, it needs PostgreSQL (set MONOWEB_TEST_POSTGRES_URL)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path());
    let mut conn = connect(&url);
    db::migrations::run_pending(&mut conn).unwrap();
    let owner = db::users::NewUser {
        username: "owner",
        password_hash: "x",
        is_admin: false,
        is_active: true,
        created_at: 0,
        security_stamp: "s",
    };
    assert_eq!(db::users::insert(&mut conn, &owner).unwrap().id, USER.0);
    Some(url)
}

/// A coffee of 45.00 UAH (MCC 5814), as `source` tells it.
fn coffee(id: &str, time: i64, hold: bool, source: Source, description: &str) -> TransactionRow {
    let mut item = StatementItem::new(id.into(), time, description, 5814, -4_500, 980);
    item.operation_amount = -4_500;
    item.hold = hold;
    TransactionRow::new(USER, CARD, &item, source, time)
}

/// Stores `row` in a transaction of its own, on a thread: it may wait for another one.
fn store_meanwhile(url: &str, row: TransactionRow) -> std::thread::JoinHandle<()> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut conn = connect(&url);
        db::write_transaction(&mut conn, |conn| Ok(transactions::upsert(conn, &row)?)).unwrap();
    })
}

/// Returns once a session of this database waits for a lock (at most 10 s).
fn until_one_waits(url: &str) {
    let mut watcher = PgConnection::establish(url).unwrap();
    let started = std::time::Instant::now();
    loop {
        let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pg_stat_activity \
              WHERE wait_event_type = 'Lock' AND datname = current_database())",
        ))
        .get_result(&mut watcher)
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "nobody waits for the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// (source, description, superseded_by) of each id.
fn stored(conn: &mut DbConnection, id: &str) -> (String, String, Option<String>) {
    use monoweb::db::schema::transactions::dsl as t;
    t::transactions
        .filter(t::id.eq(id))
        .select((t::source, t::description, t::superseded_by))
        .first(conn)
        .unwrap()
}

#[test]
fn on_postgresql_a_statement_that_loses_the_insert_race_to_a_webhook_still_stores_its_version() {
    let Some(url) = database("statement_vs_webhook") else {
        return;
    };
    let mut webhook = connect(&url);
    webhook.batch_execute("BEGIN").unwrap();
    let event = coffee("op1", NOW, true, Source::Webhook, "Coffee (event)");
    transactions::upsert(&mut webhook, &event).unwrap();
    // The statement lists the same new id while the event's transaction is still open.
    let listed = coffee("op1", NOW, true, Source::Statement, "Coffee (statement)");
    let statement = store_meanwhile(&url, listed);
    until_one_waits(&url);
    webhook.batch_execute("COMMIT").unwrap();
    statement.join().unwrap();
    let (source, description, _) = stored(&mut connect(&url), "op1");
    assert_eq!(
        (source.as_str(), description.as_str()),
        ("statement", "Coffee (statement)"),
        "the statement is the truth for an id"
    );
}

#[test]
fn on_postgresql_two_settlements_at_once_take_two_holds_not_one() {
    let Some(url) = database("two_settlements") else {
        return;
    };
    let mut conn = connect(&url);
    for (id, time) in [("hold-a", NOW - 100), ("hold-b", NOW - 50)] {
        let hold = coffee(id, time, true, Source::Statement, "Coffee");
        db::write_transaction(&mut conn, |c| Ok(transactions::upsert(c, &hold)?)).unwrap();
    }
    // Two coffees settle under new ids on two instances at once: the first takes the newest
    // hold and keeps its transaction open; the second must not take the same one.
    let mut first = connect(&url);
    first.batch_execute("BEGIN").unwrap();
    let settled = coffee("settled-1", NOW, false, Source::Webhook, "Coffee");
    transactions::upsert(&mut first, &settled).unwrap();
    let second = store_meanwhile(
        &url,
        coffee("settled-2", NOW + 1, false, Source::Webhook, "Coffee"),
    );
    until_one_waits(&url);
    first.batch_execute("COMMIT").unwrap();
    second.join().unwrap();
    assert_eq!(
        stored(&mut conn, "hold-b").2.as_deref(),
        Some("settled-1"),
        "the first settlement took the newest hold"
    );
    assert_eq!(
        stored(&mut conn, "hold-a").2.as_deref(),
        Some("settled-2"),
        "the second took the other one"
    );
}

#[test]
fn on_postgresql_a_hold_settling_under_its_own_id_is_not_taken_by_another_settlement() {
    let Some(url) = database("settles_its_own_id") else {
        return;
    };
    let mut conn = connect(&url);
    let hold = coffee("hold", NOW - 100, true, Source::Statement, "Coffee");
    db::write_transaction(&mut conn, |c| Ok(transactions::upsert(c, &hold)?)).unwrap();
    // The hold settles under its own id (its transaction still open) while another coffee
    // settles under a new id: the hold is no longer one to take.
    let mut own = connect(&url);
    own.batch_execute("BEGIN").unwrap();
    let settled = coffee("hold", NOW - 100, false, Source::Statement, "Coffee");
    transactions::upsert(&mut own, &settled).unwrap();
    let other = store_meanwhile(
        &url,
        coffee("another", NOW, false, Source::Webhook, "Coffee"),
    );
    until_one_waits(&url);
    own.batch_execute("COMMIT").unwrap();
    other.join().unwrap();
    assert_eq!(
        stored(&mut conn, "hold").2,
        None,
        "a settled purchase is not hidden as another's hold"
    );
}
