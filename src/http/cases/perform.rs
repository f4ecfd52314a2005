//! Carrying out one action on a case, inside the caller's transaction: the state change (guarded
//! by the version the client saw), its evidence and its event commit together or not at all.

use chrono::Days;
use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::FieldIssue;
use crate::domain::case::{Action, allowed_actions, transition};
use crate::domain::clock::copenhagen_day;
use crate::domain::cpr::Cpr;
use crate::domain::nemid::{Change, NemidState};
use crate::domain::office::check_text;
use crate::domain::role::{CASE_READERS, CASE_WORKERS, Role};
use crate::domain::rules::{self, HolderEvidence, HolderHistory, IdentityEvidence};
use crate::http::cases::access::{full_view, load_visible, replay};
use crate::http::cases::service::{self, ServiceStep};
use crate::http::cases::view::{CaseView, HolderBody, IdentityCheckBody, SecondHalfBody};
use crate::http::context::audit::{self, Subject};
use crate::http::context::caller::Caller;
use crate::http::context::command::{Command, Versioned};
use crate::http::context::idempotency::Replay;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::register::{self, Holder, Step};
use crate::store::cases::{self as cases, CaseChanges, NewHolderVerification, NewIdentityCheck};
use crate::store::events::{self, NewEvent};
use crate::store::nemids::{self, NemidRow};

/// One action with what it brings: the action is the variant, so an action and its evidence
/// cannot disagree, and `perform` must say what every action does (the match is exhaustive).
pub enum Evidence {
    IdentityCheck(IdentityCheckBody),
    FirstHalf,
    SecondHalf(SecondHalfBody),
    Returned(String),
    Activation,
    AccompanyingHolder(HolderBody),
    IssueInFull,
    CardHandout,
    PasswordHandout,
    Reject(String),
    Cancel(String),
}

impl Evidence {
    pub fn action(&self) -> Action {
        match self {
            Evidence::IdentityCheck(_) => Action::IdentityCheck,
            Evidence::FirstHalf => Action::FirstHalf,
            Evidence::SecondHalf(_) => Action::SecondHalf,
            Evidence::Returned(_) => Action::Returned,
            Evidence::Activation => Action::Activation,
            Evidence::AccompanyingHolder(_) => Action::AccompanyingHolder,
            Evidence::IssueInFull => Action::IssueInFull,
            Evidence::CardHandout => Action::CardHandout,
            Evidence::PasswordHandout => Action::PasswordHandout,
            Evidence::Reject(_) => Action::Reject,
            Evidence::Cancel(_) => Action::Cancel,
        }
    }
}

fn refuse(issues: Vec<FieldIssue>) -> ApiResult<()> {
    if issues.is_empty() { Ok(()) } else { Err(issues.into()) }
}

/// What an action does to the NemID register, done after the case's own change and event. Every
/// event-writing transaction takes the report summaries' rows (the case's update) before the
/// change feed's counter (an event); a register event before the case's update took them the
/// other way round and deadlocked against concurrent case actions (bench/faults found it). The
/// NemID itself is locked early, in the action's match, before either.
enum Later {
    Nothing,
    Create { number: String, active: bool },
    CardPosted(NemidRow),
    Change(NemidRow, Change, NemidState, Option<chrono::NaiveDate>, Value),
    Service(ServiceStep),
}

/// Cases as versioned records: their actions run through `context::command::execute`.
pub struct Cases;

impl Versioned for Cases {
    type Action = Action;
    type Evidence = Evidence;
    type View = CaseView;
    const REPLAY: Replay = replay;

    fn url(id: Uuid) -> String {
        format!("/api/v1/cases/{id}")
    }

    fn segment(action: Action) -> &'static str {
        action.as_str()
    }

    fn roles(action: Action) -> &'static [Role] {
        // Supervisors may cancel any office's case; everything else is done at the desk.
        if action == Action::Cancel { CASE_READERS } else { CASE_WORKERS }
    }

    fn precheck(_: Action, evidence: &Evidence, caller: &Caller) -> ApiResult<()> {
        let (types, today) = (&caller.state.config.domain.photo_id_types, caller.moment.today);
        let mut issues = Vec::new();
        match evidence {
            Evidence::Returned(r) | Evidence::Reject(r) | Evidence::Cancel(r) => {
                check_text("reason", r, 500, &mut issues)
            }
            Evidence::SecondHalf(SecondHalfBody { address: Some(a) }) => a.check("address", &mut issues),
            Evidence::IdentityCheck(b) => {
                issues.extend(rules::check_identity_alone(&IdentityEvidence::from(b), types, today))
            }
            Evidence::AccompanyingHolder(h) => {
                rules::check_photo_id("holder.photo_id", &(&h.photo_id).into(), types, today, &mut issues);
                if let Err(e) = Cpr::parse(&h.cpr) {
                    issues.push(FieldIssue::new("holder.cpr", e));
                }
            }
            _ => {}
        }
        refuse(issues)
    }

    fn version_of(view: &CaseView) -> i32 {
        view.version
    }

    fn apply(conn: &mut PgConnection, who: &Principal, command: Command<Action, Evidence>) -> ApiResult<CaseView> {
        perform(conn, who, command)
    }
}

/// The work of `Cases::apply`.
fn perform(conn: &mut PgConnection, who: &Principal, command: Command<Action, Evidence>) -> ApiResult<CaseView> {
    let Command { id, version: expected_version, action, evidence: input, caller, .. } = command;
    let Caller { state, moment, .. } = caller;
    let (cfg, vault) = (&state.config.domain, &state.vault);
    // Only a case the caller may see is locked; the lock serialises actions on it, and the
    // second read sees the version the previous action left.
    load_visible(conn, who, id)?;
    cases::lock(conn, id)?;
    let (row, office_code) = load_visible(conn, who, id)?;
    if row.version != expected_version {
        return Err(ApiError::precondition_failed(format!(
            "the case has changed since the ETag you sent; it is now at version {}",
            row.version
        )));
    }
    let (status, kind) = (row.status, row.kind);
    let Some(to) = transition(status, kind, action) else {
        let allowed: Vec<String> = allowed_actions(status, kind).iter().map(|a| a.as_str().to_string()).collect();
        return Err(ApiError::conflict(
            "action_not_allowed",
            format!("`{}` is not allowed on a {} case in state {}", action.as_str(), kind.as_str(), status.as_str()),
        )
        .with_allowed_actions(allowed));
    };

    let now = moment.now;
    let holder = Holder {
        case_id: id,
        office_id: row.office_id,
        cpr_sealed: &row.applicant_cpr_sealed,
        cpr_index: &row.applicant_cpr_index,
        name: &row.applicant_name,
    };
    let mut changes = CaseChanges { status: Some(to), ..Default::default() };
    let mut later = Later::Nothing;
    let nemid_number;
    let reason;
    let evidence: Value;
    match &input {
        Evidence::IdentityCheck(b) => {
            let applicant = Cpr::parse(&vault.open(&row.applicant_cpr_sealed)?).map_err(ApiError::internal)?;
            let ev = IdentityEvidence::from(b);
            refuse(rules::check_identity(&ev, &applicant, &cfg.photo_id_types, moment.today))?;
            cases::insert_identity_check(
                conn,
                &NewIdentityCheck {
                    case_id: id,
                    photo_id_type: &b.photo_id.kind,
                    photo_id_number: b.photo_id.number.trim(),
                    photo_id_expires_on: b.photo_id.expires_on,
                    photo_id_issuing_country: &b.photo_id.issuing_country,
                    checked_at: now,
                },
            )?;
            changes.identity_verified_at = Some(now);
            evidence = json!({
                "photo_id": b.photo_id.evidence(),
                "photo_matches": true,
                "health_card_presented": true,
                "health_card_shows_applicant": true,
            });
        }
        Evidence::FirstHalf => {
            nemid_number = cases::next_nemid_number(conn)?;
            later = Later::Create { number: nemid_number.clone(), active: false };
            changes.nemid_number = Some(&nemid_number);
            changes.first_half_issued_at = Some(now);
            evidence = json!({"nemid_number": nemid_number});
        }
        Evidence::SecondHalf(b) => {
            let nemid = service::still_live(kind, register::of_case(conn, &row)?)?;
            let expected_by = rules::expected_by(moment.today, cfg.posting_window_days);
            if let Some(a) = &b.address {
                changes.street = Some(a.street.trim());
                changes.postal_code = Some(a.postal_code.trim());
                changes.city = Some(a.city.trim());
                changes.country = Some(&a.country);
            }
            if let Some(nemid) = nemid {
                later = Later::CardPosted(nemid);
            }
            changes.second_half_posted_at = Some(now);
            changes.second_half_expected_by = Some(expected_by);
            evidence = json!({
                "address_corrected": b.address.is_some(),
                "expected_by": expected_by,
                "posting_window_days": cfg.posting_window_days,
            });
        }
        Evidence::Returned(r) => {
            evidence = json!({"reason": r.trim()});
        }
        Evidence::Activation => {
            match service::still_live(kind, register::of_case(conn, &row)?)? {
                Some(n) if kind.is_service() => {
                    later = Later::Service(ServiceStep::CardActivated(n, json!({"case_id": id})));
                }
                Some(n) => {
                    later = Later::Change(
                        n,
                        Change::Activate,
                        NemidState::Active,
                        Some(moment.today),
                        json!({"case_id": id}),
                    );
                }
                None => {}
            }
            changes.completed_at = Some(now);
            changes.closed_at = Some(now);
            evidence = json!({});
        }
        Evidence::AccompanyingHolder(h) => {
            let applicant = Cpr::parse(&vault.open(&row.applicant_cpr_sealed)?).map_err(ApiError::internal)?;
            let holder_cpr = Cpr::parse(&h.cpr).ok();
            let mut history = HolderHistory::default();
            let mut from_register = false;
            let holder_index = holder_cpr.as_ref().map(|hc| vault.blind(&hc.digits()));
            if let Some(idx) = &holder_index {
                // Two desks verifying the same holder at once must not both take the last slot.
                cases::lock_holder(conn, idx)?;
                let since = moment.today - Days::new(rules::HOLDER_WINDOW_DAYS);
                history.accompanied_on = cases::accompanied_on(conn, idx, since)?;
                history.completed_here_on = cases::latest_completion(conn, idx)?.map(copenhagen_day);
                // The register decides for a holder it knows: an active NemID's active-since day
                // counts, a blocked or revoked one never qualifies.
                if let Some(n) =
                    nemids::live_for_person(conn, idx)?.or(nemids::for_person(conn, idx)?.into_iter().next())
                {
                    match n.state {
                        NemidState::Active => {
                            history.completed_here_on = n.active_since;
                            from_register = true;
                        }
                        s => {
                            return Err(ApiError::field(
                                "holder.cpr",
                                format!("the holder's NemID is {} in the register and does not qualify", s.as_str()),
                            ));
                        }
                    }
                }
            }
            let ev = HolderEvidence {
                cpr: h.cpr.clone(),
                name: h.name.clone(),
                photo_id: (&h.photo_id).into(),
                nemid_card_presented: h.nemid_card_presented,
                nemid_active_since: h.nemid_active_since,
            };
            refuse(rules::check_holder(&ev, &applicant, &history, &cfg.photo_id_types, moment.today))?;
            let hc = holder_cpr.ok_or_else(|| ApiError::internal("holder CPR passed the checks unparsed"))?;
            let active_since = rules::holder_active_since(&ev, &history)
                .ok_or_else(|| ApiError::internal("holder active-since passed the checks unset"))?;
            let source = if from_register {
                "register"
            } else if history.completed_here_on.is_some() {
                "issued_here"
            } else {
                "declared"
            };
            cases::insert_holder_verification(
                conn,
                &NewHolderVerification {
                    case_id: id,
                    holder_cpr_sealed: &vault.seal(&hc.digits()),
                    holder_cpr_index: holder_index.as_deref().unwrap_or_default(),
                    holder_name: h.name.trim(),
                    photo_id_type: &h.photo_id.kind,
                    photo_id_number: h.photo_id.number.trim(),
                    photo_id_expires_on: h.photo_id.expires_on,
                    photo_id_issuing_country: &h.photo_id.issuing_country,
                    nemid_active_since: active_since,
                    verified_on: moment.today,
                    verified_at: now,
                },
            )?;
            evidence = json!({
                "holder": {
                    "name": h.name.trim(),
                    "photo_id": h.photo_id.evidence(),
                    "nemid_card_presented": true,
                    "nemid_active_since": active_since,
                    "nemid_active_since_source": source,
                }
            });
        }
        Evidence::IssueInFull => {
            nemid_number = cases::next_nemid_number(conn)?;
            later = Later::Create { number: nemid_number.clone(), active: true };
            changes.nemid_number = Some(&nemid_number);
            changes.first_half_issued_at = Some(now);
            changes.completed_at = Some(now);
            changes.closed_at = Some(now);
            evidence = json!({"nemid_number": nemid_number, "both_halves": true});
        }
        Evidence::CardHandout | Evidence::PasswordHandout => {
            let n = service::still_live(kind, register::of_case(conn, &row)?)?
                .ok_or_else(|| ApiError::internal("a service case without its NemID in the register"))?;
            let register_evidence = json!({"case_id": id});
            later = Later::Service(if action == Action::CardHandout {
                ServiceStep::CardHandedOut(n, register_evidence)
            } else {
                ServiceStep::PasswordIssued(n, register_evidence)
            });
            changes.completed_at = Some(now);
            changes.closed_at = Some(now);
            evidence = json!({"nemid_number": row.nemid_number});
        }
        Evidence::Reject(r) | Evidence::Cancel(r) => {
            reason = r.trim().to_string();
            let nemid = register::of_case(conn, &row)?;
            if kind.is_service() {
                // A service case undoes what it did and nothing else.
                let why = format!("the {} case was closed", kind.as_str());
                if let Some(step) = nemid.and_then(|n| service::on_close(kind, n, id, &why)) {
                    later = Later::Service(step);
                }
            } else if let Some(nemid) = nemid.filter(|n| n.state != NemidState::Revoked) {
                // A cancelled first issuance leaves no NemID behind that could never be activated.
                let evidence = json!({"case_id": id, "reason": "the first-issuance case was cancelled"});
                let since = nemid.active_since;
                later = Later::Change(nemid, Change::Revoke, NemidState::Revoked, since, evidence);
            }
            changes.closed_at = Some(now);
            changes.close_reason = Some(&reason);
            evidence = json!({"reason": reason});
        }
    }

    let updated = cases::update_if_version(conn, id, expected_version, &changes)?
        .ok_or_else(|| ApiError::precondition_failed("the case changed while this action ran; read it again"))?;
    let office = who.office.as_ref().map(|o| o.code.as_str());
    events::insert(
        conn,
        &NewEvent {
            case_id: id,
            seq: updated.version,
            action: action.as_str(),
            from_status: Some(status.as_str()),
            to_status: to.as_str(),
            actor_sub: &who.sub,
            actor_name: &who.name,
            actor_role: who.role.as_str(),
            actor_office: office,
            evidence: &evidence,
            request_id: &moment.request_id,
            occurred_at: now,
        },
    )?;
    // The register after the case: see `Later`.
    match later {
        Later::Nothing => {}
        Later::Create { number, active } => {
            register::create(conn, who, &moment, &holder, &number, active)?;
        }
        Later::CardPosted(nemid) => {
            register::card_posted(conn, who, &moment, &nemid)?;
        }
        Later::Change(nemid, change, to, active_since, evidence) => {
            register::change(conn, who, &moment, &nemid, Step { change, to, active_since, evidence: &evidence })?;
        }
        Later::Service(step) => step.run(conn, who, &moment)?,
    }
    audit::record(conn, who, &moment, Subject::Case { id, cpr_index: &updated.applicant_cpr_index })?;
    tracing::info!(case.id = %id, case.action = action.as_str(), case.status = to.as_str(), "case changed");
    full_view(conn, updated, office_code, moment.today, vault)
}
