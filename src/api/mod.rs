//! The JSON API: views under `/api/...` plus the health probes. Every answer is the
//! `{code, detail}` envelope: the typed ones of [`answers`], the failures of
//! [`crate::http::error`].

pub mod answers;
pub mod auth;
pub mod errors;
pub mod health;
pub mod mono;
pub mod openapi;
pub mod routes;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use actix_web::http::StatusCode;
    use actix_web::{middleware, test, web, App, HttpResponse};
    use serde::Deserialize;
    use serde_json::Value;

    use crate::http::{extract, not_found, resource, JSON_LIMIT};

    #[derive(Deserialize, validator::Validate)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: String,
    }

    async fn echo(body: extract::ValidJson<Body>) -> HttpResponse {
        HttpResponse::Ok().json(serde_json::json!({"code": 200, "detail": body.0.name}))
    }

    async fn call(req: test::TestRequest) -> (StatusCode, Value) {
        let app = test::init_service(
            App::new()
                .wrap(middleware::from_fn(crate::http::error::html_errors))
                .app_data(web::PayloadConfig::new(JSON_LIMIT))
                .service(resource("/api/echo").route(web::post().to(echo)))
                .default_service(web::to(not_found)),
        )
        .await;
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status();
        let body = test::read_body(res).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    fn post(body: &str, content_type: &str) -> test::TestRequest {
        test::TestRequest::post()
            .uri("/api/echo")
            .insert_header(("content-type", content_type))
            .set_payload(body.to_owned())
    }

    #[actix_web::test]
    async fn a_valid_body_reaches_the_view() {
        let (status, body) = call(post(r#"{"name":"x"}"#, "application/json")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["detail"], "x");
    }

    #[actix_web::test]
    async fn a_body_over_64_kib_is_413_in_the_envelope() {
        let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(JSON_LIMIT));
        let (status, body) = call(post(&big, "application/json")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["code"], 413);
    }

    #[actix_web::test]
    async fn other_content_types_are_415() {
        for ct in ["text/plain", "application/x-www-form-urlencoded"] {
            let (status, body) = call(post(r#"{"name":"x"}"#, ct)).await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
            assert_eq!(body["code"], 415);
        }
    }

    #[actix_web::test]
    async fn malformed_and_unknown_fields_are_400_with_errors() {
        let (status, body) = call(post("{not json", "application/json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"]["non_field_errors"][0],
            "The body is not valid JSON."
        );
        let (status, body) = call(post(r#"{"name":"x","admin":true}"#, "application/json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"]["admin"][0], "Unknown field.");
        let (status, _) = call(post(r#"{"name":5}"#, "application/json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[actix_web::test]
    async fn wrong_method_is_405_in_the_envelope() {
        let (status, body) = call(test::TestRequest::get().uri("/api/echo")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            body,
            serde_json::json!({"code": 405, "detail": "Method not allowed."})
        );
    }
}
