//! Report queries. Status and throughput read the summary tables kept by triggers
//! (`case_status_counts`, `daily_activity`); the overdue list and durations read `cases` through
//! partial indexes made for them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::case::{Channel, Kind, Status};

/// Filters every report shares.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub office_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
}

#[derive(Debug, QueryableByName)]
pub struct StatusCount {
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub office_code: String,
    #[diesel(sql_type = Text)]
    pub kind: Kind,
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub fn status_counts(conn: &mut PgConnection, s: &Scope) -> QueryResult<Vec<StatusCount>> {
    diesel::sql_query(
        "SELECT c.office_id, o.code AS office_code, c.kind, c.status, sum(c.n)::bigint AS n
         FROM case_status_counts c JOIN offices o ON o.id = c.office_id
         WHERE ($1::uuid IS NULL OR c.office_id = $1) AND ($2::text IS NULL OR c.kind = $2)
           AND ($3::text IS NULL OR c.channel = $3)
         GROUP BY c.office_id, o.code, c.kind, c.status
         ORDER BY o.code, c.kind, c.status",
    )
    .bind::<Nullable<SqlUuid>, _>(s.office_id)
    .bind::<Nullable<Text>, _>(s.kind)
    .bind::<Nullable<Text>, _>(s.channel)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct OfficeKindCount {
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: Kind,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Posted cases whose expected day is before `today`, per office and kind.
pub fn overdue_counts(conn: &mut PgConnection, s: &Scope, today: NaiveDate) -> QueryResult<Vec<OfficeKindCount>> {
    diesel::sql_query(
        "SELECT office_id, kind, count(*) AS n FROM cases
         WHERE status = 'second_half_posted' AND second_half_expected_by < $1
           AND ($2::uuid IS NULL OR office_id = $2) AND ($3::text IS NULL OR kind = $3)
           AND ($4::text IS NULL OR channel = $4)
         GROUP BY office_id, kind",
    )
    .bind::<Date, _>(today)
    .bind::<Nullable<SqlUuid>, _>(s.office_id)
    .bind::<Nullable<Text>, _>(s.kind)
    .bind::<Nullable<Text>, _>(s.channel)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct OverdueRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub case_number: String,
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub office_code: String,
    #[diesel(sql_type = Text)]
    pub kind: Kind,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub applicant_cpr_sealed: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    pub second_half_posted_at: DateTime<Utc>,
    #[diesel(sql_type = Date)]
    pub second_half_expected_by: NaiveDate,
}

/// Overdue cases, most overdue first (expected day, then id), after the keyset position `after`.
pub fn overdue_page(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    today: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<OverdueRow>> {
    let (after_day, after_id) = match after {
        Some((d, id)) => (Some(d), Some(id)),
        None => (None, None),
    };
    diesel::sql_query(
        "SELECT c.id, c.case_number, c.office_id, o.code AS office_code, c.kind, c.applicant_cpr_sealed,
                c.second_half_posted_at, c.second_half_expected_by
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE c.status = 'second_half_posted' AND c.second_half_expected_by < $1
           AND ($2::uuid IS NULL OR c.office_id = $2)
           AND ($3::date IS NULL OR (c.second_half_expected_by, c.id) > ($3, $4::uuid))
         ORDER BY c.second_half_expected_by, c.id
         LIMIT $5",
    )
    .bind::<Date, _>(today)
    .bind::<Nullable<SqlUuid>, _>(office_id)
    .bind::<Nullable<Date>, _>(after_day)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<BigInt, _>(limit + 1)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct ThroughputRow {
    #[diesel(sql_type = Date)]
    pub period_start: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub office_code: String,
    #[diesel(sql_type = BigInt)]
    pub opened: i64,
    #[diesel(sql_type = BigInt)]
    pub identity_verified: i64,
    #[diesel(sql_type = BigInt)]
    pub first_half_issued: i64,
    #[diesel(sql_type = BigInt)]
    pub second_half_posted: i64,
    #[diesel(sql_type = BigInt)]
    pub completed_standard: i64,
    #[diesel(sql_type = BigInt)]
    pub completed_express: i64,
    #[diesel(sql_type = BigInt)]
    pub returned: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    #[diesel(sql_type = BigInt)]
    pub opened_replacement_card: i64,
    #[diesel(sql_type = BigInt)]
    pub opened_new_password: i64,
    #[diesel(sql_type = BigInt)]
    pub completed_replacement_card: i64,
    #[diesel(sql_type = BigInt)]
    pub completed_new_password: i64,
}

/// Activity per period (`day`, `week` or `month`, Copenhagen days) and office, `from`..=`to`,
/// in no particular order. Days are the summary's own rows; weeks and months are aggregated by
/// office id before the join to the office codes, so the grouping hashes in memory.
pub fn throughput(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    granularity: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ThroughputRow>> {
    const COLUMNS: &str = "opened, identity_verified, first_half_issued, second_half_posted, completed_standard, \
                           completed_express, returned, cancelled, rejected, opened_replacement_card, \
                           opened_new_password, completed_replacement_card, completed_new_password";
    let sql = if granularity == "day" {
        format!(
            "SELECT a.day AS period_start, a.office_id, o.code AS office_code,
                    {}
             FROM daily_activity a JOIN offices o ON o.id = a.office_id
             WHERE a.day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR a.office_id = $3)",
            COLUMNS.split(", ").map(|c| format!("a.{c}::bigint AS {c}")).collect::<Vec<_>>().join(", ")
        )
    } else {
        format!(
            "WITH p AS (
                 SELECT date_trunc('{}', a.day::timestamp)::date AS period_start, a.office_id, {}
                 FROM daily_activity a
                 WHERE a.day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR a.office_id = $3)
                 GROUP BY 1, 2)
             SELECT p.*, o.code AS office_code FROM p JOIN offices o ON o.id = p.office_id",
            if granularity == "week" { "week" } else { "month" },
            COLUMNS.split(", ").map(|c| format!("sum(a.{c})::bigint AS {c}")).collect::<Vec<_>>().join(", ")
        )
    };
    diesel::sql_query(sql).bind::<Date, _>(from).bind::<Date, _>(to).bind::<Nullable<SqlUuid>, _>(office_id).load(conn)
}

/// Durations (seconds) of the cases completed on each day of the range, per office and kind,
/// packed as big-endian float8 values (see `unpack_seconds`).
#[derive(Debug, QueryableByName)]
pub struct DurationDay {
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub opened_to_first_half: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub posted_to_completed: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub express_opened_to_completed: Vec<u8>,
    #[diesel(sql_type = BigInt)]
    pub posted_completed: i64,
    #[diesel(sql_type = BigInt)]
    pub completed_within_window: i64,
}

/// The summary rows of cases completed on Copenhagen days `from`..=`to`.
pub fn durations(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    kind: Option<Kind>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DurationDay>> {
    diesel::sql_query(
        "SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed,
                posted_completed, completed_within_window
         FROM daily_durations
         WHERE day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR office_id = $3) AND ($4::text IS NULL OR kind = $4)",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<SqlUuid>, _>(office_id)
    .bind::<Nullable<Text>, _>(kind)
    .load(conn)
}

/// Appends the float8 values packed in `bytes` (PostgreSQL `float8send`) to `out`.
pub fn unpack_seconds(bytes: &[u8], out: &mut Vec<f64>) {
    out.extend(bytes.chunks_exact(8).map(|c| f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])));
}
