//! `Idempotency-Key`: a retried POST with the same key and body replays the first answer
//! instead of doing the work twice.
//!
//! Keys are scoped to the caller's `sub` and remembered for 24 hours. The same key with another
//! body → 422; the same key while the first request still runs → 409. A success and its record
//! commit in one transaction, so a replay can never disagree with what was stored. Client errors
//! are remembered too (the request was handled); server errors release the key for a retry.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::role::Role;
use crate::http::context::caller::{Caller, authorize};
use crate::http::context::headers::{IdempotencyKey, REPLAYED};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult, PROBLEM_JSON};
use crate::store::idempotency;

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
        res.content_type(if is_problem { PROBLEM_JSON } else { "application/json" });
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

/// Re-checks, for a replayed success, that the caller may still see the record with this id
/// (office scoping, as for any read) and records the access it makes. Each resource hands in its
/// own: the executor knows no resource.
pub type Replay = fn(&mut PgConnection, &Principal, &Moment, Uuid) -> ApiResult<()>;

/// One request, as the executor needs to know it apart from its work.
pub struct Request {
    pub caller: Caller,
    /// Who may make the request; checked in the transaction, for replays too.
    pub roles: &'static [Role],
    pub key: IdempotencyKey,
    /// What a retry must repeat to be a replay: method, path, If-Match and the body's digest.
    pub fingerprint: String,
    pub replay: Replay,
}

/// Runs `work` in one transaction, at most once per (sub, key, fingerprint), for the caller
/// authorized once at its start. A stored answer is replayed only to a caller who may still do
/// the request now (`roles`, office checks, `replay`), and the replay is an access like the
/// original.
///
/// The key is held by a transaction-scoped advisory lock, and its answer is written in the same
/// transaction as the work. So there is no "claimed" state to outlive a crash: a process killed
/// mid-request leaves nothing behind, and the client's retry with the same key does the work
/// once. A second request while the first still runs finds the lock taken: 409.
pub async fn run<F>(request: Request, work: F) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut PgConnection, &Principal, &Moment) -> ApiResult<Answer> + Send + 'static,
{
    let Request { caller: Caller { state, credential: caller, moment }, roles, key, fingerprint, replay } = request;
    let db = &state.db;
    let Some(key) = key.0 else {
        let answer = db
            .run(move |conn| {
                conn.transaction(|conn| {
                    let who = authorize(conn, &caller, roles)?;
                    work(conn, &who, &moment)
                })
            })
            .await?;
        return Ok(answer.response(false));
    };
    // Stored answers hold personal data: they are kept sealed like CPR numbers.
    let vault = state.vault.clone();
    let outcome = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let who = authorize(conn, &caller, roles)?;
                let sub = who.sub.clone();
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
                        replay(conn, &who, &moment, id_of(&body)?)?;
                    }
                    let status = StatusCode::from_u16(known.status_code as u16).map_err(ApiError::internal)?;
                    return Ok((Answer { status, body, etag: known.etag, location: known.location }, true));
                }
                // The work runs under a savepoint: when it refuses the request (4xx), its changes
                // are undone but the refusal is remembered with the key, as an answer like any other.
                let answer = match conn.transaction(|conn| work(conn, &who, &moment)) {
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

/// The id of the record a stored answer shows.
fn id_of(body: &[u8]) -> ApiResult<Uuid> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .ok_or_else(|| ApiError::internal("stored answer without an id"))
}
