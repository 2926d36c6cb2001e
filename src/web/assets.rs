//! The stylesheet, compiled into the binary (no CDN, no external font) and served with a
//! cache lifetime; its URL carries the version, so a new release is fetched anew.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::http::error::AppError;

const APP_CSS: &str = include_str!("../../static/app.css");

/// The stylesheet's URL for this build.
pub const STYLESHEET: &str = concat!("/static/app.css?v=", env!("CARGO_PKG_VERSION"));

/// `GET /static/{file}`.
pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    match file.as_str() {
        "app.css" => Ok(HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(APP_CSS)),
        _ => Err(AppError::NotFound),
    }
}
