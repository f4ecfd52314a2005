use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use super::view::OfficeView;
use crate::domain::role::Role;
use crate::http::auth::{Bearer, authorize};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::etag;
use crate::http::state::AppState;
use crate::store;

/// Read one office.
#[utoipa::path(
    operation_id = "get_office",
    tag = "offices",
    description = "Roles: any signed-in user. Inactive offices are visible to administrators only (404 for others).",
    params(("id" = Uuid, Path, description = "Office id")),
    responses(
        (status = 200, description = "The office", body = OfficeView,
            headers(("ETag" = String, description = "Entity tag of the office's version"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Token's office unknown or inactive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such office", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/offices/{id}")]
pub async fn get_office(state: web::Data<AppState>, bearer: Bearer, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| {
            let who = authorize(conn, &bearer, Role::ALL)?;
            match store::offices::find(conn, id)? {
                Some(row) if row.active || who.role == Role::Admin => Ok(OfficeView::from(row)),
                _ => Err(ApiError::not_found("no such office")),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag::header_value(view.version)).json(view))
}
