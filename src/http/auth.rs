//! Authentication extractor and authorization by role and office.
//!
//! `Bearer` verifies the token (signature and claims, no I/O). Handlers then resolve the
//! caller's office inside their own database closure with `authorize`, so one pool checkout
//! serves both the check and the work.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::pg::PgConnection;

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::auth::{Identity, OfficeRef, Principal};
use crate::domain::office::OfficeKind;
use crate::domain::role::Role;
use crate::store;

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

/// What authorization needs of an office.
#[derive(Clone)]
struct CachedOffice {
    id: uuid::Uuid,
    code: String,
    kind: OfficeKind,
    active: bool,
    fetched: Instant,
}

/// Every clerk and bank request resolves its token's office; caching it per server saves a
/// database round trip per request (bench/README.md). An office changed through this server is
/// dropped from its cache at once (`forget`); on other instances a change takes effect within
/// `OFFICE_CACHE_TTL`.
#[derive(Default)]
pub struct OfficeCache(Mutex<HashMap<String, CachedOffice>>, AtomicU64);

const OFFICE_CACHE_TTL: Duration = Duration::from_secs(5);

impl OfficeCache {
    pub fn forget(&self, code: &str) {
        // Bumped first: a lookup that read the office before this change will not store it.
        self.1.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.0.lock() {
            c.remove(code);
        }
    }

    fn get(&self, conn: &mut PgConnection, code: &str) -> ApiResult<Option<CachedOffice>> {
        let hit = self.0.lock().ok().and_then(|c| c.get(code).cloned());
        if let Some(o) = hit.filter(|o| o.fetched.elapsed() < OFFICE_CACHE_TTL) {
            return Ok(Some(o));
        }
        let generation = self.1.load(Ordering::SeqCst);
        let Some(row) = store::offices::find_by_code(conn, code)? else { return Ok(None) };
        let o =
            CachedOffice { id: row.id, code: row.code, kind: row.kind, active: row.active, fetched: Instant::now() };
        if let Ok(mut c) = self.0.lock()
            && self.1.load(Ordering::SeqCst) == generation
        {
            if c.len() > 10_000 {
                c.clear(); // offices number in the hundreds; the bound keeps odd tokens from growing it
            }
            c.insert(code.to_string(), o.clone());
        }
        Ok(Some(o))
    }
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
