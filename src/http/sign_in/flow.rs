//! `/auth/login`, `/auth/callback`, `/auth/logout`: the browser's side of signing in. Not part of
//! the API document (browsers follow them, integrators use bearer tokens); mounted only with
//! `OIDC_ISSUER` set.
//!
//! A failed sign-in sends the browser back to the desk's sign-in screen with the reason's kind
//! (`/#/signin?error=<kind>`), logged with its cause; no session is made.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::TokenError;
use crate::auth::oidc::{ExchangeError, Provider};
use crate::domain::role::Role;
use crate::http::context::caller::{Credential, authorize};
use crate::http::context::session::{self, PendingLogin};
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store;

/// Code exchanges one server process runs at once; more answer 503 (the callback is public, and
/// each exchange is a request to the provider).
const MAX_EXCHANGES: usize = 16;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let exchanges = web::Data::new(Exchanges(Arc::new(tokio::sync::Semaphore::new(MAX_EXCHANGES))));
    cfg.app_data(exchanges)
        .route("/auth/login", web::get().to(login))
        .route("/auth/callback", web::get().to(callback))
        .route("/auth/logout", web::post().to(logout));
}

struct Exchanges(Arc<tokio::sync::Semaphore>);

fn provider(state: &AppState) -> ApiResult<Arc<Provider>> {
    state.verifier.oidc.clone().ok_or_else(|| ApiError::not_found("no such resource"))
}

/// A desk screen to come back to: `#/` and a route of letters, digits, `/`, `-` and `_`.
fn return_to(asked: Option<&str>) -> String {
    match asked {
        Some(r)
            if r.starts_with("#/")
                && r.len() <= 100
                && r[2..].bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b)) =>
        {
            r.to_string()
        }
        _ => "#/".into(),
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

/// Starts a sign-in: a fresh `state`, `nonce` and PKCE verifier, sealed into the sign-in cookie,
/// and the browser sent to the provider.
async fn login(state: web::Data<AppState>, query: web::Query<LoginQuery>) -> ApiResult<HttpResponse> {
    let provider = provider(&state)?;
    let pending = PendingLogin {
        state: session::random_token(),
        nonce: session::random_token(),
        verifier: session::random_token(),
        return_to: return_to(query.return_to.as_deref()),
        expires_at: Utc::now().timestamp() + session::LOGIN_TTL_SECS,
    };
    let url = provider
        .authorization_url(&pending.state, &pending.nonce, &session::challenge(&pending.verifier))
        .map_err(|e| ApiError::identity_provider_unavailable(e))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .cookie(session::login_cookie(&state.vault, &pending)?)
        .finish())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer of the answer, when the provider says it.
    iss: Option<String>,
}

/// Why a sign-in failed: the kind the desk shows, and the cause for the log.
struct Failed(&'static str, String);

fn failed(kind: &'static str, cause: impl Into<String>) -> Failed {
    Failed(kind, cause.into())
}

/// Back from the provider: checks `state` against the sign-in cookie, exchanges the code with the
/// verifier, checks the ID token (signature, issuer, audience, expiry, `nonce`), maps its claims
/// to a role and office, and makes the session.
async fn callback(
    state: web::Data<AppState>,
    exchanges: web::Data<Exchanges>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> ApiResult<HttpResponse> {
    let provider = provider(&state)?;
    let mut res = match sign_in(&state, &provider, &exchanges, &req, query.into_inner()).await {
        Ok((token, to)) => {
            let lifetime = provider.config().session_lifetime.as_secs() as i64;
            let mut res = see_other(&format!("/{to}"));
            res.add_cookie(&session::session_cookie(token, lifetime)).map_err(ApiError::internal)?;
            res
        }
        Err(Failed(kind, cause)) => {
            tracing::warn!(target: "nemid_desk::sign_in", failed = kind, cause = %cause, "sign-in refused");
            see_other(&format!("/#/signin?error={kind}"))
        }
    };
    res.add_cookie(&session::clear_login_cookie()).map_err(ApiError::internal)?;
    Ok(res)
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::SEE_OTHER).insert_header((header::LOCATION, location.to_string())).finish()
}

async fn sign_in(
    state: &web::Data<AppState>,
    provider: &Provider,
    exchanges: &Exchanges,
    req: &HttpRequest,
    q: CallbackQuery,
) -> Result<(String, String), Failed> {
    let pending = session::pending_login(req, &state.vault)
        .ok_or_else(|| failed("login_expired", "no sign-in cookie (or not one this server sealed)"))?;
    let state_ok = q.state.as_deref().is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
    if !state_ok {
        return Err(failed("state_mismatch", "the answer's state is not this browser's sign-in"));
    }
    if Utc::now().timestamp() > pending.expires_at {
        return Err(failed("login_expired", "the sign-in took longer than 10 minutes"));
    }
    match &q.iss {
        Some(iss) if iss != &provider.config().issuer => {
            return Err(failed("wrong_issuer", format!("the answer names the issuer `{iss}`")));
        }
        None if provider.names_itself_in_answers() => {
            return Err(failed("wrong_issuer", "the answer does not name its issuer, which this provider always does"));
        }
        _ => {}
    }
    if let Some(error) = &q.error {
        let kind = if error == "access_denied" { "cancelled" } else { "refused" };
        return Err(failed(kind, format!("the provider answered error={error}")));
    }
    let code = q.code.filter(|c| !c.is_empty() && c.len() <= 2048).ok_or_else(|| failed("refused", "no code"))?;
    // Each sign-in comes back once: a replayed answer stops here, before the provider.
    let state_hash = session::hash(&pending.state);
    let expires = chrono::DateTime::from_timestamp(pending.expires_at, 0).unwrap_or_else(Utc::now);
    let first = state
        .db
        .run(move |conn| Ok(store::sessions::consume_state(conn, &state_hash, expires, Utc::now())?))
        .await
        .map_err(|e| failed("unavailable", e.problem().detail))?;
    if !first {
        return Err(failed("replayed", "this sign-in came back before"));
    }
    let _permit = exchanges.0.try_acquire().map_err(|_| failed("provider_unavailable", "too many sign-ins at once"))?;
    let id_token = provider.exchange(&code, &pending.verifier).await.map_err(|e| match e {
        ExchangeError::Refused(why) => failed("refused", format!("token endpoint: {why}")),
        ExchangeError::Unreachable(why) => failed("provider_unavailable", why),
    })?;
    let identity = provider.verify_id_token(&id_token, &pending.nonce).await.map_err(|e| match e {
        TokenError::BadClaim(c) if c == "nonce" => {
            failed("nonce_mismatch", "the ID token's nonce is not this sign-in's")
        }
        TokenError::ProviderUnavailable => failed("provider_unavailable", e.to_string()),
        e if e.is_forbidden() => failed("no_role", e.to_string()),
        e => failed("invalid_id_token", e.to_string()),
    })?;

    let token = session::random_token();
    let token_hash = session::hash(&token);
    let lifetime = chrono::Duration::from_std(provider.config().session_lifetime)
        .map_err(|e| failed("internal", e.to_string()))?;
    let offices = state.offices.clone();
    let made = state
        .db
        .run(move |conn| {
            // The office must exist, be active and be of the role's kind now, as on every request.
            let who = authorize(conn, &Credential::of_identity(identity.clone(), offices), Role::ALL)?;
            let now = Utc::now();
            store::sessions::insert(
                conn,
                &store::sessions::NewSession {
                    id: Uuid::now_v7(),
                    token_hash: &token_hash,
                    sub: &who.sub,
                    name: &who.name,
                    role: who.role,
                    office_code: who.office.as_ref().map(|o| o.code.as_str()),
                    created_at: now,
                    last_seen_at: now,
                    expires_at: now + lifetime,
                },
            )?;
            Ok(who)
        })
        .await;
    match made {
        Ok(who) => {
            tracing::Span::current().record("actor.sub", who.sub.as_str());
            tracing::info!(target: "nemid_desk::sign_in", role = who.role.as_str(), "signed in");
            Ok((token, pending.return_to))
        }
        Err(e) if e.status() == StatusCode::FORBIDDEN => Err(failed("office", e.problem().detail)),
        Err(e) => Err(failed("unavailable", format!("{}: {}", e.kind(), e.problem().detail))),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Ends the session here and answers where the browser goes next: the provider's sign-out
/// (RP-initiated logout) when it offers one, otherwise the desk.
async fn logout(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let provider = provider(&state)?;
    session::same_origin(&req, &provider.config().public_url)?;
    if let Some(token_hash) = session::cookie_hash(&req) {
        let ended = state.db.run(move |conn| Ok(store::sessions::end(conn, &token_hash, Utc::now())?)).await?;
        if let Some(row) = ended {
            tracing::Span::current().record("actor.sub", row.sub.as_str());
            tracing::info!(target: "nemid_desk::sign_in", "signed out");
        }
    }
    let redirect = provider.end_session_url().unwrap_or_else(|| "/".into());
    let mut res = HttpResponse::Ok().json(serde_json::json!({ "redirect": redirect }));
    res.add_cookie(&session::clear_session_cookie()).map_err(ApiError::internal)?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_desk_route_is_returned_to() {
        for ok in ["#/", "#/queue", "#/cases/0190f1c4-aaaa-7000-8000-000000000000"] {
            assert_eq!(return_to(Some(ok)), ok);
        }
        for bad in
            ["//evil.example", "https://evil.example/#/", "#/../x", "#//evil", "#/a?b=c", "javascript:x", "", "#"]
        {
            let r = return_to(Some(bad));
            assert!(r == "#/" || (r.starts_with("#/") && !r.contains("..") && !r.contains(':')), "{bad} → {r}");
        }
        assert_eq!(return_to(Some("#/../x")), "#/");
        assert_eq!(return_to(None), "#/");
    }
}
