use actix_web::{HttpResponse, post};
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::office::{OfficeKind, check_code, check_text};
use crate::domain::role::Role;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::header_value;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::offices::view::{NewOfficeBody, OfficeView};
use crate::store::{self, offices::NewOffice};

/// Register an office.
#[utoipa::path(
    description = "Roles: admin. Registers a citizen service centre or a bank branch. The code is unique.",
    request_body(content = NewOfficeBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = OfficeView, headers(
            ("Location" = String, description = "URL of the new office"),
            ("ETag" = String, description = "Entity tag of the office's version"))),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offices")]
pub async fn create_office(caller: Caller, body: JsonBody<NewOfficeBody>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let mut issues = Vec::new();
    if let Err(m) = check_code(&body.code) {
        issues.push(FieldIssue::new("code", m));
    }
    check_text("name", &body.name, 200, &mut issues);
    match (body.kind, &body.bank_name) {
        (OfficeKind::BankBranch, None) => issues.push(FieldIssue::new("bank_name", "is required for a bank branch")),
        (OfficeKind::BankBranch, Some(b)) => check_text("bank_name", b, 200, &mut issues),
        (OfficeKind::CitizenServiceCentre, Some(_)) => {
            issues.push(FieldIssue::new("bank_name", "must be absent for a citizen service centre"))
        }
        (OfficeKind::OnlineService, Some(_)) => {
            issues.push(FieldIssue::new("bank_name", "must be absent for the online service"))
        }
        (OfficeKind::CitizenServiceCentre | OfficeKind::OnlineService, None) => {}
    }
    body.address.check("address", &mut issues);
    if !issues.is_empty() {
        return Err(issues.into());
    }

    let view = caller
        .run(&[Role::Admin], move |conn, who, _moment| {
            let new = NewOffice {
                id: Uuid::now_v7(),
                code: &body.code,
                name: body.name.trim(),
                kind: body.kind,
                bank_name: body.bank_name.as_deref().map(str::trim),
                street: body.address.street.trim(),
                postal_code: body.address.postal_code.trim(),
                city: body.address.city.trim(),
                country: &body.address.country,
                created_by: &who.sub,
                updated_by: &who.sub,
            };
            match store::offices::insert(conn, &new) {
                Ok(row) => Ok(OfficeView::from(row)),
                Err(e) if store::is_unique_violation(&e, "offices_code_key") => Err(ApiError::conflict(
                    "office_code_taken",
                    format!("an office with the code {} exists", body.code),
                )),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    tracing::info!(office.id = %view.id, office.code = %view.code, "office created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/offices/{}", view.id)))
        .insert_header(header_value(view.version))
        .json(view))
}
