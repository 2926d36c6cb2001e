//! Monobank tokens: attach, replace, remove, status, and reading one back for a call
//! (`docs/security.md`, S15-S19). A token is stored sealed (see `crypto`), found by its keyed fingerprint,
//! shown only as its last four characters, and never returned, logged or put in an error.

use diesel::QueryResult;
use serde::Serialize;

use super::Context;
use crate::crypto::{MasterSecret, Sealed};
use crate::db::tokens::{self, NewToken, TokenRow};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots, DbConnection};
use crate::upstream::{lanes, Credential, Secret, Verification};
use monobank::provider::RequestId;
use monobank::types::UserInfo;
use monobank::MonoToken;

/// Label of the keyed hash that identifies a token without storing it.
const FINGERPRINT_LABEL: &str = "monoweb token fingerprint v1";
/// ... and a provider connection's request id.
const ACCESS_FINGERPRINT_LABEL: &str = "monoweb provider access fingerprint v1";

/// The seed's texts.
pub const NOT_ADDED: &str = "Your mono has not been added yet.";
pub const ALREADY_ATTACHED: &str = "A Mono token is already attached.";

/// Why a token operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The user has no token.
    #[error("no Monobank token is attached")]
    NotAdded,
    /// The stored token does not decrypt (sealed under another secret, or copied from another
    /// user's row); it is logged where it is found.
    #[error("the stored Monobank token cannot be opened")]
    Unreadable,
    /// The user has a token already, or another user has this one.
    #[error("this Monobank token is attached already")]
    AlreadyAttached,
    /// Monobank rejected the token offered (mistyped or revoked); it was not stored.
    #[error("Monobank rejected this token")]
    RejectedByMonobank,
    /// Monobank rejected the stored token at `at` (Unix s); no call is made with it until it is
    /// replaced.
    #[error("Monobank rejected the stored token")]
    Rejected { at: i64 },
    /// The user's provider connection stopped working at `at` (revoked in the Monobank app):
    /// they must connect again.
    #[error("the Monobank connection was revoked")]
    AccessRevoked { at: i64 },
    /// This server does not take personal tokens (provider mode).
    #[error("this server does not take personal tokens")]
    PersonalOff,
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
}

impl TokenError {
    /// A database failure; a unique violation means the same token raced in for another user.
    fn store(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => TokenError::AlreadyAttached,
            other => TokenError::Store(other),
        }
    }
}

/// The keyed fingerprint of a token.
pub fn fingerprint(secret: &MasterSecret, token: &MonoToken) -> String {
    secret.fingerprint(FINGERPRINT_LABEL, token.expose().as_bytes())
}

/// The keyed fingerprint of a provider connection's request id.
pub fn access_fingerprint(secret: &MasterSecret, id: &RequestId) -> String {
    secret.fingerprint(ACCESS_FINGERPRINT_LABEL, id.expose().as_bytes())
}

/// What `GET /api/mono/` shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenStatus {
    /// Whether a token (or a provider connection) is attached.
    pub connected: bool,
    /// `personal` (a token) or `provider` (approved in the Monobank app); null without one.
    #[schema(value_type = Option<String>, example = "personal")]
    pub kind: Option<&'static str>,
    /// The token's last four characters, to tell tokens apart (never the token); null for a
    /// provider connection.
    #[schema(example = "…x9Zq")]
    pub token_hint: Option<String>,
    /// When it was attached, Unix seconds.
    pub created_at: Option<i64>,
    /// When it was last replaced, Unix seconds.
    pub updated_at: Option<i64>,
    /// Monobank has answered a call made with the token.
    pub verified: bool,
    /// When Monobank rejected the token (it must be replaced), if it did.
    pub rejected_at: Option<i64>,
    /// The webhook monoweb registered with this token (shown on the pages only).
    #[serde(skip)]
    pub webhook_url: Option<String>,
    /// When monoweb last took the webhook back from another URL (shown on the pages only).
    #[serde(skip)]
    pub webhook_reset: Option<tokens::WebhookReset>,
}

/// A token ready for a call.
pub struct Attached {
    pub credential: Credential,
    /// When Monobank rejected the token, if it did; no call is made with it then.
    pub rejected_at: Option<i64>,
    /// The webhook monoweb registered for it, if any.
    pub webhook_url: Option<String>,
}

pub async fn status(ctx: &Context, user: UserId) -> Result<TokenStatus, TokenError> {
    let row = db::run(&ctx.pool, move |conn| Ok(tokens::find(conn, user)?))
        .await
        .map_err(TokenError::Store)?;
    Ok(match row {
        Some(row) => TokenStatus {
            connected: true,
            kind: Some(if row.kind == tokens::PROVIDER {
                tokens::PROVIDER
            } else {
                tokens::PERSONAL
            }),
            token_hint: (row.kind != tokens::PROVIDER).then(|| format!("…{}", row.last4)),
            created_at: Some(row.created_at),
            updated_at: Some(row.updated_at),
            verified: row.verified_at.is_some(),
            rejected_at: row.rejected_at,
            webhook_reset: row.webhook_reset(),
            webhook_url: row.webhook_url,
        },
        None => TokenStatus {
            connected: false,
            kind: None,
            token_hint: None,
            created_at: None,
            updated_at: None,
            verified: false,
            rejected_at: None,
            webhook_url: None,
            webhook_reset: None,
        },
    })
}

/// Seals `token` for `user` under the current key.
pub(crate) fn new_row<'a>(
    sealed: &'a Sealed,
    user: UserId,
    fingerprint: &'a str,
    last4: &'a str,
    now: i64,
    verified: bool,
) -> NewToken<'a> {
    NewToken {
        user_id: user.0,
        ciphertext: &sealed.ciphertext,
        nonce: &sealed.nonce,
        key_id: sealed.key_id,
        fingerprint,
        last4,
        created_at: now,
        updated_at: now,
        verified_at: verified.then_some(now),
        kind: tokens::PERSONAL,
    }
}

/// A token that was stored.
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    /// Monobank answered a call made with it; otherwise its minute was taken or Monobank could
    /// not be asked, and the first call the sync makes will tell.
    pub verified: bool,
}

/// Asks Monobank about a token before it is stored: one client-info call when the token's minute
/// is free. A token Monobank rejects is refused; the answer to an accepted one is kept (after the
/// token is stored) as the user's accounts.
async fn verify(
    ctx: &Context,
    user: UserId,
    token: &MonoToken,
    fp: &str,
) -> Result<Option<(Box<UserInfo>, i64)>, TokenError> {
    let credential = Credential {
        secret: Secret::Token(token.clone()),
        lane_key: fp.to_owned(),
    };
    match ctx
        .upstream
        .verify_token(user, &credential)
        .await
        .map_err(TokenError::Store)?
    {
        Verification::Accepted(info, at) => Ok(Some((info, at))),
        Verification::Rejected => {
            tracing::warn!("Monobank rejected a token offered for attaching; not stored");
            Err(TokenError::RejectedByMonobank)
        }
        Verification::NotVerified => Ok(None),
    }
}

/// Whether `fp`'s token cannot go to `user`: another user has it, or (when attaching a first
/// token) the user has one already.
fn taken(conn: &mut DbConnection, user: UserId, fp: &str, replacing: bool) -> QueryResult<bool> {
    let other_owner = tokens::owner_of(conn, fp)?.is_some_and(|owner| owner != user.0);
    Ok(other_owner || (!replacing && tokens::find(conn, user)?.is_some()))
}

/// Refuses a token that cannot go to `user`, then asks Monobank about it (see [`verify`]).
async fn check_new(
    ctx: &Context,
    user: UserId,
    token: &MonoToken,
    fp: &str,
    replacing: bool,
) -> Result<Option<(Box<UserInfo>, i64)>, TokenError> {
    let key = fp.to_owned();
    let is_taken = db::run(&ctx.pool, move |conn| {
        Ok(taken(conn, user, &key, replacing)?)
    })
    .await
    .map_err(TokenError::Store)?;
    if is_taken {
        return Err(TokenError::AlreadyAttached);
    }
    verify(ctx, user, token, fp).await
}

/// Stores the verification's answer as the user's accounts, once the token is stored.
async fn keep_answer(
    ctx: &Context,
    user: UserId,
    fingerprint: &str,
    answer: Option<(Box<UserInfo>, i64)>,
) {
    if let Some((info, at)) = answer {
        if let Err(e) = ctx
            .upstream
            .keep_client_info(user, fingerprint, &info, at)
            .await
        {
            tracing::warn!(error = %e, "could not keep the accounts read while verifying");
        }
    }
}

/// Attaches a first token. 409 when the user has one or another user has this one; 422 when
/// Monobank rejects it (see [`verify`]).
#[tracing::instrument(skip(ctx, token))]
pub async fn attach(ctx: &Context, user: UserId, token: MonoToken) -> Result<Stored, TokenError> {
    if !ctx.mono_mode.personal() {
        return Err(TokenError::PersonalOff);
    }
    let fp = fingerprint(&ctx.secret, &token);
    let answer = check_new(ctx, user, &token, &fp, false).await?;
    let verified = answer.is_some();
    let now = ctx.clock.now();
    let secret = ctx.secret.clone();
    let kept = fp.clone();
    let attached = db::run(&ctx.pool, move |conn| {
        crate::db::write_transaction(conn, |conn| {
            if taken(conn, user, &fp, false)? {
                return Ok(false);
            }
            let key_id = tokens::current_key(conn, now)?;
            let sealed = secret.seal(key_id, user.0, token.expose().as_bytes());
            let last4 = token.last4();
            tokens::insert(conn, &new_row(&sealed, user, &fp, &last4, now, verified))?;
            Ok(true)
        })
    })
    .await
    .map_err(TokenError::store)?;
    if !attached {
        return Err(TokenError::AlreadyAttached);
    }
    ctx.hot.forget_mono(user);
    keep_answer(ctx, user, &kept, answer).await;
    tracing::info!(verified, "Monobank token attached");
    ctx.sync.wake();
    Ok(Stored { verified })
}

/// Replaces the token. 404 when there is none; 409 when another user has the new one; 422 when
/// Monobank rejects it. The webhook monoweb set with the old token is removed and the old
/// snapshots forgotten.
#[tracing::instrument(skip(ctx, token))]
pub async fn replace(ctx: &Context, user: UserId, token: MonoToken) -> Result<Stored, TokenError> {
    if !ctx.mono_mode.personal() {
        return Err(TokenError::PersonalOff);
    }
    let old = load(ctx, user).await?;
    let fp = fingerprint(&ctx.secret, &token);
    let answer = check_new(ctx, user, &token, &fp, true).await?;
    let verified = answer.is_some();
    let now = ctx.clock.now();
    let secret = ctx.secret.clone();
    let kept = fp.clone();
    let replaced = db::run(&ctx.pool, move |conn| {
        crate::db::write_transaction(conn, |conn| {
            if taken(conn, user, &fp, true)? {
                return Ok(false);
            }
            let key_id = tokens::current_key(conn, now)?;
            let sealed = secret.seal(key_id, user.0, token.expose().as_bytes());
            let last4 = token.last4();
            tokens::replace(conn, &new_row(&sealed, user, &fp, &last4, now, verified))?;
            snapshots::delete_for_user(conn, user)?;
            crate::db::sync::forget(conn, user)?;
            Ok(true)
        })
    })
    .await
    .map_err(TokenError::store)?;
    if !replaced {
        return Err(TokenError::AlreadyAttached);
    }
    ctx.hot.forget_mono(user);
    keep_answer(ctx, user, &kept, answer).await;
    ctx.sync.wake();
    // The webhook belonged to the old token (and its record is cleared with it).
    unregister_webhook(ctx, &old).await;
    tracing::info!(verified, "Monobank token replaced");
    Ok(Stored { verified })
}

/// Removes the token, its snapshots and open lanes (one still closed stays closed: Monobank
/// still counts its last call), and the webhook monoweb registered with it.
#[tracing::instrument(skip(ctx))]
pub async fn remove(ctx: &Context, user: UserId) -> Result<(), TokenError> {
    let old = match load(ctx, user).await {
        Ok(old) => Some(old),
        // A row that no longer decrypts is still removable.
        Err(TokenError::NotAdded | TokenError::Unreadable) => None,
        Err(e) => return Err(e),
    };
    if let Some(old) = &old {
        unregister_webhook(ctx, old).await;
    }
    let fp = old.map(|o| o.credential.lane_key);
    let now = ctx.clock.now();
    let deleted = db::run(&ctx.pool, move |conn| {
        crate::db::write_transaction(conn, |conn| {
            // A connection still waiting in the Monobank app goes too.
            let deleted = tokens::delete(conn, user)? + crate::db::provider::delete(conn, user)?;
            snapshots::delete_for_user(conn, user)?;
            crate::db::sync::forget(conn, user)?;
            if let Some(fp) = &fp {
                lanes::forget(conn, fp, now)?;
            }
            Ok(deleted)
        })
    })
    .await
    .map_err(TokenError::Store)?;
    ctx.hot.forget_mono(user);
    if deleted == 0 {
        return Err(TokenError::NotAdded);
    }
    tracing::info!("Monobank token removed");
    Ok(())
}

/// Best effort: asks Monobank to forget the webhook monoweb registered. A failure is logged and
/// does not stop the token change.
async fn unregister_webhook(ctx: &Context, attached: &Attached) {
    if attached.webhook_url.is_none() {
        return;
    }
    match ctx.upstream.set_webhook(&attached.credential, "").await {
        Ok(()) => tracing::info!("webhook unregistered at Monobank"),
        Err(e) => tracing::warn!(error = %e, "could not unregister the webhook at Monobank"),
    }
}

/// The token, if Monobank has not rejected it: calls are made with a usable token only.
pub fn usable(attached: Attached) -> Result<Attached, TokenError> {
    match attached.rejected_at {
        Some(at) if attached.credential.secret.is_provider() => {
            Err(TokenError::AccessRevoked { at })
        }
        Some(at) => Err(TokenError::Rejected { at }),
        None => Ok(attached),
    }
}

/// The user's token, decrypted. A row that does not decrypt (copied from another user, or sealed
/// under a secret this instance does not have) counts as no token and is logged.
pub async fn load(ctx: &Context, user: UserId) -> Result<Attached, TokenError> {
    let row = db::run(&ctx.pool, move |conn| Ok(tokens::find(conn, user)?))
        .await
        .map_err(TokenError::Store)?;
    open_row(&ctx.secret, user, row)
}

/// Decrypts a token row read elsewhere (see [`load`]).
pub fn open_row(
    secret: &MasterSecret,
    user: UserId,
    row: Option<TokenRow>,
) -> Result<Attached, TokenError> {
    let row = row.ok_or(TokenError::NotAdded)?;
    open(secret, &row).ok_or_else(|| {
        tracing::error!(
            user_id = user.0,
            key_id = row.key_id,
            "a stored Monobank token does not decrypt"
        );
        TokenError::Unreadable
    })
}

fn open(secret: &MasterSecret, row: &TokenRow) -> Option<Attached> {
    let sealed = Sealed {
        ciphertext: row.ciphertext.clone(),
        nonce: row.nonce.clone(),
        key_id: row.key_id,
    };
    let plain = secret.open(&sealed, row.user_id)?;
    let text = std::str::from_utf8(&plain).ok()?;
    let secret = if row.kind == tokens::PROVIDER {
        Secret::Access(RequestId::parse(text).ok()?)
    } else {
        Secret::Token(MonoToken::parse(text).ok()?)
    };
    Some(Attached {
        credential: Credential {
            secret,
            lane_key: row.fingerprint.clone(),
        },
        rejected_at: row.rejected_at,
        webhook_url: row.webhook_url.clone(),
    })
}

/// Seals every token under a new key, in one transaction; returns (tokens re-sealed, new key id).
/// A token that does not decrypt is left as it is and reported.
pub fn rotate_keys(
    conn: &mut DbConnection,
    secret: &MasterSecret,
    now: i64,
) -> Result<(usize, i32, usize), StoreError> {
    crate::db::write_transaction(conn, |conn| {
        let key_id = tokens::add_key(conn, now)?;
        let (mut resealed, mut failed) = (0, 0);
        for row in tokens::all(conn)? {
            match open(secret, &row) {
                Some(attached) => {
                    let sealed = secret.seal(
                        key_id,
                        row.user_id,
                        attached.credential.secret.expose().as_bytes(),
                    );
                    tokens::reseal(conn, row.user_id, &sealed.ciphertext, &sealed.nonce, key_id)?;
                    resealed += 1;
                }
                None => {
                    tracing::error!(
                        user_id = row.user_id,
                        "token does not decrypt; left under its old key"
                    );
                    failed += 1;
                }
            }
        }
        // Pending provider requests are sealed alike.
        for row in crate::db::provider::all(conn)? {
            let sealed = Sealed {
                ciphertext: row.ciphertext.clone(),
                nonce: row.nonce.clone(),
                key_id: row.key_id,
            };
            match secret.open(&sealed, row.user_id) {
                Some(plain) => {
                    let sealed = secret.seal(key_id, row.user_id, &plain);
                    crate::db::provider::reseal(
                        conn,
                        row.user_id,
                        &sealed.ciphertext,
                        &sealed.nonce,
                        key_id,
                    )?;
                }
                None => {
                    // A request that cannot be opened cannot be finished: it is dropped.
                    crate::db::provider::delete(conn, UserId(row.user_id))?;
                }
            }
        }
        Ok((resealed, key_id, failed))
    })
}
