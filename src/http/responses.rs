//! Answers many operations share, written once for the OpenAPI document: types for
//! `responses(...)`, never built. `http::openapi::add_conventions` adds `CommonErrors` to every
//! operation that needs the bearer token, `NotFound` to every one that addresses a record,
//! `ParameterErrors` to every one with a query or header parameter, `BodyErrors` to every one that
//! takes a JSON body and `IdempotencyErrors` (or, with a body too, `IdempotentBodyErrors`) to every
//! one that accepts `Idempotency-Key`; an operation lists only what is its own (the
//! state-changing actions on versioned records: `ActionErrors`). An operation that states an
//! answer itself keeps its own description.

use crate::http::error::Problem;

/// What any authenticated operation may answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum CommonErrors {
    /// Missing or invalid token, or no live desk session
    #[response(status = 401, content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "Bearer challenge")))]
    Unauthorized(Problem),
    /// The role may not do this; the token's claims give no role (`no_role`) or the office is unknown,
    /// inactive or of the wrong kind; or a state-changing request with the desk session came from
    /// another origin (`cross_origin_request`)
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The database, or the identity provider a token's key must come from, is unavailable
    #[response(status = 503, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Unavailable(Problem),
}

/// The record does not exist, or the caller may not see it (the same answer, so ids of other
/// offices' records reveal nothing).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// No such record (or not visible to the caller)
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// What any operation with parameters (path, query or header) may answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ParameterErrors {
    /// A malformed parameter, header or cursor
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
}

/// What any operation that accepts `Idempotency-Key` may answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum IdempotencyErrors {
    /// A replay of a request whose record the caller may no longer see (deleted since, or of
    /// another office now)
    #[response(status = 404, content_type = "application/problem+json")]
    Gone(Problem),
    /// A request with the same Idempotency-Key is still in flight
    #[response(status = 409, content_type = "application/problem+json")]
    InFlight(Problem),
    /// The Idempotency-Key was used for another request
    #[response(status = 422, content_type = "application/problem+json")]
    Reused(Problem),
}

/// An operation with a JSON body and `Idempotency-Key`: either can be the 422.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum IdempotentBodyErrors {
    /// A field is missing, of the wrong type or breaks a rule (one entry per field, with the reason), or the Idempotency-Key was used for another body
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// What any operation with a JSON body may answer (`context::body::JsonBody`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// Malformed JSON, or a malformed parameter or header
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Body too large
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Body is not JSON
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// A field is missing, of the wrong type or breaks a rule (one entry per field, with the reason)
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// The errors of every state-changing action on a case or an exemption (If-Match required,
/// Idempotency-Key accepted). A type for the OpenAPI document only, never built.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ActionErrors {
    /// Malformed JSON, If-Match or Idempotency-Key.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Not allowed in the record's state (`allowed_actions` lists what is), or the
    /// Idempotency-Key is still in flight.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The record changed since the entity tag in If-Match.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// Evidence or fields break a rule (one entry per field, with the reason), or the
    /// Idempotency-Key was used for another body.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// If-Match is missing.
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Problem),
}
