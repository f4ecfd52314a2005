//! Idempotency-Key records. A record is claimed before the work starts (no response yet: "in
//! flight"), completed in the same transaction as the work, and ignored after 24 hours.

use diesel::prelude::*;

use crate::schema::idempotency_keys;

/// How long a key is remembered.
pub const TTL_HOURS: i32 = 24;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub status_code: Option<i32>,
    pub response_body: Option<Vec<u8>>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

/// Claims `(sub, key)` for a request with `fingerprint`. `Ok(None)`: claimed, go ahead.
/// `Ok(Some(row))`: the key is known (compare fingerprints, replay or report in flight).
pub fn claim(conn: &mut PgConnection, sub: &str, key: &str, fingerprint: &str) -> QueryResult<Option<IdempotencyRow>> {
    // A record past its lifetime no longer counts, nor a claim left without an answer for longer
    // than any request may run (its process died): remove it so the key can be used afresh.
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE actor_sub = $1 AND key = $2
           AND (created_at < now() - make_interval(hours => $3)
                OR (status_code IS NULL AND created_at < now() - interval '10 minutes'))",
    )
    .bind::<diesel::sql_types::Text, _>(sub)
    .bind::<diesel::sql_types::Text, _>(key)
    .bind::<diesel::sql_types::Integer, _>(TTL_HOURS)
    .execute(conn)?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor_sub.eq(sub),
            idempotency_keys::key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(None);
    }
    idempotency_keys::table
        .filter(idempotency_keys::actor_sub.eq(sub))
        .filter(idempotency_keys::key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores the response of a claimed key.
pub fn complete(
    conn: &mut PgConnection,
    sub: &str,
    key: &str,
    status: u16,
    body: &[u8],
    etag: Option<&str>,
    location: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table.find((sub, key)))
        .set((
            idempotency_keys::status_code.eq(Some(i32::from(status))),
            idempotency_keys::response_body.eq(Some(body)),
            idempotency_keys::etag.eq(etag),
            idempotency_keys::location.eq(location),
        ))
        .execute(conn)
}

/// Releases a claim whose work failed in a way a retry may fix (e.g. the database was down).
pub fn release(conn: &mut PgConnection, sub: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.find((sub, key)).filter(idempotency_keys::status_code.is_null()))
        .execute(conn)
}

/// Removes expired records (called at start-up).
pub fn purge_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .bind::<diesel::sql_types::Integer, _>(TTL_HOURS)
        .execute(conn)
}
