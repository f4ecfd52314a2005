//! Entity tags for optimistic concurrency: the ETag is the row's version, quoted (a strong tag).

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
