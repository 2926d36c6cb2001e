//! The sandbox: a fake Monobank API in the same binary, for tests, demos and development,
//! faithful to Monobank (the repository's `docs/monobank-api.md`, M11): the same paths, JSON (field names, key order, omitted optional
//! fields), errors and limits, plus control endpoints under `/sandbox/` (README, "The sandbox").
//!
//! Time comes from an injectable clock; `time_scale` divides every limit and delay (the 60-s
//! lanes, the webhook retry delays), so tests can run Mono's minute-long rules in milliseconds.

#![warn(missing_docs)]

mod control;
pub mod data;
mod personal;
mod provider;
mod webhooks;

use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use sha2::Digest;

use data::ClientData;
use monobank::clock::SharedClock;
use monobank::signature::KeyPair;
use monobank::types::WebhookEvent;
use monobank::types::{CurrencyInfo, ErrorBody};

/// How the sandbox runs.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The address to listen on; port 0 picks a free port (see [`Sandbox::port`]).
    pub bind: SocketAddr,
    /// Seed of the generated clients, tokens, operations, rates and signing key: the same seed
    /// and start time give the same data.
    pub seed: u64,
    /// Every limit and delay is divided by this (1.0 = Mono's real timing).
    pub time_scale: f64,
    /// Where the sandbox's time comes from (a manual clock in tests).
    pub clock: SharedClock,
    /// Provider registrations are approved as they arrive (otherwise by
    /// `POST /sandbox/provider/approve`).
    pub approve_providers: bool,
}

/// Injected upstream faults (`POST /sandbox/faults`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    /// No fault: the Mono API answers normally.
    #[default]
    None,
    /// Every call is answered normally after a delay of `ms` milliseconds (3 000 unless given, at
    /// most 60 000).
    Latency,
    /// Every call gets 500 with Mono's JSON error `Internal error`.
    Error500,
    /// Every call gets 200 with a truncated JSON body.
    Garbage,
    /// Every call gets 403 with an HTML page, like Monobank's edge firewall.
    Edge403,
    /// Not in Mono's list of faults but a real behaviour: answer 429 to everything.
    Ratelimit,
    /// Not in Mono's list either: statement calls answer 400 with an error text that is not
    /// "invalid account" (a failure that must not be taken for data).
    Badrequest,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
struct Faults {
    mode: FaultMode,
    ms: u64,
    /// The fault hits one call, then the API answers normally again.
    once: bool,
    /// The fault hits statement calls only.
    statement_only: bool,
}

/// How many calls the log keeps; older ones are dropped so a long-running sandbox stays small.
pub const MAX_CALLS: usize = 10_000;

/// One call the sandbox received on the Mono API (`GET /sandbox/calls`).
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    /// The HTTP method (`GET`, `POST`).
    pub method: String,
    /// The request path, without the query (`/personal/client-info`).
    pub path: String,
    /// The last four characters of the token, when one was sent.
    pub token_hint: Option<String>,
    /// When it arrived, Unix milliseconds of the sandbox's clock.
    pub at_ms: i64,
    /// The HTTP status the sandbox answered with.
    pub status: u16,
}

/// One webhook delivery attempt, or the switch-off after the last one (`GET /sandbox/deliveries`).
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    /// The client's token's last four characters.
    pub token_hint: String,
    /// The operation delivered.
    pub id: String,
    /// 1, 2 or 3; 0 for the switch-off that follows a third failure.
    pub attempt: u32,
    /// Whether the receiver answered 200 (always false for the switch-off).
    pub delivered: bool,
    /// Whether the webhook was switched off (the third attempt failed).
    pub switched_off: bool,
    /// When it happened, Unix milliseconds of the sandbox's clock.
    pub at_ms: i64,
}

struct Inner {
    clients: Vec<ClientData>,
    faults: Faults,
    /// The most recent calls, at most [`MAX_CALLS`].
    calls: VecDeque<Call>,
    /// The most recent webhook delivery attempts, at most [`MAX_CALLS`].
    deliveries: VecDeque<Delivery>,
    /// (token, endpoint) → when the next call is allowed, Unix ms.
    lanes: HashMap<(String, &'static str), i64>,
    /// client-info calls so far; rotates the account order like Mono's unstable ordering.
    info_calls: usize,
    /// Operations created through `POST /sandbox/transactions` so far (their ids' sequence).
    created: u64,
    /// The events sent to webhooks, as first sent, at most [`MAX_CALLS`] (for redelivery).
    events: VecDeque<(usize, WebhookEvent)>,
    /// The provider API's companies and access requests.
    providers: provider::Providers,
}

/// State shared by every worker of the sandbox.
pub struct Shared {
    inner: Mutex<Inner>,
    clock: SharedClock,
    time_scale: f64,
    rates: Vec<CurrencyInfo>,
    keys: KeyPair,
    key_id: String,
    http: reqwest::Client,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A real-time duration for `secs` of Mono time, shrunk by the time scale.
    fn scaled(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.time_scale).max(0.0))
    }

    fn scaled_ms(&self, secs: i64) -> i64 {
        ((secs as f64) * 1000.0 / self.time_scale).round() as i64
    }
}

/// A started (bound, not yet running) sandbox.
pub struct Sandbox {
    port: u16,
    server: Server,
    shared: web::Data<Shared>,
}

/// A token line as printed at start and listed by `GET /sandbox/tokens`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenLine {
    /// The client's personal token (44 characters).
    pub token: String,
    /// The client's `clientId`, as client-info shows it.
    pub client_id: String,
    /// The client's name, as client-info shows it.
    pub name: String,
}

impl Sandbox {
    /// Generates the data for `config.seed`, binds and builds the server.
    pub fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "time scale must be a positive number",
            ));
        }
        let now = config.clock.now();
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x005e_ed0f_5a4d_b0c5);
        let mut key_bytes = [0u8; 32];
        rng.fill(&mut key_bytes);
        let keys = KeyPair::from_bytes(&key_bytes).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "bad signing key")
        })?;
        let key_id = hex::encode(&sha2::Sha256::digest(keys.public_base64().as_bytes())[..8]);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("monobank-sandbox")
            .build()
            .map_err(std::io::Error::other)?;
        let shared = web::Data::new(Shared {
            inner: Mutex::new(Inner {
                clients: data::generate(config.seed, now),
                faults: Faults::default(),
                calls: VecDeque::new(),
                deliveries: VecDeque::new(),
                lanes: HashMap::new(),
                info_calls: 0,
                created: 0,
                events: VecDeque::new(),
                providers: provider::Providers::new(config.approve_providers),
            }),
            clock: config.clock.clone(),
            time_scale: config.time_scale,
            rates: rates(&mut rng, now),
            keys,
            key_id,
            http,
        });
        let listener = TcpListener::bind(config.bind)?;
        let port = listener.local_addr()?.port();
        let app_state = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .service(
                    web::scope("/sandbox")
                        .route("/tokens", web::get().to(control::tokens))
                        .route("/transactions", web::post().to(control::create_transaction))
                        .route("/transactions", web::get().to(control::list_transactions))
                        .route("/transfers", web::post().to(control::create_transfer))
                        .route("/faults", web::post().to(control::set_faults))
                        .route("/faults", web::get().to(control::get_faults))
                        .route("/holds/settle", web::post().to(control::settle_hold))
                        .route("/holds/cancel", web::post().to(control::cancel_hold))
                        .route("/webhook/off", web::post().to(control::webhook_off))
                        .route("/webhook/redeliver", web::post().to(control::redeliver))
                        .route("/calls", web::get().to(control::calls))
                        .route("/deliveries", web::get().to(control::deliveries))
                        .route("/sign", web::post().to(control::sign))
                        .route("/accept/{id}", web::get().to(provider::accept_page))
                        .route("/accept/{id}", web::post().to(provider::accept))
                        .route("/provider/approve", web::post().to(provider::approve))
                        .route("/provider/revoke", web::post().to(provider::revoke)),
                )
                .service(
                    web::scope("")
                        .wrap(from_fn(control::gate))
                        .route("/bank/currency", web::get().to(personal::currency))
                        .route("/bank/sync", web::get().to(personal::sync))
                        .route(
                            "/personal/client-info",
                            web::get().to(personal::client_info),
                        )
                        .route(
                            "/personal/statement/{account}/{from}",
                            web::get().to(personal::statement),
                        )
                        // A trailing slash and no `to` means "up to now", as Monobank reads it
                        // (the Python package's client sends that form).
                        .route(
                            "/personal/statement/{account}/{from}/",
                            web::get().to(personal::statement),
                        )
                        .route(
                            "/personal/statement/{account}/{from}/{to}",
                            web::get().to(personal::statement),
                        )
                        .route("/personal/webhook", web::post().to(personal::set_webhook))
                        .route(
                            "/personal/auth/registration",
                            web::post().to(provider::register),
                        )
                        .route(
                            "/personal/auth/registration/status",
                            web::post().to(provider::registration_status),
                        )
                        .route(
                            "/personal/auth/request",
                            web::post().to(provider::request_access),
                        )
                        .route(
                            "/personal/auth/request",
                            web::get().to(provider::access_state),
                        )
                        .route("/personal/corp/settings", web::get().to(provider::settings))
                        .route(
                            "/personal/corp/webhook",
                            web::post().to(provider::set_webhook),
                        )
                        .default_service(web::to(|| async {
                            mono_error(actix_web::http::StatusCode::NOT_FOUND, "Not found")
                        })),
                )
        })
        .workers(2)
        .listen(listener)?
        .shutdown_timeout(1)
        .run();
        Ok(Sandbox {
            port,
            server,
            shared,
        })
    }

    /// The TCP port the sandbox is bound to (the one picked when the config asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL to give a Mono client.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every client's token, `clientId` and name, as `GET /sandbox/tokens` lists them.
    pub fn tokens(&self) -> Vec<TokenLine> {
        token_lines(&self.shared.lock().clients)
    }

    /// The lines printed at start: `token <TOKEN> client <clientId> <name>`.
    pub fn start_lines(&self) -> Vec<String> {
        self.tokens()
            .into_iter()
            .map(|t| format!("token {} client {} {}", t.token, t.client_id, t.name))
            .collect()
    }

    /// A handle to stop the server from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves requests until the server stops (see [`handle`](Self::handle)).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn token_lines(clients: &[ClientData]) -> Vec<TokenLine> {
    clients
        .iter()
        .map(|c| TokenLine {
            token: c.token.clone(),
            client_id: c.info.client_id.clone(),
            name: c.info.name.clone(),
        })
        .collect()
}

/// ISO codes Mono lists with a cross rate against UAH (`docs/monobank-api.md`, M8).
const CROSS_CODES: [u16; 104] = [
    826, 392, 756, 156, 784, 971, 8, 51, 973, 32, 36, 944, 50, 975, 48, 108, 96, 68, 986, 72, 933,
    124, 976, 152, 170, 188, 192, 203, 262, 208, 12, 818, 230, 981, 936, 270, 324, 344, 191, 348,
    360, 376, 356, 368, 352, 400, 404, 417, 116, 410, 414, 398, 418, 422, 144, 434, 504, 498, 969,
    807, 496, 480, 454, 484, 458, 943, 516, 566, 558, 578, 524, 554, 512, 604, 608, 586, 985, 600,
    634, 946, 941, 682, 690, 938, 752, 702, 694, 706, 968, 748, 764, 972, 788, 949, 901, 834, 800,
    858, 860, 704, 950, 952, 886, 710,
];

/// Roughly what one unit was worth in UAH in 2026, for the currencies a demo is looked at with.
fn known_uah_value(code: u16) -> Option<f64> {
    Some(match code {
        826 => 55.8, // GBP
        392 => 0.27, // JPY
        756 => 47.0, // CHF
        156 => 5.8,  // CNY
        985 => 11.3, // PLN
        203 => 1.9,  // CZK
        348 => 0.12, // HUF
        946 => 9.5,  // RON
        978 => 48.0, // EUR
        124 => 30.0, // CAD
        36 => 27.0,  // AUD
        752 => 4.4,  // SEK
        578 => 4.1,  // NOK
        208 => 6.4,  // DKK
        949 => 1.2,  // TRY
        784 => 11.3, // AED
        376 => 11.2, // ILS
        981 => 15.3, // GEL
        _ => return None,
    })
}

/// The rate list: the three buy/sell pairs first, then cross rates against UAH.
fn rates(rng: &mut StdRng, now: i64) -> Vec<CurrencyInfo> {
    let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let usd = round4(41.0 + rng.random_range(0.0..1.0));
    let eur = round4(47.8 + rng.random_range(0.0..1.0));
    let buy_sell = |a: u16, b: u16, buy: f64, spread: f64, date: i64| {
        let mut built = CurrencyInfo::default();
        built.currency_code_a = a;
        built.currency_code_b = b;
        built.date = date;
        built.rate_buy = Some(buy);
        built.rate_sell = Some(round4(buy * (1.0 + spread)));
        built.rate_cross = None;
        built
    };
    let mut list = vec![
        buy_sell(840, 980, usd, 0.012, now - 600),
        buy_sell(978, 980, eur, 0.014, now - 600),
        buy_sell(978, 840, round4(eur / usd), 0.011, now - 600),
    ];
    for code in CROSS_CODES {
        // Near-real values for the currencies people know; plausible magnitudes for the rest.
        let cross = match known_uah_value(code) {
            Some(value) => value * rng.random_range(0.99..1.01),
            None => 10f64.powi(rng.random_range(-3..2)) * rng.random_range(1.0..9.9),
        };
        list.push({
            let mut built = CurrencyInfo::default();
            built.currency_code_a = code;
            built.currency_code_b = 980;
            built.date = now - rng.random_range(0..86_400);
            built.rate_buy = None;
            built.rate_sell = None;
            built.rate_cross = Some(round4(cross).max(0.0001));
            built
        });
    }
    list
}

/// Mono's JSON error answer.
fn mono_error(status: actix_web::http::StatusCode, text: &str) -> HttpResponse {
    json_answer(
        status,
        &ErrorBody {
            error_description: text.to_owned(),
        },
    )
}

/// A JSON answer with Mono's content type.
fn json_answer<T: Serialize>(status: actix_web::http::StatusCode, value: &T) -> HttpResponse {
    match serde_json::to_string(value) {
        Ok(body) => HttpResponse::build(status)
            .content_type("application/json; charset=utf-8")
            .body(body),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
