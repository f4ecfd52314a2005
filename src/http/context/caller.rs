//! The caller: authentication extractor and authorization by role and office.
//!
//! `Credential` is what the request presented: a bearer token, verified here (signature and
//! claims; the identity provider's keys may need one fetch), or the desk session's cookie,
//! looked up in `authorize`. `authorize` then resolves the caller's office and checks the role,
//! inside the database closure of the work itself (`Caller::run` / `transaction`, and the
//! executors in `idempotency` and `command`), so one pool checkout serves the session, the check
//! and the work.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use futures_util::future::LocalBoxFuture;

use crate::auth::{Identity, OfficeRef, Principal, TokenError};
use crate::domain::office::OfficeKind;
use crate::domain::role::Role;
use crate::http::context::audit::Reveals;
use crate::http::context::moment::Moment;
use crate::http::context::offices::OfficeCache;
use crate::http::context::session;
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store;

/// What a request authenticated with, and the server's office cache for resolving its office.
#[derive(Clone)]
pub struct Credential {
    presented: Presented,
    offices: Arc<OfficeCache>,
}

#[derive(Clone)]
enum Presented {
    /// A verified bearer token.
    Token(Identity),
    /// The desk session's cookie, not yet looked up.
    Session { token_hash: [u8; 32], at: DateTime<Utc>, idle: Duration },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.presented {
            Presented::Token(id) => f.debug_tuple("Token").field(id).finish(),
            Presented::Session { .. } => f.write_str("Session"),
        }
    }
}

impl Credential {
    /// An identity verified elsewhere (a sign-in's ID token), to authorize before a session
    /// exists for it.
    pub fn of_identity(identity: Identity, offices: Arc<OfficeCache>) -> Credential {
        Credential { presented: Presented::Token(identity), offices }
    }
}

impl FromRequest for Credential {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { extract(&req).await })
    }
}

/// The answer to a token that was not accepted.
pub fn token_refused(e: TokenError) -> ApiError {
    match e {
        TokenError::ProviderUnavailable => ApiError::identity_provider_unavailable(e),
        e if e.is_forbidden() => ApiError::no_role(e.to_string()),
        e => ApiError::unauthorized(e.to_string()),
    }
}

async fn extract(req: &HttpRequest) -> ApiResult<Credential> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?;
    let offices = state.offices.clone();
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return match state.verifier.oidc.as_ref().and_then(|_| session::cookie_hash(req)) {
            Some(token_hash) => {
                let oidc = state.config.oidc.as_ref().ok_or_else(|| ApiError::internal("session without OIDC"))?;
                if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
                    session::same_origin(req, &oidc.public_url)?;
                }
                let presented = Presented::Session { token_hash, at: Utc::now(), idle: oidc.session_idle_timeout };
                Ok(Credential { presented, offices })
            }
            None => Err(ApiError::missing_token()),
        };
    };
    let value = value.to_str().map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))?;
    let identity = state.verifier.verify(token).await.map_err(token_refused)?;
    tracing::Span::current().record("actor.sub", identity.sub.as_str());
    Ok(Credential { presented: Presented::Token(identity), offices })
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
pub fn authorize(conn: &mut PgConnection, credential: &Credential, allowed: &[Role]) -> ApiResult<Principal> {
    let from_session;
    let id = match &credential.presented {
        Presented::Token(id) => id,
        Presented::Session { token_hash, at, idle } => {
            from_session = session_identity(conn, token_hash, *at, *idle)?;
            &from_session
        }
    };
    let office = match id.role.required_office_kind() {
        None => None,
        Some(kind) => Some(resolve_office(conn, id, kind, &credential.offices)?),
    };
    if !allowed.contains(&id.role) {
        return Err(ApiError::forbidden(format!("the role `{}` may not do this", id.role.as_str())));
    }
    Ok(Principal { sub: id.sub.clone(), name: id.name.clone(), role: id.role, office })
}

/// The signed-in user of a live session (not ended, not past its lifetime, not idle too long);
/// its last use is written at most every `session::touch_every(idle)`.
fn session_identity(
    conn: &mut PgConnection,
    token_hash: &[u8; 32],
    at: DateTime<Utc>,
    idle: Duration,
) -> ApiResult<Identity> {
    let touch_every = chrono::Duration::from_std(session::touch_every(idle)).map_err(ApiError::internal)?;
    let idle = chrono::Duration::from_std(idle).map_err(ApiError::internal)?;
    let row = store::sessions::find_live(conn, token_hash, at, idle)?
        .ok_or_else(|| ApiError::unauthorized("the session has ended or expired; sign in again"))?;
    if at - row.last_seen_at >= touch_every {
        store::sessions::touch(conn, row.id, at)?;
    }
    tracing::Span::current().record("actor.sub", row.sub.as_str());
    Ok(Identity { sub: row.sub, name: row.name, role: row.role, office_code: row.office_code })
}

fn resolve_office(
    conn: &mut PgConnection,
    id: &Identity,
    kinds: &[OfficeKind],
    offices: &OfficeCache,
) -> ApiResult<OfficeRef> {
    let code = id.office_code.as_deref().unwrap_or_default();
    let row = offices.get(conn, code)?.ok_or_else(|| ApiError::forbidden("the token's office is not known"))?;
    if !row.active {
        return Err(ApiError::forbidden("the token's office is not active"));
    }
    let row_kind = row.kind;
    if !kinds.contains(&row_kind) {
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
    pub credential: Credential,
    pub moment: Moment,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let credential = extract(&req).await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("application state missing"))?;
            Ok(Caller { state, credential, moment: Moment::of(&req) })
        })
    }
}

impl Caller {
    /// Runs `work` for the caller, if their role is one of `roles` (and their office is in order).
    pub async fn run<T, F>(&self, roles: &'static [Role], work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Principal, &Moment) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (credential, moment) = (self.credential.clone(), self.moment.clone());
        self.state
            .db
            .run(move |conn| {
                let who = authorize(conn, &credential, roles)?;
                work(conn, &who, &moment)
            })
            .await
    }

    /// Like `run`, for a read that may reveal personal data: what `work` notes in its `Reveals` is
    /// committed to the access log (batched with concurrent reads) before the answer is returned.
    pub async fn read<T, F>(&self, roles: &'static [Role], work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Principal, &Moment, &mut Reveals) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (value, reveals) = self
            .run(roles, move |conn, who, moment| {
                let mut reveals = Reveals::default();
                let value = work(conn, who, moment, &mut reveals)?;
                Ok((value, reveals))
            })
            .await?;
        self.state.access_log.write(reveals.into_records()).await?;
        Ok(value)
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
