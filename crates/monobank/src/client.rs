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

use crate::error::MonoError;
use crate::token::MonoToken;
use crate::types::{BankSync, CurrencyInfo, ErrorBody, StatementItem, UserInfo, WebhookRequest};

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
        Ok(Client { http, base })
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

    fn authed(
        &self,
        builder: RequestBuilder,
        token: &MonoToken,
    ) -> Result<RequestBuilder, MonoError> {
        let mut value =
            HeaderValue::from_str(token.expose()).map_err(|_| MonoError::MissingToken)?;
        value.set_sensitive(true);
        Ok(builder.header("X-Token", value))
    }

    /// `GET /bank/currency`.
    #[tracing::instrument(skip(self))]
    pub async fn currency(&self) -> Result<Vec<CurrencyInfo>, MonoError> {
        observed("currency", async {
            let body = send(self.http.get(self.url(&["bank", "currency"]))).await?;
            decode(&body)
        })
        .await
    }

    /// `GET /bank/sync`: the key that signs webhook events.
    #[tracing::instrument(skip(self))]
    pub async fn bank_sync(&self) -> Result<BankSync, MonoError> {
        observed("bank-sync", async {
            let body = send(self.http.get(self.url(&["bank", "sync"]))).await?;
            decode(&body)
        })
        .await
    }

    /// `GET /personal/client-info`.
    #[tracing::instrument(skip_all)]
    pub async fn client_info(&self, token: &MonoToken) -> Result<UserInfo, MonoError> {
        observed("client-info", async {
            let req = self.authed(self.http.get(self.url(&["personal", "client-info"])), token)?;
            decode(&send(req).await?)
        })
        .await
    }

    /// `GET /personal/statement/{account}/{from}[/{to}]`, Unix seconds, both ends inclusive.
    #[tracing::instrument(skip(self, token))]
    pub async fn statement(
        &self,
        token: &MonoToken,
        account: &str,
        from: i64,
        to: Option<i64>,
    ) -> Result<Vec<StatementItem>, MonoError> {
        let from = from.to_string();
        let to = to.map(|t| t.to_string());
        let mut segments = vec!["personal", "statement", account, from.as_str()];
        segments.extend(to.as_deref());
        observed("statement", async {
            let req = self.authed(self.http.get(self.url(&segments)), token)?;
            decode(&send(req).await?)
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
            let req = self.authed(self.http.post(self.url(&["personal", "webhook"])), token)?;
            send(req.json(&body)).await.map(drop)
        })
        .await
    }
}

/// Runs one call and records it through the `metrics` facade (nothing when the application
/// installed no recorder): `monobank_calls_total{endpoint, outcome}` (`ok` or the error's
/// [`MonoError::kind`]) and `monobank_call_seconds{endpoint}`.
async fn observed<T>(
    endpoint: &'static str,
    call: impl Future<Output = Result<T, MonoError>>,
) -> Result<T, MonoError> {
    let started = std::time::Instant::now();
    let result = call.await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => e.kind(),
    };
    metrics::counter!("monobank_calls_total", "endpoint" => endpoint, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("monobank_call_seconds", "endpoint" => endpoint)
        .record(started.elapsed().as_secs_f64());
    result
}

/// Sends a request and returns the body of a 2xx answer, or the error the answer means.
async fn send(req: RequestBuilder) -> Result<Vec<u8>, MonoError> {
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
    let result = interpret(status, retry_after, body);
    if let Err(e) = &result {
        tracing::warn!(status = status.as_u16(), error = %e, "Monobank call failed");
    }
    result
}

fn transport_error(e: reqwest::Error) -> MonoError {
    if e.is_timeout() {
        MonoError::Timeout
    } else {
        MonoError::Unreachable(e.without_url().to_string())
    }
}

/// Decides what an answer means from its status and whether the body is Mono's JSON error.
fn interpret(
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
) -> Result<Vec<u8>, MonoError> {
    if status.is_success() {
        return Ok(body);
    }
    let mono_error = serde_json::from_slice::<ErrorBody>(&body).ok();
    let text = mono_error.map(|e| truncate(&e.error_description));
    Err(match (status.as_u16(), text) {
        (429, _) => MonoError::RateLimited { retry_after },
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
