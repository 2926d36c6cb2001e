//! Probes for supervisors and load balancers: `/healthz` says the process is up, `/readyz` says it
//! can serve (the database answers within two seconds).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::db::DbPool;
use crate::http::error::AppError;

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: always 200 while the process serves requests.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"code": 200, "detail": "ok"}))
}

/// `GET /readyz`: 200 when the database answers, else 503 in the envelope.
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    if db::is_ready(&pool, READY_TIMEOUT).await {
        Ok(HttpResponse::Ok().json(json!({"code": 200, "detail": "ready"})))
    } else {
        Err(AppError::Unavailable(
            "The database is not reachable.".into(),
        ))
    }
}
