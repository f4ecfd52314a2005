//! Prepared-statement caching for single-row inserts.
//!
//! Diesel never caches INSERT statements (a multi-row insert's SQL varies with its row count),
//! so PostgreSQL parses and plans every one of ours afresh. Ours insert exactly one row, and
//! their SQL varies at most with which optional columns are set: a small, bounded set of texts.
//! Wrapped in `Cached`, they are cached by their SQL like any other statement (bench/README.md:
//! the access-log insert of every read, the case and event inserts of every write).

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

#[derive(Debug, Clone, Copy)]
pub struct Cached<T>(pub T);

impl<T: QueryFragment<Pg>> QueryFragment<Pg> for Cached<T> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<T> QueryId for Cached<T> {
    // No static id: the cache key is the SQL text and bind types.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T: Query> Query for Cached<T> {
    type SqlType = T::SqlType;
}

/// Use `get_result`/`load` (with `RETURNING` for inserts): on diesel's `execute` path the
/// statement is passed by reference, and the reference does not forward the cache mark.
impl<T, Conn> RunQueryDsl<Conn> for Cached<T> {}
