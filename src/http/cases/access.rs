//! Which cases a caller may see, and reading one as they may see it.

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::case::Status;
use crate::domain::exemption::ExemptionStatus;
use crate::domain::role::Role;
use crate::http::cases::view::{CaseView, HANDOUTS, available};
use crate::http::context::audit::{self, Subject};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::cases::{self as store, CaseRow, CaseWithOffice};
use crate::store::exemptions;
use crate::vault::CprVault;

/// Whether `who` may see `row`: supervisors see all, clerks and bank users their office's.
pub fn can_see(who: &Principal, row: &CaseRow) -> bool {
    match who.role {
        Role::Supervisor => true,
        Role::Clerk | Role::Bank => who.office.as_ref().is_some_and(|o| o.id == row.office_id),
        Role::Admin => false,
    }
}

/// The case, if it exists and `who` may see it; otherwise 404 exactly as for an unknown id.
pub fn load_visible(conn: &mut PgConnection, who: &Principal, id: Uuid) -> ApiResult<CaseWithOffice> {
    match store::find(conn, id)? {
        Some((row, code)) if can_see(who, &row) => Ok((row, code)),
        _ => Err(ApiError::not_found("no such case")),
    }
}

/// The single read of case `id` as `who` may see it (404 as `load_visible`), in one query with
/// its handout; with the applicant's blind index, for the access record.
pub fn read_visible(
    conn: &mut PgConnection,
    who: &Principal,
    id: Uuid,
    today: NaiveDate,
    vault: &CprVault,
) -> ApiResult<(CaseView, String)> {
    match store::find_for_view(conn, id, &HANDOUTS)? {
        Some((row, code, handed_out, exemption_granted)) if can_see(who, &row) => {
            let index = row.applicant_cpr_index.clone();
            Ok((view_of(row, code, handed_out, exemption_granted, today, vault)?, index))
        }
        _ => Err(ApiError::not_found("no such case")),
    }
}

/// The single-read view of a case: the full CPR number and, once completed, whether the
/// applicant holds a granted exemption from Digital Post.
pub fn full_view(
    conn: &mut PgConnection,
    row: CaseRow,
    office_code: String,
    today: NaiveDate,
    vault: &CprVault,
) -> ApiResult<CaseView> {
    let handed_out = crate::store::events::any_of(conn, row.id, &HANDOUTS)?;
    let exemption_granted = row.status == Status::Completed && exemptions::granted_for(conn, &row.applicant_cpr_index)?;
    view_of(row, office_code, handed_out, exemption_granted, today, vault)
}

/// `full_view` of a case whose facts are known: whether it was handed out at the desk
/// (`HANDOUTS`), and whether its applicant holds a granted exemption.
fn view_of(
    row: CaseRow,
    office_code: String,
    handed_out: bool,
    exemption_granted: bool,
    today: NaiveDate,
    vault: &CprVault,
) -> ApiResult<CaseView> {
    let exempt = row.status == Status::Completed && exemption_granted;
    let documents = available(&row, handed_out);
    let mut v = CaseView::new(row, office_code, today, true, vault)?;
    v.documents = Some(documents);
    if exempt {
        v.digital_post_exemption = Some(ExemptionStatus::Granted);
    }
    Ok(v)
}

/// A replayed answer that shows case `id` (`context::idempotency::Replay`): the caller must
/// still see it, and the replay is an access like the original.
pub fn replay(conn: &mut PgConnection, who: &Principal, moment: &Moment, id: Uuid) -> ApiResult<()> {
    let (row, _) = load_visible(conn, who, id)?;
    audit::record(conn, who, moment, Subject::Case { id, cpr_index: &row.applicant_cpr_index })
}
