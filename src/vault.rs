//! CPR numbers at rest: AES-256-GCM ciphertext beside a keyed blind index.
//!
//! A sealed value is `[kid length][kid][12-byte nonce][ciphertext + tag]`, so any configured key
//! opens it and `rotate-keys` can tell which rows are not yet under the newest key. Equality
//! (search by CPR, one open case or active exemption per person) uses the blind index: the
//! HMAC-SHA256 of the ten digits under `CPR_INDEX_KEY`, which never changes with rotation.

use std::fs;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::{AppEnv, Config, ConfigError};

pub struct CprVault {
    /// Oldest first; the last one encrypts.
    keys: Vec<(String, Aes256Gcm)>,
    index_key: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed under key id `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("sealed value failed authentication")]
    Tampered,
}

fn parse_key(var: &'static str, b64: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = STANDARD.decode(b64.trim()).map_err(|_| ConfigError::new(var, "a key is not valid base64"))?;
    bytes.try_into().map_err(|_| ConfigError::new(var, "a key must be exactly 32 bytes (base64 of 32 bytes)"))
}

/// Development keys, generated once and kept in `<data_dir>` (like the JWT secret).
fn dev_keys(data_dir: &Path) -> std::io::Result<(String, String)> {
    let read_or_make = |name: &str, make: &dyn Fn() -> String| -> std::io::Result<String> {
        let path = data_dir.join(name);
        if let Ok(s) = fs::read_to_string(&path)
            && !s.trim().is_empty()
        {
            return Ok(s.trim().to_string());
        }
        fs::create_dir_all(data_dir)?;
        let tmp = data_dir.join(format!("{name}.{}", std::process::id()));
        fs::write(&tmp, make())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
        }
        fs::rename(&tmp, &path)?;
        Ok(fs::read_to_string(&path)?.trim().to_string())
    };
    let random = || {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        STANDARD.encode(k)
    };
    let enc = read_or_make("cpr-encryption-keys", &|| format!("dev1:{}", random()))?;
    let idx = read_or_make("cpr-index-key", &random)?;
    Ok((enc, idx))
}

impl CprVault {
    /// From `CPR_ENCRYPTION_KEYS` (`kid:base64,kid:base64`, newest last) and `CPR_INDEX_KEY`;
    /// in development, generated keys under `DATA_DIR` when neither is set.
    pub fn from_config(config: &Config) -> Result<CprVault, ConfigError> {
        let (enc, idx) = match (&config.cpr.encryption_keys, &config.cpr.index_key) {
            (Some(e), Some(i)) => (e.clone(), i.clone()),
            (None, None) if config.app_env == AppEnv::Development => dev_keys(&config.data_dir)
                .map_err(|e| ConfigError::new("DATA_DIR", format!("cannot store development CPR keys: {e}")))?,
            (None, _) => return Err(ConfigError::new("CPR_ENCRYPTION_KEYS", "is required (with CPR_INDEX_KEY)")),
            (_, None) => return Err(ConfigError::new("CPR_INDEX_KEY", "is required (with CPR_ENCRYPTION_KEYS)")),
        };
        Self::new(&enc, &idx)
    }

    pub fn new(encryption_keys: &str, index_key: &str) -> Result<CprVault, ConfigError> {
        let mut keys = Vec::new();
        for entry in encryption_keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, b64) = entry
                .split_once(':')
                .ok_or_else(|| ConfigError::new("CPR_ENCRYPTION_KEYS", "entries are kid:base64-key"))?;
            if kid.is_empty() || kid.len() > 32 || keys.iter().any(|(k, _)| k == kid) {
                return Err(ConfigError::new("CPR_ENCRYPTION_KEYS", "key ids must be 1-32 characters and unique"));
            }
            let key = parse_key("CPR_ENCRYPTION_KEYS", b64)?;
            keys.push((kid.to_string(), Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))));
        }
        if keys.is_empty() {
            return Err(ConfigError::new("CPR_ENCRYPTION_KEYS", "names no key"));
        }
        let index_key = parse_key("CPR_INDEX_KEY", index_key)?.to_vec();
        Ok(CprVault { keys, index_key })
    }

    pub fn newest_kid(&self) -> &str {
        &self.keys[self.keys.len() - 1].0
    }

    /// Encrypts ten CPR digits under the newest key.
    pub fn seal(&self, digits: &str) -> Vec<u8> {
        self.seal_bytes(digits.as_bytes())
    }

    /// Encrypts any bytes (e.g. a stored response holding personal data) under the newest key.
    pub fn seal_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let (kid, cipher) = &self.keys[self.keys.len() - 1];
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and a 12-byte nonce cannot fail.
        let ct = cipher.encrypt(&Nonce::from(nonce), plain).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + kid.len() + 12 + ct.len());
        out.push(kid.len() as u8);
        out.extend_from_slice(kid.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// The key id a sealed value was made with.
    pub fn kid_of(sealed: &[u8]) -> Option<&str> {
        let n = *sealed.first()? as usize;
        std::str::from_utf8(sealed.get(1..1 + n)?).ok()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, VaultError> {
        String::from_utf8(self.open_bytes(sealed)?).map_err(|_| VaultError::Malformed)
    }

    pub fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        let kid = Self::kid_of(sealed).ok_or(VaultError::Malformed)?;
        let rest = &sealed[1 + kid.len()..];
        if rest.len() < 12 + 16 {
            return Err(VaultError::Malformed);
        }
        let (_, cipher) =
            self.keys.iter().find(|(k, _)| k == kid).ok_or_else(|| VaultError::UnknownKey(kid.to_string()))?;
        let nonce: [u8; 12] = rest[..12].try_into().map_err(|_| VaultError::Malformed)?;
        cipher.decrypt(&Nonce::from(nonce), &rest[12..]).map_err(|_| VaultError::Tampered)
    }

    /// The blind index of ten CPR digits (hex HMAC-SHA256).
    pub fn blind(&self, digits: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("HMAC takes keys of any length");
        mac.update(digits.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> String {
        STANDARD.encode([b; 32])
    }

    #[test]
    fn seal_open_rotate_and_refuse_tampering() {
        let a = CprVault::new(&format!("a:{}", key(1)), &key(9)).unwrap();
        let sealed = a.seal("0101901234");
        assert_eq!(CprVault::kid_of(&sealed), Some("a"));
        assert!(!sealed.windows(10).any(|w| w == b"0101901234"), "plaintext inside");
        assert_eq!(a.open(&sealed).unwrap(), "0101901234");
        assert_ne!(a.seal("0101901234"), sealed, "fresh nonce per seal");
        let ab = CprVault::new(&format!("a:{},b:{}", key(1), key(2)), &key(9)).unwrap();
        assert_eq!(ab.open(&sealed).unwrap(), "0101901234");
        assert_eq!(CprVault::kid_of(&ab.seal("0101901234")), Some("b"));
        let b = CprVault::new(&format!("b:{}", key(2)), &key(9)).unwrap();
        assert_eq!(b.open(&sealed), Err(VaultError::UnknownKey("a".into())));
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(a.open(&bad), Err(VaultError::Tampered));
        assert_eq!(a.open(&[3, b'a']), Err(VaultError::Malformed));
        // The blind index depends on the index key only.
        assert_eq!(a.blind("0101901234"), b.blind("0101901234"));
        assert_ne!(a.blind("0101901234"), a.blind("0101901235"));
        assert_eq!(a.blind("0101901234").len(), 64);
        assert!(CprVault::new(&format!("a:{}", STANDARD.encode([1u8; 16])), &key(9)).is_err());
        assert!(CprVault::new("", &key(9)).is_err());
    }
}
