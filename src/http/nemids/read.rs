//! Reading the register: one NemID by number, a person's NemIDs by CPR number, a NemID's events.

use actix_web::{HttpResponse, get, post, web};

use crate::domain::cpr::Cpr;
use crate::domain::role::NEMID_READERS;
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::header_value;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::access::load;
use crate::http::nemids::view::{NemidList, NemidSearchBody, NemidView};
use crate::http::views::{EventList, EventView};
use crate::store::nemids;

/// Read one NemID.
#[utoipa::path(
    description = "Roles: clerk, bank, supervisor. The NemID with its holder's full CPR number, its cards and the \
                   actions allowed now; every read is in the access log. A number that is not nine digits is 404, \
                   as an unknown one.",
    params(("number" = String, Path, description = "NemID number (nine digits)")),
    responses(
        (status = 200, description = "The NemID", body = NemidView,
            headers(("ETag" = String, description = "Entity tag; send it as If-Match"))),
    )
)]
#[get("/nemids/{number}")]
pub async fn get_nemid(caller: Caller, number: web::Path<String>) -> ApiResult<HttpResponse> {
    let number = number.into_inner();
    let vault = caller.state.vault.clone();
    let view = caller
        .read(NEMID_READERS, move |conn, who, moment, seen| {
            let row = load(conn, &number)?;
            seen.add(who, moment, Subject::Nemid { id: row.id, cpr_index: &row.holder_cpr_index });
            let cards = nemids::cards(conn, row.id)?;
            NemidView::new(row, cards, true, &vault)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header_value(view.version)).json(view))
}

/// Find a person's NemIDs by CPR number.
#[utoipa::path(
    description = "Roles: clerk, bank, supervisor. The person's NemID that is not revoked (at most one) and any \
                   revoked ones, newest first, with masked CPR numbers; the look-up is in the access log. A POST so \
                   that the CPR number never travels in a URL.",
    request_body(content = NemidSearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The person's NemIDs", body = NemidList),
    )
)]
#[post("/nemids/search")]
pub async fn search_nemids(caller: Caller, body: JsonBody<NemidSearchBody>) -> ApiResult<HttpResponse> {
    let JsonBody(b, _) = body;
    let digits = Cpr::parse(&b.cpr).map_err(|e| ApiError::field("cpr", e))?.digits();
    let index = caller.state.vault.blind(&digits);
    let vault = caller.state.vault.clone();
    let list = caller
        .read(NEMID_READERS, move |conn, who, moment, seen| {
            seen.add(who, moment, Subject::CprSearch { cpr_index: &index });
            let mut items = Vec::new();
            for row in nemids::for_person(conn, &index)? {
                let cards = nemids::cards(conn, row.id)?;
                items.push(NemidView::new(row, cards, false, &vault)?);
            }
            Ok(NemidList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A NemID's history.
#[utoipa::path(
    description = "Roles: clerk, bank, supervisor. Every change of the NemID and its cards, oldest first, in the \
                   shape of case events (`from_status`/`to_status` are the NemID's states); append-only.",
    params(("number" = String, Path, description = "NemID number (nine digits)")),
    responses(
        (status = 200, description = "The events", body = EventList),
    )
)]
#[get("/nemids/{number}/events")]
pub async fn list_nemid_events(caller: Caller, number: web::Path<String>) -> ApiResult<HttpResponse> {
    let number = number.into_inner();
    let list = caller
        .run(NEMID_READERS, move |conn, _who, _moment| {
            let row = load(conn, &number)?;
            Ok(EventList { items: nemids::events(conn, row.id)?.into_iter().map(EventView::from).collect() })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
