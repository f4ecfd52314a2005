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

/// Accepts a caller's id if it is 1–64 characters of `[A-Za-z0-9._:-]` with no run of six or
/// more digits (it is logged and stored, and must not be able to carry a CPR number); otherwise
/// makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
                && !v.as_bytes().windows(6).any(|w| w.iter().all(u8::is_ascii_digit))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

pub async fn middleware(
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
