//! `ETag` and `If-None-Match` on the reads scripts poll (balance, client-info, currencies, the
//! statement, the summary, the sync's progress): the tag is a digest of the answer's bytes, so it
//! changes exactly when the answer does, and a client that sends it back gets `304 Not Modified`
//! with no body (RFC 9110, 13.1.2). Nothing is cached on the server: the view runs as before.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// Middleware for a resource: tags a `200` answer to `GET` (or `HEAD`) and answers `304` when the
/// request already holds that tag.
pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    let held = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.call(req).await?;
    if !reads || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error =
                crate::http::error::AppError::internal("an answer's body could not be read");
            return Ok(ServiceResponse::new(req, error.error_response_owned()));
        }
    };
    let tag = tag_of(&bytes);
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return Ok(ServiceResponse::new(
            req,
            head.set_body(bytes).map_into_boxed_body(),
        ));
    };
    if held.as_ref().is_some_and(|held| matches(held, &tag)) {
        let mut not_modified = HttpResponse::NotModified();
        for (name, value) in head.headers() {
            // RFC 9110, 15.4.5: the headers a 200 would carry, but none about the body.
            if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
                not_modified.append_header((name.clone(), value.clone()));
            }
        }
        not_modified.insert_header((header::ETAG, value));
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    head.headers_mut().insert(header::ETAG, value);
    Ok(ServiceResponse::new(
        req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// A strong tag: the body's 128-bit XXH3, quoted. Not a secret and not a signature, only a name
/// for these bytes, so a fast digest does (SHA-256 of a 20 KB rate list cost a third of the
/// currencies view's throughput).
fn tag_of(bytes: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Whether an `If-None-Match` value names `tag`: `*`, or a list of tags compared weakly (a `W/`
/// prefix is ignored, as RFC 9110, 13.1.2 says for this header).
fn matches(held: &HeaderValue, tag: &str) -> bool {
    let Ok(held) = held.to_str() else {
        return false;
    };
    held.split(',')
        .map(str::trim)
        .any(|one| one == "*" || one.strip_prefix("W/").unwrap_or(one) == tag)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_tag_is_matched_in_a_list_weakly_or_by_a_star() {
        let tag = tag_of(b"{}");
        assert_eq!(tag.len(), 34);
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(matches(&value(&tag), &tag));
        assert!(matches(&value(&format!("\"x\", W/{tag}")), &tag));
        assert!(matches(&value("*"), &tag));
        assert!(!matches(&value("\"x\""), &tag));
        assert!(!matches(&value(&tag_of(b"[]")), &tag));
    }
}
