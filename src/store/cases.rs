//! Cases and their evidence: diesel queries only.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::case::{Channel, IdentityRoute, Kind, PostalBlock, ReplacementReason, Status};
use crate::domain::refusal::Refusal;
use crate::schema::{cases, holder_verifications, identity_checks, offices};
use crate::store::cached::Cached;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = cases, check_for_backend(diesel::pg::Pg))]
pub struct CaseRow {
    pub id: Uuid,
    pub case_number: String,
    pub office_id: Uuid,
    pub channel: Channel,
    pub kind: Kind,
    pub status: Status,
    pub applicant_cpr_sealed: Vec<u8>,
    pub applicant_cpr_index: String,
    pub applicant_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub online_banking_agreement: bool,
    pub nemid_number: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub identity_verified_at: Option<DateTime<Utc>>,
    pub first_half_issued_at: Option<DateTime<Utc>>,
    pub second_half_posted_at: Option<DateTime<Utc>>,
    pub second_half_expected_by: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub version: i32,
    /// Set once retention has removed the personal data.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Replacement-card cases: why.
    pub replacement_reason: Option<ReplacementReason>,
    pub identity_route: Option<IdentityRoute>,
    pub postal_block: Option<PostalBlock>,
    pub held_at: Option<DateTime<Utc>>,
    pub collect_by: Option<NaiveDate>,
    /// A rejected case's decision (its reasons are also in `refusal_reasons`, for the report).
    pub refusal: Option<Refusal>,
}

/// A case with its office's code, as every view needs it.
pub type CaseWithOffice = (CaseRow, String);

#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCase<'a> {
    pub id: Uuid,
    pub office_id: Uuid,
    pub channel: Channel,
    pub kind: Kind,
    pub status: Status,
    pub applicant_cpr_sealed: &'a [u8],
    pub applicant_cpr_index: &'a str,
    pub applicant_name: &'a str,
    pub street: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub country: &'a str,
    pub online_banking_agreement: bool,
    /// Service cases name the NemID they are about from the start.
    pub nemid_number: Option<&'a str>,
    pub replacement_reason: Option<ReplacementReason>,
    pub postal_block: Option<PostalBlock>,
    pub opened_at: DateTime<Utc>,
    /// An online order is posted when it is made.
    pub second_half_posted_at: Option<DateTime<Utc>>,
    pub second_half_expected_by: Option<NaiveDate>,
    pub version: i32,
}

/// What an action changes; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges<'a> {
    pub status: Option<Status>,
    pub nemid_number: Option<&'a str>,
    pub street: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub identity_verified_at: Option<DateTime<Utc>>,
    pub first_half_issued_at: Option<DateTime<Utc>>,
    pub second_half_posted_at: Option<DateTime<Utc>>,
    pub second_half_expected_by: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<&'a str>,
    pub identity_route: Option<IdentityRoute>,
    /// `Some(None)` clears it.
    pub postal_block: Option<Option<PostalBlock>>,
    pub held_at: Option<DateTime<Utc>>,
    pub collect_by: Option<NaiveDate>,
    pub refusal_reasons: Option<Vec<Option<crate::domain::refusal::RefusalReason>>>,
    pub refusal: Option<&'a Refusal>,
}

/// The SQL function that numbers a case inside its INSERT (migration 22), typed so that the
/// insert stays one prepared statement.
mod sql {
    diesel::define_sql_function! {
        /// `OFFICE-YEAR-NNNNNN`: the next number in office `office`'s series for `year`, its own
        /// sequence less the year's base (`next_case_number`, migration 20), so openings share no
        /// row. A rolled-back opening leaves a gap.
        fn case_number(code: diesel::sql_types::Text, office: diesel::sql_types::Uuid, year: diesel::sql_types::Integer) -> diesel::sql_types::Text;
    }
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A NemID number (user id) that was never handed out before.
pub fn next_nemid_number(conn: &mut PgConnection) -> QueryResult<String> {
    let next: Next = diesel::sql_query("SELECT nextval('nemid_number_seq') AS n").get_result(conn)?;
    Ok(format!("{:09}", next.n))
}

/// Inserts `new`, numbered in the same statement as the next case of its office (`office_code`)
/// in `year` (see `sql::case_number`). Returns the row and, asked by the same statement, the id
/// of the applicant's NemID that is not revoked (`nemids::live_for_person`).
pub fn insert(
    conn: &mut PgConnection,
    new: &NewCase<'_>,
    office_code: &str,
    year: i32,
) -> QueryResult<(CaseRow, Option<Uuid>)> {
    let number = cases::case_number.eq(sql::case_number(office_code, new.office_id, year));
    let live_nemid = crate::store::nemids::sql::live_nemid_of(cases::applicant_cpr_index);
    Cached(diesel::insert_into(cases::table).values((new, number)).returning((CaseRow::as_returning(), live_nemid)))
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<CaseWithOffice>> {
    cases::table
        .inner_join(offices::table)
        .filter(cases::id.eq(id))
        .select((CaseRow::as_select(), offices::code))
        .first(conn)
        .optional()
}

/// A case as its single read shows it: the row, its office's code, whether it has an event of
/// the actions asked about (`events::any_of`), and, for a completed case, whether its applicant
/// holds a granted exemption from Digital Post (`exemptions::granted_for`; `false` otherwise).
pub type CaseForView = (CaseRow, String, bool, bool);

/// `find`, with the facts of `CaseForView`, in one query.
pub fn find_for_view(conn: &mut PgConnection, id: Uuid, actions: &[&str]) -> QueryResult<Option<CaseForView>> {
    cases::table
        .inner_join(offices::table)
        .filter(cases::id.eq(id))
        .select((
            CaseRow::as_select(),
            offices::code,
            crate::store::events::sql::case_has_event(cases::id, actions),
            // Asked for completed cases only: the view shows it for them alone.
            diesel::dsl::case_when(
                cases::status.eq(Status::Completed),
                crate::store::exemptions::sql::exemption_granted(cases::applicant_cpr_index),
            )
            .otherwise(false),
        ))
        .first(conn)
        .optional()
}

/// Locks the case row until the transaction ends, so concurrent actions on one case run one
/// after the other and each sees the version the previous one left. `false`: no such case.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    let found: Option<Uuid> = cases::table.find(id).select(cases::id).for_update().first(conn).optional()?;
    Ok(found.is_some())
}

/// Applies `changes` and bumps the version if the case is still at `expected_version`;
/// `None` when it is not (another change won the race).
pub fn update_if_version(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: i32,
    changes: &CaseChanges<'_>,
) -> QueryResult<Option<CaseRow>> {
    diesel::update(cases::table.filter(cases::id.eq(id)).filter(cases::version.eq(expected_version)))
        .set((changes, cases::version.eq(cases::version + 1)))
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .optional()
}

#[derive(Debug, Insertable)]
#[diesel(table_name = identity_checks)]
pub struct NewIdentityCheck<'a> {
    pub case_id: Uuid,
    pub photo_id_type: &'a str,
    pub photo_id_number: &'a str,
    pub photo_id_expires_on: NaiveDate,
    pub photo_id_issuing_country: &'a str,
    pub checked_at: DateTime<Utc>,
}

pub fn insert_identity_check(conn: &mut PgConnection, new: &NewIdentityCheck<'_>) -> QueryResult<usize> {
    diesel::insert_into(identity_checks::table).values(new).execute(conn)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = holder_verifications)]
pub struct NewHolderVerification<'a> {
    pub case_id: Uuid,
    pub holder_cpr_sealed: &'a [u8],
    pub holder_cpr_index: &'a str,
    pub holder_name: &'a str,
    pub photo_id_type: &'a str,
    pub photo_id_number: &'a str,
    pub photo_id_expires_on: NaiveDate,
    pub photo_id_issuing_country: &'a str,
    pub nemid_active_since: NaiveDate,
    pub verified_on: NaiveDate,
    pub verified_at: DateTime<Utc>,
}

pub fn insert_holder_verification(conn: &mut PgConnection, new: &NewHolderVerification<'_>) -> QueryResult<usize> {
    diesel::insert_into(holder_verifications::table).values(new).execute(conn)
}

/// Whether a service case of `kind` is open for the NemID `number`.
pub fn open_service_case(conn: &mut PgConnection, number: &str, kind: Kind) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table
            .filter(cases::nemid_number.eq(number))
            .filter(cases::closed_at.is_null())
            .filter(cases::kind.eq(kind)),
    ))
    .get_result(conn)
}

/// Serialises holder checks for one person across all offices until the transaction ends, so
/// two desks cannot both take the last of a holder's three slots.
pub fn lock_holder(conn: &mut PgConnection, holder_index: &str) -> QueryResult<()> {
    crate::store::lock_key(conn, "holder", holder_index)
}

/// Whether the person has an open case at any office.
pub fn has_open(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table.filter(cases::applicant_cpr_index.eq(cpr_index)).filter(cases::closed_at.is_null()),
    ))
    .get_result(conn)
}

/// Days the person accompanied an express case on or after `since`, at any office.
pub fn accompanied_on(conn: &mut PgConnection, holder_index: &str, since: NaiveDate) -> QueryResult<Vec<NaiveDate>> {
    holder_verifications::table
        .filter(holder_verifications::holder_cpr_index.eq(holder_index))
        .filter(holder_verifications::verified_on.ge(since))
        .select(holder_verifications::verified_on)
        .load(conn)
}

/// When this person's latest case here completed (their current NemID), if one did.
pub fn latest_completion(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Option<DateTime<Utc>>> {
    cases::table
        .filter(cases::applicant_cpr_index.eq(cpr_index))
        .filter(cases::status.eq(Status::Completed))
        .select(diesel::dsl::max(cases::completed_at))
        .first::<Option<DateTime<Utc>>>(conn)
}

/// Filters of a case search; all optional, combined with AND.
#[derive(Debug, Default, Clone)]
pub struct Search {
    pub office_id: Option<Uuid>,
    pub statuses: Vec<Status>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_to: Option<DateTime<Utc>>,
    /// `Some(true)`: posted and expected before `today`; `Some(false)`: all others.
    pub overdue: Option<bool>,
    pub today: Option<NaiveDate>,
    /// Blind index of the applicant's CPR number.
    pub cpr_index: Option<String>,
    pub case_number: Option<String>,
    /// Keyset position: rows strictly after (opened_at, id) in descending order.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// A page in (opened_at DESC, id DESC) order; reads `limit + 1` rows so the caller knows
/// whether another page follows.
pub fn search(conn: &mut PgConnection, s: &Search) -> QueryResult<Vec<CaseWithOffice>> {
    let mut q = cases::table.inner_join(offices::table).select((CaseRow::as_select(), offices::code)).into_boxed();
    if let Some(o) = s.office_id {
        q = q.filter(cases::office_id.eq(o));
    }
    if !s.statuses.is_empty() {
        q = q.filter(cases::status.eq_any(s.statuses.clone()));
    }
    if let Some(k) = s.kind {
        q = q.filter(cases::kind.eq(k));
    }
    if let Some(c) = s.channel {
        q = q.filter(cases::channel.eq(c));
    }
    if let Some(from) = s.opened_from {
        q = q.filter(cases::opened_at.ge(from));
    }
    if let Some(to) = s.opened_to {
        q = q.filter(cases::opened_at.lt(to));
    }
    if let (Some(overdue), Some(today)) = (s.overdue, s.today) {
        let is_overdue = cases::status.eq(Status::SecondHalfPosted).and(cases::second_half_expected_by.lt(today));
        q = if overdue {
            q.filter(is_overdue)
        } else {
            q.filter(cases::status.ne(Status::SecondHalfPosted).or(cases::second_half_expected_by.ge(today)))
        };
    }
    if let Some(idx) = &s.cpr_index {
        q = q.filter(cases::applicant_cpr_index.eq(idx.clone()));
    }
    if let Some(n) = &s.case_number {
        q = q.filter(cases::case_number.eq(n.clone()));
    }
    if let Some((at, id)) = s.after {
        q = q.filter(cases::opened_at.lt(at).or(cases::opened_at.eq(at).and(cases::id.lt(id))));
    }
    q.order((cases::opened_at.desc(), cases::id.desc())).limit(s.limit + 1).load(conn)
}

/// Every case of the person (by blind index), oldest first, with office codes.
pub fn of_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Vec<CaseWithOffice>> {
    cases::table
        .inner_join(offices::table)
        .filter(cases::applicant_cpr_index.eq(cpr_index))
        .order(cases::opened_at.asc())
        .select((CaseRow::as_select(), offices::code))
        .load(conn)
}

/// Cases the person accompanied as holder: (case id, case number, day).
pub fn accompanied_by(conn: &mut PgConnection, holder_index: &str) -> QueryResult<Vec<(Uuid, String, NaiveDate)>> {
    holder_verifications::table
        .inner_join(cases::table)
        .filter(holder_verifications::holder_cpr_index.eq(holder_index))
        .order(holder_verifications::verified_on.asc())
        .select((cases::id, cases::case_number, holder_verifications::verified_on))
        .load(conn)
}
