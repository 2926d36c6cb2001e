//! `CurrentUser`: the logged-in user, or 401 (which pages turn into a redirect to the login page).
//!
//! Each request checks the user's row (kept in memory for at most a second, see
//! [`crate::cache`]): a disabled user, or a session whose security stamp no longer matches the
//! user's (password changed, disabled, sessions ended), is logged out on the spot.

use std::future::Future;
use std::pin::Pin;

use actix_identity::Identity;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::sessions::{LOGIN_ID_KEY, STAMP_KEY};
use crate::cache::Hot;
use crate::db::users::{self, UserId};
use crate::db::DbPool;
use crate::db::{self};
use crate::error::AppError;

/// The user a request acts for.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
    /// Identifies this login among the user's sessions.
    pub login_id: String,
}

/// What the session claims: a user id, the security stamp and login id recorded at login. It is
/// read without the database; [`SessionUser::check`] holds it against the user's row, so a view
/// can do that inside its own single database trip (one blocking closure per request, see `docs/architecture.md`).
pub struct SessionUser {
    pub id: UserId,
    stamp: Option<String>,
    login_id: String,
    session: Session,
}

impl SessionUser {
    /// The current user if the row is active and its stamp matches the session's.
    pub fn check(&self, row: Option<users::User>) -> Result<CurrentUser, AppError> {
        match row {
            Some(user)
                if user.is_active
                    && self.stamp.as_deref() == Some(user.security_stamp.as_str()) =>
            {
                Ok(CurrentUser {
                    id: user.id(),
                    username: user.username,
                    is_admin: user.is_admin,
                    login_id: self.login_id.clone(),
                })
            }
            _ => Err(AppError::Unauthorized),
        }
    }

    /// Ends the session after a failed check.
    pub fn end(&self) {
        end(&self.session);
    }
}

impl FromRequest for SessionUser {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(session_user(req))
    }
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
        id: UserId(id),
        stamp: session.get::<String>(STAMP_KEY).ok().flatten(),
        login_id: session
            .get::<String>(LOGIN_ID_KEY)
            .ok()
            .flatten()
            .unwrap_or_default(),
        session,
    })
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let claim = session_user(&req)?;
            let (Some(pool), Some(hot)) = (
                req.app_data::<web::Data<DbPool>>(),
                req.app_data::<web::Data<Hot>>(),
            ) else {
                return Err(AppError::internal("no app state"));
            };
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
