//! Authentication: verifying tokens (JWT) from the static keys or the identity provider
//! (OpenID Connect), and the identity they carry. Authorization by role and office is applied in
//! `http::context::caller` once the office is resolved.

pub mod claims;
pub mod error;
pub mod identity;
pub mod jwks;
pub mod keys;
pub mod oidc;
pub mod verify;

pub use error::TokenError;
pub use identity::{Identity, OfficeRef, Principal};
pub use keys::KeySet;
pub use verify::Verifier;
