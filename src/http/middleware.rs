//! Per-request context: the request id, the request's tracing span, one log line per request,
//! and a guarantee that every error response is `application/problem+json`.
//!
//! The log line names the route *pattern* (`/api/v1/offices/{id}`), never the concrete path or
//! the query string, which may carry personal data.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use tracing::Instrument;

use crate::http::context::moment::RequestId;
use crate::http::error::{ApiError, PROBLEM_JSON};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The caller's request id, if it may be logged and stored as it is; otherwise a new UUID v7.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// A UUID in canonical form (8-4-4-4-12 hex digits, any version) is always accepted: clients
/// correlate by their own UUIDs, and about a quarter of random ones hold six digits in a row.
/// Anything else must be 1–64 characters of `[A-Za-z0-9._:-]` without a run of six or more
/// digits, so that no other shape can carry a CPR number into the logs (docs/API.md).
fn acceptable_request_id(v: &str) -> bool {
    is_canonical_uuid(v)
        || (!v.is_empty()
            && v.len() <= 64
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
            && !v.as_bytes().windows(6).any(|w| w.iter().all(u8::is_ascii_digit)))
}

fn is_canonical_uuid(v: &str) -> bool {
    v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, actor.sub = tracing::field::Empty);
    let started = Instant::now();

    let res = next.call(req).instrument(span.clone()).await?;
    let res = problem_for_bare_errors(res.map_into_boxed_body());
    let mut res = res;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    let route = res.request().match_pattern().unwrap_or_else(|| "<unmatched>".to_string());
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            http.method = %method,
            http.route = %route,
            http.status = status,
            latency_ms = format_args!("{latency_ms:.1}"),
            "request finished"
        );
    });
    Ok(res)
}

/// Errors raised by actix itself (a bad path segment, an unroutable method) arrive as plain
/// text; re-render them as problems so clients meet one error format.
fn problem_for_bare_errors(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return res;
    }
    let detail = match res.response().error() {
        Some(e) if status.is_client_error() => e.to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::not_found(detail),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "payload_too_large", "Payload too large", detail),
        s if s.is_server_error() => ApiError::internal(format!("bare {s} response: {detail}")),
        s => ApiError::new(s, "bad_request", "Bad request", detail),
    };
    let (req, _) = res.into_parts();
    ServiceResponse::new(req, err.error_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_always_accepted_other_digit_runs_never() {
        // Canonical UUIDs, whatever digits they hold, in either case.
        for id in [
            "123e4567-e89b-12d3-a456-426614174000",
            "00000000-0000-0000-0000-000000000000",
            "01019012-3412-4abc-8def-0101901234ab",
            "0190F1C4-AAAA-7000-8000-000000000000",
        ] {
            assert!(acceptable_request_id(id), "{id}");
        }
        // Other shapes with six digits in a row could carry a CPR number.
        for id in [
            "010190-1234",
            "0101901234",
            "req-123456",
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400",
        ] {
            assert!(!acceptable_request_id(id), "{id}");
        }
        assert!(acceptable_request_id("desk-7.42_a:b"));
        assert!(!acceptable_request_id("") && !acceptable_request_id("a b") && !acceptable_request_id(&"a".repeat(65)));
        // A UUID's shape with something else in a hex place is not a UUID.
        assert!(!acceptable_request_id("123e4567-e89b-12d3-a456-42661417400g"));
    }
}
