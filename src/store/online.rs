//! Online orders (the fraud-review record, the queue of orders waiting for the registers, the
//! counts behind the abuse limits) and the development registers the local adapter reads:
//! diesel queries only.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use uuid::Uuid;

use crate::domain::online::{DocumentType, OrderOutcome};
use crate::schema::{dev_cpr_register, dev_identity_documents, online_orders};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = online_orders, check_for_backend(diesel::pg::Pg))]
pub struct OrderRow {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub cpr_index: String,
    pub document_type: DocumentType,
    pub client_hash: String,
    pub outcome: Option<OrderOutcome>,
    pub cpr_sealed: Option<Vec<u8>>,
    pub document_number_sealed: Option<Vec<u8>>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub case_id: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = online_orders)]
pub struct NewOrder<'a> {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub cpr_index: &'a str,
    pub document_type: DocumentType,
    pub client_hash: &'a str,
    /// `None`: waiting for the registers (then the sealed values and `next_attempt_at` are set).
    pub outcome: Option<OrderOutcome>,
    pub cpr_sealed: Option<&'a [u8]>,
    pub document_number_sealed: Option<&'a [u8]>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// 1 for a rate-limited attempt (later ones within a minute are added to it), else 0.
    pub attempts: i32,
}

pub fn insert(conn: &mut PgConnection, new: &NewOrder<'_>) -> QueryResult<()> {
    diesel::insert_into(online_orders::table).values(new).execute(conn).map(drop)
}

/// Serialises the orders counted against one key (a client, a CPR number) until the transaction
/// ends: two orders of one key never both see room under the limit. Keys are independent.
pub fn lock_key(conn: &mut PgConnection, key: &str) -> QueryResult<()> {
    crate::store::lock_key(conn, "online-order", key)
}

/// The times of a client's (`by_client`) or a CPR number's orders since `since`, oldest first;
/// rate-limited attempts do not count.
pub fn recent(
    conn: &mut PgConnection,
    by_client: bool,
    key: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    let counted = online_orders::outcome.is_distinct_from(OrderOutcome::RateLimited);
    let base = online_orders::table.filter(online_orders::received_at.gt(since)).filter(counted);
    let times = if by_client {
        base.filter(online_orders::client_hash.eq(key))
            .select(online_orders::received_at)
            .order(online_orders::received_at)
            .load(conn)?
    } else {
        base.filter(online_orders::cpr_index.eq(key))
            .select(online_orders::received_at)
            .order(online_orders::received_at)
            .load(conn)?
    };
    Ok(times)
}

/// Takes up to `limit` waiting orders that are due, for `lease_secs` (another instance takes
/// them only after that), counting the attempt.
pub fn claim(conn: &mut PgConnection, limit: i64, lease_secs: f64) -> QueryResult<Vec<OrderRow>> {
    diesel::sql_query(
        "WITH due AS (
             SELECT id FROM online_orders WHERE outcome IS NULL AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE online_orders o SET next_attempt_at = now() + make_interval(secs => $2), attempts = o.attempts + 1
         FROM due WHERE o.id = due.id
         RETURNING o.*",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(lease_secs)
    .load(conn)
}

/// A client's further attempt for the same CPR number while it is over the limit is added to its
/// latest rate-limited attempt of the last minute, if there is one (returns whether), so that a
/// flood writes a row a minute, not a row a request; the report counts them all.
pub fn add_rate_limited(
    conn: &mut PgConnection,
    client_hash: &str,
    cpr_index: &str,
    since: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE online_orders SET attempts = attempts + 1 WHERE id = (
             SELECT id FROM online_orders WHERE client_hash = $1 AND cpr_index = $2 AND outcome = 'rate_limited'
               AND received_at > $3 ORDER BY received_at DESC LIMIT 1)",
    )
    .bind::<Text, _>(client_hash)
    .bind::<Text, _>(cpr_index)
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .execute(conn)?;
    Ok(n > 0)
}

/// The order, locked, if it is still waiting.
pub fn waiting_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<OrderRow>> {
    online_orders::table
        .filter(online_orders::id.eq(id))
        .filter(online_orders::outcome.is_null())
        .select(OrderRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Decides a waiting order still held by the claim that counted `attempts`: its outcome, its
/// case if one was made; the sealed values go. Returns how many rows changed (0: another
/// instance has taken it over, or it is decided).
pub fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    attempts: i32,
    outcome: OrderOutcome,
    case_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        online_orders::table
            .filter(online_orders::id.eq(id))
            .filter(online_orders::outcome.is_null())
            .filter(online_orders::attempts.eq(attempts)),
    )
    .set((
        online_orders::outcome.eq(Some(outcome)),
        online_orders::case_id.eq(case_id),
        online_orders::decided_at.eq(Some(at)),
        online_orders::cpr_sealed.eq(None::<Vec<u8>>),
        online_orders::document_number_sealed.eq(None::<Vec<u8>>),
        online_orders::next_attempt_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}

/// The order could not be decided: it waits until `next`, with the reason — if the claim that
/// counted `attempts` still holds it.
pub fn postpone(
    conn: &mut PgConnection,
    id: Uuid,
    attempts: i32,
    next: DateTime<Utc>,
    error: &str,
) -> QueryResult<usize> {
    let error: String = error.chars().take(500).collect();
    diesel::update(
        online_orders::table
            .filter(online_orders::id.eq(id))
            .filter(online_orders::outcome.is_null())
            .filter(online_orders::attempts.eq(attempts)),
    )
    .set((online_orders::next_attempt_at.eq(Some(next)), online_orders::last_error.eq(Some(error))))
    .execute(conn)
}

/// Orders still waiting that were received before `before` are given up (`registers_unavailable`,
/// their sealed values removed), whether or not any server's worker runs: nothing waits forever.
pub fn give_up_waiting_before(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        online_orders::table.filter(online_orders::outcome.is_null()).filter(online_orders::received_at.lt(before)),
    )
    .set((
        online_orders::outcome.eq(Some(OrderOutcome::RegistersUnavailable)),
        online_orders::decided_at.eq(Some(now)),
        online_orders::cpr_sealed.eq(None::<Vec<u8>>),
        online_orders::document_number_sealed.eq(None::<Vec<u8>>),
        online_orders::next_attempt_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}

/// Decided orders received before `before` are deleted (retention of the fraud-review record).
pub fn purge_decided_before(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        online_orders::table.filter(online_orders::outcome.is_not_null()).filter(online_orders::received_at.lt(before)),
    )
    .execute(conn)
}

/// One Copenhagen day's orders by outcome (`None`: still waiting).
#[derive(Debug, Clone, QueryableByName)]
pub struct DayOutcome {
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub outcome: Option<OrderOutcome>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Orders received on the Copenhagen days `from..=to`, counted by day and outcome.
pub fn by_day(conn: &mut PgConnection, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<DayOutcome>> {
    diesel::sql_query(
        "SELECT (received_at AT TIME ZONE 'Europe/Copenhagen')::date AS day, outcome,
                sum(CASE WHEN outcome = 'rate_limited' THEN greatest(attempts, 1) ELSE 1 END)::bigint AS n
         FROM online_orders
         WHERE received_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Copenhagen')
           AND received_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen')
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .load(conn)
}

// The development registers.

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dev_cpr_register, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct DevPerson {
    pub cpr_index: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub alive: bool,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub name_address_protection: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dev_identity_documents, check_for_backend(diesel::pg::Pg))]
pub struct DevDocument {
    pub register: DocumentType,
    pub number: String,
    pub cpr_index: String,
    pub expires_on: NaiveDate,
}

pub fn dev_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Option<DevPerson>> {
    dev_cpr_register::table.find(cpr_index).select(DevPerson::as_select()).first(conn).optional()
}

pub fn dev_document(conn: &mut PgConnection, register: DocumentType, number: &str) -> QueryResult<Option<DevDocument>> {
    dev_identity_documents::table.find((register, number)).select(DevDocument::as_select()).first(conn).optional()
}

/// Inserts or replaces a person.
pub fn put_dev_person(conn: &mut PgConnection, p: &DevPerson) -> QueryResult<()> {
    diesel::insert_into(dev_cpr_register::table)
        .values(p)
        .on_conflict(dev_cpr_register::cpr_index)
        .do_update()
        .set(p)
        .execute(conn)
        .map(drop)
}

/// Inserts or replaces a document.
pub fn put_dev_document(conn: &mut PgConnection, d: &DevDocument) -> QueryResult<()> {
    diesel::insert_into(dev_identity_documents::table)
        .values(d)
        .on_conflict((dev_identity_documents::register, dev_identity_documents::number))
        .do_update()
        .set(d)
        .execute(conn)
        .map(drop)
}
