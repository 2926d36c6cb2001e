//! Login throttling (`docs/security.md`, S5): a per-IP burst limit (the `governor` crate); a lock
//! with a growing delay per (account, client address), so that someone guessing from one address
//! is locked out of that account without locking its owner out from anywhere else; and, for a
//! guess spread over many addresses, an account-wide slowing down (one attempt every few seconds)
//! instead of a lock, which an address the right password came from lately is spared. Both are
//! stored in the database for accounts and kept in memory, the same way, for names that are not
//! accounts, so that the throttles cannot tell which names exist. An attempt is counted as a
//! failure before its password is checked (and forgiven when it was right), so attempts sent at
//! the same moment cannot all pass the check before any of them is counted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use monobank::clock::SharedClock;

/// Failures from one address before that address is locked out of the account.
pub const FREE_FAILURES: i32 = 5;
/// Consecutive failures of an account, every address together, before it slows down.
pub const SLOW_AFTER_FAILURES: i32 = 20;
/// Once slowed down, the account takes one attempt (from anywhere) every this many seconds.
pub const SLOW_SECS: i64 = 5;
/// How long an address is trusted after the right password came from it.
pub const TRUST_SECS: i64 = 30 * 86_400;
/// How long an address's failures are remembered after its last attempt.
pub const FAILURES_KEPT_SECS: i64 = 86_400;
/// Longest lock.
pub const MAX_LOCK_SECS: i64 = 3600;
/// Login and registration attempts one IP may make in a burst; refilled at the same rate per minute.
pub const IP_BURST: u32 = 20;
/// How many unknown names the in-memory lock remembers.
const MAX_UNKNOWN_NAMES: usize = 10_000;

/// How long an address stays locked out of an account after its `failures`-th consecutive
/// failure there: nothing for the first four, then 1 min, 2, 4, … capped at an hour.
pub fn lock_secs(failures: i32) -> Option<i64> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES).unwrap_or(0).min(6);
    Some((60_i64 << doublings).min(MAX_LOCK_SECS))
}

/// How long an account takes no attempt after its `failures`-th consecutive failure counted over
/// every address: nothing below [`SLOW_AFTER_FAILURES`], then [`SLOW_SECS`].
pub fn slow_secs(failures: i32) -> Option<i64> {
    (failures >= SLOW_AFTER_FAILURES).then_some(SLOW_SECS)
}

/// The key under which an address's failures are counted: the IPv4 address, the /64 network of
/// an IPv6 address (one subscriber holds a whole /64), or `-` when the peer is unknown.
pub fn client_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        None => "-".to_owned(),
    }
}

/// The app's clock as `governor` reads time, so the per-IP limit follows the injected clock
/// (tests move it by hand) like every other time rule.
#[derive(Clone)]
struct GovernorClock(SharedClock);

impl governor::clock::Clock for GovernorClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(
            u64::try_from(self.0.now_ms())
                .unwrap_or(0)
                .saturating_mul(1_000_000),
        )
    }
}

/// The throttles one app instance keeps in memory.
pub struct Throttle {
    per_ip: RateLimiter<IpAddr, DashMapStateStore<IpAddr>, GovernorClock, NoOpMiddleware<Nanos>>,
    clock: GovernorClock,
    /// For names that are no account, what the database keeps for accounts.
    unknown: Mutex<UnknownNames>,
    /// One turn at a time per account on this instance: an attempt is claimed, checked and
    /// recorded before the next one for the same account starts.
    turns: Mutex<HashMap<i64, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

/// Unknown or revoked API keys per client key, kept in memory: an address that presents too
/// many is locked out as a login's guesses are.
#[derive(Default)]
pub struct BadKeys(Mutex<HashMap<String, Failures>>);

/// What to do with a request whose API key is unknown or revoked.
#[derive(Debug, PartialEq, Eq)]
pub enum BadKey {
    /// Answer 401; `log` is whether this failure starts a run (the first of a run, or the one
    /// that locks the address out) and so is logged: the rest of a run is not.
    Refused { log: bool },
    /// The address is locked out for `retry_after` s: answer 401 with `Retry-After`, log nothing.
    Throttled { retry_after: u64 },
}

/// Failures of names that are no account (lower-cased): per (name, client key) as
/// `login_failures`, and per name as the `users` row's count and its two lanes of slowing down
/// (`names` holds the lane of addresses that failed at the name, `fresh` the other's).
#[derive(Default)]
struct UnknownNames {
    clients: HashMap<(String, String), Failures>,
    names: HashMap<String, Failures>,
    fresh: HashMap<String, Failures>,
}

/// Consecutive failures, the time before which no attempt is taken, the last attempt.
#[derive(Clone, Copy, Default)]
struct Failures {
    count: i32,
    until: i64,
    seen: i64,
}

impl Failures {
    /// Whether these failures are forgotten at `now`, as the database's rows are purged a day
    /// after the last attempt once no lock lasts.
    fn forgotten(&self, now: i64) -> bool {
        self.seen + FAILURES_KEPT_SECS < now && self.until < now
    }

    /// Counts one failure at `now` (after a day without attempts the count starts again, as
    /// the database's rows are purged) and sets the time it earns by `rule`.
    fn count(&mut self, now: i64, rule: fn(i32) -> Option<i64>) {
        if self.forgotten(now) {
            *self = Failures::default();
        }
        self.count = self.count.saturating_add(1);
        self.seen = now;
        if let Some(secs) = rule(self.count) {
            self.until = now + secs;
        }
    }
}

/// Keeps `map` under [`MAX_UNKNOWN_NAMES`]: the entries seen longest ago go first.
fn make_room<K: Clone + Eq + std::hash::Hash>(map: &mut HashMap<K, Failures>) {
    if map.len() < MAX_UNKNOWN_NAMES {
        return;
    }
    let mut seen: Vec<i64> = map.values().map(|f| f.seen).collect();
    seen.sort_unstable();
    let cutoff = seen[seen.len() / 10];
    map.retain(|_, f| f.seen > cutoff);
}

impl Throttle {
    /// Throttles that read time from `clock`.
    pub fn new(clock: SharedClock) -> Self {
        let burst = NonZeroU32::new(IP_BURST).unwrap_or(NonZeroU32::MIN);
        let clock = GovernorClock(clock);
        Throttle {
            per_ip: RateLimiter::dashmap_with_clock(
                Quota::per_minute(burst).allow_burst(burst),
                clock.clone(),
            ),
            clock,
            unknown: Mutex::new(UnknownNames::default()),
            turns: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `ip`; `Err(seconds)` when the IP must wait.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), u64> {
        use governor::clock::Clock as _;
        self.per_ip.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs().max(1)
        })
    }

    /// Waits for account `user`'s turn: login attempts for one account run one after another on
    /// this instance (the database's write transaction orders them between instances).
    pub async fn turn(&self, user: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
            if turns.len() >= MAX_UNKNOWN_NAMES {
                turns.retain(|_, lock| std::sync::Arc::strong_count(lock) > 1);
            }
            turns.entry(user).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// An attempt for a name that is no account, treated exactly as one for an account: refused
    /// (`Err(seconds)`) while `client` is "locked out" of it or the name is "slowed down", else
    /// counted as a failure (it will fail).
    pub fn claim_unknown(&self, name: &str, client: &str, now: i64) -> Result<(), u64> {
        let mut guard = self.unknown.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut *guard;
        let name = name.to_lowercase();
        let pair = (name.clone(), client.to_owned());
        let fresh = map
            .clients
            .get(&pair)
            .is_none_or(|f| f.count == 0 || f.forgotten(now));
        let lane = if fresh { &map.fresh } else { &map.names };
        let until = [map.clients.get(&pair), lane.get(&name)]
            .into_iter()
            .flatten()
            .map(|f| f.until)
            .max()
            .unwrap_or(0);
        if until > now {
            return Err(u64::try_from(until - now).unwrap_or(1));
        }
        make_room(&mut map.clients);
        make_room(&mut map.names);
        make_room(&mut map.fresh);
        map.clients.entry(pair).or_default().count(now, lock_secs);
        let counted = map.names.entry(name.clone()).or_default();
        if fresh {
            counted.count(now, |_| None);
            if let Some(secs) = slow_secs(counted.count) {
                let lane = map.fresh.entry(name).or_default();
                (lane.until, lane.seen) = (now + secs, now);
            }
        } else {
            counted.count(now, slow_secs);
        }
        Ok(())
    }
}

impl BadKeys {
    /// Counts an unknown or revoked API key presented from `client` at `now`: the locks grow as
    /// a login's from one address do ([`lock_secs`]). A key has 256 random bits, so guessing is
    /// hopeless anyway: the locks keep a client from filling the log and tell it to back off.
    pub fn count(&self, client: &str, now: i64) -> BadKey {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = map
            .get(client)
            .map(|f| f.until)
            .filter(|until| *until > now)
        {
            return BadKey::Throttled {
                retry_after: u64::try_from(until - now).unwrap_or(1),
            };
        }
        make_room(&mut map);
        let failures = map.entry(client.to_owned()).or_default();
        failures.count(now, lock_secs);
        BadKey::Refused {
            log: failures.count == 1 || failures.until > now,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use monobank::clock::ManualClock;

    #[test]
    fn bad_api_keys_lock_an_address_out_and_are_logged_once_per_run() {
        let throttle = BadKeys::default();
        let logged: Vec<bool> = (0..FREE_FAILURES)
            .map(|_| match throttle.count("192.0.2.1", 1_000) {
                BadKey::Refused { log } => log,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            logged,
            [true, false, false, false, true],
            "the first, and the lock"
        );
        assert_eq!(
            throttle.count("192.0.2.1", 1_001),
            BadKey::Throttled { retry_after: 59 }
        );
        assert_eq!(
            throttle.count("192.0.2.2", 1_001),
            BadKey::Refused { log: true },
            "another address is not locked out"
        );
        assert_eq!(
            throttle.count("192.0.2.1", 1_060),
            BadKey::Refused { log: true },
            "the lock ends, and the next failure locks for longer"
        );
        assert_eq!(
            throttle.count("192.0.2.1", 1_061),
            BadKey::Throttled { retry_after: 119 }
        );
    }

    #[test]
    fn the_ip_burst_refills_on_the_injected_clock() {
        let clock = ManualClock::at(1_000_000);
        let throttle = Throttle::new(clock.clone());
        let ip: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..IP_BURST {
            assert_eq!(throttle.check_ip(ip), Ok(()));
        }
        let wait = throttle.check_ip(ip).unwrap_err();
        assert!(
            (1..=3).contains(&wait),
            "one attempt refills every 3 s: {wait}"
        );
        assert!(
            throttle.check_ip([192, 0, 2, 2].into()).is_ok(),
            "per address"
        );
        clock.advance(3);
        assert_eq!(
            throttle.check_ip(ip),
            Ok(()),
            "refilled after 3 s of the clock"
        );
        assert!(throttle.check_ip(ip).is_err());
    }

    #[test]
    fn locks_grow_from_the_fifth_failure_and_cap_at_an_hour() {
        let schedule: Vec<_> = (1..=13).map(lock_secs).collect();
        assert_eq!(
            schedule,
            [
                None,
                None,
                None,
                None,
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1920),
                Some(3600),
                Some(3600),
                Some(3600)
            ]
        );
    }

    #[test]
    fn unknown_names_lock_out_one_address_like_accounts() {
        let t = Throttle::new(ManualClock::at(1_000_000));
        for _ in 0..5 {
            assert!(t.claim_unknown("Ghost", "192.0.2.1", 100).is_ok());
        }
        assert_eq!(t.claim_unknown("GHOST", "192.0.2.1", 100), Err(60));
        assert!(
            t.claim_unknown("ghost", "192.0.2.2", 100).is_ok(),
            "another address"
        );
        assert!(t.claim_unknown("ghost", "192.0.2.1", 160).is_ok());
        assert_eq!(
            t.claim_unknown("ghost", "192.0.2.1", 160),
            Err(120),
            "the sixth failure locks for longer"
        );
        // A day after the lock and the last attempt, the count starts again, as for an account.
        let later = 160 + 120 + FAILURES_KEPT_SECS + 1;
        for _ in 0..5 {
            assert!(t.claim_unknown("ghost", "192.0.2.1", later).is_ok());
        }
        assert_eq!(t.claim_unknown("ghost", "192.0.2.1", later), Err(60));
    }

    #[test]
    fn unknown_names_slow_down_like_accounts_when_many_addresses_fail() {
        let t = Throttle::new(ManualClock::at(1_000_000));
        for n in 0..SLOW_AFTER_FAILURES {
            assert!(t
                .claim_unknown("ghost", &format!("192.0.2.{n}"), 100)
                .is_ok());
        }
        assert_eq!(
            t.claim_unknown("ghost", "198.51.100.1", 100),
            Err(SLOW_SECS.unsigned_abs())
        );
        assert!(t
            .claim_unknown("ghost", "198.51.100.1", 100 + SLOW_SECS)
            .is_ok());
    }

    #[test]
    fn a_flood_of_names_drops_the_oldest_not_a_recent_lock() {
        let t = Throttle::new(ManualClock::at(1_000_000));
        for _ in 0..5 {
            assert!(t.claim_unknown("target", "192.0.2.1", 1_000).is_ok());
        }
        for n in 0..MAX_UNKNOWN_NAMES {
            let _ = t.claim_unknown(&format!("old{n}"), "192.0.2.9", 10);
        }
        assert_eq!(t.claim_unknown("target", "192.0.2.1", 1_000), Err(60));
    }

    #[test]
    fn client_keys_group_an_ipv6_subscriber_and_unwrap_mapped_ipv4() {
        let key = |s: &str| client_key(Some(s.parse().unwrap()));
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key(None), "-");
    }

    #[test]
    fn an_ip_gets_a_burst_then_waits() {
        let t = Throttle::new(ManualClock::at(1_000_000));
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..IP_BURST {
            assert!(t.check_ip(ip).is_ok());
        }
        assert!(t.check_ip(ip).is_err());
        assert!(t.check_ip([10, 0, 0, 2].into()).is_ok(), "per IP");
    }
}
