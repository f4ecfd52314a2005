use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use super::view::{EventList, EventView};
use super::{READERS, load_visible};
use crate::http::auth::{Bearer, authorize};
use crate::http::error::{ApiResult, Problem};
use crate::http::state::AppState;
use crate::store;

/// A case's audit trail.
#[utoipa::path(
    operation_id = "list_case_events",
    tag = "cases",
    description = "Roles: clerk, bank (own office), supervisor (all). Every change of the case, oldest first; \
                   events are append-only.",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The events", body = EventList),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Role may not read cases, or office unknown/inactive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/cases/{id}/events")]
pub async fn list_case_events(
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
            let items = store::events::for_case(conn, id)?.into_iter().map(EventView::from).collect();
            Ok(EventList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
