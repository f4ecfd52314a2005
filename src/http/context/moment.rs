//! The moment a request acts in: the instant, its Copenhagen day, the request id (for the audit
//! trail and the access log) and the route it came by. Taken once per request, so every rule,
//! event and record of one request agrees on "now" and "today".

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::clock::copenhagen_day;
use crate::http::error::ApiError;

/// The request id, put into the request extensions by `http::middleware` before any handler runs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The moment and calendar day a request acts in, and its id for the audit trail.
#[derive(Debug, Clone)]
pub struct Moment {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub request_id: String,
    /// `METHOD /route/{pattern}`, for the access log.
    pub endpoint: String,
}

impl Moment {
    pub fn of(req: &HttpRequest) -> Moment {
        let now = Utc::now();
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let endpoint = format!("{} {}", req.method(), req.match_pattern().unwrap_or_else(|| req.path().to_string()));
        Moment { now, today: copenhagen_day(now), request_id, endpoint }
    }
}

impl FromRequest for Moment {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Moment::of(req)))
    }
}
