//! The stylesheet, the icons and the web app manifest, compiled into the binary (no CDN, no
//! external font) and served with a cache lifetime; the stylesheet's URL carries the version,
//! so a new release is fetched anew.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::http::error::AppError;
use crate::i18n;

const APP_CSS: &str = include_str!("../../static/app.css");

/// The stylesheet's URL for this build.
pub const STYLESHEET: &str = concat!("/static/app.css?v=", env!("CARGO_PKG_VERSION"));

/// The files under `/static/`: name, content type, bytes.
const FILES: [(&str, &str, &[u8]); 5] = [
    ("app.css", "text/css; charset=utf-8", APP_CSS.as_bytes()),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../static/icon.svg"),
    ),
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../../static/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../../static/icon-512.png"),
    ),
    (
        "apple-touch-icon.png",
        "image/png",
        include_bytes!("../../static/apple-touch-icon.png"),
    ),
];

/// The colours of the bar at the top, which a phone gives its own bar.
pub const THEME_COLOR: &str = "#11161d";

fn cached(content_type: &str, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}

/// `GET /static/{file}`.
pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    FILES
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .map(|(_, content_type, bytes)| cached(content_type, bytes))
        .ok_or(AppError::NotFound)
}

/// `GET /favicon.ico`: the 32-pixel icon, for browsers that ask for it by that name.
pub async fn favicon() -> HttpResponse {
    cached(
        "image/x-icon",
        &include_bytes!("../../static/favicon.ico")[..],
    )
}

/// `GET /manifest.webmanifest`: what a phone needs to install monoweb as an app, in the
/// page's language.
pub async fn manifest() -> HttpResponse {
    let manifest = serde_json::json!({
        "name": "monoweb",
        "short_name": "monoweb",
        "description": i18n::t("meta-description"),
        "lang": i18n::lang().code(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_COLOR,
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}
        ]
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(manifest.to_string())
}
