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
use monobank::types::{StatementItem, WebhookData, WebhookEvent};

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
    let last4 = |t: &str| t[t.len().saturating_sub(4)..].to_owned();
    // A provider's call is logged under the token of the client who granted its request id.
    let token_hint = match req.headers().get("X-Token").and_then(|v| v.to_str().ok()) {
        Some(token) => Some(last4(token)),
        None => req
            .headers()
            .get("X-Request-Id")
            .and_then(|v| v.to_str().ok())
            .and_then(|id| {
                let inner = shared.lock();
                let client = inner.providers.client_of_request(id)?;
                Some(last4(&inner.clients[client].token))
            }),
    };
    let faults = {
        let mut inner = shared.lock();
        let faults = inner.faults;
        let applies = !faults.statement_only || path.starts_with("/personal/statement");
        if !applies {
            Faults::default()
        } else {
            if faults.once {
                inner.faults = Faults::default();
            }
            faults
        }
    };
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
    #[serde(default)]
    once: bool,
    #[serde(default)]
    statement_only: bool,
}

/// `POST /sandbox/faults` `{"mode": "none"|"latency"|"error500"|"garbage"|"edge403"|"ratelimit"|
/// "badrequest", "ms"?, "once"?, "statement_only"?}`: with `once` the fault hits the next call
/// (the next statement call with `statement_only`) and then ends; `latency` with a long `ms` is
/// a call that hangs.
pub async fn set_faults(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return mono_error(StatusCode::BAD_REQUEST, &format!("bad fault request: {e}")),
    };
    let faults = Faults {
        mode: request.mode,
        ms: request.ms.unwrap_or(3_000).min(60_000),
        once: request.once,
        statement_only: request.statement_only,
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
    /// Whether the operation starts as a hold; a negative amount does unless told otherwise.
    hold: Option<bool>,
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
        let amount = request.amount.unwrap_or(-12_345);
        // The operation happens now, as Monobank's do: several may share a second.
        let mcc = request.mcc.unwrap_or(5411);
        let description = request
            .description
            .unwrap_or_else(|| "Sandbox purchase".into());
        let mut item = StatementItem::new(
            format!("sbx{now}{sequence:06}"),
            now,
            &description,
            mcc,
            amount,
            980,
        );
        item.hold = request.hold.unwrap_or(amount < 0);
        let Some(item) = data.book(&account, item) else {
            return mono_error(StatusCode::BAD_REQUEST, "invalid account");
        };
        let event = WebhookData::new(account, item);
        (event, data.info.web_hook_url.clone(), client)
    };
    announce(&shared, client, &url, &data);
    json_answer(StatusCode::CREATED, &data)
}

/// Delivers an operation to the client's webhook, if one is set, and to the webhook of every
/// provider the client granted access to.
fn announce(shared: &web::Data<Shared>, client: usize, url: &str, data: &WebhookData) {
    let event = WebhookEvent::statement_item(data.clone());
    webhooks::deliver_to_providers(&shared.clone().into_inner(), client, &event);
    if !url.is_empty() {
        webhooks::deliver(shared.clone().into_inner(), client, url.to_owned(), event);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    token: String,
    /// The account or jar the money leaves.
    from: String,
    /// The account or jar it arrives on.
    to: String,
    /// What leaves `from`, in its currency's minor units (positive).
    amount: i64,
}

/// `POST /sandbox/transfers`: moves money between two accounts or jars of one client now, as
/// Monobank books it: an operation out of `from` and one into `to` in the same second, both money
/// transfers (MCC 4829), exchanged at the sandbox's rates when the currencies differ (the `from`
/// side then names the arriving currency and amount as its operation). Both are delivered to the
/// webhook. Answers 201 with both events, out first.
pub async fn create_transfer(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: NewTransfer = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return mono_error(StatusCode::BAD_REQUEST, &format!("bad transfer: {e}")),
    };
    if request.amount <= 0 || request.from == request.to {
        return mono_error(
            StatusCode::BAD_REQUEST,
            "a transfer moves a positive amount between two accounts",
        );
    }
    let now = shared.clock.now();
    let (events, url, client) = {
        let mut inner = shared.lock();
        inner.created += 2;
        let sequence = inner.created;
        let Some(client) = inner.clients.iter().position(|c| c.token == request.token) else {
            return mono_error(StatusCode::NOT_FOUND, "unknown token");
        };
        let data = &mut inner.clients[client];
        let (Some(from_currency), Some(to_currency)) = (
            data.currency_of(&request.from),
            data.currency_of(&request.to),
        ) else {
            return mono_error(StatusCode::BAD_REQUEST, "invalid account");
        };
        let arriving = (request.amount as f64 * crate::data::uah_rate(from_currency)
            / crate::data::uah_rate(to_currency))
        .round() as i64;
        let mut out = StatementItem::new(
            format!("sbx{now}{:06}", sequence - 1),
            now,
            "Переказ між своїми рахунками",
            4829,
            -request.amount,
            to_currency,
        );
        out.operation_amount = -arriving;
        let into = StatementItem::new(
            format!("sbx{now}{sequence:06}"),
            now,
            "Поповнення зі свого рахунку",
            4829,
            arriving,
            to_currency,
        );
        let (Some(out), Some(into)) = (data.book(&request.from, out), data.book(&request.to, into))
        else {
            return mono_error(StatusCode::BAD_REQUEST, "invalid account");
        };
        let events = [
            WebhookData::new(request.from, out),
            WebhookData::new(request.to, into),
        ];
        (events, data.info.web_hook_url.clone(), client)
    };
    for event in &events {
        announce(&shared, client, &url, event);
    }
    json_answer(StatusCode::CREATED, &events)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldChange {
    token: String,
    account: Option<String>,
    /// The hold's operation id.
    id: String,
    /// The settled amount (minor units); the hold's amount unless given.
    amount: Option<i64>,
    /// Settle under a new id (a new operation at the current time, delivered to the webhook)
    /// instead of the hold's own.
    #[serde(default)]
    new_id: bool,
}

/// Why a control request was refused: the status and Mono-style error text.
type Refusal = (StatusCode, String);

fn refused((status, text): Refusal) -> HttpResponse {
    mono_error(status, &text)
}

/// The hold `id` of a client's account, with the client's index and the account id.
fn find_hold<'a>(
    inner: &'a mut super::Inner,
    request: &HoldChange,
) -> Result<(usize, String, &'a mut Vec<StatementItem>, usize), Refusal> {
    let refusal = |status, text: &str| Err((status, text.to_owned()));
    let Some(client) = inner.clients.iter().position(|c| c.token == request.token) else {
        return refusal(StatusCode::NOT_FOUND, "unknown token");
    };
    let data = &mut inner.clients[client];
    let account = match &request.account {
        Some(id) if id != "0" => id.clone(),
        _ => data.default_account().unwrap_or_default().to_owned(),
    };
    let Some(ledger) = data.ledger_mut(&account) else {
        return refusal(StatusCode::BAD_REQUEST, "invalid account");
    };
    match ledger.iter().position(|i| i.id == request.id) {
        Some(at) if ledger[at].hold => Ok((client, account, ledger, at)),
        Some(_) => refusal(StatusCode::CONFLICT, "not a hold"),
        None => refusal(StatusCode::NOT_FOUND, "unknown operation"),
    }
}

fn hold_change(body: &[u8]) -> Result<HoldChange, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("bad hold change: {e}")))
}

/// `POST /sandbox/holds/settle` `{token, account?, id, amount?, new_id?}`: the bank settles a
/// hold, under its own id (the statement shows it settled; no webhook, as at Monobank) or under
/// a new id (the hold disappears and a new operation is delivered). Answers the settled item.
pub async fn settle_hold(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request = match hold_change(&body) {
        Ok(request) => request,
        Err(refusal) => return refused(refusal),
    };
    let now = shared.clock.now();
    let (settled, delivery) = {
        let mut inner = shared.lock();
        inner.created += 1;
        let sequence = inner.created;
        let (client, account, ledger, at) = match find_hold(&mut inner, &request) {
            Ok(found) => found,
            Err(refusal) => return refused(refusal),
        };
        let old = ledger[at].amount;
        let amount = request.amount.unwrap_or(old);
        let settled = if request.new_id {
            let mut item = ledger.remove(at);
            item.id = format!("sbx{now}{sequence:06}");
            item.time = now;
            item.hold = false;
            item.amount = amount;
            item.operation_amount = amount;
            let position = ledger.partition_point(|i| i.time <= now);
            ledger.insert(position, item.clone());
            item
        } else {
            let item = &mut ledger[at];
            item.hold = false;
            item.amount = amount;
            item.operation_amount = amount;
            item.clone()
        };
        let data = &mut inner.clients[client];
        data.add_to_balance(&account, amount - old);
        let url = data.info.web_hook_url.clone();
        let delivery = (request.new_id && !url.is_empty()).then(|| {
            let event = WebhookEvent::statement_item(WebhookData::new(account, settled.clone()));
            (client, url, event)
        });
        (settled, delivery)
    };
    if let Some((client, url, event)) = delivery {
        webhooks::deliver(shared.into_inner(), client, url, event);
    }
    json_answer(StatusCode::OK, &settled)
}

/// `POST /sandbox/holds/cancel` `{token, account?, id}`: the bank cancels a hold; it vanishes
/// from the statement (no webhook, as at Monobank). Answers the removed item.
pub async fn cancel_hold(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request = match hold_change(&body) {
        Ok(request) => request,
        Err(refusal) => return refused(refusal),
    };
    let mut inner = shared.lock();
    let (client, account, ledger, at) = match find_hold(&mut inner, &request) {
        Ok(found) => found,
        Err(refusal) => return refused(refusal),
    };
    let removed = ledger.remove(at);
    inner.clients[client].add_to_balance(&account, -removed.amount);
    json_answer(StatusCode::OK, &removed)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookControl {
    token: String,
    /// The operation whose first event is sent again (redelivery only).
    id: Option<String>,
}

fn webhook_control(shared: &Shared, body: &[u8]) -> Result<(usize, WebhookControl), Refusal> {
    let request: WebhookControl = serde_json::from_slice(body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("bad webhook control: {e}")))?;
    let client = shared
        .lock()
        .clients
        .iter()
        .position(|c| c.token == request.token)
        .ok_or_else(|| (StatusCode::NOT_FOUND, "unknown token".to_owned()))?;
    Ok((client, request))
}

/// `POST /sandbox/webhook/off` `{token}`: switches the client's webhook off now, as Monobank
/// does after failed deliveries (client-info shows an empty `webHookUrl`).
pub async fn webhook_off(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    match webhook_control(&shared, &body) {
        Ok((client, _)) => {
            webhooks::switch_off(&shared, client);
            json_answer(StatusCode::OK, &serde_json::json!({"switched_off": true}))
        }
        Err(refusal) => refused(refusal),
    }
}

/// `POST /sandbox/webhook/redeliver` `{token, id}`: sends the operation's first event again, as
/// first sent (a duplicate, or a late delivery after the operation changed), to the webhook
/// registered now. 202; 404 when no event of that id was sent or no webhook is registered.
pub async fn redeliver(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let (client, request) = match webhook_control(&shared, &body) {
        Ok(found) => found,
        Err(refusal) => return refused(refusal),
    };
    let (event, url) = {
        let inner = shared.lock();
        let event = inner
            .events
            .iter()
            .find(|(c, e)| *c == client && Some(&e.data.statement_item.id) == request.id.as_ref())
            .map(|(_, e)| e.clone());
        (event, inner.clients[client].info.web_hook_url.clone())
    };
    match event {
        Some(event) if !url.is_empty() => {
            webhooks::redeliver(shared.into_inner(), client, url, event);
            json_answer(
                StatusCode::ACCEPTED,
                &serde_json::json!({"redelivered": true}),
            )
        }
        _ => mono_error(StatusCode::NOT_FOUND, "no such event or no webhook"),
    }
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
