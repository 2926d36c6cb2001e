//! `ValidJson<T>`: the serializer layer. It requires `Content-Type: application/json` (415),
//! at most 64 KiB (413), JSON that deserializes into `T` (unknown fields refused, each problem
//! reported under its field as DRF does) and that passes `T`'s `Validate` rules (400 with field
//! errors). Only then does a view run.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors};

use crate::http::error::{AppError, FieldErrors};

/// A request body that deserialized and validated.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == mime::APPLICATION
                && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        }
        _ => false,
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(AppError::UnsupportedMediaType);
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("Could not read the request body.".into())
                }
            })?;
            parse(&bytes).map(ValidJson)
        })
    }
}

/// Deserializes and validates a body.
pub fn parse<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    // Every body is an object, as its schema says: serde would also read a struct from an
    // array of its fields (`[]` for one whose fields all have defaults).
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b == b'[') {
        return Err(AppError::field(NON_FIELD, "Expected a JSON object."));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| deserialize_errors(&e))?;
    de.end()
        .map_err(|_| AppError::field(NON_FIELD, "The body is not valid JSON."))?;
    value
        .validate()
        .map_err(|e| AppError::Validation(validation_errors(&e)))?;
    Ok(value)
}

/// DRF's key for errors that belong to no single field.
pub const NON_FIELD: &str = "non_field_errors";

fn deserialize_errors(err: &serde_path_to_error::Error<serde_json::Error>) -> AppError {
    use serde_json::error::Category;
    let inner = err.inner();
    if matches!(
        inner.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return AppError::field(NON_FIELD, "The body is not valid JSON.");
    }
    let text = inner.to_string();
    let text = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i]);
    let quoted = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(field) = quoted("unknown field `") {
        return AppError::field(&field, "Unknown field.");
    }
    if let Some(field) = quoted("missing field `") {
        return AppError::field(&field, "This field is required.");
    }
    let path = err.path().to_string();
    let field = if path == "." {
        NON_FIELD
    } else {
        path.as_str()
    };
    let message = match text.split_once(", expected ") {
        Some((_, expected)) => format!("Expected {expected}."),
        None => format!("Invalid value: {text}."),
    };
    AppError::field(field, message)
}

/// Deserializes a whole number that JSON may write as `5` or `5.0` (JSON Schema's `integer`
/// takes both, and so does DRF's `IntegerField`); `5.5`, strings and the rest are refused as
/// "Expected a whole number.".
pub fn whole_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // Beyond ±2^53 a float no longer names one whole number.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if v.fract() == 0.0 && v.abs() <= EXACT {
                #[allow(clippy::cast_possible_truncation)]
                Ok(v as i64)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    de.deserialize_any(Whole)
}

/// `validator`'s errors as DRF-style field errors, using each rule's message.
pub fn validation_errors(errors: &ValidationErrors) -> FieldErrors {
    errors
        .field_errors()
        .into_iter()
        .map(|(field, errs)| {
            let messages = errs
                .iter()
                .map(|e| match &e.message {
                    Some(message) => message.to_string(),
                    None => format!("Invalid value ({}).", e.code),
                })
                .collect();
            (field.to_string(), messages)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[validate(length(min = 3, message = "Too short."))]
        name: String,
        #[validate(range(min = 0, max = 31, message = "Out of range."))]
        #[serde(deserialize_with = "whole_number")]
        period: i64,
    }

    fn errors(json: &str) -> FieldErrors {
        match parse::<Body>(json.as_bytes()) {
            Err(AppError::Validation(errors)) => errors,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_problem_is_reported_under_its_field() {
        assert_eq!(
            errors(r#"{"name":"abc","period":1,"admin":true}"#)["admin"],
            ["Unknown field."]
        );
        assert_eq!(
            errors(r#"{"name":"abc"}"#)["period"],
            ["This field is required."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":"abc"}"#)["period"],
            ["Expected a whole number."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":5.5}"#)["period"],
            ["Expected a whole number."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":"5"}"#)["period"],
            ["Expected a whole number."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":1e300}"#)["period"],
            ["Expected a whole number."]
        );
        assert!(parse::<Body>(br#"{"name":"abc","period":5.0}"#).is_ok());
        assert_eq!(
            errors(r#"{"name":5,"period":1}"#)["name"],
            ["Expected a string."]
        );
        assert_eq!(
            errors(r#"{"name":"ab","period":1}"#)["name"],
            ["Too short."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":32}"#)["period"],
            ["Out of range."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":-1}"#)["period"],
            ["Out of range."]
        );
        assert_eq!(
            errors(r#"{"name":"abc""#)[NON_FIELD],
            ["The body is not valid JSON."]
        );
        assert_eq!(
            errors(r#"{"name":"abc","period":1} x"#)[NON_FIELD],
            ["The body is not valid JSON."]
        );
        assert_eq!(errors("[]")[NON_FIELD].len(), 1);
        assert_eq!(
            errors(" [\"abc\", 1]")[NON_FIELD],
            ["Expected a JSON object."]
        );
        assert!(parse::<Body>(br#"{"name":"abc","period":31}"#).is_ok());
    }
}
