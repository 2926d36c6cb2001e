//! Connecting a user through the provider API: an access request the user accepts in the
//! Monobank app, its callback and its polling, and the accepted request id stored as the user's
//! credential (sealed like a token, kind `provider`).
//!
//! - One pending request per user; asking again while it is pending returns the same one.
//! - A request expires [`REQUEST_TTL_SECS`] after it was made; the next "Connect" makes a new one.
//! - The callback URL carries a secret made for the request (only its hash is stored). A callback
//!   is a hint, not proof: the request id it names must be the user's, and the bank is asked
//!   whether it was accepted before anything is stored. Polling asks the bank at most once per
//!   [`POLL_SECS`] per user, whichever instance or page asks.

use rand::Rng;
use serde::Serialize;

use super::receiver::secret_hash;
use super::tokens;
use super::Context;
use crate::crypto::Sealed;
use crate::db::provider::{self as requests, RequestRow};
use crate::db::tokens as token_rows;
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self};
use monobank::client::AccessState;
use monobank::provider::RequestId;
use monobank::MonoError;

/// How long a pending access request waits for the user (the bank documents no lifetime).
pub const REQUEST_TTL_SECS: i64 = 15 * 60;
/// Least time between two questions to the bank about one user's request.
pub const POLL_SECS: i64 = 5;
/// Where the bank's callback comes in (a secret follows).
pub const CALLBACK_PATH: &str = "/hooks/provider/connected/";

/// Why a connection step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// This server is not in provider (or both) mode.
    #[error("this server does not connect through the provider API")]
    ProviderOff,
    /// The user has a token or a connection already.
    #[error("a Monobank connection is attached already")]
    AlreadyConnected,
    /// Monobank failed or refused.
    #[error(transparent)]
    Mono(#[from] MonoError),
    /// The user asked for a new request within the minute (or the gateway could not be asked).
    #[error(transparent)]
    Upstream(#[from] crate::upstream::UpstreamError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a user's connection stands.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    /// Nothing attached and nothing pending.
    None,
    /// Waiting for the user to accept in the Monobank app.
    Pending {
        /// Where the user accepts (a QR code on a computer, a link on a phone).
        accept_url: String,
        /// Unix seconds.
        expires_at: i64,
    },
    /// The last request expired, or the bank no longer knows it (declined): connect again.
    Expired,
    /// Connected (through the provider API or a personal token).
    Connected,
    /// The provider connection stopped working (revoked in the Monobank app): connect again.
    Revoked,
}

/// The user's connection, asking the bank about a pending request when [`POLL_SECS`] passed
/// since anyone last did; an accepted request is stored at once. A request past its time gets
/// one last question before it is forgotten, so an approval whose callback was lost is kept.
pub async fn status(ctx: &Context, user: UserId) -> Result<Connection, ConnectError> {
    let (token, pending) = db::run(&ctx.pool, move |conn| {
        Ok((token_rows::find(conn, user)?, requests::find(conn, user)?))
    })
    .await?;
    let revoked = token.as_ref().is_some_and(is_revoked);
    if token.is_some() && !revoked {
        return Ok(Connection::Connected);
    }
    let Some(row) = pending else {
        return Ok(if revoked {
            Connection::Revoked
        } else {
            Connection::None
        });
    };
    let Some(request) = open(ctx, &row) else {
        forget(ctx, &row).await?;
        return Ok(Connection::Expired);
    };
    let now = ctx.clock.now();
    let expired = row.expires_at <= now;
    let claimed = expired
        || db::run(&ctx.pool, move |conn| {
            Ok(requests::claim_check(conn, user, now, POLL_SECS)?)
        })
        .await?;
    if claimed {
        match check(ctx, &row, &request).await {
            Ok(Some(state)) => return Ok(state),
            Ok(None) => {}
            Err(ConnectError::Store(e)) => return Err(e.into()),
            // The bank could not say now: still pending; the next look asks again.
            Err(e) => tracing::warn!(error = %e, "could not ask Monobank about an access request"),
        }
    }
    if expired {
        forget(ctx, &row).await?;
        return Ok(Connection::Expired);
    }
    Ok(Connection::Pending {
        accept_url: request.accept_url,
        expires_at: row.expires_at,
    })
}

/// Starts connecting `user`: an access request at the bank (or the pending one). At most one new
/// request a minute per user: each is a signed call the bank sees from this company.
pub async fn start(ctx: &Context, user: UserId) -> Result<Connection, ConnectError> {
    if !ctx.mono_mode.provider() {
        return Err(ConnectError::ProviderOff);
    }
    match status(ctx, user).await? {
        Connection::Connected => return Err(ConnectError::AlreadyConnected),
        pending @ Connection::Pending { .. } => return Ok(pending),
        Connection::None | Connection::Expired | Connection::Revoked => {}
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let callback_secret = hex::encode(bytes);
    let callback = format!(
        "{}{CALLBACK_PATH}{callback_secret}",
        ctx.public_url.as_str().trim_end_matches('/')
    );
    let asked = ctx
        .upstream
        .request_access(user, &ctx.provider_permissions, &callback)
        .await?;
    let request_id = RequestId::parse(&asked.token_request_id)
        .map_err(|_| MonoError::Decode("the request id is not in the documented form".into()))?;
    let accept_url = checked_accept_url(&asked.accept_url)?;
    let now = ctx.clock.now();
    let secret = ctx.secret.clone();
    let expires_at = now + REQUEST_TTL_SECS;
    let sealed_text = format!("{}\n{accept_url}", request_id.expose());
    db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let key_id = token_rows::current_key(conn, now)?;
            let sealed = secret.seal(key_id, user.0, sealed_text.as_bytes());
            requests::put(
                conn,
                &RequestRow {
                    user_id: user.0,
                    ciphertext: sealed.ciphertext,
                    nonce: sealed.nonce,
                    key_id,
                    callback_hash: secret_hash(&callback_secret),
                    created_at: now,
                    expires_at,
                    // The first question may come at once.
                    checked_at: 0,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(user_id = user.0, "provider access requested");
    Ok(Connection::Pending {
        accept_url,
        expires_at,
    })
}

/// The bank's callback: `secret` from the URL, `request_id` from `X-Request-Id`. `Ok(true)` when
/// the user's connection was stored; `Ok(false)` for a callback that matches no pending request.
pub async fn callback(ctx: &Context, secret: &str, request_id: &str) -> Result<bool, ConnectError> {
    let hash = secret_hash(secret);
    let Some(row) = db::run(&ctx.pool, move |conn| {
        Ok(requests::find_by_callback(conn, &hash)?)
    })
    .await?
    else {
        return Ok(false);
    };
    let Some(request) = open(ctx, &row) else {
        return Ok(false);
    };
    // The id the callback names must be the one this secret was made for (compared as hashes,
    // so the time taken says nothing of the stored id).
    let same = secret_hash(request.id.expose()) == secret_hash(request_id);
    if !same || row.expires_at <= ctx.clock.now() {
        return Ok(false);
    }
    Ok(matches!(
        check(ctx, &row, &request).await?,
        Some(Connection::Connected)
    ))
}

/// Forgets `row`'s request, unless another has replaced it meanwhile.
async fn forget(ctx: &Context, row: &RequestRow) -> Result<(), ConnectError> {
    let (user, hash) = (UserId(row.user_id), row.callback_hash.clone());
    db::run(&ctx.pool, move |conn| {
        Ok(requests::take(conn, user, &hash)?)
    })
    .await?;
    Ok(())
}

/// Asks the bank about `row`'s request: accepted → stored as the user's connection; unknown →
/// forgotten (declined or expired at the bank). `None` while it is pending.
async fn check(
    ctx: &Context,
    row: &RequestRow,
    request: &Pending,
) -> Result<Option<Connection>, ConnectError> {
    match ctx.upstream.access_state(&request.id).await? {
        AccessState::Pending => Ok(None),
        AccessState::Unknown => {
            forget(ctx, row).await?;
            Ok(Some(Connection::Expired))
        }
        AccessState::Granted => Ok(Some(if store(ctx, row, &request.id).await? {
            Connection::Connected
        } else {
            // Disconnected, or taken by another caller meanwhile: what the store holds now.
            Box::pin(status(ctx, UserId(row.user_id))).await?
        })),
    }
}

/// Stores an accepted request id as the user's connection, taking `row`'s request first: only
/// the caller that takes it stores (a callback and a poll on two instances store once), and a
/// request forgotten meanwhile (Disconnect) stores nothing. `Ok(false)` when it was not taken.
async fn store(
    ctx: &Context,
    row: &RequestRow,
    request_id: &RequestId,
) -> Result<bool, ConnectError> {
    let user = UserId(row.user_id);
    let fp = tokens::access_fingerprint(&ctx.secret, request_id);
    let now = ctx.clock.now();
    let secret = ctx.secret.clone();
    let hash = row.callback_hash.clone();
    let id = request_id.clone();
    let stored = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if requests::take(conn, user, &hash)? == 0 {
                return Ok(false);
            }
            match token_rows::find(conn, user)? {
                // A revoked connection is replaced; what was read with it is forgotten (the
                // user may have approved as another Monobank client).
                Some(old) if is_revoked(&old) => {
                    token_rows::delete(conn, user)?;
                    crate::upstream::lanes::forget(conn, &old.fingerprint, now)?;
                    crate::db::snapshots::delete_for_user(conn, user)?;
                    crate::db::sync::forget(conn, user)?;
                }
                Some(_) => return Ok(false),
                None => {}
            }
            let key_id = token_rows::current_key(conn, now)?;
            let sealed = secret.seal(key_id, user.0, id.expose().as_bytes());
            let mut row = tokens::new_row(&sealed, user, &fp, "", now, true);
            row.kind = token_rows::PROVIDER;
            token_rows::insert(conn, &row)?;
            Ok(true)
        })
    })
    .await?;
    if stored {
        ctx.hot.forget_mono(user);
        tracing::info!(
            user_id = user.0,
            "Monobank connected through the provider API"
        );
        ctx.sync.wake();
    }
    Ok(stored)
}

/// A provider connection the bank stopped honouring.
fn is_revoked(row: &token_rows::TokenRow) -> bool {
    row.kind == token_rows::PROVIDER && row.rejected_at.is_some()
}

/// A pending request, opened.
struct Pending {
    id: RequestId,
    accept_url: String,
}

fn open(ctx: &Context, row: &RequestRow) -> Option<Pending> {
    let sealed = Sealed {
        ciphertext: row.ciphertext.clone(),
        nonce: row.nonce.clone(),
        key_id: row.key_id,
    };
    let plain = ctx.secret.open(&sealed, row.user_id)?;
    let text = std::str::from_utf8(&plain).ok()?;
    let (id, accept_url) = text.split_once('\n')?;
    Some(Pending {
        id: RequestId::parse(id).ok()?,
        accept_url: accept_url.to_owned(),
    })
}

/// The accept URL as the pages may show and link it: http(s), no credentials, printable.
fn checked_accept_url(raw: &str) -> Result<String, MonoError> {
    let bad = || MonoError::Decode("the accept URL is not an http(s) URL".into());
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() {
        return Err(bad());
    }
    Ok(url.to_string())
}
