//! Webhook delivery as Mono does it: a verification GET when a URL is registered (it must answer
//! exactly 200), then one signed POST per new operation. A delivery that does not get 200 within
//! 5 s is retried 60 s and then 600 s later (divided by the time scale); after the third failure
//! the webhook is switched off and client-info shows an empty `webHookUrl`.

use std::sync::Arc;

use super::{Delivery, Shared, MAX_CALLS};
use monobank::types::WebhookEvent;

/// Delays before the second and third attempt, in Mono seconds.
pub const RETRY_DELAYS: [f64; 2] = [60.0, 600.0];

/// The verification GET; `Err` says why the URL is refused.
pub async fn verify_url(shared: &Shared, url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "not a URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("not an http(s) URL".into());
    }
    match shared.http.get(parsed).send().await {
        Ok(res) if res.status().as_u16() == 200 => Ok(()),
        Ok(res) => Err(format!("the URL answered {}", res.status().as_u16())),
        Err(e) if e.is_timeout() => Err("the URL did not answer within 5 s".into()),
        Err(_) => Err("the URL could not be reached".into()),
    }
}

/// Whose webhook a delivery goes to.
#[derive(Clone, Debug)]
pub enum Target {
    /// The client's own (personal) webhook.
    Client,
    /// A provider's webhook (by key id), for a client who granted it access.
    Company(String),
}

impl Target {
    /// The URL the target's webhook has now.
    fn url_now(&self, shared: &Shared, client: usize) -> String {
        let inner = shared.lock();
        match self {
            Target::Client => inner.clients[client].info.web_hook_url.clone(),
            Target::Company(key_id) => inner.providers.webhook(key_id).to_owned(),
        }
    }

    /// Switches the webhook off if it is still `url`.
    fn switch_off(&self, shared: &Shared, client: usize, url: &str) -> bool {
        let mut inner = shared.lock();
        match self {
            Target::Client => {
                let info = &mut inner.clients[client].info;
                let off = info.web_hook_url == url;
                if off {
                    info.web_hook_url.clear();
                }
                off
            }
            Target::Company(key_id) => inner.providers.switch_off(key_id, url),
        }
    }
}

/// Delivers `event` of client `client` to `url` in the background, with Mono's retries.
pub fn deliver(shared: Arc<Shared>, client: usize, url: String, event: WebhookEvent) {
    deliver_to(shared, client, Target::Client, url, event);
}

/// Delivers client `client`'s operation to every provider webhook the client granted access to.
pub fn deliver_to_providers(shared: &Arc<Shared>, client: usize, event: &WebhookEvent) {
    let targets = shared.lock().providers.webhooks_of(client);
    for (key_id, url) in targets {
        deliver_to(
            shared.clone(),
            client,
            Target::Company(key_id),
            url,
            event.clone(),
        );
    }
}

fn deliver_to(
    shared: Arc<Shared>,
    client: usize,
    target: Target,
    url: String,
    event: WebhookEvent,
) {
    let Ok(body) = serde_json::to_vec(&event) else {
        return;
    };
    if let Target::Client = target {
        let mut inner = shared.lock();
        if inner.events.len() >= MAX_CALLS {
            inner.events.pop_front();
        }
        inner.events.push_back((client, event.clone()));
    }
    let id = event.data.statement_item.id.clone();
    actix_web::rt::spawn(async move {
        for attempt in 0..=RETRY_DELAYS.len() {
            if attempt > 0 {
                tokio::time::sleep(shared.scaled(RETRY_DELAYS[attempt - 1])).await;
            }
            // A webhook replaced or removed meanwhile gets nothing more.
            if target.url_now(&shared, client) != url {
                return;
            }
            let delivered = post(&shared, &url, &body).await;
            record(&shared, client, &id, attempt as u32 + 1, delivered, false);
            if delivered {
                return;
            }
            tracing::info!(attempt = attempt + 1, "sandbox webhook delivery failed");
        }
        if target.switch_off(&shared, client, &url) {
            tracing::info!("sandbox webhook switched off after three failures");
            record(&shared, client, &id, 0, false, true);
        }
    });
}

/// The provider webhook's check: a test POST that must answer 200. Monobank does not document
/// its body, so the sandbox sends the least a receiver could expect: no body and no
/// `Content-Type`.
pub async fn test_post(shared: &Shared, url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "not a URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("not an http(s) URL".into());
    }
    let sent = shared.http.post(parsed).send().await;
    match sent {
        Ok(res) if res.status().as_u16() == 200 => Ok(()),
        Ok(res) => Err(format!("the URL answered {}", res.status().as_u16())),
        Err(e) if e.is_timeout() => Err("the URL did not answer within 5 s".into()),
        Err(_) => Err("the URL could not be reached".into()),
    }
}

/// An accepted access request's callback: `GET` with `X-Request-Id`, once. Says what happened.
pub async fn callback(shared: &Shared, url: &str, request_id: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "the callback is not a URL".into();
    };
    match shared
        .http
        .get(parsed)
        .header("X-Request-Id", request_id)
        .send()
        .await
    {
        Ok(res) => format!("answered {}", res.status().as_u16()),
        Err(_) => "could not be reached".into(),
    }
}

/// Sends `event` to `url` once more, as Monobank does when it retries a delivery it thinks
/// failed (a duplicate) or delivers late; no further retries.
pub fn redeliver(shared: Arc<Shared>, client: usize, url: String, event: WebhookEvent) {
    let Ok(body) = serde_json::to_vec(&event) else {
        return;
    };
    let id = event.data.statement_item.id.clone();
    actix_web::rt::spawn(async move {
        let delivered = post(&shared, &url, &body).await;
        record(&shared, client, &id, 1, delivered, false);
    });
}

/// Switches client `client`'s webhook off, as Monobank does after failed deliveries.
pub fn switch_off(shared: &Shared, client: usize) {
    shared.lock().clients[client].info.web_hook_url.clear();
    record(shared, client, "", 0, false, true);
}

/// Notes one attempt (or the switch-off) in the log `GET /sandbox/deliveries` serves.
fn record(shared: &Shared, client: usize, id: &str, attempt: u32, delivered: bool, off: bool) {
    let at_ms = shared.clock.now_ms();
    let mut inner = shared.lock();
    let token = &inner.clients[client].token;
    let token_hint = token[token.len().saturating_sub(4)..].to_owned();
    if inner.deliveries.len() >= MAX_CALLS {
        inner.deliveries.pop_front();
    }
    inner.deliveries.push_back(Delivery {
        token_hint,
        id: id.to_owned(),
        attempt,
        delivered,
        switched_off: off,
        at_ms,
    });
}

async fn post(shared: &Shared, url: &str, body: &[u8]) -> bool {
    let result = shared
        .http
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Key-Id", &shared.key_id)
        .header("X-Sign", shared.keys.sign_base64(body))
        .body(body.to_vec())
        .send()
        .await;
    matches!(result, Ok(res) if res.status().as_u16() == 200)
}
