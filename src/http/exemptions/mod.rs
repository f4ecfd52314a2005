//! `/api/v1/exemptions`: exemption from Digital Post, registered at a citizen service centre and
//! decided by a supervisor. Shares the cases' machinery: `Idempotency-Key`, `If-Match`, events.

mod act;
mod create;
mod get;
mod search;
pub mod view;

pub use act::{decide_exemption, list_exemption_events, revoke_exemption};
pub use create::create_exemption;
pub use get::get_exemption;
pub use search::search_exemptions;

use diesel::pg::PgConnection;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use crate::auth::Principal;
use crate::domain::role::Role;
use crate::store::exemptions::{self as store, ExemptionWithOffice};

/// Roles that read exemptions: clerks (their office's), supervisors (all).
pub const READERS: &[Role] = &[Role::Clerk, Role::Supervisor];

/// The exemption, if it exists and `who` may see it; otherwise 404 as for an unknown id.
pub fn load_visible(conn: &mut PgConnection, who: &Principal, id: Uuid) -> ApiResult<ExemptionWithOffice> {
    let visible = |office_id: Uuid| match who.role {
        Role::Supervisor => true,
        Role::Clerk => who.office.as_ref().is_some_and(|o| o.id == office_id),
        _ => false,
    };
    match store::find(conn, id)? {
        Some((row, code)) if visible(row.office_id) => Ok((row, code)),
        _ => Err(ApiError::not_found("no such exemption")),
    }
}
