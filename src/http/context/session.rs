//! The desk session's cookies: the session itself and the short-lived one that carries a
//! sign-in's `state`, `nonce` and PKCE verifier from `/auth/login` to `/auth/callback`; the
//! same-origin rule for state-changing requests that use the session.
//!
//! The session cookie holds 32 random bytes; the server keeps only their SHA-256
//! (`store::sessions`). It is `HttpOnly` (no script reads it), `Secure` with the `__Host-` prefix
//! (https only, this host only, path `/`), and `SameSite=Strict`. The sign-in cookie is sealed
//! with the vault's newest key (AES-256-GCM), so the browser can neither read nor alter it, and
//! is `SameSite=Lax`: it must come along on the provider's redirect back.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::error::{ApiError, ApiResult};
use crate::vault::CprVault;

pub const SESSION_COOKIE: &str = "__Host-nemid-desk-session";
pub const LOGIN_COOKIE: &str = "__Host-nemid-desk-login";
/// A sign-in has this long between leaving for the provider and coming back.
pub const LOGIN_TTL_SECS: i64 = 600;
/// How often a session's last use is written: every 15 s at most, and at least four times per
/// idle timeout, so a session in use never looks idle (idle timeouts are this precise).
pub fn touch_every(idle: std::time::Duration) -> std::time::Duration {
    (idle / 4).min(std::time::Duration::from_secs(15))
}

/// 32 random bytes, base64url: a session cookie, `state`, `nonce`, a PKCE verifier.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The PKCE S256 challenge of a verifier (RFC 7636 section 4.2).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The hash of the session cookie the request carries, if it carries one that could be ours.
pub fn cookie_hash(req: &HttpRequest) -> Option<[u8; 32]> {
    let c = req.cookie(SESSION_COOKIE)?;
    let v = c.value();
    (v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')).then(|| hash(v))
}

fn cookie(name: &'static str, value: String, same_site: SameSite, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(same_site)
        .max_age(time::Duration::seconds(max_age_secs))
        .finish()
}

/// The session cookie; the browser forgets it when the session's lifetime is over.
pub fn session_cookie(token: String, lifetime_secs: i64) -> Cookie<'static> {
    cookie(SESSION_COOKIE, token, SameSite::Strict, lifetime_secs)
}

pub fn clear_session_cookie() -> Cookie<'static> {
    cookie(SESSION_COOKIE, String::new(), SameSite::Strict, 0)
}

pub fn clear_login_cookie() -> Cookie<'static> {
    cookie(LOGIN_COOKIE, String::new(), SameSite::Lax, 0)
}

/// A sign-in under way, as the sign-in cookie carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// The desk screen to return to (`#/…`).
    pub return_to: String,
    /// Unix seconds after which the sign-in is void.
    pub expires_at: i64,
}

pub fn login_cookie(vault: &CprVault, pending: &PendingLogin) -> ApiResult<Cookie<'static>> {
    let plain = serde_json::to_vec(pending).map_err(ApiError::internal)?;
    Ok(cookie(LOGIN_COOKIE, URL_SAFE_NO_PAD.encode(vault.seal_bytes(&plain)), SameSite::Lax, LOGIN_TTL_SECS))
}

/// The sign-in the request's sign-in cookie carries, if it is one this server sealed.
pub fn pending_login(req: &HttpRequest, vault: &CprVault) -> Option<PendingLogin> {
    let c = req.cookie(LOGIN_COOKIE)?;
    let sealed = URL_SAFE_NO_PAD.decode(c.value()).ok()?;
    serde_json::from_slice(&vault.open_bytes(&sealed).ok()?).ok()
}

/// A state-changing request that authenticates with the session cookie must come from the desk's
/// own origin (`Origin`, which browsers send with every such request), or it is refused: a page
/// elsewhere cannot act in a signed-in user's name (CSRF).
pub fn same_origin(req: &HttpRequest, public_url: &str) -> ApiResult<()> {
    match req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) if origin == public_url => Ok(()),
        Some(_) => Err(ApiError::cross_origin(format!(
            "a request with the desk session must come from {public_url}; use a bearer token from elsewhere"
        ))),
        None => Err(ApiError::cross_origin("a request with the desk session must send its Origin")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let t = random_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random_token());
    }

    #[test]
    fn a_session_in_use_is_touched_well_within_its_idle_timeout() {
        use std::time::Duration;
        assert_eq!(touch_every(Duration::from_secs(1800)), Duration::from_secs(15));
        assert_eq!(touch_every(Duration::from_secs(2)), Duration::from_millis(500));
    }

    #[test]
    fn the_session_cookie_is_host_only_http_only_secure_and_strict() {
        let c = session_cookie("x".repeat(43), 3600).to_string();
        for part in ["__Host-nemid-desk-session=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=3600"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!c.contains("Domain"), "{c}");
    }
}
