//! `Idempotency-Key`: a retried POST with the same key and body replays the first answer
//! instead of doing the work twice.
//!
//! Keys are scoped to the caller's `sub` and remembered for 24 hours. The same key with another
//! body → 422; the same key while the first request still runs → 409. A success and its record
//! commit in one transaction, so a replay can never disagree with what was stored. Client errors
//! are remembered too (the request was handled); server errors release the key for a retry.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::Connection;
use diesel::pg::PgConnection;

use super::auth::{Bearer, authorize};
use super::cases::Moment;
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::auth::Principal;
use crate::domain::role::Role;
use crate::store::idempotency;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The `Idempotency-Key` header, if sent: 1–255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

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

/// What a successful action answers; stored for replays.
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Answer {
    pub fn json<T: serde::Serialize>(
        status: StatusCode,
        value: &T,
        etag: Option<String>,
        location: Option<String>,
    ) -> ApiResult<Answer> {
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        Ok(Answer { status, body, etag, location })
    }

    fn response(&self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        let is_problem = !self.status.is_success();
        res.content_type(if is_problem { super::error::PROBLEM_JSON } else { "application/json" });
        if let Some(e) = &self.etag {
            res.insert_header((header::ETAG, e.as_str()));
        }
        if let Some(l) = &self.location {
            res.insert_header((header::LOCATION, l.as_str()));
        }
        if replayed {
            res.insert_header((REPLAYED, "true"));
        }
        res.body(self.body.clone())
    }
}

/// What a successful answer shows, so a replay of it is recorded in the access log too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveals {
    Case,
    Exemption,
    /// A webhook with its secret: replayed only while the caller may still manage it (no
    /// personal data, so no access record).
    Webhook,
}

/// Runs `work` in one transaction, at most once per (sub, key, fingerprint). A stored answer is
/// replayed only to a caller who may still do the request now (`roles`, office checks), and the
/// replay is an access like the original.
///
/// The key is held by a transaction-scoped advisory lock, and its answer is written in the same
/// transaction as the work. So there is no "claimed" state to outlive a crash: a process killed
/// mid-request leaves nothing behind, and the client's retry with the same key does the work
/// once. A second request while the first still runs finds the lock taken: 409.
#[allow(clippy::too_many_arguments)]
pub async fn run<F>(
    state: &AppState,
    bearer: &Bearer,
    roles: &'static [Role],
    reveals: Reveals,
    moment: &Moment,
    key: IdempotencyKey,
    fingerprint: String,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut PgConnection) -> ApiResult<Answer> + Send + 'static,
{
    let db = &state.db;
    let Some(key) = key.0 else {
        let answer = db.run(move |conn| conn.transaction(work)).await?;
        return Ok(answer.response(false));
    };
    let sub = bearer.0.sub.clone();
    // Stored answers hold personal data: they are kept sealed like CPR numbers.
    let vault = state.vault.clone();
    let (b, m) = (bearer.clone(), moment.clone());
    let outcome = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let who = authorize(conn, &b, roles)?;
                if !idempotency::lock(conn, &sub, &key)? {
                    return Err(ApiError::conflict(
                        "idempotency_key_in_flight",
                        "a request with this Idempotency-Key is still being processed; retry later",
                    ));
                }
                if let Some(known) = idempotency::find(conn, &sub, &key)? {
                    if known.fingerprint != fingerprint {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "idempotency_key_reused",
                            "Idempotency key reused",
                            "this Idempotency-Key was used for a different request",
                        ));
                    }
                    let body = vault.open_bytes(&known.response_body)?;
                    if (200..300).contains(&known.status_code) {
                        record_replay(conn, &who, &m, reveals, &body)?;
                    }
                    let status = StatusCode::from_u16(known.status_code as u16).map_err(ApiError::internal)?;
                    return Ok((Answer { status, body, etag: known.etag, location: known.location }, true));
                }
                // The work runs under a savepoint: when it refuses the request (4xx), its changes
                // are undone but the refusal is remembered with the key, as an answer like any other.
                let answer = match conn.transaction(work) {
                    Ok(a) => a,
                    Err(e) if e.status().is_client_error() => Answer {
                        status: e.status(),
                        body: serde_json::to_vec(&e.problem()).map_err(ApiError::internal)?,
                        etag: None,
                        location: None,
                    },
                    // A server error keeps nothing: the key stays free for a retry.
                    Err(e) => return Err(e),
                };
                idempotency::insert(
                    conn,
                    &idempotency::NewAnswer {
                        sub: &sub,
                        key: &key,
                        fingerprint: &fingerprint,
                        status_code: i32::from(answer.status.as_u16()),
                        response_body: &vault.seal_bytes(&answer.body),
                        etag: answer.etag.as_deref(),
                        location: answer.location.as_deref(),
                    },
                )?;
                Ok((answer, false))
            })
        })
        .await?;
    let (answer, replayed) = outcome;
    Ok(answer.response(replayed))
}

/// Records the access a replayed answer makes: the record's id is in the stored body.
fn record_replay(
    conn: &mut PgConnection,
    who: &Principal,
    moment: &Moment,
    reveals: Reveals,
    body: &[u8],
) -> ApiResult<()> {
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()))
        .ok_or_else(|| ApiError::internal("stored answer without an id"))?;
    // The caller must still see the record (office scoping), as for any read.
    match reveals {
        Reveals::Case => {
            let (row, _) = super::cases::load_visible(conn, who, id)?;
            let subject = super::audit::Subject::Case { id, cpr_index: &row.applicant_cpr_index };
            super::audit::record(conn, who, moment, subject)
        }
        Reveals::Exemption => {
            let (row, _) = super::exemptions::load_visible(conn, who, id)?;
            let subject = super::audit::Subject::Exemption { id, cpr_index: &row.citizen_cpr_index };
            super::audit::record(conn, who, moment, subject)
        }
        Reveals::Webhook => super::webhooks::load_visible(conn, who, id, false).map(|_| ()),
    }
}
