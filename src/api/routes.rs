//! Every operation of the JSON API, listed once. Each handler's `#[utoipa::path]` gives its
//! method, path, summary, description and answers; its entry here adds what several operations
//! share: whether scripts poll it (`ETag` and 304), and the families of answers it can give
//! besides its own ([`Family`]). The server registers its routes from this list (`startup`)
//! and the OpenAPI document lists its operations from the same entries
//! ([`document`]), so neither can miss or misname one.

use super::openapi::{document_of, endpoint, Endpoint, Family};
use super::{auth, mono};

use Family::{AsksMonobank, NamesAccount, UsesToken};

/// Every operation of the JSON API, in the order routes are registered.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint::<auth::__path_register, _, _>(auth::register),
        endpoint::<auth::__path_login, _, _>(auth::login),
        endpoint::<auth::__path_logout, _, _>(auth::logout),
        endpoint::<auth::__path_me, _, _>(auth::me),
        endpoint::<auth::__path_password, _, _>(auth::password),
        endpoint::<auth::__path_keys_list, _, _>(auth::keys_list),
        endpoint::<auth::__path_keys_create, _, _>(auth::keys_create),
        endpoint::<auth::__path_keys_revoke, _, _>(auth::keys_revoke),
        endpoint::<mono::__path_status, _, _>(mono::status),
        endpoint::<mono::__path_attach, _, _>(mono::attach),
        endpoint::<mono::__path_replace, _, _>(mono::replace),
        endpoint::<mono::__path_remove, _, _>(mono::remove),
        endpoint::<mono::__path_connect_status, _, _>(mono::connect_status),
        endpoint::<mono::__path_connect_start, _, _>(mono::connect_start),
        endpoint::<mono::__path_currencies, _, _>(mono::currencies)
            .polled()
            .of(&[AsksMonobank]),
        endpoint::<mono::__path_currency_get, _, _>(mono::currency_get).of(&[AsksMonobank]),
        endpoint::<mono::__path_currency_post, _, _>(mono::currency_post).of(&[AsksMonobank]),
        endpoint::<mono::__path_client_info, _, _>(mono::client_info)
            .polled()
            .of(&[AsksMonobank, UsesToken]),
        endpoint::<mono::__path_balance, _, _>(mono::balance)
            .polled()
            .of(&[AsksMonobank, UsesToken]),
        endpoint::<mono::__path_statement_get, _, _>(mono::statement_get)
            .polled()
            .of(&[UsesToken, NamesAccount]),
        endpoint::<mono::__path_statement, _, _>(mono::statement).of(&[
            AsksMonobank,
            UsesToken,
            NamesAccount,
        ]),
        endpoint::<mono::__path_statement_csv, _, _>(mono::statement_csv)
            .of(&[UsesToken, NamesAccount]),
        endpoint::<mono::__path_summary, _, _>(mono::summary)
            .polled()
            .of(&[UsesToken, NamesAccount]),
        endpoint::<mono::__path_sync_progress, _, _>(mono::sync_progress)
            .polled()
            .of(&[UsesToken]),
        endpoint::<mono::__path_request_history, _, _>(mono::request_history)
            .of(&[UsesToken, NamesAccount]),
        endpoint::<mono::__path_webhook, _, _>(mono::webhook).of(&[AsksMonobank, UsesToken]),
        endpoint::<__path_openapi_json, _, _>(openapi_json),
    ]
}

/// The OpenAPI document of [`endpoints`].
pub fn document() -> utoipa::openapi::OpenApi {
    document_of(&endpoints())
}

/// The document as served: utoipa's, with each link's `operation_id` written `operationId`
/// (utoipa 5.5 writes the Rust field name, which no OpenAPI tool reads). Made once.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut doc = serde_json::to_value(document()).unwrap_or_default();
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            let responses = op.get_mut("responses").and_then(|r| r.as_object_mut());
            for response in responses.into_iter().flat_map(|r| r.values_mut()) {
                let links = response.get_mut("links").and_then(|l| l.as_object_mut());
                for link in links.into_iter().flat_map(|l| l.values_mut()) {
                    if let Some(link) = link.as_object_mut() {
                        if let Some(id) = link.remove("operation_id") {
                            link.insert("operationId".into(), id);
                        }
                    }
                }
            }
        }
    }
    doc.to_string()
});

/// This document
///
/// The OpenAPI 3.1 description of the API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(), responses((status = 200, description = "this document")))]
pub async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_endpoint_is_one_documented_operation_with_a_summary() {
        let doc = serde_json::to_value(document()).unwrap();
        let endpoints = endpoints();
        let mut seen = std::collections::BTreeSet::new();
        for endpoint in &endpoints {
            let method = serde_json::to_value(&endpoint.method).unwrap();
            let method = method.as_str().unwrap();
            assert!(
                seen.insert((method.to_owned(), endpoint.path.clone())),
                "{method} {} twice",
                endpoint.path
            );
            let op = &doc["paths"][&endpoint.path][method];
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {}",
                endpoint.path
            );
            assert!(op["description"].is_string(), "{method} {}", endpoint.path);
        }
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(
            documented,
            endpoints.len(),
            "the document has exactly the listed operations"
        );
    }
}
