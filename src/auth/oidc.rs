//! The municipality's identity provider, spoken to over OpenID Connect: its discovery document,
//! its key set, the authorization request, the code exchange, the ID token and sign-out.
//!
//! The key set is cached. It is read again every `OIDC_JWKS_REFRESH_SECS` (so keys the provider
//! retired stop working here), and once more when a token names a key the cache does not know,
//! at most once per `OIDC_JWKS_MIN_INTERVAL_MS` and by one request at a time (a flood of forged
//! key ids costs the provider nothing). When a read fails, the cached keys stay in use.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::claims::identity_from;
use crate::auth::error::TokenError;
use crate::auth::identity::Identity;
use crate::auth::jwks::KeyRing;
use crate::auth::keys::{Expect, VerifyKey, decode_claims};
use crate::config::{ConfigError, OidcConfig};

/// Documents from the provider larger than this are refused (a key set is a few KiB).
const MAX_DOCUMENT: usize = 512 * 1024;

/// What nemid-desk uses of the provider's discovery document.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207: the provider names itself in every authorization answer (`iss`).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

#[derive(Clone)]
struct Loaded {
    meta: Arc<Metadata>,
    ring: Arc<KeyRing>,
}

/// Why the code exchange gave no ID token.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The provider answered and refused (a used or expired code, a wrong verifier: `invalid_grant`).
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
}

pub struct Provider {
    cfg: OidcConfig,
    leeway_secs: u64,
    production: bool,
    http: reqwest::Client,
    loaded: RwLock<Option<Loaded>>,
    /// When the key set was last asked for; held while a read is under way (one at a time).
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl Provider {
    pub fn new(cfg: OidcConfig, leeway_secs: u64, production: bool) -> Result<Provider, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.http_timeout)
            .connect_timeout(cfg.http_timeout)
            // The provider's endpoints are where its discovery document says; no detours.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("nemid-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::new("OIDC_ISSUER", format!("cannot build an HTTP client: {e}")))?;
        Ok(Provider { cfg, leeway_secs, production, http, loaded: RwLock::new(None), last_fetch: Default::default() })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.cfg
    }

    /// The discovery document and a key set have been read.
    pub fn is_ready(&self) -> bool {
        self.current().is_some()
    }

    fn current(&self) -> Option<Loaded> {
        self.loaded.read().ok().and_then(|l| l.clone())
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.cfg.public_url)
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let res = self.http.get(url).header("accept", "application/json").send().await.map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("{url} answered {}", res.status()));
        }
        let body = read_limited(res).await?;
        serde_json::from_slice(&body).map_err(|e| format!("{url} is not JSON: {e}"))
    }

    fn check_endpoint(&self, name: &str, url: &str) -> Result<(), String> {
        match url::Url::parse(url) {
            Ok(u) if u.scheme() == "https" || (!self.production && u.scheme() == "http") => Ok(()),
            _ => Err(format!("the discovery document's {name} `{url}` is not an https:// URL")),
        }
    }

    /// Reads the discovery document and the key set; on success both replace what was cached.
    /// Called with the read lock held (`last_fetch`), so one read runs at a time and the time of
    /// the last one is set before anyone else can look at it.
    async fn load(&self, last: &mut Option<Instant>) -> Result<usize, String> {
        *last = Some(Instant::now());
        let url = format!("{}/.well-known/openid-configuration", self.cfg.issuer.trim_end_matches('/'));
        let meta: Metadata = serde_json::from_value(self.get_json(&url).await?)
            .map_err(|e| format!("{url}: not a discovery document: {e}"))?;
        if meta.issuer != self.cfg.issuer {
            return Err(format!("the provider calls itself `{}`, not OIDC_ISSUER `{}`", meta.issuer, self.cfg.issuer));
        }
        for (name, u) in [
            ("authorization_endpoint", &meta.authorization_endpoint),
            ("token_endpoint", &meta.token_endpoint),
            ("jwks_uri", &meta.jwks_uri),
        ] {
            self.check_endpoint(name, u)?;
        }
        if let Some(u) = &meta.end_session_endpoint {
            self.check_endpoint("end_session_endpoint", u)?;
        }
        if meta.code_challenge_methods_supported.as_ref().is_some_and(|m| !m.iter().any(|m| m == "S256")) {
            return Err("the provider does not offer PKCE with S256".into());
        }
        let ring = KeyRing::from_document(&self.get_json(&meta.jwks_uri).await?)?;
        let n = ring.len();
        *self.loaded.write().map_err(|_| "key cache poisoned".to_string())? =
            Some(Loaded { meta: Arc::new(meta), ring: Arc::new(ring) });
        Ok(n)
    }

    /// Keeps the discovery document and keys current; started once by the server.
    pub async fn run(self: Arc<Self>) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let first = !self.is_ready();
            let loaded = {
                let mut last = self.last_fetch.lock().await;
                self.load(&mut last).await
            };
            match loaded {
                Ok(n) if first => {
                    tracing::info!(target: "nemid_desk::startup", keys = n, issuer = %self.cfg.issuer, "identity provider keys loaded");
                }
                Ok(_) => {}
                Err(e) if first => {
                    tracing::warn!(target: "nemid_desk::startup", error = %e, retry_in_ms = backoff.as_millis() as u64,
                        "identity provider not reachable yet; sign-in and its tokens answer 503 until it is");
                    actix_web::rt::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
                Err(e) => {
                    tracing::warn!(target: "nemid_desk::oidc", error = %e, "identity provider keys not refreshed; the cached keys stay in use");
                }
            }
            actix_web::rt::time::sleep(self.cfg.jwks_refresh).await;
        }
    }

    /// The key a token's header names; an unknown one makes one read of the key set, unless the
    /// last read was less than `jwks_min_interval` ago.
    async fn key(&self, kid: Option<&str>) -> Result<(VerifyKey, Arc<Metadata>), TokenError> {
        let known = self.current().ok_or(TokenError::ProviderUnavailable)?;
        if let Some(k) = known.ring.get(kid) {
            return Ok((k.clone(), known.meta));
        }
        // Waits for a read under way, then looks again; the check of the interval and the read
        // happen under one hold of the lock, so a burst of unknown key ids makes one read.
        let mut last = self.last_fetch.lock().await;
        let now = self.current().ok_or(TokenError::ProviderUnavailable)?;
        if let Some(k) = now.ring.get(kid) {
            return Ok((k.clone(), now.meta));
        }
        if last.is_some_and(|at| at.elapsed() < self.cfg.jwks_min_interval) {
            return Err(TokenError::UnknownKey);
        }
        if let Err(e) = self.load(&mut last).await {
            tracing::warn!(target: "nemid_desk::oidc", error = %e, "identity provider keys not re-read for an unknown key id");
        }
        let now = self.current().ok_or(TokenError::ProviderUnavailable)?;
        now.ring.get(kid).cloned().map(|k| (k, now.meta)).ok_or(TokenError::UnknownKey)
    }

    /// A bearer token the provider issued for this API (`aud` = `OIDC_API_AUDIENCE`).
    pub async fn verify_access_token(&self, token: &str, header: &Header) -> Result<Identity, TokenError> {
        let Some(audience) = self.cfg.api_audience.as_deref() else {
            return Err(TokenError::UnknownKey);
        };
        let (key, meta) = self.key(header.kid.as_deref()).await?;
        let expect = Expect { issuer: &meta.issuer, audience, leeway_secs: self.leeway_secs };
        let claims = decode_claims(token, header.alg, &key, &expect)?;
        // An ID token says who signed in to the desk; it is no access token for the API (the
        // audiences differ too: the configuration refuses OIDC_API_AUDIENCE = OIDC_CLIENT_ID).
        if let Some(c) = ["nonce", "at_hash", "c_hash"].into_iter().find(|c| claims.get(c).is_some()) {
            return Err(TokenError::IdTokenAsAccessToken(c));
        }
        identity_from(&claims, &self.cfg.claims)
    }

    /// The ID token of a code exchange: signed by the provider, for this client, with the
    /// sign-in's `nonce`. Returns the identity and the token's expiry (seconds since the epoch).
    pub async fn verify_id_token(&self, token: &str, nonce: &str) -> Result<Identity, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(TokenError::WrongAlgorithm);
        }
        let (key, meta) = self.key(header.kid.as_deref()).await?;
        let expect = Expect { issuer: &meta.issuer, audience: &self.cfg.client_id, leeway_secs: self.leeway_secs };
        let claims = decode_claims(token, header.alg, &key, &expect)?;
        // The authorized party, when named (and it must be with several audiences), is this
        // client (OpenID Connect Core 3.1.3.7).
        let several = claims.get("aud").and_then(Value::as_array).is_some_and(|a| a.len() > 1);
        match claims.get("azp") {
            Some(azp) if azp.as_str() != Some(self.cfg.client_id.as_str()) => return Err(TokenError::WrongAudience),
            None if several => return Err(TokenError::WrongAudience),
            _ => {}
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(TokenError::BadClaim("nonce".into()));
        }
        identity_from(&claims, &self.cfg.claims)
    }

    /// Where to send the browser to sign in: the code flow with PKCE (S256), `state` and `nonce`.
    pub fn authorization_url(&self, state: &str, nonce: &str, code_challenge: &str) -> Result<String, TokenError> {
        let loaded = self.current().ok_or(TokenError::ProviderUnavailable)?;
        let mut url =
            url::Url::parse(&loaded.meta.authorization_endpoint).map_err(|_| TokenError::ProviderUnavailable)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.cfg.client_id)
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("scope", &self.cfg.scopes)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchanges the code (with the PKCE verifier) at the token endpoint; returns the ID token.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<String, ExchangeError> {
        let loaded = self.current().ok_or_else(|| ExchangeError::Unreachable("not loaded yet".into()))?;
        let redirect_uri = self.redirect_uri();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier),
        ];
        let mut req = self.http.post(&loaded.meta.token_endpoint).header("accept", "application/json");
        match &self.cfg.client_secret {
            // client_secret_basic: both parts form-encoded first (RFC 6749 section 2.3.1).
            Some(secret) => {
                let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                req = req.basic_auth(enc(&self.cfg.client_id), Some(enc(secret)));
            }
            None => form.push(("client_id", self.cfg.client_id.as_str())),
        }
        let res = req.form(&form).send().await.map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        let status = res.status();
        if status.is_server_error() {
            return Err(ExchangeError::Unreachable(format!("token endpoint answered {status}")));
        }
        let bytes = read_limited(res).await.map_err(ExchangeError::Unreachable)?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            let error = body.get("error").and_then(Value::as_str).unwrap_or("an answer that is not JSON");
            return Err(ExchangeError::Refused(format!(
                "{status}: {}",
                error.chars().filter(|c| c.is_ascii_graphic()).take(80).collect::<String>()
            )));
        }
        body.get("id_token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ExchangeError::Refused("no id_token in the answer (is `openid` in OIDC_SCOPES?)".into()))
    }

    /// Whether an authorization answer must name its issuer (RFC 9207).
    pub fn names_itself_in_answers(&self) -> bool {
        self.current().is_some_and(|l| l.meta.authorization_response_iss_parameter_supported)
    }

    /// RP-initiated logout at the provider, if it offers it: back to the desk afterwards. By
    /// `client_id`, not `id_token_hint`: the ID token stays on the server (a URL is kept in the
    /// browser's history and the provider's access log).
    pub fn end_session_url(&self) -> Option<String> {
        let loaded = self.current()?;
        let mut url = url::Url::parse(loaded.meta.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.cfg.client_id)
            .append_pair("post_logout_redirect_uri", &format!("{}/", self.cfg.public_url));
        Some(url.into())
    }
}

/// A response body, refused beyond `MAX_DOCUMENT` bytes.
async fn read_limited(mut res: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOCUMENT {
            return Err(format!("the identity provider answered more than {MAX_DOCUMENT} bytes"));
        }
    }
    Ok(body)
}
