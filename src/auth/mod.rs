//! Authentication: verifying bearer tokens (JWT) and the identity they carry.
//! Authorization by role and office is applied in `http::context::caller` once the office is resolved.

pub mod claims;
pub mod identity;
pub mod keys;

pub use identity::{Identity, OfficeRef, Principal};
pub use keys::{KeySet, TokenError};
