//! Which webhooks a caller may manage.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::role::Role;
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::webhooks::{self as store, WebhookRow};

/// The subscription, if it exists and `who` may manage it; otherwise 404 exactly as for an
/// unknown id. Supervisors manage all; clerks and banks their own office's.
pub fn load_visible(conn: &mut PgConnection, who: &Principal, id: Uuid, for_update: bool) -> ApiResult<WebhookRow> {
    let row = if for_update { store::find_for_update(conn, id)? } else { store::find(conn, id)? };
    match row {
        Some(r) if who.role == Role::Supervisor => Ok(r),
        Some(r) if r.office_id.is_some() && r.office_id == who.office.as_ref().map(|o| o.id) => Ok(r),
        _ => Err(ApiError::not_found("no such webhook")),
    }
}

/// A replayed answer that shows webhook `id` with its secret (`context::idempotency::Replay`):
/// only while the caller may still manage it. No personal data, so no access record.
pub fn replay(conn: &mut PgConnection, who: &Principal, _: &Moment, id: Uuid) -> ApiResult<()> {
    load_visible(conn, who, id, false).map(|_| ())
}
