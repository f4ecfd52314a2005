//! Idempotency-Key records: the answer to a request, written in the transaction of its work and
//! ignored after 24 hours. While a request runs, its key is held by an advisory lock (see
//! `http::context::idempotency::run`), never by a row a crash could leave behind.

use diesel::prelude::*;

use crate::schema::idempotency_keys;

/// How long a key is remembered.
pub const TTL_HOURS: i32 = 24;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub status_code: i32,
    pub response_body: Vec<u8>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

/// Takes the transaction-scoped lock of `(sub, key)`; false when another transaction holds it.
pub fn lock(conn: &mut PgConnection, sub: &str, key: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        got: bool,
    }
    // A 64-bit hash of both parts: two different keys share a lock only by a hash collision,
    // and then only while both are in flight.
    let r: Locked =
        diesel::sql_query("SELECT pg_try_advisory_xact_lock(hashtextextended($1 || E'\\n' || $2, 0)) AS got")
            .bind::<diesel::sql_types::Text, _>(sub)
            .bind::<diesel::sql_types::Text, _>(key)
            .get_result(conn)?;
    Ok(r.got)
}

/// The answer stored for `(sub, key)`, if it is younger than the time keys are remembered.
pub fn find(conn: &mut PgConnection, sub: &str, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .find((sub, key))
        .filter(idempotency_keys::created_at.ge(chrono::Utc::now() - chrono::Duration::hours(i64::from(TTL_HOURS))))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// An answer to remember, written in the transaction of the work it answers.
pub struct NewAnswer<'a> {
    pub sub: &'a str,
    pub key: &'a str,
    pub fingerprint: &'a str,
    pub status_code: i32,
    pub response_body: &'a [u8],
    pub etag: Option<&'a str>,
    pub location: Option<&'a str>,
}

/// Stores an answer; a record of the same key past its lifetime is replaced.
pub fn insert(conn: &mut PgConnection, a: &NewAnswer<'_>) -> QueryResult<usize> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor_sub.eq(a.sub),
            idempotency_keys::key.eq(a.key),
            idempotency_keys::fingerprint.eq(a.fingerprint),
            idempotency_keys::status_code.eq(a.status_code),
            idempotency_keys::response_body.eq(a.response_body),
            idempotency_keys::etag.eq(a.etag),
            idempotency_keys::location.eq(a.location),
            idempotency_keys::created_at.eq(diesel::dsl::now),
        ))
        .on_conflict((idempotency_keys::actor_sub, idempotency_keys::key))
        .do_update()
        .set((
            idempotency_keys::fingerprint.eq(a.fingerprint),
            idempotency_keys::status_code.eq(a.status_code),
            idempotency_keys::response_body.eq(a.response_body),
            idempotency_keys::etag.eq(a.etag),
            idempotency_keys::location.eq(a.location),
            idempotency_keys::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

/// Removes expired records (called at start-up).
pub fn purge_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .bind::<diesel::sql_types::Integer, _>(TTL_HOURS)
        .execute(conn)
}
