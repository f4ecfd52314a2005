use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use serde_json::json;
use uuid::Uuid;

use crate::domain::exemption::{ExemptionStatus, Registration, check_registration};
use crate::domain::role::Role;
use crate::http::context::audit;
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::IdempotencyKey;
use crate::http::context::headers::etag;
use crate::http::context::idempotency::{self, Answer, Request};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::exemptions::access::replay;
use crate::http::exemptions::view::{ExemptionView, NewExemptionBody};
use crate::store::{self, exemptions::NewExemption, exemptions::NewExemptionEvent};

/// Register a request for exemption from Digital Post.
#[utoipa::path(
    description = "Roles: clerk (at a citizen service centre). One pending or granted exemption per CPR number at a \
                   time (409). `note` is required for reason `other`; a `proxy` declaration needs the proxy's name, \
                   CPR number and `power_of_attorney_seen: true`. Accepts `Idempotency-Key`.",
    params(IdempotencyKey),
    request_body(content = NewExemptionBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered (pending)", body = ExemptionView, headers(
            ("Location" = String, description = "URL of the exemption"),
            ("ETag" = String, description = "Entity tag of the version"),
            ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "A pending or granted exemption exists for this CPR, or the Idempotency-Key is in flight", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/exemptions")]
pub async fn create_exemption(
    caller: Caller,
    key: IdempotencyKey,
    body: JsonBody<NewExemptionBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    let (citizen, proxy_cpr) = check_registration(&Registration {
        citizen_cpr: &b.citizen.cpr,
        citizen_name: &b.citizen.name,
        reason: b.reason,
        note: b.note.as_deref(),
        declaration: b.declaration,
        proxy: b.proxy.as_ref().map(|p| (p.name.as_str(), p.cpr.as_str(), p.power_of_attorney_seen)),
    })?;
    let fingerprint = format!("POST /api/v1/exemptions {digest}");
    let vault = caller.state.vault.clone();
    let request = Request { caller, roles: &[Role::Clerk], key, fingerprint, replay };
    idempotency::run(request, move |conn, who, moment| {
        let office = who.office.clone().ok_or_else(|| ApiError::internal("clerk without office"))?;
        let sealed = vault.seal(&citizen.digits());
        let index = vault.blind(&citizen.digits());
        let proxy_sealed = proxy_cpr.as_ref().map(|p| vault.seal(&p.digits()));
        let proxy_index = proxy_cpr.as_ref().map(|p| vault.blind(&p.digits()));
        let new = NewExemption {
            id: Uuid::now_v7(),
            office_id: office.id,
            status: ExemptionStatus::Pending,
            citizen_cpr_sealed: &sealed,
            citizen_cpr_index: &index,
            citizen_name: b.citizen.name.trim(),
            reason: b.reason,
            note: b.note.as_deref().map(str::trim),
            declaration: b.declaration,
            proxy_name: b.proxy.as_ref().map(|p| p.name.trim()),
            proxy_cpr_sealed: proxy_sealed.as_deref(),
            proxy_cpr_index: proxy_index.as_deref(),
            registered_at: moment.now,
            version: 1,
        };
        let row = match store::exemptions::insert(conn, &new) {
            Ok(r) => r,
            Err(e) if store::is_unique_violation(&e, "exemptions_one_active_per_cpr") => {
                return Err(ApiError::conflict(
                    "exemption_exists",
                    "the citizen already has a pending or granted exemption",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let evidence = json!({
            "citizen": {"name": b.citizen.name.trim()},
            "reason": b.reason.as_str(),
            "note": b.note,
            "declaration": b.declaration.as_str(),
            "proxy": b.proxy.as_ref().map(|x| json!({"name": x.name.trim(), "power_of_attorney_seen": true})),
        });
        store::exemptions::insert_event(
            conn,
            &NewExemptionEvent {
                exemption_id: row.id,
                seq: 1,
                action: "register",
                from_status: None,
                to_status: ExemptionStatus::Pending.as_str(),
                actor_sub: &who.sub,
                actor_name: &who.name,
                actor_role: who.role.as_str(),
                actor_office: Some(&office.code),
                evidence: &evidence,
                request_id: &moment.request_id,
                occurred_at: moment.now,
            },
        )?;
        audit::record(conn, who, moment, Subject::Exemption { id: row.id, cpr_index: &index })?;
        tracing::info!(exemption.id = %row.id, "exemption registered");
        let view = ExemptionView::new(row, office.code.clone(), true, &vault)?;
        let location = format!("/api/v1/exemptions/{}", view.id);
        Answer::json(StatusCode::CREATED, &view, Some(etag(view.version)), Some(location))
    })
    .await
}
