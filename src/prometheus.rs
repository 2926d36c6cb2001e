//! `GET /metrics` in the Prometheus text format, off unless `metrics_token` is set; then only a
//! request with `Authorization: Bearer <that token>` reads it.
//!
//! What is measured, through the `metrics` facade (the recorder is `metrics-exporter-prometheus`,
//! installed at start only when metrics are on, so an instance without them pays nothing):
//! - `http_requests_total{method, route, status}` and `http_request_duration_seconds{method,
//!   route}` (the route is the matched pattern, e.g. `/api/auth/keys/{id}`, never the raw path);
//! - `monobank_calls_total{endpoint, outcome}`, `monobank_call_seconds{endpoint}`,
//!   `monobank_lane_closed_total{endpoint}` and `monobank_lane_wait_seconds{endpoint}` (from the
//!   `monobank` crate);
//! - `webhook_events_total{outcome}` (`stored` or `refused`);
//! - `sync_statement_calls_total{outcome}` and `sync_items_fetched_total`;
//! - read at each scrape: `monobank_edge_blocked` (1 while the edge back-off lasts),
//!   `sessions_active`, `db_pool_connections`, `db_pool_idle_connections`.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::http::error::AppError;
use crate::services::Context;

/// Histogram buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle). `None` when
/// another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware (only wrapped when metrics are on): counts and times every request by route.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// `GET /metrics`: 404 when metrics are off, 401 without the right bearer token.
pub async fn scrape(
    req: HttpRequest,
    settings: web::Data<Settings>,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, AppError> {
    let (Some(expected), Some(handle)) = (
        &settings.metrics_token,
        HANDLE.get().and_then(Option::as_ref),
    ) else {
        return Err(AppError::NotFound);
    };
    let given = crate::http::keys::bearer(&req).unwrap_or_default();
    if !crate::http::csrf::constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        return Err(AppError::Unauthorized);
    }
    let now = ctx.clock.now();
    let sessions = crate::db::run(&ctx.pool, move |conn| {
        Ok(crate::db::sessions::count_live(conn, now)?)
    })
    .await?;
    let pool = ctx.pool.state();
    metrics::gauge!("sessions_active").set(sessions as f64);
    metrics::gauge!("db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(pool.idle_connections));
    metrics::gauge!("monobank_edge_blocked").set(if ctx.upstream.is_blocked() { 1.0 } else { 0.0 });
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render()))
}
