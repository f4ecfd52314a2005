//! Report queries. Status, throughput and durations read the summary tables
//! (`case_status_counts`, `daily_activity`, `daily_durations` and its whole months in
//! `monthly_durations`) together with the delta rows the
//! triggers append to their `*_deltas` twins, in one statement, so a report is exact whether or
//! not the background fold (`fold_deltas`) has merged them yet. The overdue list reads `cases`
//! through partial indexes made for it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::case::{Channel, Kind, Status};
use crate::domain::refusal::RefusalReason;

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
         FROM (SELECT office_id, kind, channel, status, n FROM case_status_counts
               UNION ALL SELECT office_id, kind, channel, status, n FROM case_status_deltas) c
         JOIN offices o ON o.id = c.office_id
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
    /// Posted (one half or both) past the expected day.
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    /// Held for collection past the collection day.
    #[diesel(sql_type = BigInt)]
    pub uncollected: i64,
}

/// Posted cases whose expected day is before `today`, and held cards whose collection day is,
/// per office and kind. Each half reads its own partial index; the posted half never touches the
/// heap (`cases_overdue_order` includes office, kind and channel).
pub fn overdue_counts(conn: &mut PgConnection, s: &Scope, today: NaiveDate) -> QueryResult<Vec<OfficeKindCount>> {
    diesel::sql_query(
        "SELECT office_id, kind, sum(overdue)::bigint AS overdue, sum(uncollected)::bigint AS uncollected
         FROM (SELECT office_id, kind, count(*) AS overdue, 0 AS uncollected FROM cases
               WHERE status IN ('second_half_posted', 'both_halves_posted') AND second_half_expected_by < $1
                 AND ($2::uuid IS NULL OR office_id = $2) AND ($3::text IS NULL OR kind = $3)
                 AND ($4::text IS NULL OR channel = $4)
               GROUP BY office_id, kind
               UNION ALL
               SELECT office_id, kind, 0, count(*) FROM cases
               WHERE status = 'awaiting_collection' AND collect_by < $1
                 AND ($2::uuid IS NULL OR office_id = $2) AND ($3::text IS NULL OR kind = $3)
                 AND ($4::text IS NULL OR channel = $4)
               GROUP BY office_id, kind) x
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
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub applicant_cpr_sealed: Vec<u8>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub second_half_posted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Date>)]
    pub second_half_expected_by: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub held_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Date>)]
    pub collect_by: Option<NaiveDate>,
    /// The day it was due: expected by (posted) or collect by (held).
    #[diesel(sql_type = Date)]
    pub due: NaiveDate,
}

/// Overdue posts and uncollected cards, most overdue first (the day due, then id), after the
/// keyset position `after`. Each half reads its own partial index in order; the merge keeps the
/// page's order.
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
        "SELECT x.id, x.case_number, x.office_id, o.code AS office_code, x.kind, x.status, x.applicant_cpr_sealed,
                x.second_half_posted_at, x.second_half_expected_by, x.held_at, x.collect_by, x.due
         FROM ((SELECT c.*, c.second_half_expected_by AS due FROM cases c
                WHERE c.status IN ('second_half_posted', 'both_halves_posted') AND c.second_half_expected_by < $1
                  AND ($2::uuid IS NULL OR c.office_id = $2)
                  AND ($3::date IS NULL OR (c.second_half_expected_by, c.id) > ($3, $4::uuid))
                ORDER BY c.second_half_expected_by, c.id LIMIT $5)
               UNION ALL
               (SELECT c.*, c.collect_by AS due FROM cases c
                WHERE c.status = 'awaiting_collection' AND c.collect_by < $1
                  AND ($2::uuid IS NULL OR c.office_id = $2)
                  AND ($3::date IS NULL OR (c.collect_by, c.id) > ($3, $4::uuid))
                ORDER BY c.collect_by, c.id LIMIT $5)) x
         JOIN offices o ON o.id = x.office_id
         ORDER BY x.due, x.id
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
pub struct RefusalRow {
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub office_code: String,
    #[diesel(sql_type = Text)]
    pub reason: RefusalReason,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The Copenhagen days [from, to] as a half-open range of instants, as SQL.
const DECIDED_IN: &str = "c.status = 'rejected'
           AND c.closed_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Copenhagen')
           AND c.closed_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen')
           AND ($3::uuid IS NULL OR c.office_id = $3)";

/// Refusals decided on the Copenhagen days `from`..=`to`, per office and reason (a decision on
/// several grounds under each). Reads the rejected cases by their closing instant.
pub fn refusals_by_reason(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<RefusalRow>> {
    diesel::sql_query(format!(
        "SELECT c.office_id, o.code AS office_code, r.reason, count(*) AS n
         FROM cases c JOIN offices o ON o.id = c.office_id, unnest(c.refusal_reasons) AS r(reason)
         WHERE {DECIDED_IN}
         GROUP BY c.office_id, o.code, r.reason"
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<SqlUuid>, _>(office_id)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct OfficeCount {
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub office_code: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Refusals decided on the Copenhagen days `from`..=`to`, per office, by office code. Cases
/// rejected before decisions were recorded (no reasons) count here too.
pub fn refusals_by_office(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<OfficeCount>> {
    diesel::sql_query(format!(
        "SELECT c.office_id, o.code AS office_code, count(*) AS n
         FROM cases c JOIN offices o ON o.id = c.office_id
         WHERE {DECIDED_IN}
         GROUP BY c.office_id, o.code ORDER BY o.code"
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<SqlUuid>, _>(office_id)
    .load(conn)
}

/// One period and office of the throughput report; the counters in the order of `COLUMNS`.
#[derive(Debug)]
pub struct ThroughputRow {
    pub period_start: NaiveDate,
    pub office_id: Uuid,
    pub office_code: String,
    pub opened: i64,
    pub identity_verified: i64,
    pub first_half_issued: i64,
    pub second_half_posted: i64,
    pub completed_standard: i64,
    pub completed_express: i64,
    pub returned: i64,
    pub cancelled: i64,
    pub rejected: i64,
    pub opened_replacement_card: i64,
    pub opened_new_password: i64,
    pub completed_replacement_card: i64,
    pub completed_new_password: i64,
    pub opened_online: i64,
    pub completed_online: i64,
}

/// Activity per period (`day`, `week` or `month`, Copenhagen days) and office, `from`..=`to`,
/// in no particular order: the summary rows and the deltas not yet folded, aggregated by office
/// id before the join to the office codes, so the grouping hashes in memory.
pub fn throughput(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    granularity: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ThroughputRow>> {
    const COLUMNS: &str = "opened, identity_verified, first_half_issued, second_half_posted, completed_standard, \
                           completed_express, returned, cancelled, rejected, opened_replacement_card, \
                           opened_new_password, completed_replacement_card, completed_new_password, opened_online, \
                           completed_online";
    let sum = |prefix: &str, c: &str| format!("sum({prefix}{c})::bigint AS {c}");
    // The counters travel as one array column: decoding 18 named columns per row cost the server
    // more than the query (bench/README.md).
    let packed = COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    let sql = if granularity == "day" {
        // Days are the summary's own rows: each passes through once, plus the deltas not yet
        // folded, summed by day and office first (few) and added in a hash join.
        format!(
            "WITH d AS (
                 SELECT day, office_id, {}
                 FROM daily_activity_deltas
                 WHERE day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR office_id = $3)
                 GROUP BY 1, 2),
             p AS (
                 SELECT day AS period_start, office_id, {}
                 FROM (SELECT * FROM daily_activity WHERE day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR office_id = $3)) a
                 FULL JOIN d USING (day, office_id))
             SELECT p.period_start, p.office_id, o.code AS office_code, ARRAY[{}] AS counts
             FROM p JOIN offices o ON o.id = p.office_id",
            COLUMNS.split(", ").map(|c| sum("", c)).collect::<Vec<_>>().join(", "),
            COLUMNS
                .split(", ")
                .map(|c| format!("(coalesce(a.{c}, 0) + coalesce(d.{c}, 0))::bigint AS {c}"))
                .collect::<Vec<_>>()
                .join(", "),
            packed
        )
    } else {
        format!(
            "WITH p AS (
                 SELECT date_trunc('{}', a.day::timestamp)::date AS period_start, a.office_id, {}
                 FROM (SELECT * FROM daily_activity UNION ALL SELECT * FROM daily_activity_deltas) a
                 WHERE a.day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR a.office_id = $3)
                 GROUP BY 1, 2)
             SELECT p.period_start, p.office_id, o.code AS office_code, ARRAY[{}] AS counts
             FROM p JOIN offices o ON o.id = p.office_id",
            if granularity == "week" { "week" } else { "month" },
            COLUMNS.split(", ").map(|c| sum("a.", c)).collect::<Vec<_>>().join(", "),
            packed
        )
    };
    #[derive(QueryableByName)]
    struct Packed {
        #[diesel(sql_type = Date)]
        period_start: NaiveDate,
        #[diesel(sql_type = SqlUuid)]
        office_id: Uuid,
        #[diesel(sql_type = Text)]
        office_code: String,
        #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
        counts: Vec<i64>,
    }
    let rows: Vec<Packed> = diesel::sql_query(sql)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Nullable<SqlUuid>, _>(office_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let n = |i: usize| p.counts.get(i).copied().unwrap_or_default();
            ThroughputRow {
                opened: n(0),
                identity_verified: n(1),
                first_half_issued: n(2),
                second_half_posted: n(3),
                completed_standard: n(4),
                completed_express: n(5),
                returned: n(6),
                cancelled: n(7),
                rejected: n(8),
                opened_replacement_card: n(9),
                opened_new_password: n(10),
                completed_replacement_card: n(11),
                completed_new_password: n(12),
                opened_online: n(13),
                completed_online: n(14),
                period_start: p.period_start,
                office_id: p.office_id,
                office_code: p.office_code,
            }
        })
        .collect())
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

/// The summary rows of cases completed on Copenhagen days `from`..=`to`: the months lying wholly
/// inside the range from `monthly_durations` (one row per month instead of about thirty), the days
/// at its two ends from `daily_durations`, and the unfolded deltas of every day. The fold appends
/// a delta to its day and its month in one statement, so either way each value counts once.
pub fn durations(
    conn: &mut PgConnection,
    office_id: Option<Uuid>,
    kind: Option<Kind>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DurationDay>> {
    // The whole months as a span of days: the first day of the first, the last of the last.
    let months = crate::domain::clock::whole_months(from, to);
    const COLUMNS: &str = "opened_to_first_half, posted_to_completed, express_opened_to_completed, \
                           posted_completed, completed_within_window";
    const SCOPE: &str = "($5::uuid IS NULL OR office_id = $5) AND ($6::text IS NULL OR kind = $6)";
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM daily_durations WHERE day BETWEEN $1 AND coalesce($3::date - 1, $2) AND {SCOPE}
         UNION ALL SELECT {COLUMNS} FROM daily_durations WHERE day BETWEEN $4::date + 1 AND $2 AND {SCOPE}
         UNION ALL SELECT {COLUMNS} FROM monthly_durations WHERE month BETWEEN $3 AND $4 AND {SCOPE}
         UNION ALL SELECT {COLUMNS} FROM daily_duration_deltas WHERE day BETWEEN $1 AND $2 AND {SCOPE}"
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Date>, _>(months.map(|m| m.0))
    .bind::<Nullable<Date>, _>(months.map(|m| m.1))
    .bind::<Nullable<SqlUuid>, _>(office_id)
    .bind::<Nullable<Text>, _>(kind)
    .load(conn)
}

/// Appends the float8 values packed in `bytes` (PostgreSQL `float8send`) to `out`.
pub fn unpack_seconds(bytes: &[u8], out: &mut Vec<f64>) {
    out.extend(bytes.chunks_exact(8).map(|c| f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])));
}

/// Merges the delta rows every committed change appended into the summary rows (SQL
/// `fold_report_deltas`, one transaction); the number of delta rows folded. One folder at a time:
/// a concurrent call returns 0 at once.
pub fn fold_deltas(conn: &mut PgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Folded {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT fold_report_deltas() AS n").get_result::<Folded>(conn).map(|f| f.n)
}
