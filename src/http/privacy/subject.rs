use actix_web::{HttpResponse, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr::Cpr;
use crate::domain::role::Role;
use crate::http::cases::access::full_view;
use crate::http::cases::view::CaseView;
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::exemptions::view::ExemptionView;
use crate::http::privacy::view::AccessView;
use crate::http::views::EventView;
use crate::store;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cpr": "010190-1234"}))]
pub struct SubjectAccessBody {
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")]
    pub cpr: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseRecord {
    pub case: CaseView,
    pub events: Vec<EventView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExemptionRecord {
    pub exemption: ExemptionView,
    pub events: Vec<EventView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accompaniment {
    pub case_id: Uuid,
    pub case_number: String,
    pub verified_on: NaiveDate,
}

/// Everything held about one person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubjectAccessReport {
    /// Their NemID cases, at every office, with their events.
    pub cases: Vec<CaseRecord>,
    /// Express cases they accompanied as NemID holder.
    pub accompanied: Vec<Accompaniment>,
    pub exemptions: Vec<ExemptionRecord>,
    /// Every earlier access to their data (this request is recorded after these).
    pub access_records: Vec<AccessView>,
}

/// Subject access (GDPR art. 15).
#[utoipa::path(
    description = "Roles: supervisor. Every case (all offices), accompaniment, exemption, event and access record \
                   about the person with this CPR number. The request is itself recorded in the access log.",
    request_body(content = SubjectAccessBody, content_type = "application/json"),
    responses(
        (status = 200, description = "What is held about the person", body = SubjectAccessReport),
        (status = 422, description = "Invalid CPR number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/subject-access")]
pub async fn subject_access(caller: Caller, body: JsonBody<SubjectAccessBody>) -> ApiResult<HttpResponse> {
    let cpr = Cpr::parse(&body.0.cpr).map_err(|e| ApiError::field("cpr", e))?;
    let index = caller.state.vault.blind(&cpr.digits());
    let vault = caller.state.vault.clone();
    let report = caller
        .read(&[Role::Supervisor], move |conn, who, moment, seen| {
            let mut cases = Vec::new();
            for (row, code) in store::cases::of_person(conn, &index)? {
                let id = row.id;
                let events = store::events::for_case(conn, id)?.into_iter().map(EventView::from).collect();
                cases.push(CaseRecord { case: full_view(conn, row, code, moment.today, &vault)?, events });
            }
            let accompanied = store::cases::accompanied_by(conn, &index)?
                .into_iter()
                .map(|(case_id, case_number, verified_on)| Accompaniment { case_id, case_number, verified_on })
                .collect();
            let mut exemptions = Vec::new();
            for (row, code) in store::exemptions::of_person(conn, &index)? {
                let events = store::exemptions::events(conn, row.id)?.into_iter().map(EventView::from).collect();
                exemptions.push(ExemptionRecord { exemption: ExemptionView::new(row, code, true, &vault)?, events });
            }
            let access_records = store::access::of_person(conn, &index)?.into_iter().map(AccessView::from).collect();
            seen.add(who, moment, Subject::SubjectAccess { cpr_index: &index });
            Ok(SubjectAccessReport { cases, accompanied, exemptions, access_records })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
