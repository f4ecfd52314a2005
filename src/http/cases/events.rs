use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::role::CASE_READERS;
use crate::http::cases::access::load_visible;
use crate::http::context::caller::Caller;
use crate::http::error::ApiResult;
use crate::http::views::{EventList, EventView};
use crate::store;

/// A case's audit trail.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (all). Every change of the case, oldest first; \
                   events are append-only.",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The events", body = EventList),
    )
)]
#[get("/cases/{id}/events")]
pub async fn list_case_events(caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let list = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            load_visible(conn, who, id)?;
            let items = store::events::for_case(conn, id)?.into_iter().map(EventView::from).collect();
            Ok(EventList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
