use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use serde_json::json;

use crate::domain::FieldIssue;
use crate::domain::case::{Channel, Status};
use crate::domain::cpr::Cpr;
use crate::domain::office::{OfficeKind, check_text};
use crate::domain::role::CASE_WORKERS;
use crate::domain::rules::check_applicant_age;
use crate::http::cases::access::replay;
use crate::http::cases::open::{Opened, Opening, open};
use crate::http::cases::service;
use crate::http::cases::view::{CaseView, NewCaseBody};
use crate::http::context::audit;
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::IdempotencyKey;
use crate::http::context::headers::etag;
use crate::http::context::idempotency::{self, Answer, Request};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::nemids::register;
use crate::store;

/// Open a case.
#[utoipa::path(
    description = "Roles: clerk, bank (at their own office, which gives the channel). Refused: an invalid CPR \
                   number or an applicant under 15 (422), another open case for the same CPR anywhere (409 \
                   `open_case_exists`). Bank branches must state `online_banking_agreement: true`. First issuance \
                   (`standard`, `express`) is refused for someone with a NemID that is not revoked (409 \
                   `nemid_exists`). Service cases name the applicant's NemID (`nemid_number`; `replacement_card` also \
                   a `reason`) and are refused when it is not the applicant's or unknown (409 `nemid_not_applicants`), \
                   revoked (409 `nemid_revoked`), not yet activated (409 `nemid_pending`) or, for `new_password`, \
                   blocked (409 `nemid_blocked`). Opening a `replacement_card` case for a `lost` or `stolen` card \
                   revokes the old card; opening a `new_password` case blocks the NemID. Accepts `Idempotency-Key`.",
    params(IdempotencyKey),
    request_body(content = NewCaseBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Opened", body = CaseView, headers(
            ("Location" = String, description = "URL of the case"),
            ("ETag" = String, description = "Entity tag of the case's version"),
            ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The applicant has an open case, the register refuses (see above), or the Idempotency-Key is in flight", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
pub async fn create_case(caller: Caller, key: IdempotencyKey, body: JsonBody<NewCaseBody>) -> ApiResult<HttpResponse> {
    let moment = caller.moment.clone();
    let JsonBody(body, digest) = body;
    let mut issues = Vec::new();
    let cpr = match Cpr::parse(&body.applicant.cpr) {
        Ok(c) => Some(c),
        Err(e) => {
            issues.push(FieldIssue::new("applicant.cpr", e));
            None
        }
    };
    if let Some(c) = &cpr
        && let Some(issue) = check_applicant_age(c, moment.today)
    {
        issues.push(issue);
    }
    check_text("applicant.name", &body.applicant.name, 200, &mut issues);
    body.applicant.address.check("applicant.address", &mut issues);
    body.check_service_fields(&mut issues);
    let (Some(cpr), true) = (cpr, issues.is_empty()) else {
        return Err(issues.into());
    };

    let fingerprint = format!("POST /api/v1/cases {digest}");
    let vault = caller.state.vault.clone();
    let request = Request { caller, roles: CASE_WORKERS, key, fingerprint, replay };
    idempotency::run(request, move |conn, who, moment| {
        let office = who.office.clone().ok_or_else(|| ApiError::internal("case worker without office"))?;
        let channel = match office.kind {
            OfficeKind::CitizenServiceCentre => Channel::Desk,
            OfficeKind::BankBranch => Channel::Bank,
            OfficeKind::OnlineService => {
                return Err(ApiError::forbidden(
                    "the online service has no desk: its cases are made by online orders, not opened by staff",
                ));
            }
        };
        match (channel, body.online_banking_agreement) {
            (Channel::Bank, Some(true)) | (Channel::Desk | Channel::Online, None | Some(false)) => {}
            (Channel::Bank, _) => {
                return Err(ApiError::field(
                    "online_banking_agreement",
                    "a bank case requires an online banking agreement: send true",
                ));
            }
            (Channel::Desk | Channel::Online, Some(true)) => {
                return Err(ApiError::field(
                    "online_banking_agreement",
                    "only bank branches record an online banking agreement",
                ));
            }
        }
        // A service case's NemID is locked before the case row is written: every transaction
        // that writes both takes the NemID first (see `perform`).
        let nemid = match &body.nemid_number {
            Some(n) if body.kind.is_service() => Some(store::nemids::by_number_for_update(conn, n)?),
            _ => None,
        };
        let sealed = vault.seal(&cpr.digits());
        let index = vault.blind(&cpr.digits());
        let a = &body.applicant;
        let mut evidence = json!({
            "kind": body.kind.as_str(),
            "channel": channel.as_str(),
            "applicant": {"name": a.name.trim()},
        });
        if let Some(Some(n)) = &nemid {
            evidence["nemid_number"] = json!(n.number);
        }
        if let Some(r) = body.reason {
            evidence["replacement_reason"] = json!(r.as_str());
        }
        if let Some(p) = body.postal_block {
            evidence["postal_block"] = json!(p.as_str());
        }
        let opening = Opening {
            office_id: office.id,
            office_code: &office.code,
            channel,
            kind: body.kind,
            status: Status::Opened,
            cpr_sealed: &sealed,
            cpr_index: &index,
            name: &a.name,
            address: &a.address,
            nemid_number: nemid.as_ref().and(body.nemid_number.as_deref()),
            replacement_reason: body.reason,
            postal_block: body.postal_block,
            posted: None,
            evidence: &evidence,
        };
        let Opened { row, live_nemid } = open(conn, who, moment, opening)?;
        // First issuance is for people without NemID; the register is the reference. A service
        // case is for the NemID the applicant has. (After the open-case check: someone with a
        // case under way hears about that case.)
        let nemid = match nemid {
            Some(found) => {
                service::judge(body.kind, found.as_ref(), &index)?;
                found
            }
            None => {
                // The INSERT found one; the refusal names it as it is now.
                if live_nemid.is_some()
                    && let Some(existing) = store::nemids::live_for_person(conn, &index)?
                {
                    return Err(register::nemid_exists(&existing));
                }
                None
            }
        };
        // The register after the case and its event (the lock order in `perform`).
        if let Some(n) = &nemid {
            service::on_open(conn, who, moment, n, row.id, body.reason)?;
        }
        audit::record(conn, who, moment, Subject::Case { id: row.id, cpr_index: &index })?;
        tracing::info!(case.id = %row.id, case.kind = body.kind.as_str(), "case opened");
        let view = CaseView::new(row, office.code.clone(), moment.today, true, &vault)?;
        let location = format!("/api/v1/cases/{}", view.id);
        Answer::json(StatusCode::CREATED, &view, Some(etag(view.version)), Some(location))
    })
    .await
}
