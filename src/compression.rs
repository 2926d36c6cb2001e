//! Compressed answers: gzip for bodies of 1 KiB or more (HTML, JSON, CSV, CSS, scripts) when the
//! client accepts it, through actix-web's `Compress`; smaller bodies go as they are, since the
//! gzip frame would cost more than it saves.
//!
//! BREACH (`docs/security.md`, "Compression"): compressing a response that holds a secret next
//! to text an attacker chose lets them guess the secret from the sizes. monoweb's bodies hold no
//! such secret: the form token is masked with fresh random bytes on every page, the session key
//! lives only in a cookie header, Monobank tokens and receiver secrets are never sent back (a
//! token shows as its last four characters). So every text answer may be compressed.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The smallest body worth compressing.
pub const MIN_BYTES: u64 = 1024;

/// Inside `Compress`: marks a small body as not to be encoded (`Compress` leaves a response that
/// names its encoding alone).
pub async fn leave_small(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    if matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_BYTES)
        && !res.headers().contains_key(header::CONTENT_ENCODING)
    {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    Ok(res)
}

/// Outside `Compress`: takes the mark off again, so no answer says `Content-Encoding: identity`.
pub async fn unmark(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    if res
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v == "identity")
    {
        res.headers_mut().remove(header::CONTENT_ENCODING);
    }
    Ok(res)
}
