//! The one place where the services' errors become HTTP answers: each domain error maps to an
//! [`AppError`] (and so to the JSON envelope under `/api` and the error page elsewhere) here, and
//! nowhere else. The services never name a status code or a JSON field.

use monobank::MonoError;

use crate::db::StoreError;
use crate::http::error::AppError;
use crate::services::accounts::AccountError;
use crate::services::api_keys::{KeyError, MAX_KEYS};
use crate::services::connect::ConnectError;
use crate::services::history::HistoryError;
use crate::services::mono::ViewError;
use crate::services::tokens::{TokenError, ALREADY_ATTACHED, NOT_ADDED};
use crate::services::users::UserError;
use crate::upstream::UpstreamError;

/// The answer while Monobank rejects the stored token.
const STORED_TOKEN_REJECTED: &str = "Monobank rejected the stored token.";

/// The answer once a provider connection stopped working.
pub const ACCESS_REVOKED: &str = "Access was revoked in the Monobank app: connect again.";

/// The answer while a user's accounts have not been read from Monobank yet.
const ACCOUNTS_NOT_READ: &str =
    "Your accounts have not been read from Monobank yet; try again in a minute.";

/// The store's failures as answers: busy or unreachable is 503, a bug is 500.
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        use StoreError as S;
        match err {
            S::NotFound => AppError::NotFound,
            S::Conflict => AppError::Conflict("That already exists.".into()),
            S::Busy => AppError::Unavailable("The database is busy; try again.".into()),
            S::Unavailable => AppError::Unavailable("The database is unavailable.".into()),
            S::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        StoreError::from(err).into()
    }
}

/// 400 on the `account` field, as every other field's error is answered.
fn unknown_account() -> AppError {
    AppError::field(
        "account",
        "Unknown account: use \"0\" or an id from client-info.",
    )
}

/// 503 with `Retry-After`: the sync reads the accounts on its next round, within a minute.
fn accounts_not_read() -> AppError {
    AppError::Pending {
        detail: ACCOUNTS_NOT_READ.into(),
        retry_after: 60,
    }
}

impl From<MonoError> for AppError {
    /// The one place where Monobank's failures become answers (`docs/monobank-api.md`, M10).
    /// Views that can serve a snapshot instead do so before this mapping applies.
    fn from(err: MonoError) -> Self {
        use MonoError as M;
        match err {
            M::RateLimited { retry_after } => AppError::RateLimited {
                retry_after: retry_after.unwrap_or(60),
            },
            M::TokenRejected | M::MissingToken => {
                AppError::Unprocessable(STORED_TOKEN_REJECTED.into())
            }
            M::AccessLost => AppError::Unprocessable(ACCESS_REVOKED.into()),
            M::ProviderRefused => AppError::BadGateway(
                "Monobank refused this server's provider signature; the administrator must check \
                 the provider key and the server's clock."
                    .into(),
            ),
            M::EdgeBlocked => AppError::Unavailable(
                "Monobank is refusing requests from this server for now; try again later.".into(),
            ),
            M::Timeout | M::Unreachable(_) => {
                AppError::Unavailable("Monobank is not reachable right now.".into())
            }
            // A failure a newer client knows and this mapping does not: Monobank's error.
            M::BadRequest(_) | M::Upstream(_) | M::Decode(_) | _ => {
                AppError::BadGateway("Monobank answered with an error.".into())
            }
        }
    }
}

impl From<ConnectError> for AppError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::ProviderOff => AppError::NotFound,
            ConnectError::AlreadyConnected => AppError::Conflict(ALREADY_ATTACHED.into()),
            ConnectError::Mono(e) => e.into(),
            ConnectError::Upstream(e) => e.into(),
            ConnectError::Store(e) => e.into(),
        }
    }
}

impl From<UpstreamError> for AppError {
    fn from(e: UpstreamError) -> Self {
        match e {
            UpstreamError::Mono(e) => e.into(),
            UpstreamError::LaneClosed { retry_after } => AppError::RateLimited { retry_after },
            UpstreamError::Store(e) => e.into(),
        }
    }
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        match e {
            // The seed's text for both: a token that does not open is as good as none (it was
            // logged where it was found).
            TokenError::NotAdded | TokenError::Unreadable => AppError::Missing(NOT_ADDED.into()),
            TokenError::AlreadyAttached => AppError::Conflict(ALREADY_ATTACHED.into()),
            TokenError::RejectedByMonobank => {
                AppError::Unprocessable("Monobank rejected this token.".into())
            }
            TokenError::Rejected { .. } => AppError::Unprocessable(STORED_TOKEN_REJECTED.into()),
            TokenError::AccessRevoked { .. } => AppError::Unprocessable(ACCESS_REVOKED.into()),
            TokenError::PersonalOff => AppError::Forbidden(
                "This server does not take personal tokens: connect Monobank instead \
                 (POST /api/mono/connect)."
                    .into(),
            ),
            TokenError::Store(e) => e.into(),
        }
    }
}

impl From<ViewError> for AppError {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Token(e) => e.into(),
            ViewError::Upstream(e) => e.into(),
            ViewError::UnknownAccount => unknown_account(),
            ViewError::AccountsNotRead => accounts_not_read(),
            ViewError::WebhookUrlRefused => AppError::field(
                "webHookUrl",
                "Monobank refused this URL: it must be reachable and answer GET with 200.",
            ),
            ViewError::ProviderWebhook => AppError::Unprocessable(
                "Connected through the Monobank app: your operations arrive through this server's \
                 provider webhook, so there is no webhook of your own to set."
                    .into(),
            ),
            ViewError::Other(e) => e.into(),
            ViewError::NotLoggedIn => AppError::Unauthorized,
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::RegistrationClosed => {
                AppError::Forbidden("Registration is closed; ask an admin for an account.".into())
            }
            AccountError::NameTaken => {
                AppError::Conflict("A user with that name already exists.".into())
            }
            AccountError::LoginFailed => AppError::LoginFailed,
            AccountError::Throttled { retry_after } => AppError::RateLimited { retry_after },
            AccountError::UserGone => AppError::Unauthorized,
            AccountError::WeakPassword(rule) => AppError::field("new_password", rule),
            AccountError::WrongPassword => {
                AppError::field("current_password", "The current password is wrong.")
            }
            AccountError::Store(e) => e.into(),
            AccountError::Hashing(e) => AppError::internal(e),
        }
    }
}

impl From<UserError> for AppError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NameTaken(_) => {
                AppError::Conflict("A user with that name already exists.".into())
            }
            UserError::NotFound => AppError::NotFound,
            UserError::Store(e) => e.into(),
        }
    }
}

impl From<HistoryError> for AppError {
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::Token(e) => e.into(),
            HistoryError::UnknownAccount => unknown_account(),
            HistoryError::AccountsNotRead => accounts_not_read(),
            HistoryError::Store(e) => e.into(),
        }
    }
}

impl From<KeyError> for AppError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::TooMany => AppError::Conflict(format!(
                "You have {MAX_KEYS} API keys already; revoke one first."
            )),
            KeyError::NotFound => AppError::Missing("No such API key.".into()),
            KeyError::Store(e) => e.into(),
        }
    }
}
