use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::role::Role;
use crate::http::context::caller::Caller;
use crate::http::context::headers::header_value;
use crate::http::error::{ApiError, ApiResult};
use crate::http::offices::view::OfficeView;
use crate::store;

/// Read one office.
#[utoipa::path(
    description = "Roles: any signed-in user. Inactive offices are visible to administrators only (404 for others).",
    params(("id" = Uuid, Path, description = "Office id")),
    responses(
        (status = 200, description = "The office", body = OfficeView,
            headers(("ETag" = String, description = "Entity tag of the office's version"))),
    )
)]
#[get("/offices/{id}")]
pub async fn get_office(caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = caller
        .run(Role::ALL, move |conn, who, _moment| match store::offices::find(conn, id)? {
            Some(row) if row.active || who.role == Role::Admin => Ok(OfficeView::from(row)),
            _ => Err(ApiError::not_found("no such office")),
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header_value(view.version)).json(view))
}
