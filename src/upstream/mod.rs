//! The one road to Monobank: every call, from the views, the background sync and the webhook
//! receiver, passes the [`Upstream`] gateway, which owns
//! - the per-token rate lanes ([`lanes::DbLimiter`], shared by every instance through the
//!   database),
//! - the edge back-off (after Monobank's firewall answers 403 with an HTML page, no call at all is
//!   made for [`EDGE_BACKOFF_SECS`]),
//! - the client-info snapshot policy (a snapshot under a minute old is served as is; otherwise one
//!   call when the lane is open; otherwise the snapshot marked stale),
//! - waiting for an answer another caller of this instance is fetching (a notification, bounded
//!   in time; an answer fetched by another instance is read from the database when the wait ends),
//! - the shared currency-rate cache and Monobank's webhook signing key.
//!
//! Callers say what they want (`client_info_for_view`, `refresh_client_info`, `statement_page`,
//! `set_webhook`, `rates`, `signing_key`) and get typed answers; how to get them lives here once.

pub mod lanes;
pub mod rates;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use monobank::client::{AccessState, Auth};
use monobank::clock::SharedClock;
use monobank::limit::{self, Endpoint, Limiter, Through, LANE_SECS};
use monobank::provider::{ProviderAccess, ProviderKey, RequestId};
use monobank::signature::PublicKey;
use monobank::statement::{self, StatementCursor, Step, StepError};
use monobank::types::TokenRequest;
use monobank::types::UserInfo;
use monobank::{Client, MonoError, MonoToken};
use tokio::sync::Notify;

use crate::cache::StoredInfo;
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots, DbPool};
use crate::domain::redact_receiver_secret;
use lanes::DbLimiter;
use rates::{Rates, RatesCache};

/// How long after an edge-firewall 403 no call is made.
pub const EDGE_BACKOFF_SECS: i64 = 15 * 60;
/// A client-info snapshot younger than this is served without asking Monobank (it could not
/// answer anyway: the lane is a minute).
pub const FRESH_SECS: i64 = LANE_SECS;
/// Longest wait for an answer another caller is fetching.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(5);
/// Longest wait for the signing key inside a webhook delivery.
const KEY_REFRESH_WAIT: Duration = Duration::from_secs(2);
/// Least time between two fetches of the signing key (an unknown key id asks for one).
const KEY_REFRESH_MIN_SECS: i64 = 60;

/// What a stored credential holds: a personal token, or the request id a user accepted for this
/// server's provider key (the gateway adds the key when it calls).
#[derive(Clone, Debug)]
pub enum Secret {
    Token(MonoToken),
    Access(RequestId),
}

impl Secret {
    /// The secret text; only to seal it again.
    pub fn expose(&self) -> &str {
        match self {
            Secret::Token(token) => token.expose(),
            Secret::Access(id) => id.expose(),
        }
    }

    /// Whether this is a provider connection.
    pub fn is_provider(&self) -> bool {
        matches!(self, Secret::Access(_))
    }
}

/// What a credential-holding call needs: the secret and the key of its rate lanes.
pub struct Credential {
    pub secret: Secret,
    /// The secret's keyed fingerprint: it names the lanes without being the secret.
    pub lane_key: String,
}

/// Data and how old it is.
#[derive(Debug)]
pub struct Answer<T> {
    pub data: T,
    pub fetched_at: i64,
    /// Served from a snapshot because Monobank could not be asked or failed.
    pub stale: bool,
}

impl<T> Answer<T> {
    /// The same answer with its data behind an `Arc`, as the hot path shares it.
    pub fn shared(self) -> Answer<Arc<T>> {
        Answer {
            data: Arc::new(self.data),
            fetched_at: self.fetched_at,
            stale: self.stale,
        }
    }
}

/// What Monobank said of a token checked before it is stored.
#[derive(Debug)]
pub enum Verification {
    /// It answered client-info (the answer, and when).
    Accepted(Box<UserInfo>, i64),
    /// It rejected the token.
    Rejected,
    /// It could not be asked now (the token's minute is taken, a back-off, trouble).
    NotVerified,
}

/// Why the gateway could not answer.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Monobank failed (or is in back-off) and there was nothing stored to serve instead.
    #[error(transparent)]
    Mono(#[from] MonoError),
    /// The token's lane is closed and nothing is stored: ask again in `retry_after` seconds.
    #[error("the token's minute is taken; retry in {retry_after} s")]
    LaneClosed { retry_after: u64 },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The gateway; one per instance, shared behind an `Arc`.
pub struct Upstream {
    client: Client,
    lanes: DbLimiter,
    pool: DbPool,
    clock: SharedClock,
    rates: RatesCache,
    /// Until when (Unix s) no call is made after an edge-firewall block.
    blocked_until: AtomicI64,
    /// Rung when a user's client-info snapshot is stored.
    stored: Mutex<HashMap<UserId, Arc<Notify>>>,
    /// Users whose client-info call is in flight from this instance.
    in_flight: Mutex<HashSet<UserId>>,
    signing_key: RwLock<Option<(String, PublicKey)>>,
    /// When the signing key was last asked for (Unix s); held while one caller asks.
    key_flight: tokio::sync::Mutex<Option<i64>>,
    /// The hot path's rows in memory: a stored snapshot or a token's new state evicts them.
    hot: Arc<crate::cache::Hot>,
    /// The provider's key, in provider and both modes.
    provider: Option<Arc<ProviderKey>>,
}

impl Upstream {
    /// The gateway to `client`'s bank; `lane_secs` is the bank's minute (60, or less for a fake
    /// bank with a faster clock).
    pub fn new(
        client: Client,
        pool: DbPool,
        clock: SharedClock,
        hot: Arc<crate::cache::Hot>,
        lane_secs: i64,
    ) -> Self {
        Upstream {
            hot,
            rates: RatesCache::new(client.clone(), clock.clone()),
            lanes: DbLimiter::with_lane_secs(pool.clone(), lane_secs),
            client,
            pool,
            clock,
            blocked_until: AtomicI64::new(0),
            stored: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashSet::new()),
            signing_key: RwLock::new(None),
            key_flight: tokio::sync::Mutex::new(None),
            provider: None,
        }
    }

    /// The gateway signing provider calls with `key` (provider and both modes).
    pub fn with_provider_key(mut self, key: Option<Arc<ProviderKey>>) -> Self {
        self.provider = key;
        self
    }

    /// The provider key, when this server has one.
    pub fn provider_key(&self) -> Option<&Arc<ProviderKey>> {
        self.provider.as_ref()
    }

    /// What a call with `credential` carries: the token, or the provider's signature with the
    /// user's request id. A provider credential without a provider key (the server's mode was
    /// changed) cannot be used.
    fn auth(&self, credential: &Credential) -> Result<Auth, MonoError> {
        match &credential.secret {
            Secret::Token(token) => Ok(Auth::Token(token.clone())),
            Secret::Access(request_id) => match &self.provider {
                Some(key) => Ok(Auth::Provider(ProviderAccess {
                    key: key.clone(),
                    request_id: request_id.clone(),
                })),
                None => {
                    tracing::error!(
                        "a provider connection is stored but no provider key is loaded"
                    );
                    Err(MonoError::ProviderRefused)
                }
            },
        }
    }

    fn provider_or_refuse(&self) -> Result<&Arc<ProviderKey>, MonoError> {
        self.provider.as_ref().ok_or(MonoError::ProviderRefused)
    }

    /// Provider API: a new access request for `user`, calling `callback` when they accept; at
    /// most one a minute per user (else `LaneClosed`).
    pub async fn request_access(
        &self,
        user: UserId,
        permissions: &str,
        callback: &str,
    ) -> Result<TokenRequest, UpstreamError> {
        self.check_backoff()?;
        let key = self.provider_or_refuse()?;
        let now = self.clock.now();
        if let limit::Claim::Closed { next_at } = self
            .lanes
            .claim(
                &format!("connect-user-{}", user.0),
                Endpoint::ClientInfo,
                now,
            )
            .await?
        {
            return Err(UpstreamError::LaneClosed {
                retry_after: retry_after(next_at, now),
            });
        }
        Ok(self
            .client
            .request_access(key, permissions, Some(callback))
            .await
            .inspect_err(|e| self.note(e))?)
    }

    /// Provider API: whether the user accepted request `request_id`.
    pub async fn access_state(&self, request_id: &RequestId) -> Result<AccessState, MonoError> {
        self.check_backoff()?;
        let access = ProviderAccess {
            key: self.provider_or_refuse()?.clone(),
            request_id: request_id.clone(),
        };
        self.client
            .access_state(&access)
            .await
            .inspect_err(|e| self.note(e))
    }

    /// Provider API: the company's webhook is `url` (set only when it differs). `Ok(true)` when
    /// it was set now.
    pub async fn ensure_corp_webhook(&self, url: &str) -> Result<bool, MonoError> {
        self.check_backoff()?;
        let key = self.provider_or_refuse()?;
        let settings = self
            .client
            .corp_settings(key)
            .await
            .inspect_err(|e| self.note(e))?;
        if settings.webhook == url {
            return Ok(false);
        }
        self.client
            .set_corp_webhook(key, url)
            .await
            .inspect_err(|e| self.note(e))?;
        Ok(true)
    }

    /// `Err(EdgeBlocked)` while the edge back-off lasts.
    fn check_backoff(&self) -> Result<(), MonoError> {
        if self.blocked_until.load(Ordering::SeqCst) > self.clock.now() {
            return Err(MonoError::EdgeBlocked);
        }
        Ok(())
    }

    /// Remembers what a call said of its token: Monobank answered (verified) or rejected it. The
    /// token's row is found by its fingerprint, the lane key.
    /// `error` is `None` when the call succeeded.
    async fn note_token(&self, credential: &Credential, error: Option<&MonoError>) {
        let rejected = match (error, &credential.secret) {
            (None, _) => false,
            (Some(MonoError::TokenRejected), Secret::Token(_)) => true,
            // A 401 or 404 on a data call may pass; the access request's own status decides:
            // lost when the bank no longer calls it granted.
            (Some(MonoError::AccessLost), Secret::Access(id)) => {
                match self.access_state(id).await {
                    Ok(AccessState::Pending | AccessState::Unknown) => true,
                    Ok(AccessState::Granted) => {
                        tracing::warn!("a data call was refused but the access is still granted");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not confirm that the access was lost");
                        return;
                    }
                }
            }
            _ => return,
        };
        let key = credential.lane_key.clone();
        let now = self.clock.now();
        let lane_key = key.clone();
        let noted = db::run(&self.pool, move |conn| {
            Ok(if rejected {
                crate::db::tokens::mark_rejected(conn, &key, now)?
            } else {
                crate::db::tokens::mark_verified(conn, &key, now)?
            })
        })
        .await;
        if matches!(noted, Ok(n) if n > 0) {
            self.hot
                .tokens
                .evict_where(|_, row| row.as_ref().is_some_and(|r| r.fingerprint == lane_key));
        }
        match noted {
            Ok(0) => {}
            Ok(_) if rejected => tracing::warn!("Monobank rejected a stored token; calls stop"),
            Ok(_) => tracing::info!("Monobank accepted a stored token"),
            Err(e) => tracing::warn!(error = %e, "could not note the token's state"),
        }
    }

    /// How long a token waits between two calls of one endpoint (60 s at Monobank).
    pub fn lane_secs(&self) -> i64 {
        monobank::limit::Limiter::lane_secs(&self.lanes)
    }

    /// Whether calls are paused by the edge back-off.
    pub fn is_blocked(&self) -> bool {
        self.check_backoff().is_err()
    }

    /// Starts the back-off when `error` is an edge-firewall block.
    fn note(&self, error: &MonoError) {
        if let MonoError::EdgeBlocked = error {
            let until = self.clock.now() + EDGE_BACKOFF_SECS;
            self.blocked_until.store(until, Ordering::SeqCst);
            tracing::error!(
                until,
                "Monobank's edge firewall blocked this server; pausing all calls"
            );
        }
    }

    /// The currency rates: cached for five minutes, fetched by one caller at a time, at most once
    /// a minute, and served stale (marked) when Monobank cannot be asked.
    pub async fn rates(&self) -> Result<Rates, MonoError> {
        self.rates
            .get(self.check_backoff())
            .await
            .inspect_err(|e| self.note(e))
    }

    /// The user's client-info for a view. `stored` is the snapshot the caller already read (the
    /// views read it with the session check in one database trip). A snapshot under a minute
    /// old is served; otherwise one call if the lane is open; when the lane is closed and nothing
    /// is stored, a call in flight from this instance (the sync, another tab) is awaited, or an
    /// answer another instance stored since is read; otherwise the snapshot is served marked
    /// stale, or the error when there is none.
    #[tracing::instrument(skip_all, fields(user_id = user.0))]
    pub async fn client_info_for_view(
        &self,
        user: UserId,
        credential: &Credential,
        stored: Option<StoredInfo>,
    ) -> Result<Answer<Arc<UserInfo>>, UpstreamError> {
        let now = self.clock.now();
        if let Some((info, fetched_at)) = stored.as_ref() {
            if now - fetched_at < self.lanes.lane_secs().min(FRESH_SECS) {
                return Ok(Answer {
                    data: info.clone(),
                    fetched_at: *fetched_at,
                    stale: false,
                });
            }
        }
        let nothing_stored = stored.is_none();
        let stale = |error: UpstreamError| match stored {
            Some((data, fetched_at)) => Ok(Answer {
                data,
                fetched_at,
                stale: true,
            }),
            None => Err(error),
        };
        if let Err(e) = self.check_backoff() {
            return stale(e.into());
        }
        match self.call_client_info(user, credential).await? {
            Through::Called(Ok((data, fetched_at))) => Ok(Answer {
                data: Arc::new(data),
                fetched_at,
                stale: false,
            }),
            Through::Called(Err(e)) if servable_from_snapshot(&e) => stale(e.into()),
            Through::Called(Err(e)) => Err(e.into()),
            Through::Closed { next_at } => {
                if nothing_stored {
                    let answer = if self.is_in_flight(user) {
                        self.await_client_info(user).await?
                    } else {
                        self.stored_client_info(user).await?
                    };
                    if let Some(answer) = answer {
                        return Ok(answer.shared());
                    }
                }
                stale(UpstreamError::LaneClosed {
                    retry_after: retry_after(next_at, now),
                })
            }
        }
    }

    /// One client-info call for the background sync, if the lane is open: the snapshot is
    /// stored. `None` when the lane is closed or Monobank failed (logged).
    pub async fn refresh_client_info(
        &self,
        user: UserId,
        credential: &Credential,
    ) -> Result<Option<UserInfo>, StoreError> {
        if self.check_backoff().is_err() {
            return Ok(None);
        }
        match self.call_client_info(user, credential).await? {
            Through::Called(Ok((info, _))) => Ok(Some(info)),
            Through::Called(Err(e)) => {
                tracing::warn!(error = %e, "could not read client-info");
                Ok(None)
            }
            Through::Closed { .. } => Ok(None),
        }
    }

    /// Calls client-info through the lane; a good answer is stored and its waiters woken. While
    /// the call is in flight the user is marked, so views can wait for it.
    async fn call_client_info(
        &self,
        user: UserId,
        credential: &Credential,
    ) -> Result<Through<(UserInfo, i64)>, StoreError> {
        let flight = Flight {
            upstream: self,
            user,
            marked: std::sync::atomic::AtomicBool::new(false),
        };
        let through = self
            .client_info_through(credential, || flight.mark())
            .await?;
        if let Through::Called(result) = &through {
            self.note_token(credential, result.as_ref().err()).await;
        }
        let info = match through {
            Through::Closed { next_at } => return Ok(Through::Closed { next_at }),
            Through::Called(Err(e)) => return Ok(Through::Called(Err(e))),
            Through::Called(Ok(info)) => info,
        };
        let now = self.clock.now();
        self.keep_client_info(user, &credential.lane_key, &info, now)
            .await?;
        Ok(Through::Called(Ok((info, now))))
    }

    /// One client-info call through the token's lane (`called` runs when the lane is granted);
    /// the answer's receiver secret is redacted and an edge block starts the back-off.
    async fn client_info_through(
        &self,
        credential: &Credential,
        called: impl FnOnce(),
    ) -> Result<Through<UserInfo>, StoreError> {
        let through = limit::call_through(
            &self.lanes,
            &*self.clock,
            &credential.lane_key,
            Endpoint::ClientInfo,
            || async {
                let auth = self.auth(credential)?;
                called();
                self.client.client_info(&auth).await
            },
        )
        .await?;
        Ok(match through {
            Through::Called(Ok(mut info)) => {
                // The secret of monoweb's own receiver is never kept or shown.
                info.web_hook_url = redact_receiver_secret(&info.web_hook_url).into_owned();
                Through::Called(Ok(info))
            }
            Through::Called(Err(e)) => {
                self.note(&e);
                Through::Called(Err(e))
            }
            closed @ Through::Closed { .. } => closed,
        })
    }

    fn is_in_flight(&self, user: UserId) -> bool {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&user)
    }

    fn bell(&self, user: UserId) -> Arc<Notify> {
        let mut bells = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        bells.entry(user).or_default().clone()
    }

    fn ring(&self, user: UserId) {
        let bell = self
            .stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&user);
        if let Some(bell) = bell {
            bell.notify_waiters();
        }
    }

    /// Waits (bounded) for a client-info snapshot that another caller is fetching: woken when this
    /// instance stores it; an answer stored by another instance is read when the wait ends.
    pub async fn await_client_info(
        &self,
        user: UserId,
    ) -> Result<Option<Answer<UserInfo>>, StoreError> {
        let bell = self.bell(user);
        let rung = bell.notified();
        tokio::pin!(rung);
        rung.as_mut().enable();
        if let Some(answer) = self.stored_client_info(user).await? {
            return Ok(Some(answer));
        }
        let _ = tokio::time::timeout(IN_FLIGHT_WAIT, rung).await;
        self.stored_client_info(user).await
    }

    async fn stored_client_info(
        &self,
        user: UserId,
    ) -> Result<Option<Answer<UserInfo>>, StoreError> {
        let stored = db::run(&self.pool, move |conn| {
            Ok(snapshots::client_info(conn, user)?)
        })
        .await?;
        Ok(stored.map(|(data, fetched_at)| Answer {
            data,
            fetched_at,
            stale: false,
        }))
    }

    /// At most one statement call for `cursor`, if the token's lane is open and no back-off
    /// lasts; the cursor moves past what the call brought.
    pub async fn statement_page(
        &self,
        credential: &Credential,
        cursor: &mut StatementCursor,
    ) -> Result<Step, UpstreamError> {
        self.check_backoff()?;
        let auth = self.auth(credential)?;
        let step = statement::step(
            &self.client,
            &self.lanes,
            &*self.clock,
            &auth,
            &credential.lane_key,
            cursor,
        )
        .await;
        match step {
            Ok(step) => {
                if let Step::Fetched(_) = step {
                    self.note_token(credential, None).await;
                }
                Ok(step)
            }
            Err(StepError::Limiter(e)) => Err(e.into()),
            Err(StepError::Mono(e)) => {
                self.note(&e);
                self.note_token(credential, Some(&e)).await;
                Err(e.into())
            }
        }
    }

    /// Asks Monobank to send the token's operations to `url` (an empty URL removes the webhook).
    pub async fn set_webhook(&self, credential: &Credential, url: &str) -> Result<(), MonoError> {
        self.check_backoff()?;
        let Secret::Token(token) = &credential.secret else {
            return Err(MonoError::BadRequest(
                "a provider has one webhook for all its users".into(),
            ));
        };
        let result = self
            .client
            .set_webhook(token, url)
            .await
            .inspect_err(|e| self.note(e));
        self.note_token(credential, result.as_ref().err()).await;
        result
    }

    /// One client-info call to check a token before it is stored, when its lane is open and no
    /// back-off lasts. Nothing is stored: the caller keeps the token (and then the answer, with
    /// [`Self::keep_client_info`]) only if Monobank accepted it.
    ///
    /// A user gets one such check a minute, whatever tokens they offer: offering random tokens
    /// cannot turn this server into a stream of calls that gets it blocked at Monobank's edge.
    pub async fn verify_token(
        &self,
        user: UserId,
        credential: &Credential,
    ) -> Result<Verification, StoreError> {
        if self.check_backoff().is_err() {
            return Ok(Verification::NotVerified);
        }
        let user_lane = format!("verify-user-{}", user.0);
        let now = self.clock.now();
        if let limit::Claim::Closed { .. } = self
            .lanes
            .claim(&user_lane, Endpoint::ClientInfo, now)
            .await?
        {
            return Ok(Verification::NotVerified);
        }
        Ok(match self.client_info_through(credential, || {}).await? {
            Through::Called(Ok(info)) => Verification::Accepted(Box::new(info), self.clock.now()),
            Through::Called(Err(MonoError::TokenRejected | MonoError::AccessLost)) => {
                Verification::Rejected
            }
            Through::Called(Err(_)) | Through::Closed { .. } => Verification::NotVerified,
        })
    }

    /// Stores a client-info answer obtained by [`Self::verify_token`] as the user's snapshot and
    /// wakes whoever waits for it.
    pub async fn keep_client_info(
        &self,
        user: UserId,
        lane_key: &str,
        info: &UserInfo,
        fetched_at: i64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(info).map_err(StoreError::internal)?;
        let key = lane_key.to_owned();
        // Not after the token it was read with was removed or replaced.
        db::run(&self.pool, move |conn| {
            db::tokens::while_attached(conn, user, &key, |conn| {
                Ok(snapshots::put(
                    conn,
                    user,
                    snapshots::CLIENT_INFO,
                    &json,
                    fetched_at,
                )?)
            })
        })
        .await?;
        self.hot.forget_snapshot(user);
        self.ring(user);
        Ok(())
    }

    /// [`Self::refresh_signing_key`] for a request that must answer quickly (the webhook
    /// receiver: Monobank waits 5 s for its answer): gives up after [`KEY_REFRESH_WAIT`].
    pub async fn refresh_signing_key_quickly(&self) -> Result<bool, MonoError> {
        tokio::time::timeout(KEY_REFRESH_WAIT, self.refresh_signing_key())
            .await
            .unwrap_or(Err(MonoError::Timeout))
    }

    /// Monobank's webhook signing key (id, key), once fetched.
    pub fn signing_key(&self) -> Option<(String, PublicKey)> {
        self.signing_key.read().ok().and_then(|slot| slot.clone())
    }

    /// Fetches the signing key from `/bank/sync`: one caller at a time, at most once a minute
    /// (others get the key as it is). `Ok(true)` when a key was stored.
    pub async fn refresh_signing_key(&self) -> Result<bool, MonoError> {
        let mut last = self.key_flight.lock().await;
        let now = self.clock.now();
        if last.is_some_and(|at| now - at < KEY_REFRESH_MIN_SECS) {
            return Ok(false);
        }
        *last = Some(now);
        self.check_backoff()?;
        let sync = self
            .client
            .bank_sync()
            .await
            .inspect_err(|e| self.note(e))?;
        let key = PublicKey::from_base64(&sync.server_pub_key)
            .map_err(|e| MonoError::Decode(e.to_string()))?;
        if let Ok(mut slot) = self.signing_key.write() {
            *slot = Some((sync.server_key_id, key));
        }
        Ok(true)
    }
}

/// Marks a user's client-info call as in flight from when it is made until its answer is stored
/// and its waiters woken (or it failed, or was dropped).
struct Flight<'a> {
    upstream: &'a Upstream,
    user: UserId,
    marked: std::sync::atomic::AtomicBool,
}

impl Flight<'_> {
    fn mark(&self) {
        self.marked.store(true, Ordering::SeqCst);
        self.upstream
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(self.user);
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if self.marked.load(Ordering::SeqCst) {
            self.upstream
                .in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.user);
            // Whoever waits for this call learns at once that it is over, answered or not.
            self.upstream.ring(self.user);
        }
    }
}

/// Whether an error means "try later" (serve the snapshot) rather than "this is wrong".
fn servable_from_snapshot(e: &MonoError) -> bool {
    e.is_transient() || matches!(e, MonoError::EdgeBlocked)
}

/// Seconds until `next_at`, at least one.
pub fn retry_after(next_at: i64, now: i64) -> u64 {
    u64::try_from(next_at - now).unwrap_or(1).max(1)
}
