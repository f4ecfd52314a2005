//! One way to verify a bearer token, whichever key signed it: a static key (`JWT_PUBLIC_KEYS`
//! by `kid`, `JWT_SECRET` without one) or, for any other key, the identity provider's key set.

use std::sync::Arc;

use crate::auth::error::TokenError;
use crate::auth::identity::Identity;
use crate::auth::keys::KeySet;
use crate::auth::oidc::Provider;

pub struct Verifier {
    pub keys: KeySet,
    /// The identity provider, when `OIDC_ISSUER` is set.
    pub oidc: Option<Arc<Provider>>,
}

impl Verifier {
    /// Verifies signature and claims; returns who the token speaks for.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if let Some(key) = self.keys.key_for(header.kid.as_deref()) {
            return self.keys.verify_with(token, header.alg, key);
        }
        match &self.oidc {
            Some(provider) => provider.verify_access_token(token, &header).await,
            None => Err(TokenError::UnknownKey),
        }
    }
}
