//! Webhook events in: which user a receiver secret names, whether an event's signature holds,
//! and storing the raw event with its transaction in one database transaction. The receiver
//! (`hooks`) only translates HTTP to these calls and their errors to answers.
//!
//! The checks, in order: the event's signature once Monobank's signing key is known (a missing
//! or bad one is refused and nothing is stored; an unknown key id first fetches the key again,
//! at most once a minute and for at most 2 s, so that Monobank's 5-s deadline holds); a
//! `StatementItem` event; UTF-8; an account or jar of the user. Only while no key was ever
//! obtained is an unsigned personal event kept, marked unsigned. Provider events are not
//! documented to be signed: one without `X-Sign` is kept marked unsigned until a statement fetch
//! confirms or removes it.

use std::sync::Arc;

use super::client_info::currency_of;
use super::receiver::secret_hash;
use super::sync::{self as worker, SyncHandle};
use super::Context;
use crate::crypto::MasterSecret;
use crate::db::transactions::{self, Source, TransactionRow};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots, sync};
use crate::upstream::Upstream;
use monobank::types::{WebhookEvent, STATEMENT_ITEM_EVENT};

/// How often the signing key is fetched again while it is known.
const KEY_REFRESH_SECS: u64 = 6 * 3_600;
/// How soon a key that could not be fetched is tried again.
const KEY_RETRY_SECS: u64 = 600;

/// Why an event was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No receiver has this secret (answered as any unknown path).
    #[error("no receiver has this secret")]
    UnknownReceiver,
    #[error("The event is not signed.")]
    Unsigned,
    #[error("The event is signed with an unknown key.")]
    UnknownKey,
    #[error("The signature does not match the body.")]
    BadSignature,
    #[error("The body is not a Monobank webhook event.")]
    NotAnEvent,
    #[error("Unknown event type; only {STATEMENT_ITEM_EVENT} is accepted.")]
    UnknownType,
    #[error("The body is not UTF-8.")]
    NotUtf8,
    /// The user's accounts have not been read yet: Monobank delivers the event again later.
    #[error("Try again later.")]
    AccountsNotRead,
    /// The event's account is not one of the user's.
    #[error("Unknown account.")]
    ForeignAccount,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for IngestError {
    fn from(err: diesel::result::Error) -> Self {
        IngestError::Store(err.into())
    }
}

/// What became of an event that was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    /// No user here can take it (the provider webhook only).
    Dropped,
}

/// The signature headers an event came with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Signature<'a> {
    /// `X-Sign`: the base64 ECDSA signature of the body.
    pub sign: Option<&'a str>,
    /// `X-Key-Id`: the id of the key it was made with.
    pub key_id: Option<&'a str>,
}

/// The user a receiver secret belongs to.
pub async fn owner(ctx: &Context, secret: &str) -> Result<UserId, IngestError> {
    if !crate::domain::is_receiver_secret(secret) {
        return Err(IngestError::UnknownReceiver);
    }
    let hash = secret_hash(secret);
    let row = db::run(&ctx.pool, move |conn| {
        Ok(crate::db::tokens::find_by_webhook_hash(conn, &hash)?)
    })
    .await?;
    row.map(|r| UserId(r.user_id))
        .ok_or(IngestError::UnknownReceiver)
}

/// The secret in the provider webhook's URL: derived from the master secret, so every instance
/// knows it without storing it.
fn provider_secret(secret: &MasterSecret) -> String {
    secret.fingerprint("monoweb provider webhook v1", b"")[..32].to_owned()
}

/// Whether `secret` is the provider webhook's (and provider mode is on).
pub fn is_provider_secret(ctx: &Context, secret: &str) -> bool {
    ctx.mono_mode.provider() && secret_hash(secret) == secret_hash(&provider_secret(&ctx.secret))
}

/// The provider webhook's URL (`monoweb provider webhook` and the start set it at the bank).
pub fn provider_webhook_url_of(secret: &MasterSecret, public_url: &url::Url) -> String {
    format!(
        "{}{}{}",
        public_url.as_str().trim_end_matches('/'),
        crate::domain::PROVIDER_HOOKS_PATH,
        provider_secret(secret)
    )
}

/// Whether a body sent to the provider webhook is an event: Monobank does not document the test
/// POST it sends when the webhook is set, so anything that is not a JSON object with a `type` is
/// taken for it (answered 200, nothing stored), and setting the webhook never fails on the body
/// the bank happens to send.
pub fn is_provider_event(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.as_object().is_some_and(|o| o.contains_key("type")))
}

/// Checks the body's signature (see the module's rules). `Ok(true)`: verified; `Ok(false)`: no
/// key was ever obtained, kept unsigned.
async fn verified(
    ctx: &Context,
    signature: Signature<'_>,
    body: &[u8],
) -> Result<bool, IngestError> {
    let refused = |reason: &'static str, err: IngestError| {
        tracing::warn!(reason, "webhook refused");
        err
    };
    let mut known = ctx.upstream.signing_key();
    let stale = match (&known, signature.key_id) {
        (None, _) => true,
        (Some((id, _)), Some(sent)) => id != sent,
        (Some(_), None) => false,
    };
    if stale {
        if let Err(e) = ctx.upstream.refresh_signing_key_quickly().await {
            tracing::info!(error = %e, "Monobank's webhook key could not be fetched");
        }
        known = ctx.upstream.signing_key();
    }
    let Some((id, key)) = known else {
        tracing::info!("a webhook arrived before Monobank's key was ever known; kept unsigned");
        return Ok(false);
    };
    let Some(sign) = signature.sign else {
        return Err(refused("unsigned", IngestError::Unsigned));
    };
    if signature.key_id.is_some_and(|sent| sent != id) {
        return Err(refused("unknown key id", IngestError::UnknownKey));
    }
    key.verify(body, sign)
        .map(|()| true)
        .map_err(|_| refused("bad signature", IngestError::BadSignature))
}

/// The provider-connected user an event's account belongs to; `None` when no connected user
/// (or more than one) has it.
async fn provider_owner(ctx: &Context, account: &str) -> Result<Option<UserId>, IngestError> {
    let account = account.to_owned();
    let users = db::run(&ctx.pool, move |conn| {
        Ok(crate::db::tokens::provider_users_with_account(
            conn, &account,
        )?)
    })
    .await?;
    Ok(match users.as_slice() {
        [user] => Some(UserId(*user)),
        [] => {
            tracing::warn!("provider webhook event dropped: no connected user has the account");
            None
        }
        _ => {
            tracing::warn!("provider webhook event dropped: several users have the account");
            None
        }
    })
}

/// Checks and stores one event for `user` (`None`: the provider webhook, routed by account).
pub async fn event(
    ctx: &Context,
    user: Option<UserId>,
    signature: Signature<'_>,
    body: &[u8],
) -> Result<Outcome, IngestError> {
    let signed = if user.is_none() && signature.sign.is_none() {
        false
    } else {
        verified(ctx, signature, body).await?
    };
    let event: WebhookEvent = serde_json::from_slice(body).map_err(|e| {
        tracing::warn!(error = %e, "webhook refused: not an event");
        IngestError::NotAnEvent
    })?;
    if event.kind != STATEMENT_ITEM_EVENT {
        tracing::warn!(kind = %event.kind, "webhook refused: unknown type");
        return Err(IngestError::UnknownType);
    }
    let text = String::from_utf8(body.to_vec()).map_err(|_| IngestError::NotUtf8)?;
    let now = ctx.clock.now();
    let account = event.data.account.clone();
    let user = match user {
        Some(user) => user,
        // An event nobody here can take (a user who disconnected here but not in the Monobank
        // app, an account not read yet) is dropped with a 200: an error would make the bank
        // retry it and, after three, switch off the webhook every provider user relies on.
        None => match provider_owner(ctx, &account).await? {
            Some(user) => user,
            None => return Ok(Outcome::Dropped),
        },
    };
    let source = if signed {
        Source::Webhook
    } else {
        Source::UnsignedWebhook
    };
    let row = TransactionRow::new(user, &account, &event.data.statement_item, source, now);
    let stored = db::run_with(&ctx.pool, move |conn| {
        db::write_transaction_with(conn, |conn| {
            let Some((info, _)) = snapshots::client_info(conn, user)? else {
                tracing::warn!("webhook deferred: the user's accounts have not been read yet");
                return Err(IngestError::AccountsNotRead);
            };
            if currency_of(&info, &account).is_none() {
                tracing::warn!("webhook refused: the account is not one of the user's");
                return Err(IngestError::ForeignAccount);
            }
            transactions::insert_event(conn, user, &row.id, &text, signed, now)?;
            let new = transactions::upsert(conn, &row)?;
            sync::note_event(conn, user, now)?;
            Ok(new)
        })
    })
    .await;
    match stored {
        Ok(new) => tracing::debug!(user_id = user.0, new, signed, "webhook event stored"),
        Err(e) => {
            // A genuine event was not stored: until the sync has fetched its time, the webhook
            // no longer vouches for completeness.
            worker::note_receiver_failure(ctx, user).await;
            return Err(e);
        }
    }
    Ok(Outcome::Stored)
}

/// Fetches the signing key now and then (never inside a request).
pub fn spawn_key_refresh(upstream: Arc<Upstream>, stop: SyncHandle) {
    tokio::spawn(async move {
        loop {
            let wait = match upstream.refresh_signing_key().await {
                Ok(_) if upstream.signing_key().is_some() => KEY_REFRESH_SECS,
                Ok(_) => KEY_RETRY_SECS,
                Err(e) => {
                    tracing::info!(error = %e, "Monobank's webhook key is not available yet");
                    KEY_RETRY_SECS
                }
            };
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(wait)) => {}
                () = stop.until_stopped() => return,
            }
        }
    });
}

/// Makes sure the bank sends the provider's events to this deployment's provider webhook: at
/// start, once the server listens (the bank tests the URL with a POST), then every six hours in
/// case it was changed or switched off. A failure is logged and tried again after 5 s, then
/// twice as long each time up to ten minutes.
pub fn spawn_provider_webhook(ctx: Arc<Context>) {
    tokio::spawn(async move {
        // The bank's test POST must find the server listening.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let mut retry = 5;
        loop {
            let url = provider_webhook_url_of(&ctx.secret, &ctx.public_url);
            let wait = match ctx.upstream.ensure_corp_webhook(&url).await {
                Ok(set) => {
                    if set {
                        tracing::info!("provider webhook set at Monobank");
                    }
                    retry = 5;
                    KEY_REFRESH_SECS
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not set the provider webhook at Monobank");
                    let wait = retry;
                    retry = (retry * 2).min(KEY_RETRY_SECS);
                    wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(wait)) => {}
                () = ctx.sync.until_stopped() => return,
            }
        }
    });
}
