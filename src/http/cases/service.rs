//! Service cases (docs/DOMAIN.md "Service cases"): a replacement code card or a new temporary
//! password for someone who has NemID. What opening one demands of the NemID, and what the
//! case's steps do to the register. The case side (states, events) is the ordinary lifecycle.

use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::case::{Kind, ReplacementReason};
use crate::domain::nemid::{Change, NemidState};
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::register::{self, LIVE, Step, WAITING};
use crate::store::nemids::NemidRow;

/// The NemID of a case, for a step that gives its holder something (a card posted or handed out,
/// a card activated, a password): a NemID revoked since the case was opened (a service case's,
/// or a first issuance's revoked in the register meanwhile) is refused.
pub fn still_live(nemid: Option<NemidRow>) -> ApiResult<Option<NemidRow>> {
    match nemid {
        Some(n) if n.state == NemidState::Revoked => Err(ApiError::conflict(
            "nemid_revoked",
            format!("NemID {} has been revoked since the case was opened: cancel the case", n.number),
        )),
        other => Ok(other),
    }
}

/// Whether a service case of `kind` may be opened on `nemid` for the applicant with the blind
/// index `applicant_index`. An unknown number and someone else's NemID are refused alike.
pub fn judge(kind: Kind, nemid: Option<&NemidRow>, applicant_index: &str) -> ApiResult<()> {
    let Some(n) = nemid.filter(|n| n.holder_cpr_index == applicant_index) else {
        return Err(ApiError::conflict(
            "nemid_not_applicants",
            "no NemID with this number belongs to the applicant's CPR number",
        ));
    };
    match (n.state, kind) {
        (NemidState::Revoked, _) => Err(ApiError::conflict(
            "nemid_revoked",
            format!(
                "NemID {} is revoked: a revoked NemID gets no new card or password; apply for a new NemID",
                n.number
            ),
        )),
        (NemidState::Pending, _) => Err(ApiError::conflict(
            "nemid_pending",
            format!(
                "NemID {} is not activated yet: its first code card is on its way under the first-issuance case",
                n.number
            ),
        )),
        (NemidState::Blocked, Kind::NewPassword) => Err(ApiError::conflict(
            "nemid_blocked",
            format!(
                "NemID {} is blocked: unblock it with the holder's identity checked, then open the new-password case",
                n.number
            ),
        )),
        _ => Ok(()),
    }
}

/// What opening the case does to the register, after the case and its event are written: a
/// lost or stolen card is revoked at once (and stays revoked whatever follows); a new-password
/// case blocks the NemID until the password is handed out.
pub fn on_open(
    conn: &mut PgConnection,
    who: &Principal,
    moment: &Moment,
    nemid: &NemidRow,
    case_id: Uuid,
    reason: Option<ReplacementReason>,
) -> ApiResult<()> {
    match reason {
        Some(r) if r.revokes_old_card() => {
            let evidence = json!({"case_id": case_id, "reason": r.as_str()});
            register::revoke_cards(conn, who, moment, nemid, LIVE, evidence)?;
        }
        Some(_) => {}
        None => {
            let evidence = json!({"case_id": case_id, "reason": "new_password"});
            let step = Step {
                change: Change::Block,
                to: NemidState::Blocked,
                active_since: nemid.active_since,
                evidence: &evidence,
            };
            register::change(conn, who, moment, nemid, step)?;
        }
    }
    Ok(())
}

/// What closing a service case before its handout undoes: a blocked NemID of a new-password case
/// is unblocked; a replacement card still on its way is revoked (a lost or stolen old card stays
/// revoked). `None` when there is nothing to undo.
pub fn on_close(kind: Kind, nemid: NemidRow, case_id: Uuid, why: &str) -> Option<ServiceStep> {
    let evidence = json!({"case_id": case_id, "reason": why});
    match (kind, nemid.state) {
        (Kind::NewPassword, NemidState::Blocked) => Some(ServiceStep::Unblock(nemid, evidence)),
        (Kind::ReplacementCard, NemidState::Active | NemidState::Blocked) => {
            Some(ServiceStep::RevokeWaiting(nemid, evidence))
        }
        _ => None,
    }
}

/// A service case's change to the register, decided while the case is judged and done after the
/// case's own change (the lock order in `perform`'s `Later`).
pub enum ServiceStep {
    CardHandedOut(NemidRow, Value),
    CardActivated(NemidRow, Value),
    PasswordIssued(NemidRow, Value),
    Unblock(NemidRow, Value),
    RevokeWaiting(NemidRow, Value),
}

impl ServiceStep {
    pub fn run(self, conn: &mut PgConnection, who: &Principal, moment: &Moment) -> ApiResult<()> {
        match self {
            ServiceStep::CardHandedOut(n, ev) => {
                register::card_handed_out(conn, who, moment, &n, ev)?;
            }
            ServiceStep::CardActivated(n, ev) => {
                register::card_activated(conn, who, moment, &n, ev)?;
            }
            ServiceStep::PasswordIssued(n, ev) => {
                let step = Step {
                    change: Change::PasswordIssued,
                    to: NemidState::Active,
                    active_since: n.active_since,
                    evidence: &ev,
                };
                register::change(conn, who, moment, &n, step)?;
            }
            ServiceStep::Unblock(n, ev) => {
                let step = Step {
                    change: Change::Unblock,
                    to: NemidState::Active,
                    active_since: n.active_since,
                    evidence: &ev,
                };
                register::change(conn, who, moment, &n, step)?;
            }
            ServiceStep::RevokeWaiting(n, ev) => {
                register::revoke_cards(conn, who, moment, &n, WAITING, ev)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Utc};

    use super::*;

    fn nemid(state: NemidState, index: &str) -> NemidRow {
        NemidRow {
            id: Uuid::nil(),
            number: "100000001".into(),
            holder_cpr_sealed: vec![],
            holder_cpr_index: index.into(),
            holder_name: "Anna".into(),
            state,
            active_since: (state != NemidState::Pending).then(|| NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            office_id: Uuid::nil(),
            case_id: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn kind_of(e: ApiError) -> &'static str {
        e.kind()
    }

    #[test]
    fn opening_needs_the_applicants_nemid_in_a_state_the_kind_serves() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        for kind in [Kind::ReplacementCard, Kind::NewPassword] {
            assert!(judge(kind, Some(&nemid(NemidState::Active, &a)), &a).is_ok());
            assert_eq!(kind_of(judge(kind, None, &a).unwrap_err()), "nemid_not_applicants");
            assert_eq!(
                kind_of(judge(kind, Some(&nemid(NemidState::Active, &b)), &a).unwrap_err()),
                "nemid_not_applicants"
            );
            assert_eq!(kind_of(judge(kind, Some(&nemid(NemidState::Revoked, &a)), &a).unwrap_err()), "nemid_revoked");
            assert_eq!(kind_of(judge(kind, Some(&nemid(NemidState::Pending, &a)), &a).unwrap_err()), "nemid_pending");
        }
        // A blocked NemID may get a new card, but a new password only once unblocked.
        assert!(judge(Kind::ReplacementCard, Some(&nemid(NemidState::Blocked, &a)), &a).is_ok());
        assert_eq!(
            kind_of(judge(Kind::NewPassword, Some(&nemid(NemidState::Blocked, &a)), &a).unwrap_err()),
            "nemid_blocked"
        );
    }

    #[test]
    fn closing_undoes_only_what_the_case_did() {
        let a = "a".repeat(64);
        let id = Uuid::nil();
        assert!(matches!(
            on_close(Kind::NewPassword, nemid(NemidState::Blocked, &a), id, "x"),
            Some(ServiceStep::Unblock(..))
        ));
        assert!(on_close(Kind::NewPassword, nemid(NemidState::Revoked, &a), id, "x").is_none());
        assert!(on_close(Kind::NewPassword, nemid(NemidState::Active, &a), id, "x").is_none());
        assert!(matches!(
            on_close(Kind::ReplacementCard, nemid(NemidState::Active, &a), id, "x"),
            Some(ServiceStep::RevokeWaiting(..))
        ));
        assert!(on_close(Kind::ReplacementCard, nemid(NemidState::Revoked, &a), id, "x").is_none());
    }
}
