//! `CurrentUser`: the logged-in user, or 401 (which pages turn into a redirect to the login page).
//! Under `/api` a personal API key (`Authorization: Bearer`, see [`super::keys`]) stands in
//! for the session.
//!
//! Each request checks the user's row (kept in memory for at most a second, see
//! [`crate::cache`]): a disabled user, or a session whose security stamp no longer matches the
//! user's (password changed, disabled, sessions ended), is logged out on the spot.

use std::future::Future;
use std::pin::Pin;

use actix_identity::Identity;
use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::keys as api_keys;
use super::sessions::{LOGIN_ID_KEY, STAMP_KEY};
use crate::auth::api_keys::{self as key_rules, Scope};
use crate::auth::claim::{Claim, Proof};
use crate::cache::Hot;
use crate::db::users::{self, UserId};
use crate::db::DbPool;
use crate::db::{self};
use crate::http::error::AppError;

pub use crate::auth::claim::{CurrentUser, KeyAccess};

impl CurrentUser {
    /// Refuses a request made with an API key: changing the password and managing keys need a
    /// logged-in session.
    pub fn require_session(&self) -> Result<(), AppError> {
        match self.key {
            None => Ok(()),
            Some(_) => Err(AppError::Forbidden(
                "This needs a logged-in session; an API key cannot do it.".into(),
            )),
        }
    }
}

/// What the session (or the API key) claims ([`Claim`]), with the session to end when the claim
/// no longer holds. A session is read without the database; the claim is checked against the
/// user's row by [`SessionUser::check`], or by a service inside its own database trip.
pub struct SessionUser {
    claim: Claim,
    session: Option<Session>,
}

impl std::ops::Deref for SessionUser {
    type Target = Claim;

    fn deref(&self) -> &Claim {
        &self.claim
    }
}

impl SessionUser {
    /// The current user if the row is active and, for a session, its stamp matches the session's.
    pub fn check(&self, row: Option<users::User>) -> Result<CurrentUser, AppError> {
        self.claim.check(row).ok_or(AppError::Unauthorized)
    }

    /// Ends the session after a failed check (a key has no session to end).
    pub fn end(&self) {
        if let Some(session) = &self.session {
            end(session);
        }
    }

    /// Ends the session when a view found that its claim no longer holds.
    pub fn ended_if_refused<T>(
        &self,
        answer: Result<T, crate::services::mono::ViewError>,
    ) -> Result<T, crate::services::mono::ViewError> {
        if let Err(crate::services::mono::ViewError::NotLoggedIn) = &answer {
            self.end();
        }
        answer
    }
}

impl FromRequest for SessionUser {
    type Error = AppError;
    type Future = futures_util::future::Either<
        std::future::Ready<Result<Self, AppError>>,
        Pin<Box<dyn Future<Output = Result<Self, AppError>>>>,
    >;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        use futures_util::future::Either;
        if api_keys::presented(req).is_none() {
            return Either::Left(std::future::ready(session_user(req)));
        }
        // Checked by [`check_key`] before the view's extractors ran.
        if let Some(KeyClaim { user, access }) = req.extensions().get::<KeyClaim>().copied() {
            return Either::Left(std::future::ready(Ok(SessionUser {
                claim: Claim {
                    id: user,
                    proof: Proof::Key(access),
                },
                session: None,
            })));
        }
        let req = req.clone();
        Either::Right(Box::pin(async move { key_user(&req).await }))
    }
}

/// A request's API key, checked: the user it acts for and its access.
#[derive(Clone, Copy)]
struct KeyClaim {
    user: UserId,
    access: KeyAccess,
}

/// Middleware: a request to the JSON API that presents an API key has the key decided before
/// any extractor reads the body, so an unknown key is always 401 (and a read-only key on a write
/// always 403), whatever the body holds and on any route, as DRF authenticates every request.
pub async fn check_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if api_keys::presented(req.request()).is_some() {
        match key_user(req.request()).await {
            Ok(SessionUser {
                claim:
                    Claim {
                        id,
                        proof: Proof::Key(access),
                    },
                ..
            }) => {
                req.extensions_mut().insert(KeyClaim { user: id, access });
            }
            Ok(_) => {}
            Err(error) => return Ok(req.error_response(error).map_into_right_body()),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn session_user(req: &HttpRequest) -> Result<SessionUser, AppError> {
    let session = req.get_session();
    let identity = Identity::extract(req)
        .into_inner()
        .map_err(|_| AppError::Unauthorized)?;
    let id: i64 = identity
        .id()
        .ok()
        .and_then(|id| id.parse().ok())
        .ok_or(AppError::Unauthorized)?;
    Ok(SessionUser {
        claim: Claim {
            id: UserId(id),
            proof: Proof::Session {
                stamp: session.get::<String>(STAMP_KEY).ok().flatten(),
                login_id: session
                    .get::<String>(LOGIN_ID_KEY)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            },
        },
        session: Some(session),
    })
}

/// The app state the extractors read.
fn state(req: &HttpRequest) -> Result<(&DbPool, &Hot), AppError> {
    match (
        req.app_data::<web::Data<DbPool>>(),
        req.app_data::<web::Data<Hot>>(),
    ) {
        (Some(pool), Some(hot)) => Ok((pool, hot)),
        _ => Err(AppError::internal("no app state")),
    }
}

/// The answer to an unknown or revoked API key: 401, with `Retry-After` once the client's
/// address has presented too many (its locks grow as a login's do; a 401 still, as the key is
/// refused either way, and API tools expect one); only the start of a run is logged.
fn refuse_bad_key(req: &HttpRequest) -> AppError {
    use crate::auth::throttle::{client_key, BadKey, BadKeys};
    use crate::http::client::client_ip;
    let (Some(bad_keys), Some(clock), Some(settings)) = (
        req.app_data::<web::Data<BadKeys>>(),
        req.app_data::<web::Data<monobank::clock::SharedClock>>(),
        req.app_data::<web::Data<crate::config::Settings>>(),
    ) else {
        return AppError::BadKey;
    };
    let client = client_key(client_ip(req, &settings.trusted_proxies));
    match bad_keys.count(&client, clock.now()) {
        BadKey::Refused { log: true } => {
            tracing::warn!(
                client,
                "request with an unknown or revoked API key (more from this address are not \
                 logged until it is locked out)"
            );
            AppError::BadKey
        }
        BadKey::Refused { log: false } => AppError::BadKey,
        BadKey::Throttled { retry_after } => AppError::KeysThrottled { retry_after },
    }
}

/// How often a key's last use is written (at most).
const KEY_USE_WRITE_SECS: i64 = 60;

/// The claim of a request that presents an API key: 401 for a key that is unknown (or revoked),
/// 403 for a read-only key on a request that writes.
async fn key_user(req: &HttpRequest) -> Result<SessionUser, AppError> {
    let key = api_keys::presented(req).unwrap_or_default();
    let (pool, hot) = state(req)?;
    let hash = key_rules::hash(key);
    let mark = hot.api_keys.read_mark();
    let row = match hot.api_keys.get(&hash) {
        Some(row) => row,
        None => {
            let lookup = hash.clone();
            let row = db::run(pool, move |conn| {
                Ok(db::api_keys::find_by_hash(conn, &lookup)?.map(|(key, _)| key))
            })
            .await?;
            hot.api_keys.put_read(mark, hash.clone(), row.clone());
            row
        }
    };
    let Some(row) = row else {
        return Err(refuse_bad_key(req));
    };
    let scope = Scope::from_stored(&row.scope);
    if !api_keys::allows(scope, req.method(), req.path()) {
        return Err(AppError::Forbidden(
            "This API key may only read; this request changes something.".into(),
        ));
    }
    let now = req
        .app_data::<web::Data<monobank::clock::SharedClock>>()
        .map(|clock| clock.now());
    if let Some(now) = now.filter(|now| {
        row.last_used_at
            .is_none_or(|t| t + KEY_USE_WRITE_SECS <= *now)
    }) {
        let id = row.id;
        // Best effort: a busy database must not fail a request over a last-use time.
        match db::run(pool, move |conn| Ok(db::api_keys::touch(conn, id, now)?)).await {
            Ok(_) => {
                let mut used = row.clone();
                used.last_used_at = Some(now);
                // Not kept if the key was revoked meanwhile (the mark predates the lookup).
                hot.api_keys.put_read(mark, hash, Some(used));
            }
            Err(e) => tracing::warn!(error = %e, "an API key's last use was not recorded"),
        }
    }
    Ok(SessionUser {
        claim: Claim {
            id: UserId(row.user_id),
            proof: Proof::Key(KeyAccess { id: row.id, scope }),
        },
        session: None,
    })
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let claim = SessionUser::from_request(&req, &mut Payload::None).await?;
            let (pool, hot) = state(&req)?;
            let row = user_row(pool, hot, claim.id).await?;
            claim.check(row).inspect_err(|_| claim.end())
        })
    }
}

/// The user's row: from memory when read within the last second, else from the database.
pub async fn user_row(
    pool: &DbPool,
    hot: &Hot,
    id: UserId,
) -> Result<Option<users::User>, AppError> {
    if let Some(row) = hot.users.get(&id) {
        return Ok(row);
    }
    let mark = hot.users.read_mark();
    let row = db::run(pool, move |conn| Ok(users::find_by_id(conn, id)?)).await?;
    hot.users.put_read(mark, id, row.clone());
    Ok(row)
}

/// Ends a session that no longer belongs to an active user.
fn end(session: &Session) {
    tracing::info!("session ended: user disabled, deleted or security stamp changed");
    session.purge();
}

/// An admin, or 403.
#[derive(Clone, Debug)]
pub struct AdminUser(pub CurrentUser);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.is_admin {
                Ok(AdminUser(user))
            } else {
                Err(AppError::Forbidden("Only admins may do this.".into()))
            }
        })
    }
}
