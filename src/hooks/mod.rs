//! The inbound webhook receiver, `/hooks/mono/{secret}` (`docs/security.md`, S22, S23, S29).
//!
//! GET answers 200 for a known secret (Monobank's check when the URL is registered). POST checks
//! the event (at most 64 KiB, JSON, type `StatementItem`, an account or jar of the secret's
//! user, a valid `X-Sign` once Monobank's key is known), then stores the raw event and the
//! transaction in one database transaction and answers 200. Its only call to Monobank is a
//! fetch of the signing key when none is known yet or an event names a key id it does not know
//! (at most once a minute, given up after 2 s so that Monobank's 5-s deadline holds). An unknown secret is the same 404 as any unknown path. The path is kept out of the logs (see `telemetry::RootSpan`).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::crypto::MasterSecret;
use crate::db::transactions::{self, Source, TransactionRow};
use crate::db::users::UserId;
use crate::db::{self, snapshots, sync};
use crate::http::error::AppError;
use crate::services::receiver::secret_hash;
use crate::services::Context;
use crate::upstream::Upstream;
use monobank::types::{WebhookEvent, STATEMENT_ITEM_EVENT};

/// How often the signing key is fetched again while it is known.
const KEY_REFRESH_SECS: u64 = 6 * 3_600;
/// How soon a key that could not be fetched is tried again.
const KEY_RETRY_SECS: u64 = 600;

/// Fetches the signing key now and then (never inside a request).
pub fn spawn_key_refresh(upstream: Arc<Upstream>, stop: crate::services::sync::SyncHandle) {
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
pub fn spawn_provider_webhook(state: Arc<Context>) {
    tokio::spawn(async move {
        // The bank's test POST must find the server listening.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        // After a failure, again in 5 s, then twice as long each time, up to ten minutes.
        let mut retry = 5;
        loop {
            let url = provider_webhook_url(&state);
            let wait = match state.upstream.ensure_corp_webhook(&url).await {
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
                () = state.sync.until_stopped() => return,
            }
        }
    });
}

/// The user a secret belongs to, or the 404 of an unknown path.
async fn owner(state: &Context, secret: &str) -> Result<UserId, AppError> {
    if !crate::domain::is_receiver_secret(secret) {
        return Err(AppError::NotFound);
    }
    let hash = secret_hash(secret);
    let row = db::run(&state.pool, move |conn| {
        Ok(crate::db::tokens::find_by_webhook_hash(conn, &hash)?)
    })
    .await?;
    row.map(|r| UserId(r.user_id)).ok_or(AppError::NotFound)
}

/// `GET /hooks/mono/{secret}`: 200 for Monobank's check.
pub async fn check(
    state: web::Data<Context>,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    owner(&state, &secret).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Checks the body's signature. Once Monobank's signing key is known, every event must carry a
/// valid `X-Sign`: a missing or bad signature is refused (400, logged, nothing stored), and an
/// unknown `X-Key-Id` first makes the gateway fetch the key again (one caller at a time, at most
/// once a minute). Only while no key was ever obtained is an unsigned event accepted:
/// `Ok(false)`, stored marked unsigned. `Ok(true)`: verified.
async fn signature(state: &Context, req: &HttpRequest, body: &[u8]) -> Result<bool, AppError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let refused = |reason: &'static str, message: &str| {
        tracing::warn!(reason, "webhook refused");
        AppError::BadRequest(message.to_owned())
    };
    let mut known = state.upstream.signing_key();
    let key_id = header("X-Key-Id");
    let stale = match (&known, key_id) {
        (None, _) => true,
        (Some((id, _)), Some(sent)) => id != sent,
        (Some(_), None) => false,
    };
    if stale {
        if let Err(e) = state.upstream.refresh_signing_key_quickly().await {
            tracing::info!(error = %e, "Monobank's webhook key could not be fetched");
        }
        known = state.upstream.signing_key();
    }
    let Some((id, key)) = known else {
        tracing::info!("a webhook arrived before Monobank's key was ever known; kept unsigned");
        return Ok(false);
    };
    let Some(sign) = header("X-Sign") else {
        return Err(refused("unsigned", "The event is not signed."));
    };
    if key_id.is_some_and(|sent| sent != id) {
        return Err(refused(
            "unknown key id",
            "The event is signed with an unknown key.",
        ));
    }
    key.verify(body, sign)
        .map(|()| true)
        .map_err(|_| refused("bad signature", "The signature does not match the body."))
}

/// `POST /hooks/mono/{secret}`: stores the event, answers 200.
pub async fn receive(
    state: web::Data<Context>,
    secret: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let answer = async {
        let user = owner(&state, &secret).await?;
        store_event(&state, Some(user), &req, &body).await
    }
    .await;
    counted(answer)
}

/// What became of an event that was answered 200.
enum Outcome {
    Stored,
    /// No user here can take it (the provider webhook only).
    Dropped,
}

/// Counts the event (`webhook_events_total{outcome}`) and answers it.
fn counted(answer: Result<Outcome, AppError>) -> Result<HttpResponse, AppError> {
    let outcome = match &answer {
        Ok(Outcome::Stored) => "stored",
        Ok(Outcome::Dropped) => "dropped",
        Err(_) => "refused",
    };
    metrics::counter!("webhook_events_total", "outcome" => outcome).increment(1);
    answer.map(|_| HttpResponse::Ok().finish())
}

/// The secret in the provider webhook's URL: derived from the master secret, so every instance
/// knows it without storing it.
fn provider_secret(secret: &MasterSecret) -> String {
    secret.fingerprint("monoweb provider webhook v1", b"")[..32].to_owned()
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

fn provider_webhook_url(state: &Context) -> String {
    provider_webhook_url_of(&state.secret, &state.public_url)
}

/// `POST /hooks/provider/{secret}`: the provider webhook, one for every provider-connected
/// user. The bank's test POST (anything but a JSON object with a `type`) gets 200; an event is routed to the user
/// whose accounts include its account and checked and stored like a personal one.
pub async fn receive_provider(
    state: web::Data<Context>,
    secret: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if !state.mono_mode.provider()
        || secret_hash(&secret) != secret_hash(&provider_secret(&state.secret))
    {
        return Err(AppError::NotFound);
    }
    // Monobank does not document the test POST it sends when the webhook is set: anything that
    // is not a JSON object with a `type` is taken for it (answered 200, nothing stored), so
    // setting the webhook never fails on the body the bank happens to send.
    let is_event = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .is_some_and(|v| v.as_object().is_some_and(|o| o.contains_key("type")));
    if !is_event {
        tracing::info!("provider webhook test POST answered");
        return Ok(HttpResponse::Ok().finish());
    }
    counted(store_event(&state, None, &req, &body).await)
}

/// The provider-connected user an event's account belongs to; `None` when no connected user
/// (or more than one) has it.
async fn provider_owner(state: &Context, account: &str) -> Result<Option<UserId>, AppError> {
    let account = account.to_owned();
    let users = db::run(&state.pool, move |conn| {
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
async fn store_event(
    state: &Context,
    user: Option<UserId>,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Outcome, AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !is_json {
        return Err(AppError::UnsupportedMediaType);
    }
    // Provider events are not documented to be signed: one without `X-Sign` is kept marked
    // unsigned (the statement confirms or removes it); one with a signature is checked.
    let signed = if user.is_none() && !req.headers().contains_key("X-Sign") {
        false
    } else {
        signature(state, req, body).await?
    };
    let event: WebhookEvent = serde_json::from_slice(body).map_err(|e| {
        tracing::warn!(error = %e, "webhook refused: not an event");
        AppError::BadRequest("The body is not a Monobank webhook event.".into())
    })?;
    if event.kind != STATEMENT_ITEM_EVENT {
        tracing::warn!(kind = %event.kind, "webhook refused: unknown type");
        return Err(AppError::BadRequest(format!(
            "Unknown event type; only {STATEMENT_ITEM_EVENT} is accepted."
        )));
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::BadRequest("The body is not UTF-8.".into()))?;
    let now = state.clock.now();
    let account = event.data.account.clone();
    let user = match user {
        Some(user) => user,
        // An event nobody here can take (a user who disconnected here but not in the Monobank
        // app, an account not read yet) is dropped with a 200: an error would make the bank
        // retry it and, after three, switch off the webhook every provider user relies on.
        None => match provider_owner(state, &account).await? {
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
    let stored = db::run_with(&state.pool, move |conn| {
        db::write_transaction_with(conn, |conn| {
            let Some((info, _)) = snapshots::client_info(conn, user)? else {
                // The accounts are not known yet: Monobank will deliver it again later.
                tracing::warn!("webhook deferred: the user's accounts have not been read yet");
                return Err(AppError::Unavailable("Try again later.".into()));
            };
            if crate::services::client_info::currency_of(&info, &account).is_none() {
                tracing::warn!("webhook refused: the account is not one of the user's");
                return Err(AppError::Forbidden("Unknown account.".into()));
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
            crate::services::sync::note_receiver_failure(state, user).await;
            return Err(e);
        }
    }
    Ok(Outcome::Stored)
}
