use actix_web::{HttpRequest, HttpResponse, patch, web};
use uuid::Uuid;

use crate::domain::office::check_text;
use crate::domain::role::Role;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::{Bearer, authorize};
use crate::http::context::headers::{self as etag, MaybeIfMatch};
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::offices::view::{OfficeChangesBody, OfficeView};
use crate::http::responses::{CommonErrors, NotFound};
use crate::store::{self, offices::OfficeChanges};

/// Change an office's name, address or active flag.
#[utoipa::path(
    operation_id = "update_office",
    tag = "offices",
    description = "Roles: admin. Changes name, address and/or active; code and kind never change. \
                   `If-Match` is optional; when sent, a stale entity tag gives 412.",
    params(
        ("id" = Uuid, Path, description = "Office id"),
        MaybeIfMatch
    ),
    request_body(content = OfficeChangesBody, content_type = "application/json"),
    responses(
        CommonErrors, NotFound,
        (status = 200, description = "The changed office", body = OfficeView,
            headers(("ETag" = String, description = "Entity tag of the new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The office changed since the given entity tag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/offices/{id}")]
pub async fn update_office(
    state: web::Data<AppState>,
    bearer: Bearer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<OfficeChangesBody>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = etag::if_match(&req)?;
    let body = body.0;
    let mut issues = Vec::new();
    if let Some(name) = &body.name {
        check_text("name", name, 200, &mut issues);
    }
    if let Some(a) = &body.address {
        a.check("address", &mut issues);
    }
    if body.name.is_none() && body.address.is_none() && body.active.is_none() {
        issues.push(crate::domain::FieldIssue::new("", "give at least one of name, address, active"));
    }
    if !issues.is_empty() {
        return Err(issues.into());
    }
    let view = state
        .db
        .run(move |conn| {
            let who = authorize(conn, &bearer, &[Role::Admin])?;
            let changes = OfficeChanges {
                name: body.name.as_deref().map(str::trim),
                street: body.address.as_ref().map(|a| a.street.trim()),
                postal_code: body.address.as_ref().map(|a| a.postal_code.trim()),
                city: body.address.as_ref().map(|a| a.city.trim()),
                country: body.address.as_ref().map(|a| a.country.as_str()),
                active: body.active,
                updated_by: Some(&who.sub),
            };
            use diesel::Connection;
            conn.transaction(|conn| match store::offices::update(conn, id, expected, &changes)? {
                Some(row) => Ok(OfficeView::from(row)),
                None => match store::offices::find(conn, id)? {
                    None => Err(ApiError::not_found("no such office")),
                    Some(_) => Err(ApiError::precondition_failed("the office has changed; read it again")),
                },
            })
        })
        .await?;
    state.offices.forget(&view.code);
    tracing::info!(office.id = %view.id, office.active = view.active, "office updated");
    Ok(HttpResponse::Ok().insert_header(etag::header_value(view.version)).json(view))
}
