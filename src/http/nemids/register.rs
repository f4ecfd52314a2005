//! What happens to the register, whoever causes it: a change of a NemID's state with its event
//! (the register's own actions and first issuance alike), and a NemID's birth from a case.
//! Cases use this module to drive the register (docs/DOMAIN.md "The NemID register").

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::identity::Acts;
use crate::domain::nemid::{CardIssue, CardState, Change, NemidState};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::store::cases::CaseRow;
use crate::store::nemids::{self, NemidRow, NewNemid, NewNemidEvent};

fn event(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    change: Change,
    from: Option<NemidState>,
    evidence: &Value,
) -> ApiResult<()> {
    let actor = who.actor();
    nemids::insert_event(
        conn,
        &NewNemidEvent {
            nemid_id: nemid.id,
            seq: nemid.version,
            action: change.as_str(),
            from_state: from.map(NemidState::as_str),
            to_state: nemid.state.as_str(),
            actor_sub: actor.sub,
            actor_name: actor.name,
            actor_role: actor.role,
            actor_office: actor.office,
            evidence,
            request_id: &moment.request_id,
            occurred_at: moment.now,
        },
    )?;
    tracing::info!(nemid.change = change.as_str(), nemid.state = nemid.state.as_str(), "nemid changed");
    Ok(())
}

/// The person of a first-issuance case, as the register records them.
pub struct Holder<'a> {
    pub case_id: Uuid,
    pub office_id: Uuid,
    pub cpr_sealed: &'a [u8],
    pub cpr_index: &'a str,
    pub name: &'a str,
}

/// The refusal when a person already has a NemID that is not revoked.
pub fn nemid_exists(existing: &NemidRow) -> ApiError {
    ApiError::conflict(
        "nemid_exists",
        format!(
            "this person already has NemID {} ({}): a first issuance is refused; lost cards, new passwords and \
             blocking are done on the NemID they have",
            existing.number,
            existing.state.as_str()
        ),
    )
}

/// First half handed out (`active: false`: pending, no card yet) or both halves at once
/// (`active: true`: active from today with its card handed out).
pub fn create(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    holder: &Holder,
    number: &str,
    active: bool,
) -> ApiResult<NemidRow> {
    let (state, active_since) =
        if active { (NemidState::Active, Some(moment.today)) } else { (NemidState::Pending, None) };
    let new = NewNemid {
        id: nemids::id_of(number).ok_or_else(|| ApiError::internal("a NemID number that is not nine digits"))?,
        number,
        holder_cpr_sealed: holder.cpr_sealed,
        holder_cpr_index: holder.cpr_index,
        holder_name: holder.name,
        state,
        active_since,
        office_id: holder.office_id,
        case_id: Some(holder.case_id),
        created_at: moment.now,
        updated_at: moment.now,
    };
    if let Some(existing) = nemids::live_for_person(conn, holder.cpr_index)? {
        return Err(nemid_exists(&existing));
    }
    let row = match nemids::insert(conn, &new) {
        Ok(r) => r,
        // Another transaction made one meanwhile (this one is aborted now: no further query).
        Err(e) if nemids::is_second_live_nemid(&e) => {
            return Err(ApiError::conflict("nemid_exists", "this person already has a NemID that is not revoked"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut evidence = json!({"case_id": holder.case_id, "both_halves": active});
    if active {
        let serial = nemids::next_card_serial(conn)?;
        nemids::insert_card(conn, &serial, row.id, CardState::Active, CardIssue::Handout, moment.now)?;
        evidence["card_serial"] = json!(serial);
    }
    event(conn, who, moment, &row, Change::Create, None, &evidence)?;
    Ok(row)
}

/// One change of a NemID: what happened, the state it leads to, its active-since day after it,
/// and what it rested on.
pub struct Step<'a> {
    pub change: Change,
    pub to: NemidState,
    pub active_since: Option<NaiveDate>,
    pub evidence: &'a Value,
}

/// Moves `nemid` (locked by the caller, at `nemid.version`) by `step`, with its event.
pub fn change(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    step: Step,
) -> ApiResult<NemidRow> {
    let Step { change, to, active_since, evidence } = step;
    let updated = nemids::update_if_version(conn, nemid.id, nemid.version, to, active_since, moment.now)?
        .ok_or_else(|| ApiError::precondition_failed("the NemID changed while this action ran; read it again"))?;
    match to {
        NemidState::Active if change == Change::Activate => {
            nemids::set_cards(conn, nemid.id, WAITING, CardState::Active, moment.now)?;
        }
        NemidState::Revoked => {
            nemids::set_cards(conn, nemid.id, LIVE, CardState::Revoked, moment.now)?;
        }
        _ => {}
    }
    event(conn, who, moment, &updated, change, Some(nemid.state), evidence)?;
    Ok(updated)
}

/// The NemID a case is about, locked: the one a first-issuance case made (if it made one yet),
/// or the one a service case was opened on.
pub fn of_case(conn: &mut PgConnection, case: &CaseRow) -> ApiResult<Option<NemidRow>> {
    if case.kind.is_service() {
        return match &case.nemid_number {
            Some(n) => Ok(nemids::by_number_for_update(conn, n)?),
            None => Ok(None),
        };
    }
    Ok(nemids::by_case_for_update(conn, case.id)?)
}

/// Cards not yet with their holder.
pub const WAITING: &[CardState] = &[CardState::InTransit, CardState::Held];
/// Every card that is not revoked.
pub const LIVE: &[CardState] = &[CardState::InTransit, CardState::Held, CardState::Active];

/// An event about the NemID's cards: the NemID's state stays, its version moves on.
fn cards_changed(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    change: Change,
    evidence: &Value,
) -> ApiResult<NemidRow> {
    let step = Step { change, to: nemid.state, active_since: nemid.active_since, evidence };
    self::change(conn, who, moment, nemid, step)
}

/// Revokes the NemID's cards that are in one of `which` states, with a `card_revoked` event
/// naming them; `None` (and no event) when there were none.
pub fn revoke_cards(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    which: &[CardState],
    mut evidence: Value,
) -> ApiResult<Option<NemidRow>> {
    let serials = nemids::set_cards_returning(conn, nemid.id, which, CardState::Revoked, moment.now)?;
    if serials.is_empty() {
        return Ok(None);
    }
    evidence["card_serials"] = json!(serials);
    cards_changed(conn, who, moment, nemid, Change::CardRevoked, &evidence).map(Some)
}

/// A new code card handed out at the desk: active at once, and the card it replaces revoked.
pub fn card_handed_out(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    mut evidence: Value,
) -> ApiResult<NemidRow> {
    let replaced = nemids::set_cards_returning(conn, nemid.id, LIVE, CardState::Revoked, moment.now)?;
    let serial = nemids::next_card_serial(conn)?;
    nemids::insert_card(conn, &serial, nemid.id, CardState::Active, CardIssue::Handout, moment.now)?;
    evidence["card_serial"] = json!(serial);
    evidence["replaced_card_serials"] = json!(replaced);
    cards_changed(conn, who, moment, nemid, Change::CardIssued, &evidence)
}

/// A posted replacement card arrived and was used: it is the active card now, the one it
/// replaces is revoked.
pub fn card_activated(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    mut evidence: Value,
) -> ApiResult<NemidRow> {
    let replaced = nemids::set_cards_returning(conn, nemid.id, &[CardState::Active], CardState::Revoked, moment.now)?;
    let activated = nemids::set_cards_returning(conn, nemid.id, WAITING, CardState::Active, moment.now)?;
    evidence["card_serials"] = json!(activated);
    evidence["replaced_card_serials"] = json!(replaced);
    cards_changed(conn, who, moment, nemid, Change::CardActivated, &evidence)
}

/// How a code card leaves the desk when it is not handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardWay {
    /// By post to the address on file: `in_transit`.
    Posted,
    /// Kept at the office for the holder to collect: `held`.
    Held,
}

/// The code card of a case's NemID goes by post or is held for collection: a new card (or, after
/// a returned letter, the one that came back), and a `card_posted` or `card_held` event.
pub fn card_sent(
    conn: &mut PgConnection,
    who: &impl Acts,
    moment: &Moment,
    nemid: &NemidRow,
    way: CardWay,
) -> ApiResult<NemidRow> {
    let waiting = nemids::cards(conn, nemid.id)?.into_iter().find(|c| WAITING.contains(&c.state));
    let (state, change, issue) = match way {
        CardWay::Posted => (CardState::InTransit, Change::CardPosted, CardIssue::Post),
        CardWay::Held => (CardState::Held, Change::CardHeld, CardIssue::Handout),
    };
    let (serial, again) = match waiting {
        Some(c) => {
            if c.state != state {
                nemids::set_cards(conn, nemid.id, &[c.state], state, moment.now)?;
            }
            (c.serial, true)
        }
        None => {
            let serial = nemids::next_card_serial(conn)?;
            nemids::insert_card(conn, &serial, nemid.id, state, issue, moment.now)?;
            (serial, false)
        }
    };
    let evidence = match way {
        CardWay::Posted => json!({"card_serial": serial, "reposted": again}),
        CardWay::Held => json!({"card_serial": serial, "returned_card": again}),
    };
    cards_changed(conn, who, moment, nemid, change, &evidence)
}
