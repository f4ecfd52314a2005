use actix_web::{HttpResponse, patch, web};
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::office::check_text;
use crate::domain::role::Role;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::{MaybeIfMatch, header_value};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::offices::view::{OfficeChangesBody, OfficeView};
use crate::store::{self, offices::OfficeChanges};

/// Change an office's name, address or active flag.
#[utoipa::path(
    description = "Roles: admin. Changes name, address and/or active; code and kind never change. \
                   `If-Match` is optional; when sent, a stale entity tag gives 412.",
    params(
        ("id" = Uuid, Path, description = "Office id"),
        MaybeIfMatch
    ),
    request_body(content = OfficeChangesBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed office", body = OfficeView,
            headers(("ETag" = String, description = "Entity tag of the new version"))),
        (status = 412, description = "The office changed since the given entity tag", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/offices/{id}")]
pub async fn update_office(
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<OfficeChangesBody>,
    if_match: MaybeIfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = if_match.version()?;
    let body = body.0;
    let mut issues = Vec::new();
    if let Some(name) = &body.name {
        check_text("name", name, 200, &mut issues);
    }
    if let Some(a) = &body.address {
        a.check("address", &mut issues);
    }
    if body.name.is_none() && body.address.is_none() && body.active.is_none() {
        issues.push(FieldIssue::new("", "give at least one of name, address, active"));
    }
    if !issues.is_empty() {
        return Err(issues.into());
    }
    let view = caller
        .transaction(&[Role::Admin], move |conn, who, _| {
            let changes = OfficeChanges {
                name: body.name.as_deref().map(str::trim),
                street: body.address.as_ref().map(|a| a.street.trim()),
                postal_code: body.address.as_ref().map(|a| a.postal_code.trim()),
                city: body.address.as_ref().map(|a| a.city.trim()),
                country: body.address.as_ref().map(|a| a.country.as_str()),
                active: body.active,
                updated_by: Some(&who.sub),
            };
            match store::offices::update(conn, id, expected, &changes)? {
                Some(row) => Ok(OfficeView::from(row)),
                None => match store::offices::find(conn, id)? {
                    None => Err(ApiError::not_found("no such office")),
                    Some(_) => Err(ApiError::precondition_failed("the office has changed; read it again")),
                },
            }
        })
        .await?;
    caller.state.offices.forget(&view.code);
    tracing::info!(office.id = %view.id, office.active = view.active, "office updated");
    Ok(HttpResponse::Ok().insert_header(header_value(view.version)).json(view))
}
