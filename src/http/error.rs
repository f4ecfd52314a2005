//! The one error type of the HTTP layer, rendered as RFC 9457 `application/problem+json`.
//!
//! Policy: store code returns `QueryResult`; handlers turn it into `ApiError` with `?`. Central
//! mappings: `diesel::NotFound` → 404; a closed connection or pool timeout → 503 + `Retry-After`;
//! anything else → 500, logged once here with its cause and never shown to the client.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldIssue;
use crate::vault::VaultError;

pub const PROBLEM_JSON: &str = "application/problem+json";
/// Seconds a client should wait before retrying when the database is unavailable.
pub const RETRY_AFTER_SECS: u32 = 5;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:nemid-desk:problem:validation_failed",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "kind": "validation_failed",
    "errors": [{"field": "code", "message": "must be 2 to 32 characters A-Z, 0-9 or -"}]
}))]
pub struct Problem {
    /// `urn:nemid-desk:problem:<kind>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Machine-readable kind (snake_case), the last part of `type`.
    pub kind: String,
    /// Per-field reasons, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldIssue>,
    /// Actions allowed in the current state, for `action_not_allowed` problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub allowed_actions: Option<Vec<String>>,
}

/// An error answered to the client. Build with the constructors below. Boxed, so a `Result`
/// carrying it stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
pub struct Inner {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldIssue>,
    allowed_actions: Option<Vec<String>>,
    headers: Vec<(header::HeaderName, String)>,
    /// Internal cause, logged for 5xx, never rendered.
    cause: Option<String>,
    location: &'static std::panic::Location<'static>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl std::ops::Deref for ApiError {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.0
    }
}

impl ApiError {
    #[track_caller]
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            allowed_actions: None,
            headers: Vec::new(),
            cause: None,
            location: std::panic::Location::caller(),
        }))
    }

    #[track_caller]
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", "Bad request", detail)
    }

    #[track_caller]
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", "Malformed JSON", detail)
    }

    /// 422 with one entry per failing field.
    #[track_caller]
    pub fn validation(errors: Vec<FieldIssue>) -> Self {
        let detail = match errors.len() {
            1 => format!("{}: {}", errors[0].field, errors[0].message),
            n => format!("{n} fields are invalid"),
        };
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Validation failed", detail);
        e.errors = errors;
        e
    }

    #[track_caller]
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldIssue::new(field, message)])
    }

    /// 400 for a query or path parameter.
    #[track_caller]
    pub fn bad_parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        let f = FieldIssue::new(field, message);
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "Invalid parameter",
            format!("{}: {}", f.field, f.message),
        );
        e.errors = vec![f];
        e
    }

    #[track_caller]
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail.clone());
        // RFC 6750 §3: quoted-string, so no double quotes or backslashes inside.
        let desc: String = detail.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect();
        e.headers
            .push((header::WWW_AUTHENTICATE, format!("Bearer error=\"invalid_token\", error_description=\"{desc}\"")));
        e
    }

    /// 401 when no credentials were sent at all, with the same `invalid_token` challenge as a bad token.
    #[track_caller]
    pub fn missing_token() -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            "send Authorization: Bearer <token>",
        );
        e.headers.push((
            header::WWW_AUTHENTICATE,
            "Bearer error=\"invalid_token\", error_description=\"no bearer token\"".into(),
        ));
        e
    }

    #[track_caller]
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 403: a genuine token or sign-in whose claims give no (single) role of nemid-desk, or no
    /// office for a role that works at one. Never answered with a default role instead.
    #[track_caller]
    pub fn no_role(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "no_role", "No role in nemid-desk", detail)
    }

    /// 403: a state-changing request carried the session cookie but came from another origin.
    #[track_caller]
    pub fn cross_origin(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "cross_origin_request", "Cross-origin request refused", detail)
    }

    /// 503: the identity provider (its discovery document, keys or token endpoint) is not
    /// reachable; `cause` is logged.
    #[track_caller]
    pub fn identity_provider_unavailable(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "identity_provider_unavailable",
            "Service unavailable",
            "the identity provider is not reachable right now; retry later",
        );
        e.cause = Some(cause.to_string());
        e
    }

    #[track_caller]
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    /// 405 with the `Allow` header listing `allowed`.
    #[track_caller]
    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        let list = allowed.join(", ");
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            format!("this resource allows {list}"),
        );
        e.headers.push((header::ALLOW, list));
        e
    }

    #[track_caller]
    pub fn conflict(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, "Conflict", detail)
    }

    #[track_caller]
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", "Precondition failed", detail)
    }

    #[track_caller]
    pub fn precondition_required(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_REQUIRED, "precondition_required", "Precondition required", detail)
    }

    #[track_caller]
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("the request body exceeds the limit of {limit} bytes"),
        )
    }

    #[track_caller]
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type", detail)
    }

    #[track_caller]
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Service unavailable",
            "the database is not reachable right now; retry later",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// 429: an abuse limit; another request is allowed after `retry_after_secs`.
    #[track_caller]
    pub fn too_many_requests(retry_after_secs: i64, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "Too many requests", detail);
        e.headers.push((header::RETRY_AFTER, retry_after_secs.max(1).to_string()));
        e
    }

    /// 503: online ordering is switched off here (no registers configured). Said once at start-up,
    /// not logged per request.
    #[track_caller]
    pub fn online_ordering_off() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "online_ordering_unavailable",
            "Online ordering is not available",
            "NemID cannot be ordered online here at the moment; apply at a citizen service centre or your bank",
        )
    }

    /// 500; `cause` is logged, the client sees only a generic message.
    #[track_caller]
    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
            "an unexpected error occurred; it has been logged",
        );
        e.cause = Some(cause.to_string());
        e
    }

    pub fn with_allowed_actions(mut self, actions: Vec<String>) -> Self {
        self.allowed_actions = Some(actions);
        self
    }

    /// What went wrong inside, for logs that are not a response's (a background job's).
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:nemid-desk:problem:{}", self.kind),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            kind: self.kind.to_string(),
            errors: self.errors.clone(),
            allowed_actions: self.allowed_actions.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.status.as_u16(), self.kind, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind == "identity_provider_unavailable" {
            // Another system's outage, not a fault here: the provider's own client logs it too.
            tracing::warn!(
                error.kind = self.kind,
                error.cause = self.cause.as_deref().unwrap_or(""),
                "request failed: {}",
                self.title
            );
        } else if self.kind == "online_ordering_unavailable" {
            // A setting, reported at start-up.
        } else if self.status.is_server_error() {
            // The one place a server-side failure is logged, with where it was raised.
            tracing::error!(
                error.kind = self.kind,
                error.cause = self.cause.as_deref().unwrap_or(""),
                error.at = %self.location,
                "request failed: {}",
                self.title
            );
        }
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        // A setting is no outage: nothing to retry soon.
        if self.status == StatusCode::SERVICE_UNAVAILABLE && self.kind != "online_ordering_unavailable" {
            res.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
        }
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                res.insert_header((name.clone(), v));
            }
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<Vec<FieldIssue>> for ApiError {
    #[track_caller]
    fn from(issues: Vec<FieldIssue>) -> Self {
        ApiError::validation(issues)
    }
}

impl From<DieselError> for ApiError {
    #[track_caller]
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::NotFound => ApiError::not_found("no such resource"),
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => ApiError::unavailable(&e),
            DieselError::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, _) => ApiError::unavailable(&e),
            // A serialization failure or deadlock: nothing was written; a retry will succeed.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => ApiError::unavailable(&e),
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("deadlock detected") =>
            {
                ApiError::unavailable(&e)
            }
            // 57014: statement_timeout fired; 57P01..57P03: the server is shutting down / starting;
            // and libpq's words for a connection that went away under a query (the server's end
            // terminated between two statements of one request).
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("canceling statement due to statement timeout")
                    || info.message().contains("terminating connection")
                    || info.message().contains("server closed the connection")
                    || info.message().contains("no connection to the server")
                    || info.message().contains("could not receive data from server")
                    || info.message().contains("could not send data to server") =>
            {
                ApiError::unavailable(&e)
            }
            DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => ApiError::unavailable(&e),
            // The connection died at COMMIT, or its transaction state was lost with it: whether the
            // commit took is unknown, so the client retries (with its Idempotency-Key, which
            // replays a commit that did take).
            DieselError::RollbackErrorOnCommit { .. } | DieselError::BrokenTransactionManager => {
                ApiError::unavailable(&e)
            }
            _ => ApiError::internal(&e),
        }
    }
}

impl From<VaultError> for ApiError {
    #[track_caller]
    fn from(e: VaultError) -> Self {
        // A key is missing or a value was tampered with: an operator must look, not the client.
        ApiError::internal(e)
    }
}

impl From<r2d2::Error> for ApiError {
    #[track_caller]
    fn from(e: r2d2::Error) -> Self {
        // The pool's checkout timed out: the database is down or every connection is busy.
        ApiError::unavailable(e)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    #[track_caller]
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}
