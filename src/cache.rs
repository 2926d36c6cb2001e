//! What the hot path reads on every request, kept in this instance's memory: the session rows,
//! the user's row, the sealed token and the client-info snapshot. The database stays the truth: an entry is trusted for at most
//! [`RECHECK`] after it was read, then read again, so a change made by another instance (or the
//! CLI) shows here within a second; a change made by this instance evicts the entry at once.
//! `docs/architecture.md` ("Memory on the hot path") says why this is the bound and not
//! `LISTEN/NOTIFY`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use monobank::types::UserInfo;

use crate::db::api_keys::ApiKeyRow;
use crate::db::tokens::TokenRow;
use crate::db::users::{User, UserId};

/// How long a value read from the database is trusted before it is read again.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Entries kept at most per map; beyond that the ones due for a re-read are dropped first.
const CAPACITY: usize = 50_000;

/// Values read from the database, each trusted for a bounded time.
pub struct Recheck<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
    recheck: Duration,
    /// Counts evictions, so a read that raced one is not kept (see [`Recheck::read_mark`]).
    evictions: AtomicU64,
}

/// The eviction count when a database read began.
#[derive(Clone, Copy)]
pub struct ReadMark(u64);

impl<K: Eq + Hash, V: Clone> Recheck<K, V> {
    pub fn new(recheck: Duration) -> Self {
        Recheck {
            map: Mutex::new(HashMap::new()),
            recheck,
            evictions: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, if it was read less than the re-check interval ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.lock();
        let (value, read_at) = map.get(key)?;
        (read_at.elapsed() < self.recheck).then(|| value.clone())
    }

    /// Call before reading from the database what [`Recheck::put_read`] will keep.
    pub fn read_mark(&self) -> ReadMark {
        ReadMark(self.evictions.load(Ordering::SeqCst))
    }

    /// Keeps `value`, read from the database after `mark`, unless something was evicted since
    /// (the read may predate that change; the next request reads again).
    pub fn put_read(&self, mark: ReadMark, key: K, value: V) {
        let map = self.lock();
        if self.evictions.load(Ordering::SeqCst) != mark.0 {
            return;
        }
        self.insert(map, key, value);
    }

    /// Keeps `value`, just written to the database by this instance.
    pub fn put(&self, key: K, value: V) {
        let map = self.lock();
        self.insert(map, key, value);
    }

    fn insert(
        &self,
        mut map: std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>>,
        key: K,
        value: V,
    ) {
        if map.len() >= CAPACITY {
            let recheck = self.recheck;
            map.retain(|_, (_, read_at)| read_at.elapsed() < recheck);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key, (value, Instant::now()));
    }

    /// Drops the values due for a re-read (they would be read again anyway).
    pub fn prune(&self) {
        let recheck = self.recheck;
        self.lock()
            .retain(|_, (_, read_at)| read_at.elapsed() < recheck);
    }

    /// Forgets the key's value: this instance changed it.
    pub fn evict(&self, key: &K) {
        let mut map = self.lock();
        self.evictions.fetch_add(1, Ordering::SeqCst);
        map.remove(key);
    }

    /// Forgets every value `doomed` picks.
    pub fn evict_where(&self, mut doomed: impl FnMut(&K, &V) -> bool) {
        let mut map = self.lock();
        self.evictions.fetch_add(1, Ordering::SeqCst);
        map.retain(|k, (v, _)| !doomed(k, v));
    }
}

/// A client-info snapshot and when it was fetched (Unix s).
pub type StoredInfo = (Arc<UserInfo>, i64);

/// A session's state as actix-session keeps it.
pub type SessionState = HashMap<String, String>;

/// A session row as this instance last read or wrote it.
#[derive(Clone)]
pub struct CachedSession {
    pub state: SessionState,
    pub user_id: Option<i64>,
    pub login_id: Option<String>,
    pub expires_at: i64,
}

/// When a session was last seen, and when that was last written to its row.
#[derive(Clone, Copy)]
struct Seen {
    at: i64,
    written: i64,
}

/// The sessions this instance serves, keyed by the SHA-256 of their key: rows trusted for the
/// re-check interval, and the last-seen times, which are written to the database at most once
/// per `write_every` seconds (the idle timeout is checked against the time kept here, to the
/// second).
pub struct SessionMemory {
    rows: Recheck<String, CachedSession>,
    seen: Mutex<HashMap<String, Seen>>,
}

impl SessionMemory {
    fn new(recheck: Duration) -> Self {
        SessionMemory {
            rows: Recheck::new(recheck),
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Seen>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The row, if read less than the re-check interval ago.
    pub fn get(&self, key_hash: &String) -> Option<CachedSession> {
        self.rows.get(key_hash)
    }

    /// Call before reading a row from the database.
    pub fn read_mark(&self) -> ReadMark {
        self.rows.read_mark()
    }

    /// Keeps a row read after `mark` (`last_seen_at` as stored), or just written (`mark` is
    /// `None`; its last-seen time is in the row).
    pub fn put(
        &self,
        key_hash: String,
        row: CachedSession,
        last_seen_at: i64,
        mark: Option<ReadMark>,
    ) {
        let written = mark.is_none();
        {
            let mut seen = self.seen();
            if seen.len() >= CAPACITY {
                // Times already in their rows lose nothing when dropped; past that (a flood of
                // sessions) a dropped time only makes its session look up to a minute older.
                seen.retain(|_, s| s.at > s.written);
                if seen.len() >= CAPACITY {
                    seen.clear();
                }
            }
            let entry = seen.entry(key_hash.clone()).or_insert(Seen {
                at: last_seen_at,
                written: last_seen_at,
            });
            entry.at = entry.at.max(last_seen_at);
            if written {
                entry.written = last_seen_at;
            } else {
                entry.written = entry.written.max(last_seen_at);
            }
        }
        match mark {
            Some(mark) => self.rows.put_read(mark, key_hash, row),
            None => self.rows.put(key_hash, row),
        }
    }

    /// When the session was last seen: by this instance, or as its row says.
    pub fn last_seen(&self, key_hash: &String) -> Option<i64> {
        self.seen().get(key_hash).map(|s| s.at)
    }

    /// Notes a request at `now`. When the row's last-seen time is `write_every` seconds or more
    /// behind, answers `Some(when it was last written)`: the caller writes `now` to the row, and
    /// calls [`SessionMemory::unwritten`] with that time if the write fails.
    pub fn see(&self, key_hash: &str, now: i64, write_every: i64) -> Option<i64> {
        let mut seen = self.seen();
        let s = seen.entry(key_hash.to_owned()).or_insert(Seen {
            at: now,
            written: i64::MIN,
        });
        s.at = s.at.max(now);
        if now.saturating_sub(s.written) >= write_every {
            let before = s.written;
            s.written = now;
            Some(before)
        } else {
            None
        }
    }

    /// A last-seen write [`SessionMemory::see`] asked for failed: the row still says `before`.
    pub fn unwritten(&self, key_hash: &str, before: i64) {
        if let Some(s) = self.seen().get_mut(key_hash) {
            s.written = before;
        }
    }

    /// Forgets one session (deleted or expired). Call it after the row is deleted, so no read
    /// of the row made before the delete can be kept.
    pub fn forget(&self, key_hash: &String) {
        self.rows.evict(key_hash);
        self.seen().remove(key_hash);
    }

    /// Forgets the row this instance kept of a session whose state it just wrote; the next
    /// request reads it again.
    pub fn written(&self, key_hash: &String) {
        self.rows.evict(key_hash);
    }

    /// Forgets the last-seen time of a session that has no row (nothing else is kept of it).
    pub fn no_row(&self, key_hash: &str) {
        self.seen().remove(key_hash);
    }

    /// Drops what is kept of sessions not seen since `cutoff` (Unix s) and rows due for a
    /// re-read.
    pub fn prune(&self, cutoff: i64) {
        self.seen().retain(|_, s| s.at >= cutoff);
        self.rows.prune();
    }

    /// Forgets the user's sessions but the one with `keep_login_id`: they were ended here.
    pub fn forget_user(&self, user: UserId, keep_login_id: Option<&str>) {
        self.rows.evict_where(|_, s| {
            s.user_id == Some(user.0)
                && (keep_login_id.is_none() || s.login_id.as_deref() != keep_login_id)
        });
    }
}

/// The per-user rows of the hot path.
pub struct Hot {
    /// `None`: no such user.
    pub users: Recheck<UserId, Option<User>>,
    /// `None`: no token attached.
    pub tokens: Recheck<UserId, Option<TokenRow>>,
    /// `None`: no client-info stored yet.
    pub snapshots: Recheck<UserId, Option<StoredInfo>>,
    /// The balance view's `detail` as JSON, made from the snapshot fetched at that second.
    balances: Recheck<UserId, ((i64, i64), Arc<str>)>,
    pub sessions: SessionMemory,
    /// API keys by the hash of the key; `None`: no such key (unknown or revoked).
    pub api_keys: Recheck<String, Option<ApiKeyRow>>,
}

impl Hot {
    pub fn new(recheck: Duration) -> Self {
        Hot {
            users: Recheck::new(recheck),
            tokens: Recheck::new(recheck),
            snapshots: Recheck::new(recheck),
            balances: Recheck::new(recheck),
            sessions: SessionMemory::new(recheck),
            api_keys: Recheck::new(recheck),
        }
    }

    /// Forgets the user's row and the user's sessions but the one with `keep_login_id` (the
    /// stamp, state or password changed here, or sessions were ended).
    pub fn forget_user(&self, user: UserId, keep_login_id: Option<&str>) {
        self.users.evict(&user);
        self.sessions.forget_user(user, keep_login_id);
        self.api_keys
            .evict_where(|_, key| key.as_ref().is_some_and(|k| k.user_id == user.0));
    }

    /// Forgets the user's token and snapshot (attached, replaced, removed, rejected, or a new
    /// snapshot stored here).
    pub fn forget_mono(&self, user: UserId) {
        self.tokens.evict(&user);
        self.forget_snapshot(user);
    }

    /// Forgets the user's snapshot and what was made of it (a new one was stored here).
    pub fn forget_snapshot(&self, user: UserId) {
        self.snapshots.evict(&user);
        self.balances.evict(&user);
    }

    /// Take this before reading the snapshot a balance JSON is made from.
    pub fn balance_mark(&self) -> ReadMark {
        self.balances.read_mark()
    }

    /// The balance JSON of the user's snapshot and the rates, each named by when it was
    /// fetched (`versions`), read after `mark`: made by `render` once, then reused while that
    /// snapshot and those rates are the ones served.
    pub fn balance_json(
        &self,
        mark: ReadMark,
        user: UserId,
        versions: (i64, i64),
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        if let Some((at, json)) = self.balances.get(&user) {
            if at == versions {
                return json;
            }
        }
        let json: Arc<str> = render().into();
        self.balances.put_read(mark, user, (versions, json.clone()));
        json
    }

    /// Drops sessions not seen since `cutoff` (Unix s) and every value due for a re-read, so
    /// memory follows the live sessions and users, not everyone ever seen.
    pub fn prune(&self, cutoff: i64) {
        self.users.prune();
        self.tokens.prune();
        self.snapshots.prune();
        self.balances.prune();
        self.sessions.prune(cutoff);
        self.api_keys.prune();
    }
}

impl Default for Hot {
    fn default() -> Self {
        Hot::new(RECHECK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_trusted_for_the_interval_then_read_again() {
        let cache = Recheck::new(Duration::from_millis(30));
        cache.put(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None, "due for a re-read");
        cache.put(1, "b");
        cache.evict(&1);
        assert_eq!(cache.get(&1), None, "evicted");
    }

    #[test]
    fn a_read_that_raced_an_eviction_is_not_kept() {
        let cache = Recheck::new(RECHECK);
        let mark = cache.read_mark();
        cache.evict(&1);
        cache.put_read(mark, 1, "read before the change");
        assert_eq!(cache.get(&1), None);
        let mark = cache.read_mark();
        cache.put_read(mark, 1, "read after it");
        assert_eq!(cache.get(&1), Some("read after it"));
    }

    #[test]
    fn evict_where_picks_by_value() {
        let cache = Recheck::new(RECHECK);
        cache.put(1, 10);
        cache.put(2, 20);
        cache.evict_where(|_, v| *v == 10);
        assert_eq!((cache.get(&1), cache.get(&2)), (None, Some(20)));
    }
}
