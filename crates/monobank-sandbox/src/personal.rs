//! The fake Mono API itself: `/bank/currency`, `/bank/sync`, `/personal/client-info`,
//! `/personal/statement/…` and `/personal/webhook`, with Mono's errors and 60-s limits.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::provider::{self, Refusal};
use super::{json_answer, mono_error, webhooks, Inner, Shared};
use monobank::statement::{MAX_WINDOW_SECS, PAGE_SIZE};
use monobank::types::{BankSync, StatementItem, WebhookRequest};

/// Seconds of Mono time between two calls on one lane.
const LANE_SECS: i64 = 60;

pub async fn currency(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &shared.rates)
}

pub async fn sync(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &{
        let mut built = BankSync::default();
        built.server_key_id = shared.key_id.clone();
        built.server_pub_key = shared.keys.public_base64();
        built.server_time_msec = shared.clock.now_ms();
        built
    })
}

/// The client whose personal token the request carries, or, for a call signed by a provider,
/// the client who granted its request id; Mono's error otherwise.
fn client_of(shared: &Shared, inner: &Inner, req: &HttpRequest) -> Result<usize, Refusal> {
    let token = req.headers().get("X-Token").and_then(|v| v.to_str().ok());
    if token.is_none() && req.headers().contains_key("X-Key-Id") {
        return provider::client_of(shared, inner, req);
    }
    let Some(token) = token else {
        return Err(Refusal(
            StatusCode::UNAUTHORIZED,
            "Missing one of required headers 'X-Token' or 'X-Key-Id'".into(),
        ));
    };
    inner
        .clients
        .iter()
        .position(|c| c.token == token)
        .ok_or(Refusal(StatusCode::FORBIDDEN, "Unknown 'X-Token'".into()))
}

/// Takes the (token, endpoint) lane, or answers 429 like Mono.
fn take_lane(
    shared: &Shared,
    inner: &mut Inner,
    client: usize,
    endpoint: &'static str,
) -> Result<(), Refusal> {
    let now = shared.clock.now_ms();
    let key = (inner.clients[client].token.clone(), endpoint);
    let next = inner.lanes.get(&key).copied().unwrap_or(i64::MIN);
    if now < next {
        return Err(Refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests".into(),
        ));
    }
    inner.lanes.insert(key, now + shared.scaled_ms(LANE_SECS));
    Ok(())
}

pub async fn client_info(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let mut inner = shared.lock();
    let client = match client_of(&shared, &inner, &req) {
        Ok(client) => client,
        Err(refusal) => return refusal.into(),
    };
    if let Err(refusal) = take_lane(&shared, &mut inner, client, "client-info") {
        return refusal.into();
    }
    inner.info_calls += 1;
    let mut info = inner.clients[client].info.clone();
    // Mono's account order is not stable between calls; neither is ours.
    let len = info.accounts.len().max(1);
    info.accounts.rotate_left(inner.info_calls % len);
    json_answer(StatusCode::OK, &info)
}

pub async fn statement(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<Vec<String>>,
) -> HttpResponse {
    let mut inner = shared.lock();
    let client = match client_of(&shared, &inner, &req) {
        Ok(client) => client,
        Err(refusal) => return refusal.into(),
    };
    if let Err(refusal) = take_lane(&shared, &mut inner, client, "statement") {
        return refusal.into();
    }
    let parts = path.into_inner();
    let number = |i: usize| parts.get(i).map(|p| p.parse::<i64>());
    let from = match number(1) {
        Some(Ok(from)) => from,
        _ => return mono_error(StatusCode::BAD_REQUEST, "invalid 'from' value"),
    };
    let to = match number(2) {
        None => shared.clock.now(),
        Some(Ok(to)) => to,
        Some(Err(_)) => return mono_error(StatusCode::BAD_REQUEST, "invalid 'to' value"),
    };
    if to < from {
        return mono_error(StatusCode::BAD_REQUEST, "'to' must not be before 'from'");
    }
    if to - from > MAX_WINDOW_SECS {
        return mono_error(
            StatusCode::BAD_REQUEST,
            "Period must be no more than 31 days",
        );
    }
    let data = &inner.clients[client];
    let account = match parts.first().map(String::as_str) {
        Some("0") => data.default_account().map(str::to_owned),
        Some(id) => Some(id.to_owned()),
        None => None,
    };
    let Some(ledger) = account.as_deref().and_then(|id| data.ledger(id)) else {
        return mono_error(StatusCode::BAD_REQUEST, "invalid account");
    };
    let page: Vec<&StatementItem> = ledger
        .iter()
        .rev()
        .filter(|item| (from..=to).contains(&item.time))
        .take(PAGE_SIZE)
        .collect();
    json_answer(StatusCode::OK, &page)
}

pub async fn set_webhook(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // A provider has one webhook for all its users (`/personal/corp/webhook`), not one per user.
    if !req.headers().contains_key("X-Token") && req.headers().contains_key("X-Key-Id") {
        return mono_error(
            StatusCode::FORBIDDEN,
            "Providers set their webhook with /personal/corp/webhook",
        );
    }
    let client = {
        let inner = shared.lock();
        match client_of(&shared, &inner, &req) {
            Ok(client) => client,
            Err(refusal) => return refusal.into(),
        }
    };
    let Ok(request) = serde_json::from_slice::<WebhookRequest>(&body) else {
        return mono_error(
            StatusCode::BAD_REQUEST,
            "invalid request body: expected {\"webHookUrl\": \"...\"}",
        );
    };
    let url = request.web_hook_url;
    if !url.is_empty() {
        if let Err(reason) = webhooks::verify_url(&shared, &url).await {
            return mono_error(
                StatusCode::BAD_REQUEST,
                &format!("webHookUrl check failed: {reason}"),
            );
        }
    }
    shared.lock().clients[client].info.web_hook_url = url;
    // Mono's body is unspecified; any 200 is success.
    json_answer(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}
