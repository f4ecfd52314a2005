//! Entity tags for optimistic concurrency: the ETag is the row's version, quoted.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};

use super::error::{ApiError, ApiResult};

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
    let inner = s.strip_prefix("W/").unwrap_or(s);
    inner
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .and_then(|x| x.parse::<i32>().ok())
        .filter(|n| *n >= 1)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_parameter("If-Match", "must be an entity tag from an earlier response, e.g. \"3\"")
        })
}

/// Like `if_match`, but a missing header is 428.
pub fn require_if_match(req: &HttpRequest) -> ApiResult<i32> {
    if req.headers().get(header::IF_MATCH).is_none() {
        return Err(ApiError::precondition_required("send If-Match with the ETag of the version you acted upon"));
    }
    if_match(req)?.ok_or_else(|| ApiError::bad_parameter("If-Match", "must name one version, not *"))
}

pub fn header_value(version: i32) -> (header::HeaderName, HeaderValue) {
    (header::ETAG, HeaderValue::from_str(&etag(version)).unwrap_or(HeaderValue::from_static("\"0\"")))
}
