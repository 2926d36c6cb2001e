//! `X-Request-Id` on every answer, and the same id in the request's log line: a client quotes it
//! in a bug report and the operator finds the one line.
//!
//! The id is the one a trusted proxy (`trusted_proxies`) sent, when it is a short token of
//! printable characters, so the proxy's log and monoweb's name a request alike; otherwise (and
//! always on `/hooks/`, where Monobank's `X-Request-Id` is the secret id of an access request)
//! monoweb makes a random one.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use rand::Rng;

use crate::http::span::RequestId;

const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a proxy.
const MAX_LEN: usize = 128;

/// Middleware (outside the request's log span, which reads the id): assigns the request's id
/// and answers it in `X-Request-Id`.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = from_proxy(&req).unwrap_or_else(made);
    let value = HeaderValue::from_str(&id).ok();
    req.extensions_mut().insert(RequestId(id));
    let mut res = next.call(req).await?;
    if let Some(value) = value {
        res.headers_mut().insert(HEADER, value);
    }
    Ok(res)
}

/// The id a trusted proxy sent, if it is one to keep.
fn from_proxy(req: &ServiceRequest) -> Option<String> {
    if req.path().starts_with("/hooks/") {
        return None;
    }
    let trusted = req
        .app_data::<web::Data<crate::config::Settings>>()
        .map(|s| s.trusted_proxies.as_slice())?;
    let peer = req.peer_addr()?.ip();
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return None;
    }
    let value = req.headers().get(HEADER)?.to_str().ok()?;
    is_token(value).then(|| value.to_owned())
}

/// 1 to 128 characters of letters, digits and `-_.:@/+=`: nothing a log line or a header could
/// be broken with.
fn is_token(value: &str) -> bool {
    (1..=MAX_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/+=".contains(&b))
}

/// A new id: 128 random bits, written 8-4-4-4-12 as UUIDs are.
fn made() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_tokens_pass_for_an_id() {
        assert!(is_token("req-1:abc/DEF=+_.@"));
        assert!(is_token(&"a".repeat(MAX_LEN)));
        assert!(!is_token(""));
        assert!(!is_token(&"a".repeat(MAX_LEN + 1)));
        for bad in ["a b", "a\nb", "a\"b", "a;b", "é"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn made_ids_are_uuid_shaped_and_differ() {
        let (one, two) = (made(), made());
        assert_ne!(one, two);
        assert_eq!(one.len(), 36);
        assert_eq!(one.matches('-').count(), 4);
        assert!(is_token(&one));
    }
}
