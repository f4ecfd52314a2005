//! A case comes into being: its number, its row and its first event, in the caller's
//! transaction. Desks and bank branches open cases (`create.rs`); the online service makes them
//! from orders (`crate::online`). Both come through here.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::pg::PgConnection;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::identity::Acts;
use crate::domain::case::{Channel, Kind, PostalBlock, ReplacementReason, Status};
use crate::domain::office::Address;
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::cases::{CaseRow, NewCase};
use crate::store::events::NewEvent;
use crate::store::{self};

/// Everything a new case starts with.
pub struct Opening<'a> {
    pub office_id: Uuid,
    pub office_code: &'a str,
    pub channel: Channel,
    pub kind: Kind,
    /// `opened`, or `both_halves_posted` for an online order.
    pub status: Status,
    pub cpr_sealed: &'a [u8],
    pub cpr_index: &'a str,
    pub name: &'a str,
    pub address: &'a Address,
    pub nemid_number: Option<&'a str>,
    pub replacement_reason: Option<ReplacementReason>,
    pub postal_block: Option<PostalBlock>,
    /// Posted when opened (an online order): when, and expected by which day.
    pub posted: Option<(DateTime<Utc>, NaiveDate)>,
    /// The `open` event's evidence.
    pub evidence: &'a Value,
}

/// A case just opened.
pub struct Opened {
    pub row: CaseRow,
    /// The applicant's NemID that is not revoked, if they have one (asked by the INSERT itself).
    pub live_nemid: Option<Uuid>,
}

/// Numbers the case (`OFFICE-YEAR-NNNNNN`), inserts it with its `open` event. Another open case
/// for the person is 409 `open_case_exists`.
pub fn open(conn: &mut PgConnection, who: &impl Acts, moment: &Moment, o: Opening) -> ApiResult<Opened> {
    let a = o.address;
    let new = NewCase {
        id: Uuid::now_v7(),
        office_id: o.office_id,
        channel: o.channel,
        kind: o.kind,
        status: o.status,
        applicant_cpr_sealed: o.cpr_sealed,
        applicant_cpr_index: o.cpr_index,
        applicant_name: o.name.trim(),
        street: a.street.trim(),
        postal_code: a.postal_code.trim(),
        city: a.city.trim(),
        country: &a.country,
        online_banking_agreement: o.channel == Channel::Bank,
        nemid_number: o.nemid_number,
        replacement_reason: o.replacement_reason,
        postal_block: o.postal_block,
        opened_at: moment.now,
        second_half_posted_at: o.posted.map(|p| p.0),
        second_half_expected_by: o.posted.map(|p| p.1),
        version: 1,
    };
    let (row, live_nemid) = match store::cases::insert(conn, &new, o.office_code, moment.today.year()) {
        Ok(r) => r,
        Err(e) if store::is_unique_violation(&e, "cases_one_open_per_cpr") => {
            return Err(ApiError::conflict("open_case_exists", "the applicant already has an open NemID case"));
        }
        Err(e) => return Err(e.into()),
    };
    let actor = who.actor();
    store::events::insert(
        conn,
        &NewEvent {
            case_id: row.id,
            seq: 1,
            action: "open",
            from_status: None,
            to_status: o.status.as_str(),
            actor_sub: actor.sub,
            actor_name: actor.name,
            actor_role: actor.role,
            actor_office: actor.office,
            evidence: o.evidence,
            request_id: &moment.request_id,
            occurred_at: moment.now,
        },
    )?;
    Ok(Opened { row, live_nemid })
}
