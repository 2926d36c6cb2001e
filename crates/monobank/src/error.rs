//! `MonoError`: every way a call to Monobank can fail, decided from the status and the body's
//! shape, never from the error text (Monobank changes its wording). The texts here are for logs;
//! what a user is shown is the application's choice, made from the variant.

/// How a Monobank call failed. New variants may come in minor versions: match with a wildcard arm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MonoError {
    /// 429: too many requests; `retry_after` in seconds when Mono said so.
    #[error("Monobank rate limit (retry after {retry_after:?} s)")]
    RateLimited {
        /// Seconds to wait, from a `Retry-After` header that is a whole number of seconds; `None`
        /// when Monobank sent no such header.
        retry_after: Option<u64>,
    },
    /// 403 with Mono's JSON error: the token is unknown or revoked.
    #[error("Monobank rejected the token")]
    TokenRejected,
    /// The `X-Token` header was missing (401/403 with Mono's JSON error naming it).
    #[error("Monobank says the X-Token header is missing")]
    MissingToken,
    /// 403 whose body is not Mono's JSON error: the edge firewall blocked this IP. Never retry it
    /// in a loop.
    #[error("blocked by Monobank's edge firewall")]
    EdgeBlocked,
    /// Provider API: 401 or 404 on a data call with a request id, the user's access is gone
    /// (revoked in the Monobank app, or never granted): the user must connect again.
    #[error("the user's access is not granted or was revoked")]
    AccessLost,
    /// Provider API: 403 with Mono's JSON error, the bank refused the provider's signature or
    /// key (not approved, a wrong key, a clock off by too much). Not the user's doing.
    #[error("Monobank refused the provider's signature or key")]
    ProviderRefused,
    /// 400 with Mono's explanation (window too long, unknown account, …).
    #[error("Monobank refused the request: {0}")]
    BadRequest(String),
    /// Any other unexpected status (5xx included).
    #[error("Monobank answered HTTP {0}")]
    Upstream(u16),
    /// No complete answer within the time limit.
    #[error("Monobank did not answer in time")]
    Timeout,
    /// No connection (DNS, refused, TLS).
    #[error("cannot reach Monobank: {0}")]
    Unreachable(String),
    /// A 200 whose body is not what the API documents (truncated, wrong shape, too large).
    #[error("Monobank's answer could not be read: {0}")]
    Decode(String),
}

impl MonoError {
    /// A short stable name of the error's kind, for metrics labels and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            MonoError::RateLimited { .. } => "rate_limited",
            MonoError::TokenRejected => "token_rejected",
            MonoError::MissingToken => "missing_token",
            MonoError::EdgeBlocked => "edge_blocked",
            MonoError::AccessLost => "access_lost",
            MonoError::ProviderRefused => "provider_refused",
            MonoError::BadRequest(_) => "bad_request",
            MonoError::Upstream(_) => "upstream_error",
            MonoError::Timeout => "timeout",
            MonoError::Unreachable(_) => "unreachable",
            MonoError::Decode(_) => "decode",
        }
    }

    /// Whether trying again later may succeed (as opposed to a problem with the request).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            MonoError::RateLimited { .. }
                | MonoError::Upstream(_)
                | MonoError::Timeout
                | MonoError::Unreachable(_)
                | MonoError::Decode(_)
        )
    }
}
