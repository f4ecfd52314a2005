//! Verifying bearer tokens.
//!
//! Each key has its own fixed algorithm, chosen by the operator; the token header's `alg` only has
//! to agree with it. A token with a `kid` is checked against that public key alone; a token without
//! one only against `JWT_SECRET` (HS256). This closes `alg: none` and algorithm confusion (an HS256
//! token "signed" with a public key's PEM).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header};
use rand::RngCore;

use crate::auth::claims::Claims;
use crate::auth::identity::Identity;
use crate::config::{AppEnv, AuthConfig, Config, ConfigError};
use crate::domain::role::Role;

struct VerifyKey {
    key: DecodingKey,
    validation: Validation,
}

/// All keys tokens may be verified with.
pub struct KeySet {
    by_kid: HashMap<String, VerifyKey>,
    secret: Option<VerifyKey>,
}

/// Why a token was refused; the text goes to the client (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token has the wrong audience")]
    WrongAudience,
    #[error("the token has the wrong issuer")]
    WrongIssuer,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's algorithm does not match its key")]
    WrongAlgorithm,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token lacks the claim `{0}` or it has the wrong type")]
    BadClaim(String),
}

fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EDDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

fn validation(alg: Algorithm, cfg: &AuthConfig) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[&cfg.issuer]);
    v.set_audience(&[&cfg.audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = cfg.leeway_secs.min(30);
    v.validate_exp = true;
    v.validate_nbf = true;
    v
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
            by_kid.insert(spec.kid.clone(), VerifyKey { key, validation: validation(alg, cfg) });
        }
        let secret = effective_secret(config)?.map(|s| VerifyKey {
            key: DecodingKey::from_secret(s.as_bytes()),
            validation: validation(Algorithm::HS256, cfg),
        });
        Ok(KeySet { by_kid, secret })
    }

    /// Verifies signature and claims; returns who the token speaks for.
    pub fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        let vk = match &header.kid {
            Some(kid) => self.by_kid.get(kid).ok_or(TokenError::UnknownKey)?,
            None => self.secret.as_ref().ok_or(TokenError::UnknownKey)?,
        };
        if !vk.validation.algorithms.contains(&header.alg) {
            return Err(TokenError::WrongAlgorithm);
        }
        let data = decode::<Claims>(token, &vk.key, &vk.validation).map_err(|e| match e.kind() {
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
        let c = data.claims;
        let role = Role::parse(&c.role).ok_or_else(|| TokenError::BadClaim("role".into()))?;
        if c.sub.trim().is_empty() || c.sub.len() > 200 {
            return Err(TokenError::BadClaim("sub".into()));
        }
        if c.name.len() > 200 {
            return Err(TokenError::BadClaim("name".into()));
        }
        let office_code = c.office.filter(|o| !o.trim().is_empty());
        if role.required_office_kind().is_some() && office_code.is_none() {
            return Err(TokenError::BadClaim("office".into()));
        }
        Ok(Identity { sub: c.sub, name: c.name, role, office_code })
    }
}

/// Signs an HS256 development token (the `token` command, tests).
pub fn sign_hs256(secret: &str, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()))
}
