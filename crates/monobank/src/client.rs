//! The Monobank HTTP client: one method per endpoint, typed answers, typed errors.
//!
//! It talks only to the configured base URL, with TLS verified, redirects off, a connect and a
//! total timeout, a User-Agent, and the token only in the `X-Token` header (marked sensitive so
//! that no HTTP-layer log prints it). It does no rate limiting of its own: callers go through the
//! lanes in [`crate::limit`] first.

use std::future::Future;
use std::time::Duration;

use reqwest::header::{HeaderValue, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::clock::{SharedClock, SystemClock};
use crate::error::MonoError;
use crate::provider::{Ingredient, ProviderAccess, ProviderKey, SignedHeaders};
use crate::token::MonoToken;
use crate::types::{
    BankSync, CorpSettings, CurrencyInfo, ErrorBody, Registration, RegistrationStatus,
    RegistrationStatusRequest, StatementItem, TokenRequest, UserInfo, WebhookRequest,
};

/// Largest body read from Monobank; a 500-item statement is about 250 KB.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Longest error text kept from Monobank.
const MAX_ERROR_TEXT: usize = 200;

/// The `User-Agent` sent unless the application names itself.
pub const DEFAULT_USER_AGENT: &str = concat!("monobank-rs/", env!("CARGO_PKG_VERSION"));

/// Timeouts of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Longest wait for the connection to Monobank (TCP and TLS) to be established; 5 s by default.
    pub connect: Duration,
    /// Longest time for a whole call, connecting included, until the answer's body has been read;
    /// 20 s by default.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(20),
        }
    }
}

/// A client for one Monobank API base URL.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// The time provider calls sign (`X-Time`).
    clock: SharedClock,
}

/// A header a credential adds to a call. A sensitive one (the token, a request id) is marked so
/// that no HTTP-layer log prints it, and its `Debug` shows no value.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthHeader {
    /// The header's name (`X-Token`, `X-Time`, `X-Sign`, `X-Key-Id`, `X-Request-Id`,
    /// `X-Permissions`).
    pub name: &'static str,
    /// Its value, as sent.
    pub value: String,
    /// Whether the value is a secret (kept out of logs and `Debug`).
    pub sensitive: bool,
}

impl AuthHeader {
    fn plain(name: &'static str, value: &str) -> Self {
        AuthHeader {
            name,
            value: value.to_owned(),
            sensitive: false,
        }
    }

    fn secret(name: &'static str, value: &str) -> Self {
        AuthHeader {
            sensitive: true,
            ..AuthHeader::plain(name, value)
        }
    }
}

impl std::fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.sensitive {
            "[redacted]"
        } else {
            self.value.as_str()
        };
        f.debug_struct("AuthHeader")
            .field("name", &self.name)
            .field("value", &value)
            .finish()
    }
}

/// How a data call (client-info, statement) says whose data it reads: a personal token, or a
/// provider's signature with the user's request id.
pub trait Authorize: Send + Sync {
    /// The headers this credential adds to a call to `path` made at `now` (Unix seconds).
    fn headers(&self, path: &str, now: i64) -> Result<Vec<AuthHeader>, MonoError>;

    /// Whether this is a provider credential (a 401 or 404 then means the access is gone).
    fn is_provider(&self) -> bool {
        false
    }
}

impl Authorize for MonoToken {
    fn headers(&self, _path: &str, _now: i64) -> Result<Vec<AuthHeader>, MonoError> {
        Ok(vec![AuthHeader::secret("X-Token", self.expose())])
    }
}

impl Authorize for ProviderAccess {
    fn headers(&self, path: &str, now: i64) -> Result<Vec<AuthHeader>, MonoError> {
        let headers = self
            .key
            .headers(now, Ingredient::RequestId(self.request_id.expose()), path);
        Ok(signed(&headers, true))
    }

    fn is_provider(&self) -> bool {
        true
    }
}

/// A personal token or a provider access: what a stored credential turns into.
#[derive(Clone, Debug)]
pub enum Auth {
    /// A personal token (`X-Token`).
    Token(MonoToken),
    /// A provider's signature for one user.
    Provider(ProviderAccess),
}

impl Authorize for Auth {
    fn headers(&self, path: &str, now: i64) -> Result<Vec<AuthHeader>, MonoError> {
        match self {
            Auth::Token(token) => token.headers(path, now),
            Auth::Provider(access) => access.headers(path, now),
        }
    }

    fn is_provider(&self) -> bool {
        matches!(self, Auth::Provider(_))
    }
}

/// The signed headers; `with_key_id` is false on registration calls (the bank reads the key
/// from the body). The request id is sensitive.
fn signed(headers: &SignedHeaders, with_key_id: bool) -> Vec<AuthHeader> {
    let mut out = vec![
        AuthHeader::plain("X-Time", &headers.time),
        AuthHeader::plain("X-Sign", &headers.sign),
    ];
    if with_key_id {
        out.push(AuthHeader::plain("X-Key-Id", &headers.key_id));
    }
    if let Some(id) = &headers.request_id {
        out.push(AuthHeader::secret("X-Request-Id", id));
    }
    if let Some(permissions) = &headers.permissions {
        out.push(AuthHeader::plain("X-Permissions", permissions));
    }
    out
}

/// A request with a credential's headers.
fn with_headers(
    mut builder: RequestBuilder,
    headers: Vec<AuthHeader>,
) -> Result<RequestBuilder, MonoError> {
    for header in headers {
        let mut value = HeaderValue::from_str(&header.value).map_err(|_| {
            if header.name == "X-Token" {
                MonoError::MissingToken
            } else {
                MonoError::Decode("a header is not ASCII".into())
            }
        })?;
        value.set_sensitive(header.sensitive);
        builder = builder.header(header.name, value);
    }
    Ok(builder)
}

/// Where a user's access request is (`GET /personal/auth/request`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessState {
    /// 200: the user accepted; the request id now reads their data.
    Granted,
    /// 401: not accepted yet.
    Pending,
    /// 404: the bank does not know the request (expired, declined or revoked).
    Unknown,
}

impl Client {
    /// A client for `base` (`https://api.monobank.ua`, or a fake) with the default timeouts.
    pub fn new(base: Url) -> Result<Self, MonoError> {
        Self::with_timeouts(base, Timeouts::default())
    }

    /// A client with its own time limits.
    pub fn with_timeouts(base: Url, timeouts: Timeouts) -> Result<Self, MonoError> {
        Self::with_options(base, timeouts, DEFAULT_USER_AGENT)
    }

    /// A client with its own time limits and `User-Agent` (name the application that calls).
    pub fn with_options(
        base: Url,
        timeouts: Timeouts,
        user_agent: &str,
    ) -> Result<Self, MonoError> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .build()
            .map_err(|e| MonoError::Unreachable(format!("HTTP client setup failed: {e}")))?;
        Ok(Client {
            http,
            base,
            clock: std::sync::Arc::new(SystemClock),
        })
    }

    /// The same client signing provider calls with `clock`'s time (a fake bank's clock in tests).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The base URL this client talks to.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// A data call to `url` for `auth`: its headers sign the URL's path.
    fn authed<A: Authorize + ?Sized>(
        &self,
        builder: impl FnOnce(Url) -> RequestBuilder,
        url: Url,
        auth: &A,
    ) -> Result<RequestBuilder, MonoError> {
        let headers = auth.headers(url.path(), self.clock.now())?;
        with_headers(builder(url), headers)
    }

    /// A provider's own call to `segments`, signed with `ingredient`.
    fn company(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        key: &ProviderKey,
        ingredient: Ingredient<'_>,
        with_key_id: bool,
    ) -> Result<RequestBuilder, MonoError> {
        let url = self.url(segments);
        let headers = key.headers(self.clock.now(), ingredient, url.path());
        with_headers(
            self.http.request(method, url),
            signed(&headers, with_key_id),
        )
    }

    /// `GET /bank/currency`.
    #[tracing::instrument(skip(self))]
    pub async fn currency(&self) -> Result<Vec<CurrencyInfo>, MonoError> {
        observed("currency", async {
            let body = send(
                self.http.get(self.url(&["bank", "currency"])),
                Side::Personal,
            )
            .await?;
            decode(&body)
        })
        .await
    }

    /// `GET /bank/sync`: the key that signs webhook events.
    #[tracing::instrument(skip(self))]
    pub async fn bank_sync(&self) -> Result<BankSync, MonoError> {
        observed("bank-sync", async {
            let body = send(self.http.get(self.url(&["bank", "sync"])), Side::Personal).await?;
            decode(&body)
        })
        .await
    }

    /// `GET /personal/client-info`.
    #[tracing::instrument(skip_all)]
    pub async fn client_info<A: Authorize + ?Sized>(
        &self,
        auth: &A,
    ) -> Result<UserInfo, MonoError> {
        observed("client-info", async {
            let url = self.url(&["personal", "client-info"]);
            let req = self.authed(|u| self.http.get(u), url, auth)?;
            decode(&send(req, Side::of(auth)).await?)
        })
        .await
    }

    /// `GET /personal/statement/{account}/{from}[/{to}]`, Unix seconds, both ends inclusive.
    #[tracing::instrument(skip(self, auth))]
    pub async fn statement<A: Authorize + ?Sized>(
        &self,
        auth: &A,
        account: &str,
        from: i64,
        to: Option<i64>,
    ) -> Result<Vec<StatementItem>, MonoError> {
        let from = from.to_string();
        let to = to.map(|t| t.to_string());
        let mut segments = vec!["personal", "statement", account, from.as_str()];
        segments.extend(to.as_deref());
        observed("statement", async {
            let req = self.authed(|u| self.http.get(u), self.url(&segments), auth)?;
            decode(&send(req, Side::of(auth)).await?)
        })
        .await
    }

    /// `POST /personal/webhook` with the JSON body `{"webHookUrl": url}`; an empty URL removes
    /// the webhook. Any 200 is success, whatever its body.
    #[tracing::instrument(skip_all)]
    pub async fn set_webhook(&self, token: &MonoToken, url: &str) -> Result<(), MonoError> {
        let body = WebhookRequest {
            web_hook_url: url.to_owned(),
        };
        observed("webhook", async {
            let url = self.url(&["personal", "webhook"]);
            let req = self.authed(|u| self.http.post(u), url, token)?;
            send(req.json(&body), Side::Personal).await.map(drop)
        })
        .await
    }

    /// Provider API: `POST /personal/auth/registration`, the company asks for access.
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        key: &ProviderKey,
        registration: &Registration,
    ) -> Result<RegistrationStatus, MonoError> {
        observed("registration", async {
            let req = self.company(
                reqwest::Method::POST,
                &["personal", "auth", "registration"],
                key,
                Ingredient::Nothing,
                false,
            )?;
            decode(&send(req.json(registration), Side::Company).await?)
        })
        .await
    }

    /// Provider API: `POST /personal/auth/registration/status`.
    #[tracing::instrument(skip_all)]
    pub async fn registration_status(
        &self,
        key: &ProviderKey,
    ) -> Result<RegistrationStatus, MonoError> {
        let body = RegistrationStatusRequest {
            pubkey: key.public_pem_base64(),
        };
        observed("registration-status", async {
            let req = self.company(
                reqwest::Method::POST,
                &["personal", "auth", "registration", "status"],
                key,
                Ingredient::Nothing,
                false,
            )?;
            decode(&send(req.json(&body), Side::Company).await?)
        })
        .await
    }

    /// Provider API: `POST /personal/auth/request`, an access request for one user. Empty
    /// `permissions` sends no `X-Permissions` (the company's granted letters apply); `callback`
    /// is the URL the bank opens (`GET` with `X-Request-Id`) when the user accepts.
    #[tracing::instrument(skip_all)]
    pub async fn request_access(
        &self,
        key: &ProviderKey,
        permissions: &str,
        callback: Option<&str>,
    ) -> Result<TokenRequest, MonoError> {
        observed("access-request", async {
            let mut req = self.company(
                reqwest::Method::POST,
                &["personal", "auth", "request"],
                key,
                Ingredient::Permissions(permissions),
                true,
            )?;
            if let Some(callback) = callback {
                let mut value = HeaderValue::from_str(callback)
                    .map_err(|_| MonoError::BadRequest("the callback URL is not ASCII".into()))?;
                value.set_sensitive(true);
                req = req.header("X-Callback", value);
            }
            decode(&send(req, Side::Company).await?)
        })
        .await
    }

    /// Provider API: `GET /personal/auth/request`, whether the user accepted. The answer is the
    /// status alone: 200 granted, 401 pending, 404 unknown.
    #[tracing::instrument(skip_all)]
    pub async fn access_state(&self, access: &ProviderAccess) -> Result<AccessState, MonoError> {
        observed("access-state", async {
            let url = self.url(&["personal", "auth", "request"]);
            let req = self.authed(|u| self.http.get(u), url, access)?;
            let answer = fetch(req).await?;
            match answer.status.as_u16() {
                401 if answer.is_mono_error() => Ok(AccessState::Pending),
                404 if answer.is_mono_error() => Ok(AccessState::Unknown),
                _ => answer.interpret(Side::Access).map(|_| AccessState::Granted),
            }
        })
        .await
    }

    /// Provider API: `GET /personal/corp/settings`, what the bank holds of the company.
    #[tracing::instrument(skip_all)]
    pub async fn corp_settings(&self, key: &ProviderKey) -> Result<CorpSettings, MonoError> {
        observed("corp-settings", async {
            let req = self.company(
                reqwest::Method::GET,
                &["personal", "corp", "settings"],
                key,
                Ingredient::Nothing,
                true,
            )?;
            decode(&send(req, Side::Company).await?)
        })
        .await
    }

    /// Provider API: `POST /personal/corp/webhook`, the company's one webhook (an empty URL
    /// removes it). The bank sends the URL a test POST first and refuses a URL that does not
    /// answer 200.
    #[tracing::instrument(skip_all)]
    pub async fn set_corp_webhook(&self, key: &ProviderKey, url: &str) -> Result<(), MonoError> {
        let body = WebhookRequest {
            web_hook_url: url.to_owned(),
        };
        observed("corp-webhook", async {
            let req = self.company(
                reqwest::Method::POST,
                &["personal", "corp", "webhook"],
                key,
                Ingredient::Nothing,
                true,
            )?;
            send(req.json(&body), Side::Company).await.map(drop)
        })
        .await
    }
}

/// Runs one call and, with the `metrics` feature, records it through the `metrics` facade
/// (nothing when the application installed no recorder): `monobank_calls_total{endpoint, outcome}` (`ok` or the error's
/// [`MonoError::kind`]) and `monobank_call_seconds{endpoint}`.
async fn observed<T>(
    endpoint: &'static str,
    call: impl Future<Output = Result<T, MonoError>>,
) -> Result<T, MonoError> {
    #[cfg(feature = "metrics")]
    let started = std::time::Instant::now();
    let result = call.await;
    #[cfg(feature = "metrics")]
    {
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        };
        metrics::counter!("monobank_calls_total", "endpoint" => endpoint, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("monobank_call_seconds", "endpoint" => endpoint)
            .record(started.elapsed().as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = endpoint;
    result
}

/// An answer as it came: status, `Retry-After` seconds, body.
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

/// Sends a request and reads its answer (at most [`MAX_BODY`] bytes).
async fn fetch(req: RequestBuilder) -> Result<Answer, MonoError> {
    let mut res = req.send().await.map_err(transport_error)?;
    let status = res.status();
    let retry_after = res
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(MonoError::Decode(format!(
                "answer larger than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// Who a call is signed as, which decides what some statuses mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// A personal token.
    Personal,
    /// A provider on its own behalf (registration, settings, webhook, an access request): a 403
    /// with Mono's error refuses the provider's key or signature.
    Company,
    /// A provider for one user (a request id): 401 and 404 mean the user's access is gone.
    Access,
}

impl Side {
    fn of<A: Authorize + ?Sized>(auth: &A) -> Side {
        if auth.is_provider() {
            Side::Access
        } else {
            Side::Personal
        }
    }
}

/// Sends a request and returns the body of a 2xx answer, or the error the answer means.
async fn send(req: RequestBuilder, side: Side) -> Result<Vec<u8>, MonoError> {
    fetch(req).await?.interpret(side)
}

fn transport_error(e: reqwest::Error) -> MonoError {
    if e.is_timeout() {
        MonoError::Timeout
    } else {
        MonoError::Unreachable(e.without_url().to_string())
    }
}

impl Answer {
    fn is_mono_error(&self) -> bool {
        serde_json::from_slice::<ErrorBody>(&self.body).is_ok()
    }

    /// Decides what an answer means from its status and whether the body is Mono's JSON error
    /// (logged when it is a failure).
    fn interpret(self, side: Side) -> Result<Vec<u8>, MonoError> {
        let status = self.status;
        let result = interpret(status, self.retry_after, self.body, side);
        if let Err(e) = &result {
            tracing::warn!(status = status.as_u16(), error = %e, "Monobank call failed");
        }
        result
    }
}

/// Decides what an answer means from its status and whether the body is Mono's JSON error.
fn interpret(
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
    side: Side,
) -> Result<Vec<u8>, MonoError> {
    if status.is_success() {
        return Ok(body);
    }
    let mono_error = serde_json::from_slice::<ErrorBody>(&body).ok();
    let text = mono_error.map(|e| truncate(&e.error_description));
    Err(match (status.as_u16(), text) {
        (429, _) => MonoError::RateLimited { retry_after },
        (401 | 404, Some(_)) if side == Side::Access => MonoError::AccessLost,
        (403, Some(_)) if side != Side::Personal => MonoError::ProviderRefused,
        (401 | 403, Some(text)) if text.contains("Missing") => MonoError::MissingToken,
        (403, Some(_)) => MonoError::TokenRejected,
        (403, None) => MonoError::EdgeBlocked,
        (400, Some(text)) => MonoError::BadRequest(text),
        (400, None) => MonoError::BadRequest("bad request".into()),
        (code, _) => MonoError::Upstream(code),
    })
}

fn truncate(text: &str) -> String {
    text.chars().take(MAX_ERROR_TEXT).collect()
}

/// Decodes a 200 body; the error says what was wrong (not JSON, truncated, wrong shape) and where,
/// but never repeats the body's content.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, MonoError> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        MonoError::Decode(format!("{what} at line {} column {}", e.line(), e.column()))
    })
}
