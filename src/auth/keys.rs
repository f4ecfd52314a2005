//! Verifying tokens: the static keys (`JWT_PUBLIC_KEYS`, `JWT_SECRET`) and the one decoding step
//! every key, static or the identity provider's (`auth::oidc`), goes through.
//!
//! Each key has its own fixed algorithm, chosen by the operator or stated by the provider's key
//! set; the token header's `alg` only has to agree with it. A token with a `kid` is checked
//! against that key alone; a token without one only against `JWT_SECRET` (HS256). This closes
//! `alg: none` and algorithm confusion (an HS256 token "signed" with a public key's PEM).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode};
use rand::RngCore;
use serde_json::Value;

use crate::auth::claims::{Claims, identity_from};
use crate::auth::error::TokenError;
use crate::auth::identity::Identity;
use crate::config::{AppEnv, ClaimMap, Config, ConfigError};

/// A key and the one algorithm it verifies.
#[derive(Clone)]
pub struct VerifyKey {
    pub key: DecodingKey,
    pub alg: Algorithm,
}

/// What a token must say besides its signature.
pub struct Expect<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub leeway_secs: u64,
}

/// The static keys tokens may be verified with.
pub struct KeySet {
    by_kid: HashMap<String, VerifyKey>,
    secret: Option<VerifyKey>,
    issuer: String,
    audience: String,
    leeway_secs: u64,
}

/// An asymmetric algorithm by its JOSE name (`EDDSA` upper-cased as the configuration writes it).
pub fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "EDDSA" | "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

/// Checks `token` against `key` (its header's `alg` must be the key's) and what it must say;
/// returns its claims.
pub fn decode_claims(
    token: &str,
    header_alg: Algorithm,
    key: &VerifyKey,
    expect: &Expect,
) -> Result<Value, TokenError> {
    if header_alg != key.alg {
        return Err(TokenError::WrongAlgorithm);
    }
    let mut v = Validation::new(key.alg);
    v.set_issuer(&[expect.issuer]);
    v.set_audience(&[expect.audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = expect.leeway_secs.min(30);
    v.validate_exp = true;
    v.validate_nbf = true;
    let data = decode::<Value>(token, &key.key, &v).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm,
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::MissingRequiredClaim(c) | ErrorKind::InvalidClaimFormat(c) => TokenError::BadClaim(c.clone()),
        ErrorKind::Json(_) => TokenError::BadClaim("claims".into()),
        _ => TokenError::Malformed,
    })?;
    // jsonwebtoken accepts a numeric string for `exp`; a token that says its times as text is
    // not one nemid-desk signs or a provider sends.
    for claim in ["exp", "nbf", "iat"] {
        if data.claims.get(claim).is_some_and(|v| !v.is_number()) {
            return Err(TokenError::BadClaim(claim.into()));
        }
    }
    Ok(data.claims)
}

/// The development secret: generated once, kept in `<data_dir>/jwt-secret` so tokens survive restarts.
pub fn dev_secret(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("jwt-secret");
    if let Ok(s) = fs::read_to_string(&path)
        && s.trim().len() >= 32
    {
        return Ok(s.trim().to_string());
    }
    fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // Written to a temporary file then renamed, so a concurrent reader never sees half a secret.
    let tmp = data_dir.join(format!("jwt-secret.{}", std::process::id()));
    fs::write(&tmp, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    }
    fs::rename(&tmp, &path)?;
    fs::read_to_string(&path).map(|s| s.trim().to_string())
}

/// The HS256 secret in force: `JWT_SECRET`, or in development with no key configured, the stored one.
pub fn effective_secret(config: &Config) -> Result<Option<String>, ConfigError> {
    if let Some(s) = &config.auth.secret {
        return Ok(Some(s.clone()));
    }
    if config.app_env == AppEnv::Development && config.auth.public_keys.is_empty() {
        return dev_secret(&config.data_dir)
            .map(Some)
            .map_err(|e| ConfigError::new("DATA_DIR", format!("cannot store the development JWT secret: {e}")));
    }
    Ok(None)
}

impl KeySet {
    pub fn load(config: &Config) -> Result<KeySet, ConfigError> {
        let cfg = &config.auth;
        let mut by_kid = HashMap::new();
        for spec in &cfg.public_keys {
            let err = |why: String| ConfigError::new("JWT_PUBLIC_KEYS", format!("kid `{}`: {why}", spec.kid));
            let alg = algorithm(&spec.algorithm).ok_or_else(|| err("unsupported algorithm".into()))?;
            let pem = fs::read(&spec.path).map_err(|e| err(format!("cannot read {}: {e}", spec.path.display())))?;
            let key = match alg {
                Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(&pem),
                Algorithm::EdDSA => DecodingKey::from_ed_pem(&pem),
                _ => DecodingKey::from_rsa_pem(&pem),
            }
            .map_err(|e| err(format!("{} is not a {} public key in PEM: {e}", spec.path.display(), spec.algorithm)))?;
            by_kid.insert(spec.kid.clone(), VerifyKey { key, alg });
        }
        let secret = effective_secret(config)?
            .map(|s| VerifyKey { key: DecodingKey::from_secret(s.as_bytes()), alg: Algorithm::HS256 });
        Ok(KeySet {
            by_kid,
            secret,
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
            leeway_secs: cfg.leeway_secs,
        })
    }

    /// The static key a token's header names: its `kid`, or the secret for a token without one.
    /// `None` for a `kid` configured here not at all (the identity provider's keys may know it).
    pub fn key_for(&self, kid: Option<&str>) -> Option<&VerifyKey> {
        match kid {
            Some(kid) => self.by_kid.get(kid),
            None => self.secret.as_ref(),
        }
    }

    /// Verifies a token with a static key (signature, issuer, audience, times) and reads who it
    /// speaks for from `role`, `office` and `name`.
    pub fn verify_with(&self, token: &str, header_alg: Algorithm, key: &VerifyKey) -> Result<Identity, TokenError> {
        let expect = Expect { issuer: &self.issuer, audience: &self.audience, leeway_secs: self.leeway_secs };
        let claims = decode_claims(token, header_alg, key, &expect)?;
        identity_from(&claims, &ClaimMap::direct())
    }
}

/// Signs an HS256 development token (the `token` command, tests).
pub fn sign_hs256(secret: &str, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()))
}
