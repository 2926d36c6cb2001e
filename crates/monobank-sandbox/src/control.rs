//! The sandbox's own side: the gate in front of the fake Mono API (fault injection and the call
//! log) and the `/sandbox/*` control endpoints tests and demos use.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{
    json_answer, mono_error, token_lines, webhooks, Call, FaultMode, Faults, Shared, MAX_CALLS,
};
use monobank::types::{StatementItem, WebhookData, WebhookEvent, STATEMENT_ITEM_EVENT};

/// Middleware on the Mono API: applies the injected fault, then logs the call with its status.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(shared) = req.app_data::<web::Data<Shared>>().cloned() else {
        return Ok(req.into_response(HttpResponse::InternalServerError().finish()));
    };
    let at_ms = shared.clock.now_ms();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let token_hint = req
        .headers()
        .get("X-Token")
        .and_then(|v| v.to_str().ok())
        .map(|t| {
            t.chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect()
        });
    let faults = shared.lock().faults;
    let res = match faults.mode {
        FaultMode::None => next.call(req).await?.map_into_boxed_body(),
        FaultMode::Latency => {
            tokio::time::sleep(std::time::Duration::from_millis(faults.ms)).await;
            next.call(req).await?.map_into_boxed_body()
        }
        FaultMode::Error500 => req.into_response(mono_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")),
        FaultMode::Garbage => req.into_response(
            HttpResponse::Ok()
                .content_type("application/json; charset=utf-8")
                .body(r#"[{"currencyCodeA":840,"currencyCodeB":980,"rateB"#),
        ),
        FaultMode::Edge403 => req.into_response(
            HttpResponse::Forbidden()
                .content_type("text/html")
                .body("<html><head><title>403 Forbidden</title></head><body><h1>Access denied</h1></body></html>"),
        ),
        FaultMode::Ratelimit => req.into_response(mono_error(StatusCode::TOO_MANY_REQUESTS, "Too many requests")),
        FaultMode::Badrequest if path.starts_with("/personal/statement") => {
            req.into_response(mono_error(StatusCode::BAD_REQUEST, "Request failed, try later"))
        }
        FaultMode::Badrequest => next.call(req).await?.map_into_boxed_body(),
    };
    let mut inner = shared.lock();
    if inner.calls.len() >= MAX_CALLS {
        inner.calls.pop_front();
    }
    inner.calls.push_back(Call {
        method,
        path,
        token_hint,
        at_ms,
        status: res.status().as_u16(),
    });
    drop(inner);
    Ok(res)
}

/// `GET /sandbox/tokens`.
pub async fn tokens(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &token_lines(&shared.lock().clients))
}

/// `GET /sandbox/calls`.
pub async fn calls(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &shared.lock().calls)
}

/// `POST /sandbox/sign`: signs the raw body as the sandbox signs its webhook deliveries, so a
/// test can post a genuinely signed event of its own. Answers `{"keyId", "sign"}`.
pub async fn sign(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    json_answer(
        StatusCode::OK,
        &serde_json::json!({"keyId": shared.key_id, "sign": shared.keys.sign_base64(&body)}),
    )
}

/// `GET /sandbox/deliveries`: every webhook delivery attempt (and switch-off), oldest first.
pub async fn deliveries(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &shared.lock().deliveries)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    mode: FaultMode,
    #[serde(default)]
    ms: Option<u64>,
}

/// `POST /sandbox/faults` `{"mode": "none"|"latency"|"error500"|"garbage"|"edge403"|"ratelimit", "ms"?}`.
pub async fn set_faults(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return mono_error(StatusCode::BAD_REQUEST, &format!("bad fault request: {e}")),
    };
    let faults = Faults {
        mode: request.mode,
        ms: request.ms.unwrap_or(3_000).min(60_000),
    };
    shared.lock().faults = faults;
    json_answer(StatusCode::OK, &faults)
}

/// `GET /sandbox/faults`.
pub async fn get_faults(shared: web::Data<Shared>) -> HttpResponse {
    json_answer(StatusCode::OK, &shared.lock().faults)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTransaction {
    token: String,
    account: Option<String>,
    amount: Option<i64>,
    description: Option<String>,
    mcc: Option<i32>,
}

/// `POST /sandbox/transactions`: creates an operation now, updates the balance, and delivers it
/// to the client's webhook. Answers 201 with the event data.
pub async fn create_transaction(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: NewTransaction = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return mono_error(StatusCode::BAD_REQUEST, &format!("bad transaction: {e}")),
    };
    let now = shared.clock.now();
    let (data, url, client) = {
        let mut inner = shared.lock();
        // Ids are unique across every client and account, whatever their second.
        inner.created += 1;
        let sequence = inner.created;
        let Some(client) = inner.clients.iter().position(|c| c.token == request.token) else {
            return mono_error(StatusCode::NOT_FOUND, "unknown token");
        };
        let data = &mut inner.clients[client];
        let account = match request.account {
            Some(id) => id,
            None => data.default_account().unwrap_or_default().to_owned(),
        };
        let Some(ledger) = data.ledger_mut(&account) else {
            return mono_error(StatusCode::BAD_REQUEST, "invalid account");
        };
        let amount = request.amount.unwrap_or(-12_345);
        // The operation happens now, as Monobank's do: several may share a second. It goes
        // after every operation of the account at or before that second.
        let time = now;
        let position = ledger.partition_point(|i| i.time <= time);
        let balance = position
            .checked_sub(1)
            .and_then(|i| ledger.get(i))
            .map_or(0, |i| i.balance)
            + amount;
        let mcc = request.mcc.unwrap_or(5411);
        let description = request
            .description
            .unwrap_or_else(|| "Sandbox purchase".into());
        let mut item = StatementItem::new(
            format!("sbx{time}{sequence:06}"),
            time,
            &description,
            mcc,
            amount,
            980,
        );
        item.balance = balance;
        item.hold = amount < 0;
        ledger.insert(position, item.clone());
        if let Some(a) = data.info.accounts.iter_mut().find(|a| a.id == account) {
            a.balance = balance;
        }
        if let Some(j) = data
            .info
            .jars
            .iter_mut()
            .flatten()
            .find(|j| j.id == account)
        {
            j.balance = balance;
        }
        let event = WebhookData {
            account,
            statement_item: item,
        };
        (event, data.info.web_hook_url.clone(), client)
    };
    if !url.is_empty() {
        let event = WebhookEvent {
            kind: STATEMENT_ITEM_EVENT.into(),
            data: data.clone(),
        };
        webhooks::deliver(shared.into_inner(), client, url, event);
    }
    json_answer(StatusCode::CREATED, &data)
}

#[derive(Deserialize)]
pub struct ListQuery {
    token: String,
    account: String,
}

/// `GET /sandbox/transactions?token=&account=`: every operation of an account, newest first,
/// without limits (the ground truth tests compare against).
pub async fn list_transactions(
    shared: web::Data<Shared>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let inner = shared.lock();
    let Some(client) = inner.clients.iter().find(|c| c.token == query.token) else {
        return mono_error(StatusCode::NOT_FOUND, "unknown token");
    };
    let account = match query.account.as_str() {
        "0" => client.default_account().unwrap_or_default(),
        id => id,
    };
    match client.ledger(account) {
        Some(items) => json_answer(StatusCode::OK, &items.iter().rev().collect::<Vec<_>>()),
        None => mono_error(StatusCode::BAD_REQUEST, "invalid account"),
    }
}
