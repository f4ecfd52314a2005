//! Typed request headers, each its own extractor and its own OpenAPI parameter, so a handler
//! names it once and the document follows: `If-Match` (optimistic concurrency; the ETag is the
//! row's version, quoted, a strong tag) and `Idempotency-Key`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest};
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::http::error::{ApiError, ApiResult};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`, if the header is present. `*` matches any version.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(v) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let s = v.to_str().map_err(|_| ApiError::bad_parameter("If-Match", "is not valid text"))?.trim();
    if s == "*" {
        return Ok(None);
    }
    // If-Match compares strongly (RFC 9110 13.1.1): a weak tag is well formed but never matches.
    let (weak, inner) = match s.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let digits = inner
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .filter(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
        .map(|x| x.trim_start_matches('0'))
        .filter(|x| !x.is_empty())
        .ok_or_else(|| {
            ApiError::bad_parameter("If-Match", "must be an entity tag from an earlier response, e.g. \"3\"")
        })?;
    // A well-formed tag of a version beyond any a record can reach simply does not match (412),
    // like any other stale tag; versions start at 1, so 0 stands for it.
    if weak {
        return Ok(Some(STALE));
    }
    Ok(Some(digits.parse::<i32>().unwrap_or(STALE)))
}

/// The version a well-formed but impossible entity tag stands for: no record has it.
pub const STALE: i32 = 0;

/// Like `if_match`, but a missing header is 428.
pub fn require_if_match(req: &HttpRequest) -> ApiResult<i32> {
    if req.headers().get(header::IF_MATCH).is_none() {
        return Err(ApiError::precondition_required("send If-Match with the ETag of the version you acted upon"));
    }
    if_match(req)?.ok_or_else(|| ApiError::bad_parameter("If-Match", "must name one version, not *"))
}

/// `If-Match`, required: the version the client acted upon. Missing → 428, malformed → 400,
/// `*` → 400 (a change must name the version it saw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i32);

/// `If-Match`, optional: `None` when absent or `*`. A malformed one is reported when the handler
/// asks for it (`version`), after the body was read, as it was before this was an extractor:
/// extracting never fails, so a bad header cannot overtake a bad body.
#[derive(Debug)]
pub struct MaybeIfMatch(ApiResult<Option<i32>>);

impl MaybeIfMatch {
    pub fn version(self) -> ApiResult<Option<i32>> {
        self.0
    }
}

/// The `Idempotency-Key` header, if sent: 1–255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require_if_match(req).map(IfMatch))
    }
}

impl FromRequest for MaybeIfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(MaybeIfMatch(if_match(req))))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(&IDEMPOTENCY_KEY) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s) if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(IdempotencyKey(Some(s.to_string())))
                }
                _ => Err(ApiError::bad_parameter("Idempotency-Key", "must be 1 to 255 visible ASCII characters")),
            },
        })
    }
}

const IF_MATCH_PATTERN: &str = r#"^\s*(W/)?"0*[1-9][0-9]{0,9}"\s*$"#;
const IF_MATCH_DESCRIPTION: &str = "ETag of the version acted upon (strong comparison: a weak tag never matches, 412)";

fn if_match_param(required: bool) -> Parameter {
    ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .description(Some(IF_MATCH_DESCRIPTION))
        .required(if required { Required::True } else { Required::False })
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some(IF_MATCH_PATTERN))))
        .build()
}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![if_match_param(true)]
    }
}

impl IntoParams for MaybeIfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![if_match_param(false)]
    }
}

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .description(Some("Retries with the same key (and the same body) replay the first answer (24 h)"))
                .required(Required::False)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]))
                        .max_length(Some(255))
                        .min_length(Some(1))
                        .pattern(Some("^[!-~]{1,255}$")),
                ))
                .build(),
        ]
    }
}

pub fn header_value(version: i32) -> (header::HeaderName, HeaderValue) {
    (header::ETAG, HeaderValue::from_str(&etag(version)).unwrap_or(HeaderValue::from_static("\"0\"")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn parse(v: &str) -> Result<Option<i32>, u16> {
        if_match(&TestRequest::default().insert_header((header::IF_MATCH, v)).to_http_request())
            .map_err(|e| e.status().as_u16())
    }

    #[test]
    fn entity_tags_parse_strictly_and_impossible_versions_are_stale() {
        assert_eq!(parse("\"3\""), Ok(Some(3)));
        assert_eq!(parse(" \"0003\"\t"), Ok(Some(3)));
        // Weak tags never match under If-Match's strong comparison.
        assert_eq!(parse("W/\"3\""), Ok(Some(STALE)));
        assert_eq!(parse("*"), Ok(None));
        // Beyond any version: a stale tag, 412 downstream, not a malformed one (fuzzer find).
        assert_eq!(parse("W/\"5207184770\""), Ok(Some(STALE)));
        assert_eq!(parse("\"000000000007713534453\""), Ok(Some(STALE)));
        for bad in ["3", "\"\"", "\"0\"", "\"+5\"", "\"-1\"", "\"3a\"", "W/3", "\"3"] {
            assert_eq!(parse(bad), Err(400), "{bad}");
        }
    }
}
