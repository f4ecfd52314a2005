//! The store layer: diesel queries only, one module per aggregate. Functions take
//! `&mut PgConnection` and return `QueryResult`; transactions are opened by the caller.

pub mod access;
pub mod cached;
pub mod cases;
pub mod events;
pub mod exemptions;
pub mod feed;
pub mod idempotency;
pub mod nemids;
pub mod offices;
pub mod reports;
pub mod sessions;
pub mod text;
pub mod webhooks;

use diesel::result::{DatabaseErrorKind, Error};

/// True when `e` is a unique violation of the named constraint or index.
pub fn is_unique_violation(e: &Error, constraint: &str) -> bool {
    matches!(e, Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}
