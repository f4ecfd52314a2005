//! Finding a NemID by its number. Every caller who may read the register may read any NemID:
//! clerks and bank staff serve whoever stands in front of them, and each read is in the access
//! log.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::http::context::audit::{self, Subject};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::nemids::{self, NemidRow};

/// The NemID with `number`; 404 for a number that is not nine digits or not in the register.
pub fn load(conn: &mut PgConnection, number: &str) -> ApiResult<NemidRow> {
    if nemids::id_of(number).is_none() {
        return Err(ApiError::not_found("no such NemID"));
    }
    nemids::by_number(conn, number)?.ok_or_else(|| ApiError::not_found("no such NemID"))
}

/// The same, locked for the rest of the transaction (everyone who may act on NemIDs may see any,
/// so nothing is locked that the caller could not see).
pub fn load_for_update(conn: &mut PgConnection, number: &str) -> ApiResult<NemidRow> {
    if nemids::id_of(number).is_none() {
        return Err(ApiError::not_found("no such NemID"));
    }
    nemids::by_number_for_update(conn, number)?.ok_or_else(|| ApiError::not_found("no such NemID"))
}

/// A replayed answer that shows the NemID with `id` (`context::idempotency::Replay`): it is an
/// access like the original.
pub fn replay(conn: &mut PgConnection, who: &Principal, moment: &Moment, id: Uuid) -> ApiResult<()> {
    let row = load(conn, &nemids::number_of(id))?;
    audit::record(conn, who, moment, Subject::Nemid { id, cpr_index: &row.holder_cpr_index })
}
