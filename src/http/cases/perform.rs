//! Carrying out one action on a case, inside the caller's transaction: the state change (guarded
//! by the version the client saw), its evidence and its event commit together or not at all.

use chrono::Days;
use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::FieldIssue;
use crate::domain::case::{Action, CaseFacts, IdentityRoute, Kind, allowed_actions, refusal, transition};
use crate::domain::clock::copenhagen_day;
use crate::domain::cpr::Cpr;
use crate::domain::nemid::{Change, NemidState};
use crate::domain::office::check_text;
use crate::domain::refusal::{self, DecidedBy};
use crate::domain::role::{CASE_READERS, CASE_WORKERS, Role};
use crate::domain::rules::{self, HolderEvidence, HolderHistory};
use crate::http::cases::access::{full_view, load_visible, replay};
use crate::http::cases::service::{self, ServiceStep};
use crate::http::cases::view::{
    CaseView, CollectBody, HolderBody, Identity, IdentityCheckBody, PostalBlockBody, RejectBody, SecondHalfBody,
};
use crate::http::context::audit::{self, Subject};
use crate::http::context::caller::Caller;
use crate::http::context::command::{Command, Versioned};
use crate::http::context::idempotency::Replay;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::register::{self, CardWay, Holder, Step};
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
    PostBoth(SecondHalfBody),
    HoldForCollection,
    Collect(CollectBody),
    PostalBlock(PostalBlockBody),
    Reject(RejectBody),
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
            Evidence::PostBoth(_) => Action::PostBoth,
            Evidence::HoldForCollection => Action::HoldForCollection,
            Evidence::Collect(_) => Action::Collect,
            Evidence::PostalBlock(_) => Action::PostalBlock,
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
    /// A NemID made by this case: pending after the first half, active when issued in full; its
    /// card posted or held when both halves leave the desk together.
    Create {
        number: String,
        active: bool,
        card: Option<CardWay>,
    },
    Card(NemidRow, CardWay),
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
        let documents = &caller.state.config.domain.secondary_document_types;
        let mut issues = Vec::new();
        match evidence {
            Evidence::Returned(r) | Evidence::Cancel(r) => check_text("reason", r, 500, &mut issues),
            Evidence::PostalBlock(b) => check_text("reason", &b.reason, 500, &mut issues),
            Evidence::Reject(b) => refusal::check(&b.reasons, b.explanation.as_deref(), &mut issues),
            Evidence::SecondHalf(SecondHalfBody { address: Some(a) })
            | Evidence::PostBoth(SecondHalfBody { address: Some(a) }) => a.check("address", &mut issues),
            Evidence::IdentityCheck(b) => match b.identity() {
                Ok(Identity::PhotoId(ev)) => issues.extend(rules::check_identity_alone(&ev, types, today)),
                Ok(Identity::Documents(docs)) => {
                    issues.extend(rules::check_secondary_documents(&docs, None, documents))
                }
                Err(found) => issues.extend(found),
            },
            Evidence::Collect(b) => {
                rules::check_photo_id("photo_id", &(&b.photo_id).into(), types, today, &mut issues);
                if !b.photo_matches {
                    issues.push(FieldIssue::new("photo_matches", "the photo ID must show the person collecting"));
                }
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
    let facts = CaseFacts { status, kind, route: row.identity_route, postal_block: row.postal_block };
    let Some(to) = transition(facts, action) else {
        let allowed: Vec<String> = allowed_actions(facts).iter().map(|a| a.as_str().to_string()).collect();
        let (kind_of_refusal, detail) = match refusal(facts, action) {
            Some((k, why)) => (k, format!("`{}` is refused: {why}", action.as_str())),
            None => (
                "action_not_allowed",
                format!(
                    "`{}` is not allowed on a {} case in state {}",
                    action.as_str(),
                    kind.as_str(),
                    status.as_str()
                ),
            ),
        };
        return Err(ApiError::conflict(kind_of_refusal, detail).with_allowed_actions(allowed));
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
    let refusal_reasons: Vec<Option<crate::domain::refusal::RefusalReason>>;
    let decided;
    let mut evidence: Value;
    match &input {
        Evidence::IdentityCheck(b) => {
            let applicant = Cpr::parse(&vault.open(&row.applicant_cpr_sealed)?).map_err(ApiError::internal)?;
            match b.identity().map_err(ApiError::from)? {
                Identity::PhotoId(ev) => {
                    refuse(rules::check_identity(&ev, &applicant, &cfg.photo_id_types, moment.today))?;
                    let photo_id =
                        b.photo_id.as_ref().ok_or_else(|| ApiError::internal("photo route without photo ID"))?;
                    cases::insert_identity_check(
                        conn,
                        &NewIdentityCheck {
                            case_id: id,
                            photo_id_type: &photo_id.kind,
                            photo_id_number: photo_id.number.trim(),
                            photo_id_expires_on: photo_id.expires_on,
                            photo_id_issuing_country: &photo_id.issuing_country,
                            checked_at: now,
                        },
                    )?;
                    changes.identity_route = Some(IdentityRoute::PhotoId);
                    evidence = json!({
                        "route": IdentityRoute::PhotoId.as_str(),
                        "photo_id": photo_id.evidence(),
                        "photo_matches": true,
                        "health_card_presented": true,
                        "health_card_shows_applicant": true,
                    });
                }
                Identity::Documents(docs) => {
                    if matches!(kind, Kind::Express | Kind::NewPassword) {
                        return Err(ApiError::field(
                            "route",
                            match kind {
                                Kind::Express => {
                                    "an express case needs the applicant's photo ID: both halves are handed out at the desk"
                                }
                                _ => "a new password is handed out at the desk against photo ID only",
                            },
                        ));
                    }
                    refuse(rules::check_secondary_documents(&docs, Some(&applicant), &cfg.secondary_document_types))?;
                    changes.identity_route = Some(IdentityRoute::SecondaryDocuments);
                    let shown: Vec<Value> =
                        docs.iter().map(|d| json!({"type": d.kind, "shows_cpr": d.shows_cpr})).collect();
                    evidence = json!({
                        "route": IdentityRoute::SecondaryDocuments.as_str(),
                        "documents": shown,
                        "cpr_shown_is_applicants": true,
                    });
                }
            }
            changes.identity_verified_at = Some(now);
        }
        Evidence::FirstHalf => {
            nemid_number = cases::next_nemid_number(conn)?;
            later = Later::Create { number: nemid_number.clone(), active: false, card: None };
            changes.nemid_number = Some(&nemid_number);
            changes.first_half_issued_at = Some(now);
            evidence = json!({"nemid_number": nemid_number});
        }
        Evidence::SecondHalf(b) | Evidence::PostBoth(b) => {
            let nemid = service::still_live(register::of_case(conn, &row)?)?;
            let expected_by = rules::expected_by(moment.today, cfg.posting_window_days);
            if let Some(a) = &b.address {
                changes.street = Some(a.street.trim());
                changes.postal_code = Some(a.postal_code.trim());
                changes.city = Some(a.city.trim());
                changes.country = Some(&a.country);
            }
            let mut both = json!(null);
            match nemid {
                Some(nemid) => later = Later::Card(nemid, CardWay::Posted),
                // Both halves by post: the NemID is made now, pending until activated.
                None if action == Action::PostBoth && row.nemid_number.is_none() => {
                    nemid_number = cases::next_nemid_number(conn)?;
                    later = Later::Create { number: nemid_number.clone(), active: false, card: Some(CardWay::Posted) };
                    changes.nemid_number = Some(&nemid_number);
                    changes.first_half_issued_at = Some(now);
                    both = json!(nemid_number);
                }
                None => {}
            }
            changes.second_half_posted_at = Some(now);
            changes.second_half_expected_by = Some(expected_by);
            evidence = json!({
                "address_corrected": b.address.is_some(),
                "expected_by": expected_by,
                "posting_window_days": cfg.posting_window_days,
            });
            if action == Action::PostBoth {
                evidence["both_halves"] = json!(true);
                if !both.is_null() {
                    evidence["nemid_number"] = both;
                }
            }
        }
        Evidence::HoldForCollection => {
            let nemid = service::still_live(register::of_case(conn, &row)?)?;
            let collect_by = moment.today + Days::new(u64::from(cfg.collection_days));
            let mut both = None;
            match nemid {
                Some(nemid) => later = Later::Card(nemid, CardWay::Held),
                // Identity by secondary documents: both halves wait at the desk.
                None if row.nemid_number.is_none() => {
                    nemid_number = cases::next_nemid_number(conn)?;
                    later = Later::Create { number: nemid_number.clone(), active: false, card: Some(CardWay::Held) };
                    changes.nemid_number = Some(&nemid_number);
                    changes.first_half_issued_at = Some(now);
                    both = Some(nemid_number.clone());
                }
                // A first half handed out before the register existed: nothing to hold there.
                None => {}
            }
            changes.held_at = Some(now);
            changes.collect_by = Some(collect_by);
            evidence = json!({
                "postal_block": row.postal_block.map(|p| p.as_str()),
                "collect_by": collect_by,
                "collection_days": cfg.collection_days,
                "both_halves": both.is_some(),
            });
            if let Some(n) = both {
                evidence["nemid_number"] = json!(n);
            }
        }
        Evidence::PostalBlock(b) => {
            changes.postal_block = Some(b.postal_block);
            evidence = json!({
                "postal_block": b.postal_block.map(|p| p.as_str()),
                "previous_postal_block": row.postal_block.map(|p| p.as_str()),
                "reason": b.reason.trim(),
            });
        }
        Evidence::Returned(r) => {
            evidence = json!({"reason": r.trim()});
        }
        Evidence::Activation | Evidence::Collect(_) => {
            match service::still_live(register::of_case(conn, &row)?)? {
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
            evidence = match &input {
                Evidence::Collect(b) => json!({"photo_id": b.photo_id.evidence(), "photo_matches": true}),
                _ => json!({}),
            };
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
            later = Later::Create { number: nemid_number.clone(), active: true, card: None };
            changes.nemid_number = Some(&nemid_number);
            changes.first_half_issued_at = Some(now);
            changes.completed_at = Some(now);
            changes.closed_at = Some(now);
            evidence = json!({"nemid_number": nemid_number, "both_halves": true});
        }
        Evidence::CardHandout | Evidence::PasswordHandout => {
            let n = service::still_live(register::of_case(conn, &row)?)?
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
        Evidence::Reject(_) | Evidence::Cancel(_) => {
            match &input {
                Evidence::Reject(b) => {
                    let by = DecidedBy {
                        name: who.name.clone(),
                        role: who.role.as_str().to_string(),
                        office: who.office.as_ref().map(|o| o.code.clone()),
                    };
                    let decision = refusal::decide(&b.reasons, b.explanation.as_deref(), &cfg.appeal_guidance, by, now);
                    reason = match &decision.explanation {
                        Some(e) => e.clone(),
                        None => b.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                    };
                    refusal_reasons = b.reasons.iter().map(|r| Some(*r)).collect();
                    decided = decision;
                    changes.refusal_reasons = Some(refusal_reasons.clone());
                    changes.refusal = Some(&decided);
                }
                Evidence::Cancel(r) => reason = r.trim().to_string(),
                _ => return Err(ApiError::internal("reject or cancel without its body")),
            }
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
            evidence = match &input {
                Evidence::Reject(b) => json!({
                    "reasons": b.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "explanation": b.explanation.as_deref().map(str::trim),
                    "appeal_guidance": cfg.appeal_guidance,
                }),
                _ => json!({"reason": reason}),
            };
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
        Later::Create { number, active, card } => {
            let nemid = register::create(conn, who, &moment, &holder, &number, active)?;
            if let Some(way) = card {
                register::card_sent(conn, who, &moment, &nemid, way)?;
            }
        }
        Later::Card(nemid, way) => {
            register::card_sent(conn, who, &moment, &nemid, way)?;
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
