//! The session store: actix-session's `SessionStore` on the database, so sessions can be revoked
//! and any app instance can serve any request (`docs/security.md`, S6-S10).
//!
//! The cookie holds only a random 256-bit key; the table stores its SHA-256. Idle and absolute
//! timeouts are enforced here, on the server, with the app's injectable clock: a session idle
//! longer than `idle_secs` or older than `max_secs` loads as no session and its row is deleted.
//! A session whose row vanished (logout, password change elsewhere, expiry) is never brought back
//! logged in by a request still in flight: such an update starts a fresh anonymous session.
//!
//! Rows are served from this instance's memory ([`crate::cache::SessionMemory`]) for at most a
//! second after they were read, so a live cookie costs no database trip; a session ended here is
//! forgotten at once, one ended elsewhere within that second. The last-seen time is kept in memory
//! to the second and written to the row at most once per [`SEEN_WRITE_SECS`].

use std::collections::HashMap;

use actix_identity::Identity;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::Session;
use actix_web::{HttpMessage, HttpRequest};

use super::error::AppError;
use actix_web::cookie::time::Duration;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::cache::{CachedSession, Hot};
use crate::db::sessions::{self, NewSession};
use crate::db::{self, DbPool};
use monobank::clock::SharedClock;
use std::sync::Arc;

/// The session-state key actix-identity keeps the user id under.
pub const USER_ID_KEY: &str = "actix_identity.user_id";
/// The session-state key of the login id, a random value set at each login.
pub const LOGIN_ID_KEY: &str = "login_id";
/// The session-state key of the user's security stamp at login.
pub const STAMP_KEY: &str = "stamp";
/// The session-state key of a summary of the browser or client the session was started from.
pub const DEVICE_KEY: &str = "device";
/// The session-state key of the client address the session was started from.
pub const ADDRESS_KEY: &str = "address";

/// The session cookie's name: with the `__Host-` prefix whenever cookies are Secure.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-monoweb_session"
    } else {
        "monoweb_session"
    }
}

/// The session-state key of "stay signed in on this device", set at login.
pub const REMEMBER_KEY: &str = "remember";

/// How long a remembered session lasts from its login, idle or not (`session_remember_days`).
fn remember_secs(days: u32) -> i64 {
    i64::from(days) * 86_400
}

/// Whether a session's state says it was started with "stay signed in".
fn remembered(state: &State) -> bool {
    state.contains_key(REMEMBER_KEY)
}

/// How far the stored `last_seen_at` may fall behind before a request writes it (at most half
/// the idle timeout). The sweeper allows for it; another instance reading the row may end a
/// session up to this much early.
pub const SEEN_WRITE_SECS: i64 = 60;

type State = HashMap<String, String>;

/// The database-backed store.
#[derive(Clone)]
pub struct DbSessionStore {
    pool: DbPool,
    clock: SharedClock,
    hot: Arc<Hot>,
    idle_secs: i64,
    max_secs: i64,
    remember_secs: i64,
}

impl DbSessionStore {
    pub fn new(
        pool: DbPool,
        clock: SharedClock,
        hot: Arc<Hot>,
        idle_secs: u64,
        max_secs: u64,
        remember_days: u32,
    ) -> Self {
        DbSessionStore {
            pool,
            clock,
            hot,
            idle_secs: i64::try_from(idle_secs).unwrap_or(i64::MAX),
            max_secs: i64::try_from(max_secs).unwrap_or(i64::MAX),
            remember_secs: remember_secs(remember_days),
        }
    }

    /// How often a live session's last-seen time is written.
    fn write_every(&self) -> i64 {
        (self.idle_secs / 2).clamp(1, SEEN_WRITE_SECS)
    }

    async fn insert(&self, state: State) -> anyhow::Result<SessionKey> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let key = URL_SAFE_NO_PAD.encode(bytes);
        let key_hash = hash_key(&key);
        let text = serde_json::to_string(&state)?;
        let now = self.clock.now();
        let remembered = remembered(&state);
        let max = if remembered {
            self.remember_secs
        } else {
            self.max_secs
        };
        let cached = CachedSession {
            user_id: user_id_of(&state),
            login_id: state_str(&state, LOGIN_ID_KEY),
            expires_at: now.saturating_add(max),
            state,
        };
        let row = cached.clone();
        let stored_hash = key_hash.clone();
        db::run(&self.pool, move |conn| {
            Ok(sessions::insert(
                conn,
                &NewSession {
                    key_hash: &stored_hash,
                    user_id: row.user_id,
                    login_id: row.login_id.as_deref(),
                    state: &text,
                    created_at: now,
                    last_seen_at: now,
                    expires_at: row.expires_at,
                    remembered,
                },
            )?)
        })
        .await?;
        self.hot.sessions.put(key_hash, cached, now, None);
        Ok(SessionKey::try_from(key)?)
    }

    /// The session's row: from memory when read within the re-check interval, else from the
    /// database. `None` when there is none.
    async fn row(&self, key_hash: &str) -> Result<Option<CachedSession>, LoadError> {
        let key_hash = key_hash.to_owned();
        if let Some(row) = self.hot.sessions.get(&key_hash) {
            return Ok(Some(row));
        }
        let lookup = key_hash.clone();
        let mark = self.hot.sessions.read_mark();
        let row = db::run(&self.pool, move |conn| Ok(sessions::find(conn, &lookup)?))
            .await
            .map_err(|e| LoadError::Other(anyhow::anyhow!("{e}")))?;
        let Some(row) = row else {
            self.hot.sessions.no_row(&key_hash);
            return Ok(None);
        };
        let state: State =
            serde_json::from_str(&row.state).map_err(|e| LoadError::Deserialization(e.into()))?;
        let cached = CachedSession {
            state,
            user_id: row.user_id,
            login_id: row.login_id,
            expires_at: row.expires_at,
        };
        self.hot
            .sessions
            .put(key_hash, cached.clone(), row.last_seen_at, Some(mark));
        Ok(Some(cached))
    }
}

/// The stored form of a session key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// String values of a stored session's state, read once (`None` when absent or unreadable).
pub fn stored_values<const N: usize>(state_json: &str, keys: [&str; N]) -> [Option<String>; N] {
    let state = serde_json::from_str::<State>(state_json).ok();
    keys.map(|key| state.as_ref().and_then(|state| state_str(state, key)))
}

/// A string value of the state (values are JSON-encoded by actix-session).
fn state_str(state: &State, key: &str) -> Option<String> {
    state.get(key).and_then(|v| serde_json::from_str(v).ok())
}

fn user_id_of(state: &State) -> Option<i64> {
    state_str(state, USER_ID_KEY).and_then(|id| id.parse().ok())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let key_hash = hash_key(session_key.as_ref());
        let Some(row) = self.row(&key_hash).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let last_seen = self.hot.sessions.last_seen(&key_hash).unwrap_or(now);
        let idle_too_long = !remembered(&row.state) && now - last_seen > self.idle_secs;
        if now > row.expires_at || idle_too_long {
            let deleted = key_hash.clone();
            db::run(&self.pool, move |conn| {
                Ok(sessions::delete(conn, &deleted)?)
            })
            .await
            .map_err(|e| LoadError::Other(anyhow::anyhow!("{e}")))?;
            self.hot.sessions.forget(&key_hash);
            tracing::info!(user_id = row.user_id, "session expired");
            return Ok(None);
        }
        Ok(Some(row.state))
    }

    async fn save(&self, state: State, _ttl: &Duration) -> Result<SessionKey, SaveError> {
        self.insert(state).await.map_err(SaveError::Other)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut state: State,
        _ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let key_hash = hash_key(session_key.as_ref());
        let text =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let now = self.clock.now();
        let (user_id, login_id) = (user_id_of(&state), state_str(&state, LOGIN_ID_KEY));
        let stored_hash = key_hash.clone();
        let updated = db::run(&self.pool, move |conn| {
            Ok(sessions::update_state(
                conn,
                &stored_hash,
                user_id,
                login_id.as_deref(),
                &text,
                now,
            )?)
        })
        .await
        .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))?;
        if updated == 1 {
            // Read again at the next request: two updates racing here cannot leave the older.
            self.hot.sessions.written(&key_hash);
            return Ok(session_key);
        }
        // The session ended while this request ran: keep what it stored, but not the login.
        self.hot.sessions.forget(&key_hash);
        for key in [USER_ID_KEY, LOGIN_ID_KEY, STAMP_KEY, REMEMBER_KEY] {
            state.remove(key);
        }
        self.insert(state).await.map_err(UpdateError::Other)
    }

    async fn update_ttl(&self, session_key: &SessionKey, _ttl: &Duration) -> anyhow::Result<()> {
        let key_hash = hash_key(session_key.as_ref());
        let now = self.clock.now();
        let Some(before) = self.hot.sessions.see(&key_hash, now, self.write_every()) else {
            return Ok(());
        };
        let touched = key_hash.clone();
        let written = db::run(&self.pool, move |conn| {
            Ok(sessions::touch(conn, &touched, now)?)
        })
        .await;
        if let Err(e) = written {
            self.hot.sessions.unwritten(&key_hash, before);
            return Err(anyhow::anyhow!("{e}"));
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let key_hash = hash_key(session_key.as_ref());
        let deleted = key_hash.clone();
        db::run(&self.pool, move |conn| {
            Ok(sessions::delete(conn, &deleted)?)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        self.hot.sessions.forget(&key_hash);
        Ok(())
    }
}
/// Starts a fresh session for `user`: pre-login state dropped, a new key (and so a new CSRF
/// secret), the login id and security stamp recorded, and where it was started from (the
/// client's address and a summary of its User-Agent, for the owner's list of sessions).
pub fn start_session(
    req: &HttpRequest,
    session: &Session,
    user: &crate::db::users::User,
    address: Option<std::net::IpAddr>,
    remember: bool,
) -> Result<(), AppError> {
    session.clear();
    if remember {
        session
            .insert(REMEMBER_KEY, "1")
            .map_err(AppError::internal)?;
    }
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    session
        .insert(LOGIN_ID_KEY, hex::encode(bytes))
        .and_then(|()| session.insert(STAMP_KEY, &user.security_stamp))
        .and_then(|()| session.insert(DEVICE_KEY, crate::auth::device::summary(agent)))
        .and_then(|()| {
            session.insert(
                ADDRESS_KEY,
                address.map(|a| a.to_string()).unwrap_or_default(),
            )
        })
        .map_err(AppError::internal)?;
    Identity::login(&req.extensions(), user.id.to_string()).map_err(AppError::internal)?;
    Ok(())
}

/// Marks the answer of a remembered session's request, while its state is still readable (the
/// session middleware takes it when it writes the cookie): see [`remember_cookie`]. Only a
/// changed or renewed session gets a cookie (a browser-session cookie is not re-sent for an
/// unchanged one), so an unchanged session's state is not read at all.
pub async fn mark_remembered(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_session::{SessionExt, SessionStatus};
    let res = next.call(req).await?.map_into_boxed_body();
    let session = res.request().get_session();
    let cookie_sent = matches!(
        session.status(),
        SessionStatus::Changed | SessionStatus::Renewed
    );
    let remember = cookie_sent && session.get::<String>(REMEMBER_KEY).ok().flatten().is_some();
    if remember {
        res.request().extensions_mut().insert(Remembered);
    }
    Ok(res)
}

/// A remembered session's request (see [`mark_remembered`]).
#[derive(Clone, Copy)]
struct Remembered;

/// Middleware outside the session middleware: the cookie of a remembered session outlives the
/// browser (`Max-Age` of `session_remember_days`); every other session's cookie ends with it. The
/// server ends either kind on its own deadlines, whatever the cookie says.
pub async fn remember_cookie(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    if res.request().extensions().get::<Remembered>().is_none() {
        return Ok(res);
    }
    let https = super::is_https(res.request());
    let days = res
        .request()
        .app_data::<actix_web::web::Data<crate::config::Settings>>()
        .map_or(0, |s| s.session_remember_days);
    let name = session_cookie_name(https);
    let cookie = res
        .response()
        .cookies()
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.into_owned());
    if let Some(mut cookie) = cookie {
        cookie.set_max_age(Duration::seconds(remember_secs(days)));
        res.response_mut().del_cookie(name);
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(AppError::internal)?;
    }
    Ok(res)
}
