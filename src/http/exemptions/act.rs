//! Deciding and revoking exemptions, and their audit trail. Same guarantees as case actions:
//! `If-Match` required, one transaction for the change and its event, `Idempotency-Key`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde_json::json;
use uuid::Uuid;

use super::view::{DecisionBody, ExemptionView};
use super::{READERS, load_visible};
use crate::auth::Principal;
use crate::domain::FieldIssue;
use crate::domain::exemption::{ExemptionAction, Outcome, allowed_actions, transition};
use crate::domain::office::check_text;
use crate::domain::role::Role;
use crate::http::auth::{Bearer, authorize};
use crate::http::cases::Moment;
use crate::http::cases::view::{EventList, EventView, ReasonBody};
use crate::http::error::{ActionErrors, ApiError, ApiResult, Problem};
use crate::http::etag;
use crate::http::idempotency::{self, Answer, IdempotencyKey};
use crate::http::json::JsonBody;
use crate::http::state::AppState;
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

#[allow(clippy::too_many_arguments)]
fn change(
    conn: &mut diesel::PgConnection,
    who: &Principal,
    id: Uuid,
    expected: i32,
    action: ExemptionAction,
    reason: Option<&str>,
    moment: &Moment,
    vault: &crate::vault::CprVault,
) -> ApiResult<ExemptionView> {
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
    crate::http::audit::record(
        conn,
        who,
        moment,
        crate::http::audit::Subject::Exemption { id, cpr_index: &updated.citizen_cpr_index },
    )?;
    tracing::info!(exemption.id = %id, exemption.status = to.as_str(), "exemption changed");
    Ok(ExemptionView::new(updated, code, true, vault)?)
}

/// Grant or refuse a pending exemption.
#[utoipa::path(
    operation_id = "decide_exemption",
    tag = "exemptions",
    description = "Roles: supervisor (the assessing authority). pending → granted | refused; a refusal needs a `reason`. \
                   Requires If-Match; accepts Idempotency-Key.",
    params(
        ("id" = Uuid, Path, description = "Exemption id"),
        ("If-Match" = String, Header, pattern = r#"^\s*(W/)?"0*[1-9][0-9]{0,9}"\s*$"#, description = "ETag of the version decided upon (strong comparison: a weak tag never matches, 412)"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", min_length = 1, max_length = 255, description = "Retries with the same key and body replay the first answer (24 h)")
    ),
    request_body(content = DecisionBody, content_type = "application/json"),
    responses(ExemptionChanged, ActionErrors),
    security(("bearer" = []))
)]
#[post("/exemptions/{id}/decision")]
pub async fn decide_exemption(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: JsonBody<DecisionBody>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = etag::require_if_match(&req)?;
    let JsonBody(b, digest) = body;
    let mut issues = Vec::new();
    match (b.outcome, &b.reason) {
        (Outcome::Refused, None) => issues.push(FieldIssue::new("reason", "is required when the request is refused")),
        (_, Some(r)) => check_text("reason", r, 500, &mut issues),
        _ => {}
    }
    if !issues.is_empty() {
        return Err(issues.into());
    }
    let moment = Moment::of(&req);
    let fingerprint = format!("POST /api/v1/exemptions/{id}/decision {expected} {digest}");
    let vault = state.vault.clone();
    idempotency::run(
        &state,
        &bearer.clone(),
        &[Role::Supervisor],
        idempotency::Reveals::Exemption,
        &moment.clone(),
        key,
        fingerprint,
        move |conn| {
            let who = authorize(conn, &bearer, &[Role::Supervisor])?;
            let reason = b.reason.as_deref().map(str::trim);
            let view = change(conn, &who, id, expected, ExemptionAction::Decide(b.outcome), reason, &moment, &vault)?;
            Answer::json(StatusCode::OK, &view, Some(etag::etag(view.version)), None)
        },
    )
    .await
}

/// Revoke a granted exemption.
#[utoipa::path(
    operation_id = "revoke_exemption",
    tag = "exemptions",
    description = "Roles: clerk (own office), supervisor. granted → revoked, e.g. when the citizen got NemID and \
                   enrolled in Digital Post; with a `reason`. Requires If-Match; accepts Idempotency-Key.",
    params(
        ("id" = Uuid, Path, description = "Exemption id"),
        ("If-Match" = String, Header, pattern = r#"^\s*(W/)?"0*[1-9][0-9]{0,9}"\s*$"#, description = "ETag of the version revoked (strong comparison: a weak tag never matches, 412)"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", min_length = 1, max_length = 255, description = "Retries with the same key and body replay the first answer (24 h)")
    ),
    request_body(content = ReasonBody, content_type = "application/json"),
    responses(ExemptionChanged, ActionErrors),
    security(("bearer" = []))
)]
#[post("/exemptions/{id}/revoke")]
pub async fn revoke_exemption(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: JsonBody<ReasonBody>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = etag::require_if_match(&req)?;
    let JsonBody(b, digest) = body;
    let mut issues = Vec::new();
    check_text("reason", &b.reason, 500, &mut issues);
    if !issues.is_empty() {
        return Err(issues.into());
    }
    let moment = Moment::of(&req);
    let fingerprint = format!("POST /api/v1/exemptions/{id}/revoke {expected} {digest}");
    let vault = state.vault.clone();
    idempotency::run(
        &state,
        &bearer.clone(),
        READERS,
        idempotency::Reveals::Exemption,
        &moment.clone(),
        key,
        fingerprint,
        move |conn| {
            let who = authorize(conn, &bearer, READERS)?;
            let view =
                change(conn, &who, id, expected, ExemptionAction::Revoke, Some(b.reason.trim()), &moment, &vault)?;
            Answer::json(StatusCode::OK, &view, Some(etag::etag(view.version)), None)
        },
    )
    .await
}

/// An exemption's audit trail.
#[utoipa::path(
    operation_id = "list_exemption_events",
    tag = "exemptions",
    description = "Roles: clerk (own office), supervisor (all). Every change, oldest first, in the shape of case events.",
    params(("id" = Uuid, Path, description = "Exemption id")),
    responses(
        (status = 200, description = "The events", body = EventList),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Role may not read exemptions, or office unknown/inactive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exemption (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/exemptions/{id}/events")]
pub async fn list_exemption_events(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let list = state
        .db
        .run(move |conn| {
            let who = authorize(conn, &bearer, READERS)?;
            load_visible(conn, &who, id)?;
            Ok(EventList { items: store::events(conn, id)?.into_iter().map(EventView::from).collect() })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
