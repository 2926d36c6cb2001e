//! The rate lanes in the database: at most one `client-info` and one `statement` call per token
//! per 60 s, across every app instance sharing the database (see `docs/monobank-api.md`).
//!
//! A lane is a row (token fingerprint, endpoint, next_at). Claiming it is a single conditional
//! `UPDATE … SET next_at = now + 60 WHERE next_at <= now`: of two racing instances exactly one
//! updates the row. This is the app's implementation of the `monobank` crate's
//! [`Limiter`]; time comes from the caller, so tests drive it with a manual clock.

use diesel::prelude::*;
use monobank::limit::{Claim, Endpoint, Limiter, LANE_SECS};

use crate::db::schema::rate_lanes;
use crate::db::StoreError;
use crate::db::{self, DbConnection, DbPool};

/// The lanes of every instance, kept in the shared database.
#[derive(Clone)]
pub struct DbLimiter {
    pool: DbPool,
    lane_secs: i64,
}

impl DbLimiter {
    /// Lanes of Monobank's minute.
    pub fn new(pool: DbPool) -> Self {
        Self::with_lane_secs(pool, LANE_SECS)
    }

    /// Lanes of `lane_secs` (a fake bank with a faster clock, as in `monoweb demo`).
    pub fn with_lane_secs(pool: DbPool, lane_secs: i64) -> Self {
        DbLimiter {
            pool,
            lane_secs: lane_secs.max(1),
        }
    }
}

impl Limiter for DbLimiter {
    type Error = StoreError;

    fn lane_secs(&self) -> i64 {
        self.lane_secs
    }

    async fn claim(&self, key: &str, endpoint: Endpoint, now: i64) -> Result<Claim, StoreError> {
        let key = key.to_owned();
        let secs = self.lane_secs;
        db::run(&self.pool, move |conn| {
            Ok(claim_for(conn, &key, endpoint, now, secs)?)
        })
        .await
    }

    async fn close_until(
        &self,
        key: &str,
        endpoint: Endpoint,
        until: i64,
    ) -> Result<(), StoreError> {
        let key = key.to_owned();
        db::run(&self.pool, move |conn| {
            Ok(close_until(conn, &key, endpoint, until)?)
        })
        .await
    }

    /// The write runs as a task of its own: the request that dropped the call is gone.
    fn close_abandoned(&self, key: &str, endpoint: Endpoint, until: i64) {
        let (limiter, key) = (self.clone(), key.to_owned());
        let close = async move {
            if let Err(e) = limiter.close_until(&key, endpoint, until).await {
                tracing::warn!(error = %e, endpoint = endpoint.as_str(), "could not close the lane of a dropped call");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(close)),
            Err(_) => tracing::warn!(
                endpoint = endpoint.as_str(),
                "a call was dropped outside a runtime; its lane opens a minute after it began"
            ),
        }
    }
}

/// Claims the lane for one call at `now`, closing it for Monobank's minute.
pub fn claim(
    conn: &mut DbConnection,
    fingerprint: &str,
    endpoint: Endpoint,
    now: i64,
) -> QueryResult<Claim> {
    claim_for(conn, fingerprint, endpoint, now, LANE_SECS)
}

/// Claims the lane for one call at `now`, closing it for `lane_secs`.
fn claim_for(
    conn: &mut DbConnection,
    fingerprint: &str,
    endpoint: Endpoint,
    now: i64,
    lane_secs: i64,
) -> QueryResult<Claim> {
    let ensure_row = diesel::insert_into(rate_lanes::table)
        .values((
            rate_lanes::token_fingerprint.eq(fingerprint),
            rate_lanes::endpoint.eq(endpoint.as_str()),
            rate_lanes::next_at.eq(0_i64),
        ))
        .on_conflict_do_nothing();
    crate::per_backend!(conn, |c| ensure_row.execute(c))?;
    let claimed = diesel::update(lane(fingerprint, endpoint).filter(rate_lanes::next_at.le(now)))
        .set(rate_lanes::next_at.eq(now + lane_secs))
        .execute(conn)?;
    if claimed == 1 {
        return Ok(Claim::Granted);
    }
    let next_at = next_at(conn, fingerprint, endpoint)?.unwrap_or(now);
    Ok(Claim::Closed { next_at })
}

/// Keeps the lane closed until at least `until` (after Mono answered 429).
pub fn close_until(
    conn: &mut DbConnection,
    fingerprint: &str,
    endpoint: Endpoint,
    until: i64,
) -> QueryResult<()> {
    diesel::update(lane(fingerprint, endpoint).filter(rate_lanes::next_at.lt(until)))
        .set(rate_lanes::next_at.eq(until))
        .execute(conn)
        .map(drop)
}

/// When the lane next opens; `None` if it was never used.
pub fn next_at(
    conn: &mut DbConnection,
    fingerprint: &str,
    endpoint: Endpoint,
) -> QueryResult<Option<i64>> {
    lane(fingerprint, endpoint)
        .select(rate_lanes::next_at)
        .first(conn)
        .optional()
}

/// Forgets the lanes of a token that are open at `now` (when the token is removed). A lane
/// still closed is kept until it opens (and [`purge_open`] takes it then): Monobank still counts
/// the last call, and the same token attached again within the minute must wait for it.
pub fn forget(conn: &mut DbConnection, fingerprint: &str, now: i64) -> QueryResult<usize> {
    diesel::delete(
        rate_lanes::table
            .filter(rate_lanes::token_fingerprint.eq(fingerprint))
            .filter(rate_lanes::next_at.le(now)),
    )
    .execute(conn)
}

/// Deletes every lane that opened before `before`, whatever its token: an open lane and no row
/// mean the same (a claim makes the row again), so this only keeps the table small and lets the
/// lanes of removed tokens go.
pub fn purge_open(conn: &mut DbConnection, before: i64) -> QueryResult<usize> {
    diesel::delete(rate_lanes::table.filter(rate_lanes::next_at.lt(before))).execute(conn)
}

/// The query selecting one lane row.
type Lane<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<rate_lanes::table, diesel::dsl::Eq<rate_lanes::token_fingerprint, &'a str>>,
    diesel::dsl::Eq<rate_lanes::endpoint, &'static str>,
>;

fn lane(fingerprint: &str, endpoint: Endpoint) -> Lane<'_> {
    rate_lanes::table
        .filter(rate_lanes::token_fingerprint.eq(fingerprint))
        .filter(rate_lanes::endpoint.eq(endpoint.as_str()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::DatabaseUrl;
    use crate::db::migrations;

    fn conn() -> (tempfile::TempDir, DbConnection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = db::connect(&DatabaseUrl::Sqlite(dir.path().join("t.db"))).unwrap();
        migrations::run_pending(&mut conn).unwrap();
        (dir, conn)
    }

    #[test]
    fn one_call_per_minute_per_token_and_endpoint() {
        let (_dir, mut c) = conn();
        assert_eq!(
            claim(&mut c, "fp", Endpoint::Statement, 1000).unwrap(),
            Claim::Granted
        );
        assert_eq!(
            claim(&mut c, "fp", Endpoint::Statement, 1059).unwrap(),
            Claim::Closed { next_at: 1060 }
        );
        assert_eq!(
            claim(&mut c, "fp", Endpoint::ClientInfo, 1001).unwrap(),
            Claim::Granted,
            "lanes are per endpoint"
        );
        assert_eq!(
            claim(&mut c, "other", Endpoint::Statement, 1001).unwrap(),
            Claim::Granted,
            "and per token"
        );
        assert_eq!(
            claim(&mut c, "fp", Endpoint::Statement, 1060).unwrap(),
            Claim::Granted
        );
    }

    #[tokio::test]
    async fn a_call_dropped_mid_flight_closes_its_lane_a_minute_after_the_drop() {
        use monobank::limit::call_through;
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        migrations::run_pending(&mut db::connect(&url).unwrap()).unwrap();
        let lanes = DbLimiter::new(db::pool(&url));
        let clock = monobank::clock::ManualClock::at(5_000);
        let (started, on_its_way) = tokio::sync::oneshot::channel();
        let call = call_through(&lanes, &*clock, "fp", Endpoint::Statement, || async {
            let _ = started.send(());
            std::future::pending::<Result<(), monobank::MonoError>>().await
        });
        // The caller goes away 25 s into the call (a timeout around it, a shutdown).
        tokio::select! {
            _ = call => unreachable!("the call never ends"),
            _ = async {
                on_its_way.await.unwrap();
                clock.advance(25);
            } => {}
        }
        let mut conn = db::connect(&url).unwrap();
        let started = std::time::Instant::now();
        while next_at(&mut conn, "fp", Endpoint::Statement).unwrap() != Some(5_085) {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "the lane opens at {:?}, not a minute after the drop (5085)",
                next_at(&mut conn, "fp", Endpoint::Statement).unwrap()
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    #[test]
    fn a_429_keeps_the_lane_closed_longer_and_a_removed_token_keeps_its_closed_lanes() {
        let (_dir, mut c) = conn();
        assert_eq!(
            claim(&mut c, "fp", Endpoint::ClientInfo, 1000).unwrap(),
            Claim::Granted
        );
        close_until(&mut c, "fp", Endpoint::ClientInfo, 1200).unwrap();
        assert_eq!(
            claim(&mut c, "fp", Endpoint::ClientInfo, 1100).unwrap(),
            Claim::Closed { next_at: 1200 }
        );
        close_until(&mut c, "fp", Endpoint::ClientInfo, 1150).unwrap();
        assert_eq!(
            next_at(&mut c, "fp", Endpoint::ClientInfo).unwrap(),
            Some(1200),
            "never shortened"
        );
        assert_eq!(forget(&mut c, "fp", 1_199).unwrap(), 0, "closed until 1200");
        assert_eq!(
            claim(&mut c, "fp", Endpoint::ClientInfo, 1_199).unwrap(),
            Claim::Closed { next_at: 1200 },
            "the same token attached again waits for the bank's minute"
        );
        assert_eq!(
            purge_open(&mut c, 1_200).unwrap(),
            0,
            "still closed at 1199"
        );
        assert_eq!(purge_open(&mut c, 1_201).unwrap(), 1, "open since 1200");
        assert_eq!(forget(&mut c, "fp", 1_200).unwrap(), 0);
    }
}
