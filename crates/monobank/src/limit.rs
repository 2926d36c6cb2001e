//! Rate lanes: Monobank serves at most one `client-info` and one `statement` call per token per
//! 60 seconds, and answers 429 to the next one.
//!
//! A *lane* is one (token key, [`Endpoint`]) pair. Before a call the caller claims the lane; a
//! granted claim closes it for [`LANE_SECS`], and after the call the lane stays closed until a
//! minute after the call *ended*, so two calls are never closer than a minute at Monobank's end
//! however long one took. [`call_through`] does the three steps.
//!
//! The lanes live behind the [`Limiter`] trait: [`MemoryLimiter`] serves one process; an
//! application with several instances implements the trait over its shared database, with a
//! claim that is a single conditional update, so that of two racing instances exactly one wins.
//! Time is passed in by the caller (see [`crate::clock`]), so tests move it by hand.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use crate::clock::Clock;
use crate::MonoError;

/// Seconds between two calls on one lane.
pub const LANE_SECS: i64 = 60;

/// The rate-limited personal endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /personal/client-info`.
    ClientInfo,
    /// `GET /personal/statement/...`.
    Statement,
}

impl Endpoint {
    /// The endpoint's name as stored and logged: `client-info` or `statement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ClientInfo => "client-info",
            Endpoint::Statement => "statement",
        }
    }
}

/// The outcome of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The caller may make one call now.
    Granted,
    /// The lane is closed until `next_at` (Unix seconds).
    Closed {
        /// When the lane opens again (Unix seconds).
        next_at: i64,
    },
}

/// Where the lanes are kept.
///
/// `key` identifies the token without being it (a keyed hash, say); implementations must never
/// need the token itself.
pub trait Limiter: Send + Sync {
    /// What a failing store reports (a database error, say).
    type Error: Send;

    /// Claims the lane for one call at `now`: [`Claim::Granted`] closes it until
    /// `now + LANE_SECS`; otherwise the lane is left as it is and its opening time returned.
    fn claim(
        &self,
        key: &str,
        endpoint: Endpoint,
        now: i64,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send;

    /// Seconds between two calls on one lane: Monobank's minute ([`LANE_SECS`]) unless a fake
    /// bank with a faster clock is on the other end.
    fn lane_secs(&self) -> i64 {
        LANE_SECS
    }

    /// Keeps the lane closed until at least `until` (never shortens it).
    fn close_until(
        &self,
        key: &str,
        endpoint: Endpoint,
        until: i64,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// What [`close_until`](Self::close_until) does, for a call whose future was dropped while
    /// Monobank may already have it (a client that went away cancels its request): called from
    /// `Drop`, so it cannot wait; an implementation over a database starts the write on its own
    /// (a task) and reports a failure itself.
    fn close_abandoned(&self, key: &str, endpoint: Endpoint, until: i64);
}

/// Keeps a granted lane closed until a minute after its call ended, even when the future of
/// [`call_through`] is dropped mid-call or before the lane is closed: the drop closes it from
/// the moment of the drop ([`Limiter::close_abandoned`]).
struct Granted<'a, L: Limiter + ?Sized> {
    limiter: &'a L,
    clock: &'a dyn Clock,
    key: &'a str,
    endpoint: Endpoint,
    /// Set once the lane is closed as it should be.
    closed: bool,
}

impl<L: Limiter + ?Sized> Granted<'_, L> {
    /// A lane's length after now, from the next whole second: a call that ended at 10.9 s must
    /// not let the next one start at 11.0 s, less than a lane's length later at the bank's end.
    fn until(&self) -> i64 {
        let now_ms = self.clock.now_ms();
        let ended = now_ms.div_euclid(1000) + i64::from(now_ms.rem_euclid(1000) > 0);
        ended + self.limiter.lane_secs()
    }
}

impl<L: Limiter + ?Sized> Drop for Granted<'_, L> {
    fn drop(&mut self) {
        if !self.closed {
            self.limiter
                .close_abandoned(self.key, self.endpoint, self.until());
        }
    }
}

/// What one call through a lane came to.
#[derive(Debug)]
pub enum Through<T> {
    /// The lane was closed; nothing was called. It opens at `next_at` (Unix seconds).
    Closed {
        /// When the lane opens again (Unix seconds).
        next_at: i64,
    },
    /// The call was made; this is its result.
    Called(Result<T, MonoError>),
}

/// One Monobank call through a lane: claims it at the clock's now, makes the call only if
/// granted, then keeps the lane closed until a minute after the call ended (a 429 included).
///
/// ```
/// # tokio_test_block(async {
/// use monobank::clock::ManualClock;
/// use monobank::limit::{call_through, Endpoint, MemoryLimiter, Through};
///
/// let lanes = MemoryLimiter::default();
/// let clock = ManualClock::at(1_000);
/// let first = call_through(&lanes, &*clock, "token-key", Endpoint::Statement, || async {
///     Ok::<_, monobank::MonoError>(42)
/// })
/// .await
/// .unwrap_or_else(|never| match never {});
/// assert!(matches!(first, Through::Called(Ok(42))));
///
/// let second = call_through(&lanes, &*clock, "token-key", Endpoint::Statement, || async {
///     Ok::<_, monobank::MonoError>(43)
/// })
/// .await
/// .unwrap_or_else(|never| match never {});
/// assert!(matches!(second, Through::Closed { next_at: 1_060 }));
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().map(|rt| rt.block_on(f)).ok();
/// # }
/// ```
pub async fn call_through<L, T, Fut>(
    limiter: &L,
    clock: &dyn Clock,
    key: &str,
    endpoint: Endpoint,
    call: impl FnOnce() -> Fut,
) -> Result<Through<T>, L::Error>
where
    L: Limiter + ?Sized,
    Fut: Future<Output = Result<T, MonoError>>,
{
    if let Claim::Closed { next_at } = limiter.claim(key, endpoint, clock.now()).await? {
        // A call that must wait for its token's lane (recorded through the `metrics` facade
        // with the `metrics` feature).
        #[cfg(feature = "metrics")]
        {
            metrics::counter!("monobank_lane_closed_total", "endpoint" => endpoint.as_str())
                .increment(1);
            metrics::histogram!("monobank_lane_wait_seconds", "endpoint" => endpoint.as_str())
                .record((next_at - clock.now()).max(0) as f64);
        }
        return Ok(Through::Closed { next_at });
    }
    let mut granted = Granted {
        limiter,
        clock,
        key,
        endpoint,
        closed: false,
    };
    let result = call().await;
    let closed = limiter.close_until(key, endpoint, granted.until()).await;
    // A store that failed is not tried again on drop: the error goes to the caller.
    granted.closed = true;
    closed?;
    Ok(Through::Called(result))
}

/// Lanes in this process's memory: right for one process; several processes sharing tokens need
/// a shared implementation.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    lanes: Mutex<HashMap<(String, Endpoint), i64>>,
}

impl MemoryLimiter {
    fn with_lanes<T>(&self, f: impl FnOnce(&mut HashMap<(String, Endpoint), i64>) -> T) -> T {
        match self.lanes.lock() {
            Ok(mut lanes) => f(&mut lanes),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// When the lane opens next; `None` if it was never used.
    pub fn next_at(&self, key: &str, endpoint: Endpoint) -> Option<i64> {
        self.with_lanes(|lanes| lanes.get(&(key.to_owned(), endpoint)).copied())
    }
}

impl Limiter for MemoryLimiter {
    type Error = std::convert::Infallible;

    async fn claim(&self, key: &str, endpoint: Endpoint, now: i64) -> Result<Claim, Self::Error> {
        Ok(self.with_lanes(|lanes| {
            let next_at = lanes.entry((key.to_owned(), endpoint)).or_insert(0);
            if *next_at <= now {
                *next_at = now + LANE_SECS;
                Claim::Granted
            } else {
                Claim::Closed { next_at: *next_at }
            }
        }))
    }

    async fn close_until(
        &self,
        key: &str,
        endpoint: Endpoint,
        until: i64,
    ) -> Result<(), Self::Error> {
        self.close_abandoned(key, endpoint, until);
        Ok(())
    }

    fn close_abandoned(&self, key: &str, endpoint: Endpoint, until: i64) {
        self.with_lanes(|lanes| {
            let next_at = lanes.entry((key.to_owned(), endpoint)).or_insert(0);
            *next_at = (*next_at).max(until);
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::clock::ManualClock;

    fn run<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn one_call_per_minute_per_token_and_endpoint() {
        let lanes = MemoryLimiter::default();
        run(async {
            let claim = |k: &'static str, e, now| lanes.claim(k, e, now);
            assert_eq!(
                claim("fp", Endpoint::Statement, 1000).await,
                Ok(Claim::Granted)
            );
            assert_eq!(
                claim("fp", Endpoint::Statement, 1059).await,
                Ok(Claim::Closed { next_at: 1060 })
            );
            assert_eq!(
                claim("fp", Endpoint::ClientInfo, 1001).await,
                Ok(Claim::Granted)
            );
            assert_eq!(
                claim("other", Endpoint::Statement, 1001).await,
                Ok(Claim::Granted)
            );
            assert_eq!(
                claim("fp", Endpoint::Statement, 1060).await,
                Ok(Claim::Granted)
            );
        });
    }

    #[test]
    fn the_minute_counts_from_the_end_of_a_slow_call() {
        let lanes = MemoryLimiter::default();
        let clock = ManualClock::at(1_000);
        run(async {
            let through = call_through(&lanes, &*clock, "fp", Endpoint::ClientInfo, || async {
                clock.advance(25);
                Err::<(), _>(MonoError::RateLimited { retry_after: None })
            })
            .await
            .unwrap();
            assert!(matches!(through, Through::Called(Err(_))));
            assert_eq!(lanes.next_at("fp", Endpoint::ClientInfo), Some(1_085));
            lanes
                .close_until("fp", Endpoint::ClientInfo, 1_050)
                .await
                .unwrap();
            assert_eq!(
                lanes.next_at("fp", Endpoint::ClientInfo),
                Some(1_085),
                "never shortened"
            );
        });
    }

    #[test]
    fn a_call_dropped_mid_flight_keeps_the_lane_closed_a_minute_after_the_drop() {
        let lanes = MemoryLimiter::default();
        let clock = ManualClock::at(3_000);
        run(async {
            let call = call_through(&lanes, &*clock, "fp", Endpoint::Statement, || async {
                std::future::pending::<Result<(), MonoError>>().await
            });
            let mut call = std::pin::pin!(call);
            // Polled until the call is on its way, then the caller goes away 25 s later.
            let waker = std::task::Waker::noop();
            let polled = call
                .as_mut()
                .poll(&mut std::task::Context::from_waker(waker));
            assert!(polled.is_pending());
            clock.advance(25);
        });
        assert_eq!(
            lanes.next_at("fp", Endpoint::Statement),
            Some(3_085),
            "a minute after the drop, not after the claim (3060)"
        );
    }

    #[test]
    fn a_call_ending_within_a_second_keeps_the_lane_closed_a_whole_lane_after_it() {
        let lanes = MemoryLimiter::default();
        let clock = ManualClock::at(2_000);
        run(async {
            call_through(&lanes, &*clock, "fp", Endpoint::Statement, || async {
                clock.advance_ms(900);
                Ok::<_, MonoError>(())
            })
            .await
            .unwrap();
        });
        // The call ended at 2000.9 s: the lane opens at 2061, not 2060 (0.1 s too early).
        assert_eq!(lanes.next_at("fp", Endpoint::Statement), Some(2_061));
    }
}
