//! What a request to the JSON API presents as an API key, and what a key's scope lets it do.

use actix_web::http::Method;
use actix_web::HttpRequest;

use crate::auth::api_keys::Scope;

/// The key a request to the JSON API (`/api/…`) presents, if any: `Authorization: Bearer mwk_…`.
/// Pages never take keys (a browser does not send them by itself, and pages act for a session),
/// nor do the probes and `/metrics` (which has its own bearer token).
pub fn presented(req: &HttpRequest) -> Option<&str> {
    let path = req.path();
    if !(path == "/api" || path.starts_with("/api/")) {
        return None;
    }
    bearer(req)
}

/// The token of an `Authorization: Bearer <token>` header, if the request has one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Operations that use an unsafe method but only read (the seed's POST forms of two views).
const READS_BY_POST: &[&str] = &["/api/mono/currency", "/api/mono/statement"];

/// Whether a key of `scope` may make this request.
pub fn allows(scope: Scope, method: &Method, path: &str) -> bool {
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || READS_BY_POST.contains(&path.trim_end_matches('/'));
    scope == Scope::Write || reads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_key_reads_and_a_write_key_also_writes() {
        assert!(allows(Scope::Read, &Method::GET, "/api/mono/balance/"));
        assert!(allows(Scope::Read, &Method::POST, "/api/mono/currency/"));
        assert!(allows(Scope::Read, &Method::POST, "/api/mono/statement"));
        assert!(!allows(Scope::Read, &Method::POST, "/api/mono/"));
        assert!(!allows(Scope::Read, &Method::DELETE, "/api/mono/"));
        assert!(!allows(Scope::Read, &Method::POST, "/api/mono/webhook/"));
        assert!(!allows(
            Scope::Read,
            &Method::POST,
            "/api/mono/sync/history/"
        ));
        assert!(allows(Scope::Write, &Method::DELETE, "/api/mono/"));
    }
}
