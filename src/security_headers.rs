//! Security headers on every response, errors included (`docs/security.md`, S24): a strict CSP,
//! `nosniff`, `same-origin` referrers, no framing, `no-store` caching unless a view chose a cache
//! policy (static files), and HSTS when the public URL is https. Handler and extractor errors
//! are responses by the time they get here, so they carry the headers too.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let https = crate::http::is_https(req.request());
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CACHE_CONTROL, "no-store");
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use actix_web::middleware::from_fn;
    use actix_web::{test, App, HttpResponse};

    use crate::http::error::AppError;

    async fn fails() -> Result<HttpResponse, AppError> {
        Err(AppError::internal("boom"))
    }

    #[actix_web::test]
    async fn a_500_carries_the_headers_and_no_cause() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(super::add))
                .route("/boom", actix_web::web::get().to(fails)),
        )
        .await;
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
        assert_eq!(res.status(), 500);
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
            "cache-control",
        ] {
            assert!(res.headers().contains_key(name), "{name}");
        }
        let body = test::read_body(res).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("Internal server error.") && !text.contains("boom"),
            "{text}"
        );
    }
}
