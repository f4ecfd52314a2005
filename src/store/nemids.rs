//! The NemID register: NemIDs, their code cards and their events (append-only, by trigger; in
//! the change feed and the webhook outbox like case events).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::nemid::{CardIssue, CardState, NemidState};
use crate::schema::{code_cards, nemid_events, nemids};
use crate::store::events::EventRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nemids, check_for_backend(diesel::pg::Pg))]
pub struct NemidRow {
    pub id: Uuid,
    pub number: String,
    pub holder_cpr_sealed: Vec<u8>,
    pub holder_cpr_index: String,
    pub holder_name: String,
    pub state: NemidState,
    pub active_since: Option<NaiveDate>,
    pub office_id: Uuid,
    pub case_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = nemids)]
pub struct NewNemid<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub holder_cpr_sealed: &'a [u8],
    pub holder_cpr_index: &'a str,
    pub holder_name: &'a str,
    pub state: NemidState,
    pub active_since: Option<NaiveDate>,
    pub office_id: Uuid,
    pub case_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = code_cards, check_for_backend(diesel::pg::Pg))]
pub struct CardRow {
    pub serial: String,
    pub nemid_id: Uuid,
    pub state: CardState,
    pub issued_how: CardIssue,
    pub issued_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = nemid_events)]
pub struct NewNemidEvent<'a> {
    pub nemid_id: Uuid,
    pub seq: i32,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub actor_sub: &'a str,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub actor_office: Option<&'a str>,
    pub evidence: &'a serde_json::Value,
    pub request_id: &'a str,
    pub occurred_at: DateTime<Utc>,
}

/// True when `e` says the person already has a NemID that is not revoked.
pub fn is_second_live_nemid(e: &diesel::result::Error) -> bool {
    crate::store::is_unique_violation(e, "nemids_one_per_person")
}

pub fn insert(conn: &mut PgConnection, new: &NewNemid<'_>) -> QueryResult<NemidRow> {
    diesel::insert_into(nemids::table).values(new).returning(NemidRow::as_returning()).get_result(conn)
}

pub fn by_number(conn: &mut PgConnection, number: &str) -> QueryResult<Option<NemidRow>> {
    nemids::table.filter(nemids::number.eq(number)).select(NemidRow::as_select()).first(conn).optional()
}

/// The NemID a first-issuance case made, locked for the rest of the transaction.
pub fn by_case_for_update(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<Option<NemidRow>> {
    nemids::table.filter(nemids::case_id.eq(case_id)).select(NemidRow::as_select()).for_update().first(conn).optional()
}

/// The NemID with `number`, locked for the rest of the transaction.
pub fn by_number_for_update(conn: &mut PgConnection, number: &str) -> QueryResult<Option<NemidRow>> {
    nemids::table.filter(nemids::number.eq(number)).select(NemidRow::as_select()).for_update().first(conn).optional()
}

/// The person's NemID that is not revoked, if there is one (at most one: a unique index).
/// The same rule as the SQL function `sql::live_nemid_of` (migration 24 says why it is stated
/// twice).
pub fn live_for_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Option<NemidRow>> {
    nemids::table
        .filter(nemids::holder_cpr_index.eq(cpr_index))
        .filter(nemids::state.ne(NemidState::Revoked))
        .select(NemidRow::as_select())
        .first(conn)
        .optional()
}

/// The rule of `live_for_person` as an SQL function (migrations 23-24), so that the INSERT of a
/// case can return its applicant's NemID (`cases::insert`). Volatile: it sees what committed
/// while the INSERT waited.
pub mod sql {
    diesel::define_sql_function! {
        /// The id of the NemID of the person with blind CPR index `idx` that is not revoked.
        fn live_nemid_of(idx: diesel::sql_types::Text) -> diesel::sql_types::Nullable<diesel::sql_types::Uuid>;
    }
}

/// Every NemID the person ever had, newest first.
pub fn for_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Vec<NemidRow>> {
    nemids::table
        .filter(nemids::holder_cpr_index.eq(cpr_index))
        .order((nemids::created_at.desc(), nemids::id.desc()))
        .select(NemidRow::as_select())
        .limit(50)
        .load(conn)
}

/// Sets the state (and active-since) if the NemID is still at `version`; the version moves on.
pub fn update_if_version(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
    state: NemidState,
    active_since: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> QueryResult<Option<NemidRow>> {
    diesel::update(nemids::table.find(id).filter(nemids::version.eq(version)))
        .set((
            nemids::state.eq(state),
            nemids::active_since.eq(active_since),
            nemids::version.eq(version + 1),
            nemids::updated_at.eq(now),
        ))
        .returning(NemidRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn insert_event(conn: &mut PgConnection, new: &NewNemidEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(nemid_events::table).values(new).execute(conn).map(|_| ())
}

/// A NemID's events, oldest first, in the row shape of case events (states as statuses).
pub fn events(conn: &mut PgConnection, nemid_id: Uuid) -> QueryResult<Vec<EventRow>> {
    use nemid_events as e;
    e::table
        .filter(e::nemid_id.eq(nemid_id))
        .order(e::seq.asc())
        .select((
            e::id,
            e::nemid_id,
            e::seq,
            e::action,
            e::from_state,
            e::to_state,
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

/// A NemID's id: its number, as a UUID (so the register's records are addressed by number and
/// still go through the same machinery as every versioned record).
pub fn id_of(number: &str) -> Option<Uuid> {
    crate::domain::nemid::is_number(number).then(|| Uuid::from_u128(number.parse::<u128>().unwrap_or_default()))
}

/// The number of the NemID with `id` (the inverse of `id_of`).
pub fn number_of(id: Uuid) -> String {
    format!("{:09}", id.as_u128())
}

/// A NemID's code cards, oldest first.
pub fn cards(conn: &mut PgConnection, nemid_id: Uuid) -> QueryResult<Vec<CardRow>> {
    code_cards::table
        .filter(code_cards::nemid_id.eq(nemid_id))
        .order((code_cards::issued_at.asc(), code_cards::serial.asc()))
        .select(CardRow::as_select())
        .load(conn)
}

/// A new code card's serial number (never used before).
pub fn next_card_serial(conn: &mut PgConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let next: Next = diesel::sql_query("SELECT nextval('code_card_serial_seq') AS n").get_result(conn)?;
    Ok(format!("{:08}", next.n))
}

pub fn insert_card(
    conn: &mut PgConnection,
    serial: &str,
    nemid_id: Uuid,
    state: CardState,
    how: CardIssue,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(code_cards::table)
        .values((
            code_cards::serial.eq(serial),
            code_cards::nemid_id.eq(nemid_id),
            code_cards::state.eq(state),
            code_cards::issued_how.eq(how),
            code_cards::issued_at.eq(now),
            code_cards::changed_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Moves every card of the NemID that is in one of `from` to `to`.
pub fn set_cards(
    conn: &mut PgConnection,
    nemid_id: Uuid,
    from: &[CardState],
    to: CardState,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(code_cards::table.filter(code_cards::nemid_id.eq(nemid_id)).filter(code_cards::state.eq_any(from)))
        .set((code_cards::state.eq(to), code_cards::changed_at.eq(now)))
        .execute(conn)
}

/// Like `set_cards`, answering the serials it changed, oldest first.
pub fn set_cards_returning(
    conn: &mut PgConnection,
    nemid_id: Uuid,
    from: &[CardState],
    to: CardState,
    now: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    let mut serials: Vec<String> = diesel::update(
        code_cards::table.filter(code_cards::nemid_id.eq(nemid_id)).filter(code_cards::state.eq_any(from)),
    )
    .set((code_cards::state.eq(to), code_cards::changed_at.eq(now)))
    .returning(code_cards::serial)
    .get_results(conn)?;
    serials.sort();
    Ok(serials)
}

pub fn card_exists(conn: &mut PgConnection, serial: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(code_cards::table.find(serial))).get_result(conn)
}
