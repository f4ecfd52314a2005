//! Which exemptions a caller may see.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::role::Role;
use crate::http::context::audit::{self, Subject};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::exemptions::{self as store, ExemptionWithOffice};

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

/// A replayed answer that shows exemption `id` (`context::idempotency::Replay`): the caller must
/// still see it, and the replay is an access like the original.
pub fn replay(conn: &mut PgConnection, who: &Principal, moment: &Moment, id: Uuid) -> ApiResult<()> {
    let (row, _) = load_visible(conn, who, id)?;
    audit::record(conn, who, moment, Subject::Exemption { id, cpr_index: &row.citizen_cpr_index })
}
