//! `/api/v1/cases`: opening cases, reading them, searching, and the actions of the lifecycle.

mod actions;
mod create;
mod events;
mod get;
mod perform;
mod search;
pub mod view;

pub use actions::{
    accompanying_holder, activation, cancel, first_half, identity_check, issue_in_full, reject, returned, second_half,
};
pub use create::create_case;
pub use events::list_case_events;
pub use get::get_case;
pub use search::{list_cases, search_cases};

use actix_web::{HttpMessage, HttpRequest};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::request_context::RequestId;
use crate::auth::Principal;
use crate::domain::clock::copenhagen_day;
use crate::domain::role::Role;
use crate::store::cases::{self as store, CaseRow, CaseWithOffice};

/// Roles that read cases (their own office's; supervisors every office's).
pub const READERS: &[Role] = &[Role::Clerk, Role::Bank, Role::Supervisor];
/// Roles that open cases and carry out actions at their own office.
pub const WORKERS: &[Role] = &[Role::Clerk, Role::Bank];

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

/// The single-read view of a case: the full CPR number and, once completed, whether the
/// applicant holds a granted exemption from Digital Post.
pub fn full_view(
    conn: &mut PgConnection,
    row: CaseRow,
    office_code: String,
    today: NaiveDate,
    vault: &crate::vault::CprVault,
) -> ApiResult<view::CaseView> {
    let completed = row.status == crate::domain::case::Status::Completed;
    let exempt = completed && crate::store::exemptions::granted_for(conn, &row.applicant_cpr_index)?;
    let mut v = view::CaseView::new(row, office_code, today, true, vault)?;
    if exempt {
        v.digital_post_exemption = Some(crate::domain::exemption::ExemptionStatus::Granted);
    }
    Ok(v)
}

/// The moment and calendar day a request acts in, and its id for the audit trail.
#[derive(Debug, Clone)]
pub struct Moment {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub request_id: String,
    /// `METHOD /route/{pattern}`, for the access log.
    pub endpoint: String,
}

impl Moment {
    pub fn of(req: &HttpRequest) -> Moment {
        let now = Utc::now();
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let endpoint = format!("{} {}", req.method(), req.match_pattern().unwrap_or_else(|| req.path().to_string()));
        Moment { now, today: copenhagen_day(now), request_id, endpoint }
    }
}
