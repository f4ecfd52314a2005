//! The identity provider's published keys (a JWK Set, RFC 7517), as verification keys.
//!
//! Each key verifies with one algorithm: its `alg` when the set states one, otherwise the one its
//! type and curve allow (RSA → RS256, P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA). Symmetric
//! keys, encryption keys and keys of unknown types are left out, never guessed at.

use std::collections::HashMap;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::auth::keys::VerifyKey;

/// The provider's signing keys by key id.
#[derive(Clone, Default)]
pub struct KeyRing {
    by_kid: HashMap<String, VerifyKey>,
    /// Keys published without a `kid`; a token without one may use a sole such key.
    without_kid: Vec<VerifyKey>,
}

/// The one algorithm a key verifies, if it is a signing key nemid-desk accepts.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption) | Some(PublicKeyUse::Other(_))) {
        return None;
    }
    let stated = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::RS384) => Some(Algorithm::RS384),
        Some(KeyAlgorithm::RS512) => Some(Algorithm::RS512),
        Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
        Some(KeyAlgorithm::PS384) => Some(Algorithm::PS384),
        Some(KeyAlgorithm::PS512) => Some(Algorithm::PS512),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(KeyAlgorithm::ES384) => Some(Algorithm::ES384),
        Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
        // HMAC, encryption algorithms and unknown ones: not a key to verify a token with.
        Some(_) => return None,
    };
    let fits = |alg: Algorithm| match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {
            matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            )
        }
        AlgorithmParameters::EllipticCurve(p) => {
            matches!((&p.curve, alg), (EllipticCurve::P256, Algorithm::ES256) | (EllipticCurve::P384, Algorithm::ES384))
        }
        AlgorithmParameters::OctetKeyPair(p) => p.curve == EllipticCurve::Ed25519 && alg == Algorithm::EdDSA,
        _ => false,
    };
    let alg = match stated {
        Some(alg) => alg,
        None => match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P384 => Algorithm::ES384,
            AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
            _ => return None,
        },
    };
    fits(alg).then_some(alg)
}

impl KeyRing {
    /// The usable keys of a JWK Set document; keys that cannot be used are skipped (a provider
    /// may publish encryption keys beside its signing keys).
    pub fn from_document(doc: &Value) -> Result<KeyRing, String> {
        let keys = doc.get("keys").and_then(Value::as_array).ok_or("the key set has no `keys` array")?;
        let mut ring = KeyRing::default();
        for raw in keys {
            let Ok(jwk) = serde_json::from_value::<Jwk>(raw.clone()) else { continue };
            let Some(alg) = algorithm_of(&jwk) else { continue };
            let Ok(key) = DecodingKey::from_jwk(&jwk) else { continue };
            let vk = VerifyKey { key, alg };
            match jwk.common.key_id {
                Some(kid) if !kid.is_empty() => {
                    ring.by_kid.entry(kid).or_insert(vk);
                }
                _ => ring.without_kid.push(vk),
            }
        }
        if ring.is_empty() {
            return Err("the key set holds no signing key nemid-desk can use".into());
        }
        Ok(ring)
    }

    pub fn is_empty(&self) -> bool {
        self.by_kid.is_empty() && self.without_kid.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    /// The key a token's header names; without a `kid`, only a sole key published without one.
    pub fn get(&self, kid: Option<&str>) -> Option<&VerifyKey> {
        match kid {
            Some(kid) => self.by_kid.get(kid),
            None => match self.without_kid.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // RFC 7517 appendix A.1's RSA and EC public keys.
    const N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    #[test]
    fn each_key_gets_one_algorithm_and_unusable_keys_are_skipped() {
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "r1", "use": "sig", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "r2", "alg": "PS256", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": N, "e": "AQAB"},
            {"kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP", "n": N, "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e1", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
            {"kty": "EC", "kid": "bad", "alg": "RS256", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
            {"kty": "weird", "kid": "w"}
        ]});
        let ring = KeyRing::from_document(&doc).unwrap();
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.get(Some("r1")).unwrap().alg, Algorithm::RS256);
        assert_eq!(ring.get(Some("r2")).unwrap().alg, Algorithm::PS256);
        assert_eq!(ring.get(Some("e1")).unwrap().alg, Algorithm::ES256);
        for skipped in ["enc", "oaep", "hmac", "bad", "w"] {
            assert!(ring.get(Some(skipped)).is_none(), "{skipped}");
        }
        // With several keys, a token must name its key.
        assert!(ring.get(None).is_none());
        assert!(KeyRing::from_document(&json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})).is_err());
        assert!(KeyRing::from_document(&json!({"nokeys": []})).is_err());
    }
}
