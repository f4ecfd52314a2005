//! The caller: authentication extractor and authorization by role and office.
//!
//! `Bearer` verifies the token (signature and claims, no I/O). `authorize` then resolves the
//! caller's office and checks the role, inside the database closure of the work itself
//! (`Caller::run` / `transaction`, and the executors in `idempotency` and `command`), so one pool
//! checkout serves both the check and the work.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::Connection;
use diesel::pg::PgConnection;

use crate::auth::{Identity, OfficeRef, Principal};
use crate::domain::office::OfficeKind;
use crate::domain::role::Role;
use crate::http::context::moment::Moment;
use crate::http::context::offices::OfficeCache;
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult};

/// A verified bearer token's identity, and the server's office cache for resolving its office.
#[derive(Clone)]
pub struct Bearer(pub Identity, pub Arc<OfficeCache>);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Bearer").field(&self.0).finish()
    }
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

fn extract(req: &HttpRequest) -> ApiResult<Bearer> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?;
    let value = match req.headers().get(header::AUTHORIZATION) {
        None => return Err(ApiError::missing_token()),
        Some(v) => v.to_str().map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?,
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))?;
    let identity = state.keys.verify(token).map_err(|e| ApiError::unauthorized(e.to_string()))?;
    tracing::Span::current().record("actor.sub", identity.sub.as_str());
    Ok(Bearer(identity, state.offices.clone()))
}

/// The office a list or report covers: supervisors any (or all, `None`); everyone else only
/// their own, whatever they asked for another one (403).
pub fn office_scope(who: &Principal, asked: Option<uuid::Uuid>) -> ApiResult<Option<uuid::Uuid>> {
    match who.role {
        Role::Supervisor => Ok(asked),
        _ => {
            let own = who.office.as_ref().map(|o| o.id);
            if asked.is_some() && asked != own {
                return Err(ApiError::forbidden("only supervisors may look at another office"));
            }
            Ok(own)
        }
    }
}

/// Resolves the caller's office and checks the role is one of `allowed`.
///
/// Clerk and bank tokens must name an existing, active office of the kind their role works in;
/// otherwise 403, whatever the endpoint.
pub fn authorize(conn: &mut PgConnection, bearer: &Bearer, allowed: &[Role]) -> ApiResult<Principal> {
    let id = &bearer.0;
    let office = match id.role.required_office_kind() {
        None => None,
        Some(kind) => Some(resolve_office(conn, id, kind, &bearer.1)?),
    };
    if !allowed.contains(&id.role) {
        return Err(ApiError::forbidden(format!("the role `{}` may not do this", id.role.as_str())));
    }
    Ok(Principal { sub: id.sub.clone(), name: id.name.clone(), role: id.role, office })
}

fn resolve_office(
    conn: &mut PgConnection,
    id: &Identity,
    kind: OfficeKind,
    bearer_offices: &OfficeCache,
) -> ApiResult<OfficeRef> {
    let code = id.office_code.as_deref().unwrap_or_default();
    let row = bearer_offices.get(conn, code)?.ok_or_else(|| ApiError::forbidden("the token's office is not known"))?;
    if !row.active {
        return Err(ApiError::forbidden("the token's office is not active"));
    }
    let row_kind = row.kind;
    if row_kind != kind {
        return Err(ApiError::forbidden(format!(
            "the role `{}` does not work at a {}",
            id.role.as_str(),
            row_kind.as_str().replace('_', " ")
        )));
    }
    Ok(OfficeRef { id: row.id, code: row.code, kind: row_kind })
}

/// A handler's view of its request: the application, the verified token and the moment. `run`
/// does the handler's database work on a blocking thread, for the caller authorized (role and
/// office) in the same checkout.
#[derive(Clone)]
pub struct Caller {
    pub state: web::Data<AppState>,
    pub bearer: Bearer,
    pub moment: Moment,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        ready(extract(req).and_then(|bearer| {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            Ok(Caller { state, bearer, moment: Moment::of(req) })
        }))
    }
}

impl Caller {
    /// Runs `work` for the caller, if their role is one of `roles` (and their office is in order).
    pub async fn run<T, F>(&self, roles: &'static [Role], work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Principal, &Moment) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (bearer, moment) = (self.bearer.clone(), self.moment.clone());
        self.state
            .db
            .run(move |conn| {
                let who = authorize(conn, &bearer, roles)?;
                work(conn, &who, &moment)
            })
            .await
    }

    /// Like `run`, with `work` in one transaction (its changes commit together or not at all).
    pub async fn transaction<T, F>(&self, roles: &'static [Role], work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Principal, &Moment) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(roles, move |conn, who, moment| conn.transaction(|conn| work(conn, who, moment))).await
    }
}
