//! Taking the webhook back: a stolen session or write key can point the user's Monobank webhook
//! at any URL, and every new transaction then flows there. A password change, "log out other
//! sessions" and an admin's disable end what such a thief holds, so they also point a webhook
//! that does not go to monoweb's own receiver back at it (or remove it when that fails), and
//! record the change for the `/webhook` page.

use super::tokens::{self, TokenError};
use super::{receiver, sync, Context};
use crate::db::tokens::{self as token_rows, WebhookReset, RESET_REMOVED, RESET_TO_OWN};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self};

/// What became of the user's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to take back: no token, a provider connection, no webhook, monoweb's own
    /// receiver already, or a token Monobank rejected (it sends nothing).
    Untouched,
    /// The webhook that went to `from` now goes to monoweb's own receiver.
    Own { from: String },
    /// The webhook that went to `from` is removed (monoweb's receiver could not be registered).
    Removed { from: String },
    /// Monobank could not be asked or refused both: the webhook still goes to `from`.
    Failed { from: String },
    /// The store failed before it was known where the webhook goes (logged).
    Unchecked,
}

/// Points a webhook registered elsewhere back at monoweb's receiver, else removes it, and records
/// it with `cause` (one of [`token_rows::CAUSE_PASSWORD`], `CAUSE_SESSIONS`, `CAUSE_DISABLED`).
/// It runs after the change that calls for it has been made, so it never fails that change: a
/// store error is logged and answered as [`Outcome::Unchecked`] (or `Failed`, once the webhook's
/// URL is known).
#[tracing::instrument(skip(ctx))]
pub async fn reclaim(ctx: &Context, user: UserId, cause: &'static str) -> Outcome {
    match take_back(ctx, user, cause).await {
        Ok(outcome) => outcome,
        Err((e, from)) => {
            tracing::error!(error = %e, "could not check or record where the webhook goes");
            from.map_or(Outcome::Unchecked, |from| Outcome::Failed { from })
        }
    }
}

/// [`reclaim`]'s steps; an error comes with the webhook's URL once it is known.
async fn take_back(
    ctx: &Context,
    user: UserId,
    cause: &'static str,
) -> Result<Outcome, (StoreError, Option<String>)> {
    let attached = match tokens::load(ctx, user).await {
        Ok(attached) => attached,
        Err(TokenError::NotAdded | TokenError::Unreadable) => return Ok(Outcome::Untouched),
        Err(TokenError::Store(e)) => return Err((e, None)),
        Err(e) => return Err((StoreError::internal(e), None)),
    };
    let Some(from) = attached.webhook_url.clone() else {
        return Ok(Outcome::Untouched);
    };
    if attached.credential.secret.is_provider()
        || attached.rejected_at.is_some()
        || from == receiver::own_prefix(ctx)
    {
        return Ok(Outcome::Untouched);
    }
    let (outcome, to) = match sync::register_own_webhook(ctx, user).await {
        Ok(()) => (Outcome::Own { from: from.clone() }, RESET_TO_OWN),
        Err(e) => {
            tracing::warn!(error = %e, "monoweb's receiver could not take the webhook back");
            match ctx.upstream.set_webhook(&attached.credential, "").await {
                Ok(()) => {
                    db::run(&ctx.pool, move |conn| {
                        Ok(token_rows::set_webhook(conn, user, None, None)?)
                    })
                    .await
                    .map_err(|e| (e, Some(from.clone())))?;
                    (Outcome::Removed { from: from.clone() }, RESET_REMOVED)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the webhook could not be removed at Monobank");
                    return Ok(Outcome::Failed { from });
                }
            }
        }
    };
    let reset = WebhookReset {
        at: ctx.clock.now(),
        cause: cause.to_owned(),
        from,
        to: to.to_owned(),
    };
    // The change is made; a record that cannot be written only loses the note on /webhook.
    let recorded = db::run(&ctx.pool, move |conn| {
        Ok(token_rows::record_webhook_reset(conn, user, &reset)?)
    })
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, "the webhook was taken back but the note was not recorded");
    }
    tracing::info!(to, "the webhook was taken back from another URL");
    Ok(outcome)
}

impl Outcome {
    /// One sentence about `whose` webhook ("Your", "alice's"), if anything happened.
    pub fn sentence(&self, whose: &str) -> Option<String> {
        match self {
            Self::Untouched => None,
            Self::Own { from } => Some(format!(
                "{whose} Monobank webhook went to {from}; it now goes to monoweb's own receiver."
            )),
            Self::Removed { from } => Some(format!(
                "{whose} Monobank webhook went to {from}; it is now removed."
            )),
            Self::Failed { from } => Some(format!(
                "{whose} Monobank webhook still goes to {from}: Monobank could not be asked to \
                 take it back. Choose monoweb's own receiver on the Webhook page."
            )),
            Self::Unchecked => Some(format!(
                "{whose} Monobank webhook could not be checked; look on the Webhook page."
            )),
        }
    }
}
