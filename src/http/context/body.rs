//! The JSON body extractor: size-limited, strict, and precise about what is wrong.
//!
//! Malformed JSON → 400 naming line and column; well-formed JSON of the wrong shape (unknown field,
//! wrong type, missing field) → 422 naming the field's path; over the limit → 413, refused before
//! it is read whole when `Content-Length` says so. serde_json stops at 128 levels of nesting.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::FieldIssue;
use crate::http::context::state::AppState;
use crate::http::context::strict::Objects;
use crate::http::error::ApiError;

/// A request body parsed as JSON into `T`, with the SHA-256 of its bytes (hex) for
/// Idempotency-Key fingerprints.
#[derive(Debug)]
pub struct JsonBody<T>(pub T, pub String);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map(|s| s.config.http.body_limit).unwrap_or(64 * 1024);
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let declared: Option<usize> =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::payload_too_large(limit));
            }
            if !content_type_ok {
                return Err(ApiError::unsupported_media_type("the request body must be application/json"));
            }
            let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::bad_request(format!("the request body could not be read: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::payload_too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            let digest = hex_sha256(&body);
            parse(&body).map(|v| JsonBody(v, digest))
        })
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses `bytes` as `T`, classifying errors as described in the module doc.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::malformed_json("the request body is empty; a JSON object is expected"));
    }
    // Every body of this API is an object. serde would also read a struct from an array of its
    // fields in order (`[null, null]`), which no client means and the document does not allow.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::validation(vec![FieldIssue::new("", "the request body must be a JSON object")])),
            Err(e) => Err(ApiError::malformed_json(format!(
                "malformed JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ))),
        };
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    // Objects: a nested struct from an object only, as the top level (see `context::strict`).
    match serde_path_to_error::deserialize::<_, T>(Objects(&mut *de)) {
        // Trailing garbage after the value is malformed JSON too.
        Ok(v) => de.end().map(|_| v).map_err(|_| ApiError::malformed_json("unexpected data after the JSON value")),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(ApiError::malformed_json(format!(
                    "malformed JSON at line {} column {}: {}",
                    inner.line(),
                    inner.column(),
                    strip_position(&inner.to_string())
                ))),
                Category::Data => {
                    let message = strip_position(&inner.to_string());
                    let mut field = if path == "." { String::new() } else { path };
                    // A missing field is reported at its object; name the field itself.
                    if let Some(name) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
                        field = if field.is_empty() { name.to_string() } else { format!("{field}.{name}") };
                    }
                    Err(ApiError::validation(vec![FieldIssue::new(field, message)]))
                }
            }
        }
    }
}

/// serde_json appends " at line L column C"; the field path already says where. Runs of six or
/// more digits are blanked: serde echoes wrongly typed values, and one could be a CPR number.
pub fn strip_position(msg: &str) -> String {
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    let mut out = String::with_capacity(msg.len());
    let mut run = String::new();
    for c in msg.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if run.len() >= 6 {
            out.push_str("<redacted>");
        } else {
            out.push_str(&run);
        }
        run.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
    }

    #[test]
    fn syntax_errors_are_400_with_position() {
        let e = parse::<Outer>(b"{\n  \"name\": \"x\",\n  oops }").unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(e.problem().detail.contains("line 3 column 3"), "{}", e.problem().detail);
        assert_eq!(parse::<Outer>(b"").unwrap_err().status().as_u16(), 400);
        assert_eq!(parse::<Outer>(b"{\"name\":\"x\",\"inner\":{\"n\":1}} x").unwrap_err().status().as_u16(), 400);
    }

    #[test]
    fn shape_errors_are_422_with_field_path() {
        let e = parse::<Outer>(br#"{"name":"x","inner":{"n":300}}"#).unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
        assert_eq!(e.problem().errors[0].field, "inner.n");
        let e = parse::<Outer>(br#"{"name":"x","inner":{"n":1},"status":"completed"}"#).unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
        assert!(e.problem().errors[0].message.contains("unknown field `status`"));
        let e = parse::<Outer>(br#"{"inner":{"n":1}}"#).unwrap_err();
        assert!(e.problem().errors[0].message.contains("missing field `name`"));
        assert_eq!(e.problem().errors[0].field, "name");
        // serde reads a struct from an array of its fields; a body must be an object (fuzzer find).
        for body in [&br#"["x", {"n": 1}]"#[..], b" [null, null]", b"\"x\"", b"12", b"null"] {
            let e = parse::<Outer>(body).unwrap_err();
            assert_eq!(e.status().as_u16(), 422, "{}", String::from_utf8_lossy(body));
            assert_eq!(e.problem().errors[0].message, "the request body must be a JSON object");
        }
        assert_eq!(parse::<Outer>(b"[1, ").unwrap_err().status().as_u16(), 400);
    }

    #[test]
    fn nested_objects_must_be_objects() {
        // serde would read `inner` from `[1]` (its fields in order); it must be an object.
        for inner in ["[1]", "[]", "1", "\"x\"", "true"] {
            let body = format!(r#"{{"name":"x","inner":{inner}}}"#);
            let e = parse::<Outer>(body.as_bytes()).unwrap_err();
            assert_eq!(e.status().as_u16(), 422, "{body}");
            assert_eq!(e.problem().errors[0].field, "inner", "{body}");
        }
        // Inside options and lists too.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Lists {
            maybe: Option<Inner>,
            many: Vec<Inner>,
        }
        let e = parse::<Lists>(br#"{"maybe":[3],"many":[]}"#).unwrap_err();
        assert_eq!(e.problem().errors[0].field, "maybe");
        let e = parse::<Lists>(br#"{"maybe":null,"many":[{"n":1},[2]]}"#).unwrap_err();
        assert_eq!(e.problem().errors[0].field, "many[1]");
        // Objects are still objects, and lists still lists.
        let ok = parse::<Lists>(br#"{"maybe":{"n":1},"many":[{"n":2}]}"#).unwrap();
        assert_eq!(ok.many.len(), 1);
    }

    #[test]
    fn numbers_that_could_be_cpr_are_not_echoed() {
        let e = parse::<Outer>(br#"{"name":1234567890,"inner":{"n":1}}"#).unwrap_err();
        let msg = &e.problem().errors[0].message;
        assert!(!msg.contains("1234567890"), "{msg}");
        assert!(msg.contains("<redacted>"), "{msg}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        // serde_json stops at 128 levels, long before the stack is in danger.
        let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        let e = parse::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(e.problem().detail.contains("recursion limit"), "{}", e.problem().detail);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse::<serde_json::Value>(deep.as_bytes()).unwrap_err().status().as_u16(), 422);
    }
}
