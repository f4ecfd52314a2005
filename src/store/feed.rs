//! The change feed: every case, exemption and NemID event in one total order that never skips.
//!
//! Why it cannot skip: positions are `(writing transaction's id << 24) | n` (trigger
//! `assign_feed_position`, migration 20), so transactions that commit out of order still own
//! disjoint, ordered ranges, and no row is shared between writers. A page only holds positions
//! below `feed_horizon()`, the oldest transaction id still running shifted the same way: every
//! transaction with a smaller id has ended, and every later one gets a larger id, so nothing can
//! ever appear below a position a reader has already passed. Transactions of other databases on
//! the same server do not count. A long-running writing transaction of this database holds the
//! feed back until it ends (`statement_timeout` bounds a request's).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct FeedRow {
    #[diesel(sql_type = BigInt)]
    pub position: i64,
    /// `case`, `exemption` or `nemid`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub subject_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub case_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub nemid_number: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub office_id: Uuid,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub from_status: Option<String>,
    #[diesel(sql_type = Text)]
    pub to_status: String,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub actor_role: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_office: Option<String>,
}

/// Where the feed stands in the current transaction's snapshot.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Bounds {
    /// No position at or above it may be handed out yet (SQL `feed_horizon()`).
    #[diesel(sql_type = BigInt)]
    pub horizon: i64,
    /// Every transaction that had ended by now has its positions below this.
    #[diesel(sql_type = BigInt)]
    pub mark: i64,
}

/// The bounds in the snapshot of the current transaction: read them and the page in one
/// REPEATABLE READ transaction, so both see the same snapshot.
pub fn bounds(conn: &mut PgConnection) -> QueryResult<Bounds> {
    diesel::sql_query(
        "SELECT feed_horizon() AS horizon, pg_snapshot_xmax(pg_current_snapshot())::text::bigint << 24 AS mark",
    )
    .get_result(conn)
}

/// Events after feed position `after` and below `horizon` (from `bounds`, in the same snapshot),
/// visible to `office` (all when `None`).
pub fn page(
    conn: &mut PgConnection,
    office: Option<Uuid>,
    after: i64,
    horizon: i64,
    limit: i64,
) -> QueryResult<Vec<FeedRow>> {
    diesel::sql_query(
        "(SELECT e.feed_position AS position, 'case' AS kind, e.id, e.case_id AS subject_id, c.case_number,
                 NULL::text AS nemid_number, c.office_id, e.action, e.from_status, e.to_status, e.occurred_at, e.actor_role, e.actor_office
          FROM case_events e JOIN cases c ON c.id = e.case_id
          WHERE e.feed_position > $1 AND e.feed_position < $4 AND ($2::uuid IS NULL OR c.office_id = $2)
          ORDER BY e.feed_position LIMIT $3)
         UNION ALL
         (SELECT e.feed_position, 'exemption', e.id, e.exemption_id, NULL, NULL, x.office_id, e.action,
                 e.from_status, e.to_status, e.occurred_at, e.actor_role, e.actor_office
          FROM exemption_events e JOIN exemptions x ON x.id = e.exemption_id
          WHERE e.feed_position > $1 AND e.feed_position < $4 AND ($2::uuid IS NULL OR x.office_id = $2)
          ORDER BY e.feed_position LIMIT $3)
         UNION ALL
         (SELECT e.feed_position, 'nemid', e.id, e.nemid_id, NULL, m.number, m.office_id, e.action,
                 e.from_state, e.to_state, e.occurred_at, e.actor_role, e.actor_office
          FROM nemid_events e JOIN nemids m ON m.id = e.nemid_id
          WHERE e.feed_position > $1 AND e.feed_position < $4 AND ($2::uuid IS NULL OR m.office_id = $2)
          ORDER BY e.feed_position LIMIT $3)
         ORDER BY position LIMIT $3",
    )
    .bind::<BigInt, _>(after)
    .bind::<Nullable<SqlUuid>, _>(office)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(horizon)
    .load(conn)
}

/// The event at one feed position (what a webhook delivery sends).
pub fn at(conn: &mut PgConnection, position: i64) -> QueryResult<Option<FeedRow>> {
    diesel::sql_query(
        "SELECT e.feed_position AS position, 'case' AS kind, e.id, e.case_id AS subject_id, c.case_number,
                NULL::text AS nemid_number, c.office_id, e.action, e.from_status, e.to_status, e.occurred_at, e.actor_role, e.actor_office
         FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.feed_position = $1
         UNION ALL
         SELECT e.feed_position, 'exemption', e.id, e.exemption_id, NULL, NULL, x.office_id, e.action,
                e.from_status, e.to_status, e.occurred_at, e.actor_role, e.actor_office
         FROM exemption_events e JOIN exemptions x ON x.id = e.exemption_id WHERE e.feed_position = $1
         UNION ALL
         SELECT e.feed_position, 'nemid', e.id, e.nemid_id, NULL, m.number, m.office_id, e.action,
                e.from_state, e.to_state, e.occurred_at, e.actor_role, e.actor_office
         FROM nemid_events e JOIN nemids m ON m.id = e.nemid_id WHERE e.feed_position = $1",
    )
    .bind::<BigInt, _>(position)
    .get_result(conn)
    .optional()
}
