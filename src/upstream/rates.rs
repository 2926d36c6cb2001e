//! The currency-rate cache shared by every request of one instance.
//!
//! Mono's rate list changes at most every 5 minutes and frequent polling gets 429, so: a list
//! younger than 5 minutes is served from memory; concurrent callers that find it old share one
//! upstream call (single flight); and the instance makes at most one upstream call per 60 s,
//! serving the old list marked stale (or a rate-limit error when it has none) in between.

use std::sync::{Arc, RwLock};

use tokio::sync::Mutex;

use monobank::clock::SharedClock;
use monobank::types::CurrencyInfo;
use monobank::{Client, MonoError};

/// How long a fetched list is served without asking again.
pub const FRESH_MS: i64 = 5 * 60 * 1000;
/// Least time between two upstream calls of one instance.
pub const MIN_INTERVAL_MS: i64 = 60 * 1000;

/// A rate list and how old it is.
#[derive(Clone, Debug)]
pub struct Rates {
    pub list: Arc<Vec<CurrencyInfo>>,
    /// The list as JSON with `currencyA`/`currencyB` alpha codes added to each rate, made once
    /// per fetch (the currencies view serves it as is).
    pub enriched_json: Arc<str>,
    /// When it was fetched, Unix seconds.
    pub fetched_at: i64,
    /// True when it is older than [`FRESH_MS`] because Mono could not be asked or failed.
    pub stale: bool,
}

#[derive(Clone)]
struct Snapshot {
    list: Arc<Vec<CurrencyInfo>>,
    enriched_json: Arc<str>,
    fetched_at_ms: i64,
}

/// One rate of Monobank's list as the currencies view answers it: Monobank's fields and the
/// alpha codes of both currencies.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Rate<'a> {
    #[serde(flatten)]
    pub rate: &'a CurrencyInfo,
    /// ISO 4217 alpha code of `currencyCodeA`.
    #[serde(rename = "currencyA")]
    #[schema(example = "USD")]
    pub currency_a: String,
    /// ISO 4217 alpha code of `currencyCodeB`.
    #[serde(rename = "currencyB")]
    #[schema(example = "UAH")]
    pub currency_b: String,
}

/// The list as JSON, each rate with its currencies' alpha codes.
fn enrich(list: &[CurrencyInfo]) -> Arc<str> {
    use monobank::currency::CurrencyCode;
    let items: Vec<Rate<'_>> = list
        .iter()
        .map(|rate| Rate {
            rate,
            currency_a: CurrencyCode(rate.currency_code_a).to_string(),
            currency_b: CurrencyCode(rate.currency_code_b).to_string(),
        })
        .collect();
    serde_json::to_string(&items)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

/// The cache; cheap to share behind an `Arc`.
pub struct RatesCache {
    client: Client,
    clock: SharedClock,
    snapshot: RwLock<Option<Snapshot>>,
    /// Held while one caller asks Mono; the others wait on it and then read its result.
    flight: Mutex<Option<i64>>,
}

impl RatesCache {
    pub fn new(client: Client, clock: SharedClock) -> Self {
        RatesCache {
            client,
            clock,
            snapshot: RwLock::new(None),
            flight: Mutex::new(None),
        }
    }

    fn current(&self) -> Option<Snapshot> {
        self.snapshot
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn fresh(&self, now_ms: i64) -> Option<Rates> {
        self.current()
            .filter(|s| now_ms - s.fetched_at_ms < FRESH_MS)
            .map(|s| rates(s, false))
    }

    /// The current rate list: cached, freshly fetched, or stale with the reason it is stale.
    /// `may_call` is the gateway's word on whether Monobank may be asked now.
    pub async fn get(&self, may_call: Result<(), MonoError>) -> Result<Rates, MonoError> {
        if let Some(rates) = self.fresh(self.clock.now_ms()) {
            return Ok(rates);
        }
        let mut last_attempt = self.flight.lock().await;
        let now_ms = self.clock.now_ms();
        // Someone else may have fetched while we waited.
        if let Some(rates) = self.fresh(now_ms) {
            return Ok(rates);
        }
        if let Some(at) = *last_attempt {
            let wait_ms = at + MIN_INTERVAL_MS - now_ms;
            if wait_ms > 0 {
                return self.stale_or(MonoError::RateLimited {
                    retry_after: Some(u64::try_from((wait_ms + 999) / 1000).unwrap_or(60)),
                });
            }
        }
        if let Err(e) = may_call {
            return self.stale_or(e);
        }
        *last_attempt = Some(now_ms);
        match self.client.currency().await {
            Ok(list) => {
                let snapshot = Snapshot {
                    enriched_json: enrich(&list),
                    list: Arc::new(list),
                    fetched_at_ms: self.clock.now_ms(),
                };
                match self.snapshot.write() {
                    Ok(mut slot) => *slot = Some(snapshot.clone()),
                    Err(poisoned) => *poisoned.into_inner() = Some(snapshot.clone()),
                }
                Ok(rates(snapshot, false))
            }
            Err(e) => self.stale_or(e),
        }
    }

    fn stale_or(&self, error: MonoError) -> Result<Rates, MonoError> {
        match self.current() {
            Some(snapshot) => Ok(rates(snapshot, true)),
            None => Err(error),
        }
    }
}

fn rates(snapshot: Snapshot, stale: bool) -> Rates {
    Rates {
        list: snapshot.list,
        enriched_json: snapshot.enriched_json,
        fetched_at: snapshot.fetched_at_ms.div_euclid(1000),
        stale,
    }
}
