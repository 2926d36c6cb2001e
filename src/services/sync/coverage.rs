//! Webhook coverage: since when monoweb's own receiver brings every operation, what cuts it
//! (downtime, a lost event, Monobank switching the webhook off), and registering the receiver.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;

use super::fetch::read_accounts;
use super::DELIVERY_MARGIN_SECS;
use crate::db::sync;
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self, snapshots};
use crate::services::mono::{self, ViewError};
use crate::services::receiver::{own_prefix, secret_hash};
use crate::services::tokens::{self, Attached, TokenError};
use crate::services::Context;
use monobank::types::UserInfo;

/// Cuts `user`'s webhook coverage. When it is known to have worked until `worked_until`, what
/// the confirmed coverage held until then (less [`DELIVERY_MARGIN_SECS`]) stays covered as
/// fetched; a `kind` gap is recorded, and the coverage becomes `next` (`Some((from,
/// confirmed))`, or none).
pub(super) fn cut_coverage(
    conn: &mut crate::db::DbConnection,
    user: UserId,
    kind: &str,
    worked_until: Option<i64>,
    next: Option<(i64, bool)>,
    now: i64,
) -> Result<(), StoreError> {
    let held = sync::user(conn, user)?.and_then(|u| u.held_since());
    let fold_to = worked_until.map(|t| (t - DELIVERY_MARGIN_SECS).min(now - 1));
    let mut gap_from = held.unwrap_or(now);
    if let (Some(from), Some(to)) = (held, fold_to) {
        if from <= to {
            sync::fold_held(conn, user, from, to)?;
            gap_from = to + 1;
        }
    }
    sync::set_held(conn, user, next.map(|n| n.0), next.is_some_and(|n| n.1))?;
    sync::record_gap(conn, user, kind, (gap_from.min(now), now), now)?;
    Ok(())
}

/// After a client-info read: whether it still shows monoweb's receiver. If so, the coverage is
/// confirmed (or starts, for a receiver registered before monoweb kept coverage); if Monobank
/// switched it off, the coverage is cut and the receiver registered again.
pub(super) async fn check_receiver(
    ctx: &Context,
    user: UserId,
    attached: &Attached,
    fresh: &UserInfo,
    checked_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    let prefix = own_prefix(ctx);
    let shown_own = fresh.web_hook_url.starts_with(&prefix);
    let key = attached.credential.lane_key.clone();
    let lost = db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            sync::webhook_checked(conn, user, now)?;
            // Whether monoweb's receiver is still the one on record: the user may have
            // set another URL while this call was on its way.
            let own = crate::db::tokens::find(conn, user)?
                .is_some_and(|t| t.webhook_url.as_deref() == Some(prefix.as_str()));
            let still_own = own && shown_own;
            let since = if checked_at > 0 { checked_at } else { now };
            if still_own {
                if sync::user(conn, user)?.is_some_and(|u| u.held_from.is_some()) {
                    sync::confirm_held(conn, user)?;
                } else {
                    // Registered before monoweb kept webhook coverage (an upgrade):
                    // it holds from now on; what came before is a gap.
                    sync::set_held(conn, user, Some(now + 1), true)?;
                    sync::record_gap(conn, user, "registered", (since, now), now)?;
                }
            } else if own {
                // Deliveries since the last check (and a while before) may be lost.
                let worked = (checked_at > 0).then_some(checked_at);
                cut_coverage(conn, user, "switched_off", worked, None, now)?;
            }
            Ok(own && !still_own)
        })
    })
    .await?
    .unwrap_or(false);
    if lost {
        tracing::warn!("Monobank switched monoweb's webhook off; registering it again");
        if let Err(e) = register_own_webhook(ctx, user).await {
            tracing::warn!(error = %e, "could not register monoweb's webhook again");
        }
    }
    Ok(())
}

/// A genuine event could not be stored: webhook coverage is cut at now (a `receiver_failed`
/// gap) until client-info confirms the receiver, and the gap is fetched. Logged when even that
/// cannot be written (the database is down).
pub async fn note_receiver_failure(ctx: &Context, user: UserId) {
    let now = ctx.clock.now();
    let noted = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if sync::user(conn, user)?.is_some_and(|u| u.held_from.is_some()) {
                let next = Some((now + 1, false));
                cut_coverage(conn, user, "receiver_failed", Some(now), next, now)?;
                sync::webhook_checked(conn, user, 0)?;
            }
            Ok(())
        })
    })
    .await;
    if let Err(e) = noted {
        tracing::error!(error = %e, "could not note that a webhook event was lost");
    }
    ctx.sync.wake();
}

/// Registers monoweb's own receiver for `user` with a new secret (the previous one stops
/// working). The secret's hash is stored before Monobank is asked, because Monobank checks the
/// URL with a GET while it registers it; on failure the previous record is put back.
#[tracing::instrument(skip(ctx))]
pub async fn register_own_webhook(ctx: &Context, user: UserId) -> Result<(), ViewError> {
    let attached = tokens::usable(tokens::load(ctx, user).await?)?;
    if attached.credential.secret.is_provider() {
        return Err(ViewError::ProviderWebhook);
    }
    let has_accounts = db::run(&ctx.pool, move |conn| {
        Ok(snapshots::get(conn, user, snapshots::CLIENT_INFO)?.is_some())
    })
    .await?;
    if !has_accounts {
        // Events are checked against the accounts: read them first (or wait for the read
        // already on its way).
        if read_accounts(ctx, user, &attached).await?.is_none() {
            ctx.upstream.await_client_info(user).await?;
        }
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let prefix = own_prefix(ctx);
    let hash = secret_hash(&secret);
    let key = attached.credential.lane_key.clone();
    let (previous_url, previous_hash) = db::run(&ctx.pool, {
        let (prefix, key) = (prefix.clone(), key.clone());
        move |conn| {
            db::write_transaction(conn, |conn| {
                let Some(row) =
                    crate::db::tokens::find(conn, user)?.filter(|row| row.fingerprint == key)
                else {
                    return Ok(None);
                };
                crate::db::tokens::set_webhook(conn, user, Some(&prefix), Some(&hash))?;
                Ok(Some((row.webhook_url, row.webhook_secret_hash)))
            })
        }
    })
    .await?
    .ok_or(TokenError::NotAdded)?;
    let result = mono::call_set_webhook(ctx, &attached, &format!("{prefix}{secret}")).await;
    // The token may have been removed or replaced while Monobank was asked: then nothing of this
    // registration is written onto what took its place.
    if let Err(e) = result {
        let key = key.clone();
        db::run(&ctx.pool, move |conn| {
            crate::db::tokens::while_attached(conn, user, &key, |conn| {
                let (url, hash) = (previous_url.as_deref(), previous_hash.as_deref());
                Ok(crate::db::tokens::set_webhook(conn, user, url, hash)?)
            })
        })
        .await?;
        return Err(e);
    }
    // From the next second on, every operation arrives here; what happened before is a gap
    // the sync fetches first.
    let now = ctx.clock.now();
    let current = db::run(&ctx.pool, move |conn| {
        crate::db::tokens::while_attached(conn, user, &key, |conn| {
            let since = sync::accounts(conn, user)?
                .iter()
                .filter(|r| !r.closed && r.synced_from <= r.synced_to)
                .map(|r| r.synced_to + 1)
                .min()
                .unwrap_or(now)
                .min(now);
            sync::set_held(conn, user, Some(now + 1), true)?;
            sync::record_gap(conn, user, "registered", (since, now), now)?;
            Ok(())
        })
    })
    .await?;
    if current.is_none() {
        return Err(TokenError::NotAdded.into());
    }
    tracing::info!("monoweb's own webhook registered at Monobank");
    ctx.sync.wake();
    Ok(())
}
