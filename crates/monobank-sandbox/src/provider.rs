//! The provider ("corporate") API on the sandbox: registration (approved by
//! `POST /sandbox/provider/approve`, or at once when the sandbox was started so), access requests
//! a person or a test accepts at `/sandbox/accept/{tokenRequestId}` as one of the sandbox's
//! clients, the callback, polling, the company's settings and its one webhook.
//!
//! Every provider call's signature is checked as the bank checks it: `X-Sign` (raw `r‖s` or
//! DER) over `X-Time` + the call's ingredient + the path, under the registered key `X-Key-Id`
//! names (registration: the key in the body); an `X-Time` more than [`TIME_SKEW_SECS`] from the
//! sandbox's clock is refused. Refusals are 403 with Mono's JSON error.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use monobank::provider::signed_string;
use monobank::signature::PublicKey;
use monobank::types::{
    CorpSettings, Registration, RegistrationStatus, RegistrationStatusRequest, TokenRequest,
    WebhookRequest,
};
use rand::RngExt;
use serde::Deserialize;

use super::{json_answer, mono_error, webhooks, Inner, Shared};

/// How far `X-Time` may be from the sandbox's clock (the bank documents no value).
pub const TIME_SKEW_SECS: i64 = 60;
/// The permission letters a company is granted: statements and client-info, personal data.
pub const GRANTED_PERMISSIONS: &str = "ps";

/// A registered provider.
pub struct Company {
    key: PublicKey,
    registration: Registration,
    /// `New`, `Approved` or `Declined`.
    status: String,
    /// The company's webhook, `""` when none.
    pub webhook: String,
}

/// Where an access request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccessState {
    Pending,
    /// Accepted as the sandbox client at this index.
    Granted(usize),
    Declined,
    Revoked,
}

/// A user's access request.
struct AccessRequest {
    key_id: String,
    state: AccessState,
    callback: Option<String>,
}

/// The provider side of the sandbox's state.
#[derive(Default)]
pub struct Providers {
    /// Registered companies by key id.
    companies: HashMap<String, Company>,
    /// Access requests by request id.
    requests: HashMap<String, AccessRequest>,
    /// Registrations are approved as they arrive.
    approve_at_once: bool,
}

impl Providers {
    /// No company yet; `approve_at_once` approves registrations as they arrive.
    pub fn new(approve_at_once: bool) -> Self {
        Providers {
            approve_at_once,
            ..Providers::default()
        }
    }

    /// The companies whose webhook should hear of client `client`'s operations: those the client
    /// granted access to, with a webhook set (key id, URL).
    pub fn webhooks_of(&self, client: usize) -> Vec<(String, String)> {
        let mut targets: Vec<(String, String)> = self
            .requests
            .values()
            .filter(|r| r.state == AccessState::Granted(client))
            .filter_map(|r| {
                let company = self.companies.get(&r.key_id)?;
                (!company.webhook.is_empty()).then(|| (r.key_id.clone(), company.webhook.clone()))
            })
            .collect();
        targets.sort();
        targets.dedup();
        targets
    }

    /// The client who granted request `id`, if it is granted.
    pub fn client_of_request(&self, id: &str) -> Option<usize> {
        match self.requests.get(id)?.state {
            AccessState::Granted(client) => Some(client),
            _ => None,
        }
    }

    /// The company `key_id`'s webhook now (`""` when none or unknown).
    pub fn webhook(&self, key_id: &str) -> &str {
        self.companies
            .get(key_id)
            .map_or("", |c| c.webhook.as_str())
    }

    /// Switches company `key_id`'s webhook off (deliveries failed three times).
    pub fn switch_off(&mut self, key_id: &str, url: &str) -> bool {
        match self.companies.get_mut(key_id) {
            Some(company) if company.webhook == url => {
                company.webhook.clear();
                true
            }
            _ => false,
        }
    }
}

/// A refusal in Mono's words.
pub struct Refusal(pub StatusCode, pub String);

impl From<Refusal> for HttpResponse {
    fn from(Refusal(status, text): Refusal) -> Self {
        mono_error(status, &text)
    }
}

fn forbidden(why: &str) -> Refusal {
    Refusal(StatusCode::FORBIDDEN, why.to_owned())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks `X-Time` and `X-Sign` over `X-Time + ingredient + path` under `key`.
fn check_signature(
    shared: &Shared,
    req: &HttpRequest,
    key: &PublicKey,
    ingredient: &str,
) -> Result<(), Refusal> {
    let time = header(req, "X-Time").ok_or_else(|| forbidden("Missing 'X-Time'"))?;
    let seconds: i64 = time
        .parse()
        .map_err(|_| forbidden("'X-Time' is not Unix seconds"))?;
    if (seconds - shared.clock.now()).abs() > TIME_SKEW_SECS {
        return Err(forbidden("'X-Time' is too far from now"));
    }
    let sign = header(req, "X-Sign").ok_or_else(|| forbidden("Missing 'X-Sign'"))?;
    let message = signed_string(time, ingredient, req.path());
    key.verify(message.as_bytes(), sign)
        .map_err(|_| forbidden("Invalid 'X-Sign'"))
}

/// The approved company `X-Key-Id` names, its signature over `ingredient` checked.
fn company<'a>(
    shared: &Shared,
    inner: &'a Inner,
    req: &HttpRequest,
    ingredient: &str,
) -> Result<(&'a str, &'a Company), Refusal> {
    let key_id = header(req, "X-Key-Id").ok_or_else(|| forbidden("Missing 'X-Key-Id'"))?;
    let (key_id, company) = inner
        .providers
        .companies
        .get_key_value(key_id)
        .ok_or_else(|| forbidden("Unknown 'X-Key-Id'"))?;
    check_signature(shared, req, &company.key, ingredient)?;
    if company.status != "Approved" {
        return Err(forbidden("The provider is not approved"));
    }
    Ok((key_id.as_str(), company))
}

/// For a data call signed by a provider: the client who granted the request `X-Request-Id`.
/// 401 while it is pending, 404 when it is unknown, declined or revoked (how the bank is
/// reported to answer).
pub fn client_of(shared: &Shared, inner: &Inner, req: &HttpRequest) -> Result<usize, Refusal> {
    let request_id = header(req, "X-Request-Id")
        .ok_or_else(|| Refusal(StatusCode::UNAUTHORIZED, "Missing 'X-Request-Id'".into()))?;
    let (key_id, _) = company(shared, inner, req, request_id)?;
    match inner.providers.requests.get(request_id) {
        Some(r) if r.key_id == key_id => match r.state {
            AccessState::Granted(client) => Ok(client),
            AccessState::Pending => Err(Refusal(
                StatusCode::UNAUTHORIZED,
                "Request is unauthorized yet".into(),
            )),
            AccessState::Declined | AccessState::Revoked => Err(Refusal(
                StatusCode::UNAUTHORIZED,
                "Request is unauthorized".into(),
            )),
        },
        _ => Err(Refusal(
            StatusCode::NOT_FOUND,
            "Request is not exist".into(),
        )),
    }
}

fn body_of<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        Refusal(
            StatusCode::BAD_REQUEST,
            format!("Invalid request parameters: {e}"),
        )
    })
}

fn status_of(key_id: &str, company: &Company) -> RegistrationStatus {
    {
        let mut built = RegistrationStatus::default();
        built.status = company.status.clone();
        built.key_id = Some(key_id.to_owned());
        built
    }
}

/// The key a registration call's body names (`pubkey`), its signature over `X-Time + path`
/// checked.
fn signed_by_pubkey(
    shared: &Shared,
    req: &HttpRequest,
    pubkey: &str,
) -> Result<PublicKey, Refusal> {
    let key = PublicKey::from_pem_base64(pubkey).map_err(|_| {
        Refusal(
            StatusCode::BAD_REQUEST,
            "'pubkey' is not base64 of a secp256k1 public key PEM".into(),
        )
    })?;
    check_signature(shared, req, &key, "")?;
    Ok(key)
}

/// `POST /personal/auth/registration`: signed by the key in the body; every field required.
pub async fn register(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let result = (|| -> Result<RegistrationStatus, Refusal> {
        let registration: Registration = body_of(&body)?;
        let key = signed_by_pubkey(&shared, &req, &registration.pubkey)?;
        let empty = [
            ("name", &registration.name),
            ("description", &registration.description),
            ("contactPerson", &registration.contact_person),
            ("phone", &registration.phone),
            ("email", &registration.email),
            ("logo", &registration.logo),
        ]
        .into_iter()
        .find(|(_, value)| value.trim().is_empty());
        if let Some((field, _)) = empty {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                format!("'{field}' is required"),
            ));
        }
        let key_id = key.key_id();
        let mut inner = shared.lock();
        let providers = &mut inner.providers;
        let status = if providers.approve_at_once {
            "Approved"
        } else {
            "New"
        };
        let company = providers
            .companies
            .entry(key_id.clone())
            .or_insert(Company {
                key,
                registration,
                status: status.into(),
                webhook: String::new(),
            });
        Ok({
            let mut built = RegistrationStatus::default();
            built.status = company.status.clone();
            built.key_id = None;
            built
        })
    })();
    match result {
        Ok(status) => json_answer(StatusCode::OK, &status),
        Err(refusal) => refusal.into(),
    }
}

/// `POST /personal/auth/registration/status`.
pub async fn registration_status(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let result = (|| -> Result<RegistrationStatus, Refusal> {
        let asked: RegistrationStatusRequest = body_of(&body)?;
        let key = signed_by_pubkey(&shared, &req, &asked.pubkey)?;
        let key_id = key.key_id();
        let inner = shared.lock();
        let company =
            inner.providers.companies.get(&key_id).ok_or_else(|| {
                Refusal(StatusCode::NOT_FOUND, "Registration is not exist".into())
            })?;
        Ok(status_of(&key_id, company))
    })();
    match result {
        Ok(status) => json_answer(StatusCode::OK, &status),
        Err(refusal) => refusal.into(),
    }
}

/// `POST /personal/auth/request`: a new access request; `X-Permissions` (signed) must be letters
/// the company was granted.
pub async fn request_access(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let permissions = header(&req, "X-Permissions").unwrap_or("").to_owned();
    let result = {
        let mut inner = shared.lock();
        let key_id = match company(&shared, &inner, &req, &permissions) {
            Ok((key_id, _)) => key_id.to_owned(),
            Err(refusal) => return refusal.into(),
        };
        if !permissions.chars().all(|c| GRANTED_PERMISSIONS.contains(c)) {
            return mono_error(
                StatusCode::BAD_REQUEST,
                "Permission denied, check 'X-Permissions'",
            );
        }
        let callback = header(&req, "X-Callback").map(str::to_owned);
        let id: String = {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
            let mut rng = rand::rng();
            (0..24)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        };
        inner.providers.requests.insert(
            id.clone(),
            AccessRequest {
                key_id,
                state: AccessState::Pending,
                callback,
            },
        );
        let info = req.connection_info();
        {
            let mut built = TokenRequest::default();
            built.accept_url = format!("{}://{}/sandbox/accept/{id}", info.scheme(), info.host());
            built.token_request_id = id;
            built
        }
    };
    json_answer(StatusCode::OK, &result)
}

/// `GET /personal/auth/request`: 200 `{}` once accepted, 401 while pending, 404 otherwise.
pub async fn access_state(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let inner = shared.lock();
    match client_of(&shared, &inner, &req) {
        Ok(_) => json_answer(StatusCode::OK, &serde_json::json!({})),
        Err(Refusal(StatusCode::UNAUTHORIZED, text)) if text != "Request is unauthorized yet" => {
            mono_error(StatusCode::NOT_FOUND, "Request is not exist")
        }
        Err(refusal) => refusal.into(),
    }
}

/// `GET /personal/corp/settings`.
pub async fn settings(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let inner = shared.lock();
    match company(&shared, &inner, &req, "") {
        Ok((_, company)) => json_answer(StatusCode::OK, &{
            let mut built = CorpSettings::default();
            built.pubkey = company.registration.pubkey.clone();
            built.name = company.registration.name.clone();
            built.permission = GRANTED_PERMISSIONS.into();
            built.logo = company.registration.logo.clone();
            built.webhook = company.webhook.clone();
            built
        }),
        Err(refusal) => refusal.into(),
    }
}

/// `POST /personal/corp/webhook`: a test POST to the URL first (it must answer 200); an empty
/// URL removes the webhook.
pub async fn set_webhook(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let key_id = {
        let inner = shared.lock();
        match company(&shared, &inner, &req, "") {
            Ok((key_id, _)) => key_id.to_owned(),
            Err(refusal) => return refusal.into(),
        }
    };
    let url = match body_of::<WebhookRequest>(&body) {
        Ok(request) => request.web_hook_url,
        Err(refusal) => return refusal.into(),
    };
    if !url.is_empty() {
        if let Err(reason) = webhooks::test_post(&shared, &url).await {
            return mono_error(
                StatusCode::BAD_REQUEST,
                &format!("webHookUrl check failed: {reason}"),
            );
        }
    }
    if let Some(company) = shared.lock().providers.companies.get_mut(&key_id) {
        company.webhook = url;
    }
    json_answer(StatusCode::OK, &serde_json::json!({}))
}

/// `GET /sandbox/accept/{tokenRequestId}`: the page a user sees after scanning the QR code: who
/// asks, and a button per sandbox client to accept as (or decline).
pub async fn accept_page(shared: web::Data<Shared>, path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let mut inner = shared.lock();
    let key_id = match pending(&mut inner.providers.requests, &id) {
        Ok(request) => request.key_id.clone(),
        Err((status, text)) => return page(status, text),
    };
    let name = inner
        .providers
        .companies
        .get(&key_id)
        .map_or("?", |c| c.registration.name.as_str());
    let mut html = format!(
        "<h1>Monobank sandbox</h1><p><b>{}</b> asks to read your accounts and statements.</p>\
         <form method=post>",
        escape(name)
    );
    for (n, client) in inner.clients.iter().enumerate() {
        html.push_str(&format!(
            "<p><button name=client value={n}>Allow as {}</button></p>",
            escape(&client.info.name)
        ));
    }
    html.push_str("<p><button name=decline value=1>Decline</button></p></form>");
    page(StatusCode::OK, &html)
}

/// The request `id` while it waits for an answer; otherwise the status and text of the page
/// that says why not.
fn pending<'a>(
    requests: &'a mut HashMap<String, AccessRequest>,
    id: &str,
) -> Result<&'a mut AccessRequest, (StatusCode, &'static str)> {
    match requests.get_mut(id) {
        None => Err((
            StatusCode::NOT_FOUND,
            "<p>This access request does not exist.</p>",
        )),
        Some(request) if request.state != AccessState::Pending => Err((
            StatusCode::CONFLICT,
            "<p>This access request was already answered.</p>",
        )),
        Some(request) => Ok(request),
    }
}

/// The accept page's form: `client=N` accepts as sandbox client N, `decline=1` declines.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    client: Option<usize>,
    decline: Option<u8>,
}

/// `POST /sandbox/accept/{tokenRequestId}`: the user's answer. An acceptance calls the
/// provider's callback (`GET` with `X-Request-Id`) before the page answers.
pub async fn accept(
    shared: web::Data<Shared>,
    path: web::Path<String>,
    form: web::Form<Answer>,
) -> HttpResponse {
    let id = path.into_inner();
    let callback = {
        let mut inner = shared.lock();
        let clients = inner.clients.len();
        let request = match pending(&mut inner.providers.requests, &id) {
            Ok(request) => request,
            Err((status, text)) => return page(status, text),
        };
        match (form.client, form.decline) {
            (Some(client), None) if client < clients => {
                request.state = AccessState::Granted(client);
                request.callback.clone()
            }
            (None, Some(_)) => {
                request.state = AccessState::Declined;
                return page(StatusCode::OK, "<p>Declined.</p>");
            }
            _ => {
                return page(
                    StatusCode::BAD_REQUEST,
                    "<p>Choose a client or decline.</p>",
                )
            }
        }
    };
    let called = match callback {
        Some(url) => webhooks::callback(&shared, &url, &id).await,
        None => "no callback was given".into(),
    };
    page(
        StatusCode::OK,
        &format!("<p>Access granted. Callback: {}</p>", escape(&called)),
    )
}

/// `POST /sandbox/provider/approve` `{"keyId"?, "status"?}`: decides registrations (all that
/// are `New` unless a key id is named) as `Approved` (default) or `Declined`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Decision {
    key_id: Option<String>,
    status: Option<String>,
}

/// `POST /sandbox/provider/approve`.
pub async fn approve(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let decision: Decision = match body_of(if body.is_empty() { b"{}" } else { &body }) {
        Ok(decision) => decision,
        Err(refusal) => return refusal.into(),
    };
    let status = decision.status.unwrap_or_else(|| "Approved".into());
    if !matches!(status.as_str(), "Approved" | "Declined") {
        return mono_error(StatusCode::BAD_REQUEST, "status is Approved or Declined");
    }
    let mut inner = shared.lock();
    let mut decided = Vec::new();
    for (key_id, company) in &mut inner.providers.companies {
        let named = decision.key_id.as_deref().is_none_or(|k| k == key_id);
        if named && (decision.key_id.is_some() || company.status == "New") {
            company.status = status.clone();
            decided.push(key_id.clone());
        }
    }
    if decided.is_empty() {
        return mono_error(StatusCode::NOT_FOUND, "no such registration");
    }
    json_answer(
        StatusCode::OK,
        &serde_json::json!({"decided": decided, "status": status}),
    )
}

/// `POST /sandbox/provider/revoke` `{"token"}`: the client with that personal token revokes every
/// access they granted, as a user does in the Monobank app. Answers how many were revoked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    token: String,
}

/// `POST /sandbox/provider/revoke`.
pub async fn revoke(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let revocation: Revocation = match body_of(&body) {
        Ok(r) => r,
        Err(refusal) => return refusal.into(),
    };
    let mut inner = shared.lock();
    let Some(client) = inner
        .clients
        .iter()
        .position(|c| c.token == revocation.token)
    else {
        return mono_error(StatusCode::NOT_FOUND, "unknown token");
    };
    let mut revoked = 0;
    for request in inner.providers.requests.values_mut() {
        if request.state == AccessState::Granted(client) {
            request.state = AccessState::Revoked;
            revoked += 1;
        }
    }
    json_answer(StatusCode::OK, &serde_json::json!({"revoked": revoked}))
}

fn page(status: StatusCode, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=en><meta charset=utf-8>\
             <meta name=viewport content=\"width=device-width\"><title>Monobank sandbox</title>\
             <body style=\"font-family:sans-serif;max-width:30rem;margin:2rem auto\">{body}</body></html>"
        ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
