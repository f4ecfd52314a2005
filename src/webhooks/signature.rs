//! Standard Webhooks signatures (https://www.standardwebhooks.com): secrets are `whsec_` and
//! base64 of 32 random bytes; a signature is `v1,` and base64 of HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the decoded secret. Several signatures
//! are separated by spaces (during a secret rotation both secrets sign).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new signing secret.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key inside a secret, or `None` when it is not one of ours.
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok().filter(|k| !k.is_empty())
}

/// One `v1,…` signature.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `Webhook-Signature` header value: one signature per key, space-separated.
pub fn header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter().map(|k| sign(k, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// What a receiver does: true when any `v1` signature in the header verifies (in constant time).
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(key) = key_of(secret) else { return false };
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).filter_map(|b| STANDARD.decode(b).ok()).any(|sig| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes keys of any length");
        m.update(format!("{id}.{timestamp}.").as_bytes());
        m.update(body);
        m.verify_slice(&sig).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The test vector of the Standard Webhooks reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(&key_of(secret).unwrap(), id, ts, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, id, ts, body, &sig));
    }

    #[test]
    fn any_of_several_signatures_verifies_and_tampering_does_not() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_") && key_of(&a).unwrap().len() == 32);
        let keys = [key_of(&a).unwrap(), key_of(&b).unwrap()];
        let h = header(&keys, "d1", 100, b"{}");
        assert_eq!(h.split(' ').count(), 2);
        assert!(verify(&a, "d1", 100, b"{}", &h));
        assert!(verify(&b, "d1", 100, b"{}", &h));
        assert!(!verify(&generate_secret(), "d1", 100, b"{}", &h));
        assert!(!verify(&a, "d2", 100, b"{}", &h));
        assert!(!verify(&a, "d1", 101, b"{}", &h));
        assert!(!verify(&a, "d1", 100, b"{ }", &h));
        assert!(!verify(&a, "d1", 100, b"{}", "v1,AAAA"));
        assert!(!verify("not-a-secret", "d1", 100, b"{}", &h));
        assert!(key_of("whsec_").is_none() && key_of("whsec_!!").is_none());
    }
}
