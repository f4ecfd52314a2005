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
pub mod online;
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

/// Serialises the transactions that name the same `key` in `scope` (a transaction-scoped
/// advisory lock): for checks that must see each other's rows, never one lock for everything.
pub fn lock_key(conn: &mut diesel::PgConnection, scope: &str, key: &str) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))")
        .bind::<diesel::sql_types::Text, _>(scope)
        .bind::<diesel::sql_types::Text, _>(key)
        .execute(conn)
        .map(drop)
}
