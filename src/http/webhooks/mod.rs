//! `/api/v1/webhooks`: bank and clerk integrations subscribe to their office's events, a
//! supervisor to every office's; deliveries are signed and retried (see `webhooks::worker`).

mod create;
mod deliveries;
mod manage;
mod read;
pub mod view;

pub use create::create_webhook;
pub use deliveries::{list_deliveries, redeliver};
pub use manage::{delete_webhook, disable_webhook, enable_webhook, rotate_secret};
pub use read::{get_webhook, list_webhooks};

use diesel::pg::PgConnection;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use crate::auth::Principal;
use crate::domain::role::Role;
use crate::store::webhooks::{self as store, WebhookRow};

/// Roles that manage webhooks: clerks and banks for their office, supervisors for all.
pub const MANAGERS: &[Role] = &[Role::Clerk, Role::Bank, Role::Supervisor];

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
