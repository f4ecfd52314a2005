//! Case events: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::case_events;
use crate::store::cached::Cached;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: i64,
    pub case_id: Uuid,
    pub seq: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_sub: String,
    pub actor_name: String,
    pub actor_role: String,
    pub actor_office: Option<String>,
    pub evidence: serde_json::Value,
    pub request_id: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = case_events)]
pub struct NewEvent<'a> {
    pub case_id: Uuid,
    pub seq: i32,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub actor_sub: &'a str,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub actor_office: Option<&'a str>,
    pub evidence: &'a serde_json::Value,
    pub request_id: &'a str,
    pub occurred_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, new: &NewEvent<'_>) -> QueryResult<usize> {
    Cached(diesel::insert_into(case_events::table).values(new).returning(case_events::id))
        .get_result::<i64>(conn)
        .map(|_| 1)
}

/// Whether the case has an event with one of `actions`.
pub fn any_of(conn: &mut PgConnection, case_id: Uuid, actions: &[&str]) -> QueryResult<bool> {
    diesel::select(sql::case_has_event(case_id, actions)).get_result(conn)
}

/// The SQL function behind `any_of` (migration 22), so that a query of the case itself can ask
/// it too (`cases::find_for_view`).
pub mod sql {
    diesel::define_sql_function! {
        /// Whether case `case` has an event of one of `actions`.
        fn case_has_event(case: diesel::sql_types::Uuid, actions: diesel::sql_types::Array<diesel::sql_types::Text>) -> diesel::sql_types::Bool;
    }
}

/// A case's events, oldest first.
pub fn for_case(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<Vec<EventRow>> {
    case_events::table
        .filter(case_events::case_id.eq(case_id))
        .order(case_events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)
}
