//! Exemptions from Digital Post and their events: diesel queries only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::exemption::{Declaration, ExemptionReason, ExemptionStatus};
use crate::schema::{exemption_events, exemptions, offices};
use crate::store::cached::Cached;
use crate::store::events::EventRow;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = exemptions, check_for_backend(diesel::pg::Pg))]
pub struct ExemptionRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub status: ExemptionStatus,
    pub citizen_cpr_sealed: Vec<u8>,
    pub citizen_cpr_index: String,
    pub citizen_name: String,
    pub reason: ExemptionReason,
    pub note: Option<String>,
    pub declaration: Declaration,
    pub proxy_name: Option<String>,
    pub proxy_cpr_sealed: Option<Vec<u8>>,
    pub proxy_cpr_index: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    pub version: i32,
    /// Set once retention has removed the personal data.
    pub anonymised_at: Option<DateTime<Utc>>,
}

pub type ExemptionWithOffice = (ExemptionRow, String);

#[derive(Debug, Insertable)]
#[diesel(table_name = exemptions)]
pub struct NewExemption<'a> {
    pub id: Uuid,
    pub office_id: Uuid,
    pub status: ExemptionStatus,
    pub citizen_cpr_sealed: &'a [u8],
    pub citizen_cpr_index: &'a str,
    pub citizen_name: &'a str,
    pub reason: ExemptionReason,
    pub note: Option<&'a str>,
    pub declaration: Declaration,
    pub proxy_name: Option<&'a str>,
    pub proxy_cpr_sealed: Option<&'a [u8]>,
    pub proxy_cpr_index: Option<&'a str>,
    pub registered_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = exemptions)]
pub struct ExemptionChanges<'a> {
    pub status: Option<ExemptionStatus>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<&'a str>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<&'a str>,
}

pub fn insert(conn: &mut PgConnection, new: &NewExemption<'_>) -> QueryResult<ExemptionRow> {
    diesel::insert_into(exemptions::table).values(new).returning(ExemptionRow::as_returning()).get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ExemptionWithOffice>> {
    exemptions::table
        .inner_join(offices::table)
        .filter(exemptions::id.eq(id))
        .select((ExemptionRow::as_select(), offices::code))
        .first(conn)
        .optional()
}

/// Locks the row until the transaction ends (see `cases::lock`).
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    let found: Option<Uuid> = exemptions::table.find(id).select(exemptions::id).for_update().first(conn).optional()?;
    Ok(found.is_some())
}

pub fn update_if_version(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: i32,
    changes: &ExemptionChanges<'_>,
) -> QueryResult<Option<ExemptionRow>> {
    diesel::update(exemptions::table.filter(exemptions::id.eq(id)).filter(exemptions::version.eq(expected_version)))
        .set((changes, exemptions::version.eq(exemptions::version + 1)))
        .returning(ExemptionRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Whether the person holds a granted exemption now.
pub fn granted_for(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<bool> {
    diesel::select(sql::exemption_granted(cpr_index)).get_result(conn)
}

/// The SQL function behind `granted_for` (migration 23), so that the query of a case can ask it
/// for the case's applicant (`cases::find_for_view`).
pub mod sql {
    diesel::define_sql_function! {
        /// Whether the person with blind CPR index `idx` holds a granted exemption now.
        fn exemption_granted(idx: diesel::sql_types::Text) -> diesel::sql_types::Bool;
    }
}

#[derive(Debug, Default, Clone)]
pub struct Search {
    pub office_id: Option<Uuid>,
    pub statuses: Vec<ExemptionStatus>,
    pub reason: Option<ExemptionReason>,
    pub registered_from: Option<DateTime<Utc>>,
    pub registered_to: Option<DateTime<Utc>>,
    /// Blind index of the citizen's CPR number.
    pub cpr_index: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// A page in (registered_at DESC, id DESC) order, `limit + 1` rows.
pub fn search(conn: &mut PgConnection, s: &Search) -> QueryResult<Vec<ExemptionWithOffice>> {
    let mut q =
        exemptions::table.inner_join(offices::table).select((ExemptionRow::as_select(), offices::code)).into_boxed();
    if let Some(o) = s.office_id {
        q = q.filter(exemptions::office_id.eq(o));
    }
    if !s.statuses.is_empty() {
        q = q.filter(exemptions::status.eq_any(s.statuses.clone()));
    }
    if let Some(r) = s.reason {
        q = q.filter(exemptions::reason.eq(r));
    }
    if let Some(from) = s.registered_from {
        q = q.filter(exemptions::registered_at.ge(from));
    }
    if let Some(to) = s.registered_to {
        q = q.filter(exemptions::registered_at.lt(to));
    }
    if let Some(idx) = &s.cpr_index {
        q = q.filter(exemptions::citizen_cpr_index.eq(idx.clone()));
    }
    if let Some((at, id)) = s.after {
        q = q.filter(exemptions::registered_at.lt(at).or(exemptions::registered_at.eq(at).and(exemptions::id.lt(id))));
    }
    q.order((exemptions::registered_at.desc(), exemptions::id.desc())).limit(s.limit + 1).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct StatusReasonCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: ExemptionStatus,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reason: ExemptionReason,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Exemptions per status and reason, for the status report.
pub fn counts(conn: &mut PgConnection, office_id: Option<Uuid>) -> QueryResult<Vec<StatusReasonCount>> {
    diesel::sql_query(
        "SELECT status, reason, count(*) AS n FROM exemptions WHERE ($1::uuid IS NULL OR office_id = $1)
         GROUP BY status, reason ORDER BY status, reason",
    )
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(office_id)
    .load(conn)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = exemption_events)]
pub struct NewExemptionEvent<'a> {
    pub exemption_id: Uuid,
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

pub fn insert_event(conn: &mut PgConnection, new: &NewExemptionEvent<'_>) -> QueryResult<usize> {
    Cached(diesel::insert_into(exemption_events::table).values(new).returning(exemption_events::id))
        .get_result::<i64>(conn)
        .map(|_| 1)
}

/// An exemption's events, oldest first, in the same row shape as case events.
pub fn events(conn: &mut PgConnection, id: Uuid) -> QueryResult<Vec<EventRow>> {
    use exemption_events as e;
    e::table
        .filter(e::exemption_id.eq(id))
        .order(e::seq.asc())
        .select((
            e::id,
            e::exemption_id,
            e::seq,
            e::action,
            e::from_status,
            e::to_status,
            e::actor_sub,
            e::actor_name,
            e::actor_role,
            e::actor_office,
            e::evidence,
            e::request_id,
            e::occurred_at,
        ))
        .load(conn)
}

/// Every exemption about the person (as citizen or as proxy, by blind index), oldest first.
pub fn of_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Vec<ExemptionWithOffice>> {
    exemptions::table
        .inner_join(offices::table)
        .filter(exemptions::citizen_cpr_index.eq(cpr_index).or(exemptions::proxy_cpr_index.eq(cpr_index)))
        .order(exemptions::registered_at.asc())
        .select((ExemptionRow::as_select(), offices::code))
        .load(conn)
}
