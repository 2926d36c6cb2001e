//! The inbound webhook receivers, `/hooks/mono/{secret}` and `/hooks/provider/{secret}`
//! (`docs/security.md`, S22, S23, S29): HTTP in and out around [`crate::services::ingest`],
//! which checks and stores the events.
//!
//! GET answers 200 for a known secret (Monobank's check when the URL is registered). POST takes
//! a JSON body (anything else is 415; over 64 KiB, 413), hands it to the ingest service with its
//! `X-Sign` and `X-Key-Id`, and answers 200 once it is stored; a refused event is 400, one for
//! an account that is not the user's 403, one that came before the user's accounts were read
//! 503 (Monobank delivers it again). An unknown secret is the same 404 as any unknown path. The
//! path is kept out of the logs (see `http::span::RootSpan`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::error::AppError;
use crate::services::ingest::{self, IngestError, Outcome, Signature};
use crate::services::Context;

/// The ingest service's refusals as answers.
impl From<IngestError> for AppError {
    fn from(err: IngestError) -> Self {
        use IngestError as E;
        match err {
            E::UnknownReceiver => AppError::NotFound,
            E::Unsigned
            | E::UnknownKey
            | E::BadSignature
            | E::NotAnEvent
            | E::UnknownType
            | E::NotUtf8 => AppError::BadRequest(err.to_string()),
            E::AccountsNotRead => AppError::Unavailable(err.to_string()),
            E::ForeignAccount => AppError::Forbidden(err.to_string()),
            E::Store(e) => e.into(),
        }
    }
}

/// `GET /hooks/mono/{secret}`: 200 for Monobank's check.
pub async fn check(
    state: web::Data<Context>,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ingest::owner(&state, &secret).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /hooks/mono/{secret}`: stores the event, answers 200.
pub async fn receive(
    state: web::Data<Context>,
    secret: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let answer = async {
        let user = ingest::owner(&state, &secret).await?;
        take(&state, Some(user), &req, &body).await
    }
    .await;
    counted(answer)
}

/// `POST /hooks/provider/{secret}`: the provider webhook, one for every provider-connected
/// user. The bank's test POST (anything but a JSON object with a `type`) gets 200; an event is
/// routed to the user whose accounts include its account and checked and stored like a
/// personal one.
pub async fn receive_provider(
    state: web::Data<Context>,
    secret: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if !ingest::is_provider_secret(&state, &secret) {
        return Err(AppError::NotFound);
    }
    if !ingest::is_provider_event(&body) {
        tracing::info!("provider webhook test POST answered");
        return Ok(HttpResponse::Ok().finish());
    }
    counted(take(&state, None, &req, &body).await)
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

/// A JSON body with its signature headers, to the ingest service.
async fn take(
    state: &Context,
    user: Option<crate::db::users::UserId>,
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
    // A header that is not text is sent but cannot be right: it is checked (and fails) as an
    // empty one, never taken for a missing one.
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default())
    };
    let signature = Signature {
        sign: header("X-Sign"),
        key_id: header("X-Key-Id"),
    };
    Ok(ingest::event(state, user, signature, body).await?)
}
