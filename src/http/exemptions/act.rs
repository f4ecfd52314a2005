//! Deciding and revoking exemptions, and their audit trail. Same guarantees as case actions:
//! `If-Match` required, one transaction for the change and its event, `Idempotency-Key`.

use actix_web::{HttpResponse, get, post, web};
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::FieldIssue;
use crate::domain::exemption::{ExemptionAction, Outcome, allowed_actions, transition};
use crate::domain::office::check_text;
use crate::domain::role::{EXEMPTION_DECIDERS, EXEMPTION_READERS, Role};
use crate::http::context::audit::{self, Subject};
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::command::{Act, Command, Versioned, execute};
use crate::http::context::headers::{IdempotencyKey, IfMatch};
use crate::http::context::idempotency::Replay;
use crate::http::error::{ApiError, ApiResult};
use crate::http::exemptions::access::{load_visible, replay};
use crate::http::exemptions::view::{DecisionBody, ExemptionView};
use crate::http::responses::ActionErrors;
use crate::http::views::{EventList, EventView, ReasonBody};
use crate::store::exemptions::{self as store, ExemptionChanges, NewExemptionEvent};

/// Deciding's or revoking's success answer; its errors are `ActionErrors`. For the document only.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ExemptionChanged {
    /// The exemption after the change.
    #[response(status = 200, headers(
        ("ETag" = String, description = "Entity tag of the new version"),
        ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key")))]
    Changed(ExemptionView),
}

/// Exemptions as versioned records: deciding and revoking run through `context::command::execute`.
pub struct Exemptions;

impl Versioned for Exemptions {
    type Action = ExemptionAction;
    /// The reason given (required when refusing or revoking).
    type Evidence = Option<String>;
    type View = ExemptionView;
    const REPLAY: Replay = replay;

    fn url(id: Uuid) -> String {
        format!("/api/v1/exemptions/{id}")
    }

    fn segment(action: ExemptionAction) -> &'static str {
        match action {
            ExemptionAction::Decide(_) => "decision",
            ExemptionAction::Revoke => "revoke",
        }
    }

    fn roles(action: ExemptionAction) -> &'static [Role] {
        match action {
            ExemptionAction::Decide(_) => EXEMPTION_DECIDERS,
            ExemptionAction::Revoke => EXEMPTION_READERS,
        }
    }

    fn precheck(action: ExemptionAction, reason: &Option<String>, _: &Caller) -> ApiResult<()> {
        let mut issues = Vec::new();
        match (action, reason) {
            (ExemptionAction::Decide(Outcome::Refused), None) => {
                issues.push(FieldIssue::new("reason", "is required when the request is refused"))
            }
            (_, Some(r)) => check_text("reason", r, 500, &mut issues),
            _ => {}
        }
        if issues.is_empty() { Ok(()) } else { Err(issues.into()) }
    }

    fn version_of(view: &ExemptionView) -> i32 {
        view.version
    }

    fn apply(
        conn: &mut PgConnection,
        who: &Principal,
        command: Command<ExemptionAction, Option<String>>,
    ) -> ApiResult<ExemptionView> {
        let Command { id, version: expected, action, evidence, caller, .. } = command;
        let Caller { state, moment, .. } = caller;
        let reason = evidence.as_deref().map(str::trim);
        load_visible(conn, who, id)?;
        store::lock(conn, id)?;
        let (row, code) = load_visible(conn, who, id)?;
        if row.version != expected {
            return Err(ApiError::precondition_failed(format!(
                "the exemption has changed since the ETag you sent; it is now at version {}",
                row.version
            )));
        }
        let status = row.status;
        let Some(to) = transition(status, action) else {
            return Err(ApiError::conflict(
                "action_not_allowed",
                format!("`{}` is not allowed on an exemption that is {}", action.as_str(), status.as_str()),
            )
            .with_allowed_actions(allowed_actions(status).into_iter().map(str::to_string).collect()));
        };
        let mut changes = ExemptionChanges { status: Some(to), ..Default::default() };
        match action {
            ExemptionAction::Decide(_) => {
                changes.decided_at = Some(moment.now);
                changes.decision_reason = reason;
            }
            ExemptionAction::Revoke => {
                changes.revoked_at = Some(moment.now);
                changes.revoke_reason = reason;
            }
        }
        let updated = store::update_if_version(conn, id, expected, &changes)?
            .ok_or_else(|| ApiError::precondition_failed("the exemption changed while this ran; read it again"))?;
        let evidence = json!({"reason": reason});
        store::insert_event(
            conn,
            &NewExemptionEvent {
                exemption_id: id,
                seq: updated.version,
                action: action.as_str(),
                from_status: Some(status.as_str()),
                to_status: to.as_str(),
                actor_sub: &who.sub,
                actor_name: &who.name,
                actor_role: who.role.as_str(),
                actor_office: who.office.as_ref().map(|o| o.code.as_str()),
                evidence: &evidence,
                request_id: &moment.request_id,
                occurred_at: moment.now,
            },
        )?;
        audit::record(conn, who, &moment, Subject::Exemption { id, cpr_index: &updated.citizen_cpr_index })?;
        tracing::info!(exemption.id = %id, exemption.status = to.as_str(), "exemption changed");
        Ok(ExemptionView::new(updated, code, true, &state.vault)?)
    }
}

/// Grant or refuse a pending exemption.
#[utoipa::path(
    description = "Roles: supervisor (the assessing authority). pending → granted | refused; a refusal needs a `reason`. \
                   Requires If-Match; accepts Idempotency-Key.",
    params(
        ("id" = Uuid, Path, description = "Exemption id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = DecisionBody, content_type = "application/json"),
    responses(ExemptionChanged, ActionErrors)
)]
#[post("/exemptions/{id}/decision")]
pub async fn decide_exemption(act: Act, id: web::Path<Uuid>, body: JsonBody<DecisionBody>) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    let action = ExemptionAction::Decide(b.outcome);
    execute::<Exemptions>(act.command(id.into_inner(), action, b.reason, digest)?).await
}

/// Revoke a granted exemption.
#[utoipa::path(
    description = "Roles: clerk (own office), supervisor. granted → revoked, e.g. when the citizen got NemID and \
                   enrolled in Digital Post; with a `reason`. Requires If-Match; accepts Idempotency-Key.",
    params(
        ("id" = Uuid, Path, description = "Exemption id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = ReasonBody, content_type = "application/json"),
    responses(ExemptionChanged, ActionErrors)
)]
#[post("/exemptions/{id}/revoke")]
pub async fn revoke_exemption(act: Act, id: web::Path<Uuid>, body: JsonBody<ReasonBody>) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    execute::<Exemptions>(act.command(id.into_inner(), ExemptionAction::Revoke, Some(b.reason), digest)?).await
}

/// An exemption's audit trail.
#[utoipa::path(
    description = "Roles: clerk (own office), supervisor (all). Every change, oldest first, in the shape of case events.",
    params(("id" = Uuid, Path, description = "Exemption id")),
    responses(
        (status = 200, description = "The events", body = EventList),
    )
)]
#[get("/exemptions/{id}/events")]
pub async fn list_exemption_events(caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let list = caller
        .run(EXEMPTION_READERS, move |conn, who, _moment| {
            load_visible(conn, who, id)?;
            Ok(EventList { items: store::events(conn, id)?.into_iter().map(EventView::from).collect() })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
