use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::role::EXEMPTION_READERS;
use crate::http::context::audit::Subject;
use crate::http::context::caller::Caller;
use crate::http::context::headers::header_value;
use crate::http::error::ApiResult;
use crate::http::exemptions::access::load_visible;
use crate::http::exemptions::view::ExemptionView;

/// Read one exemption.
#[utoipa::path(
    description = "Roles: clerk (own office), supervisor (all). Another office's exemption is 404, as an unknown id.",
    params(("id" = Uuid, Path, description = "Exemption id")),
    responses(
        (status = 200, description = "The exemption", body = ExemptionView,
            headers(("ETag" = String, description = "Entity tag; send it as If-Match"))),
    )
)]
#[get("/exemptions/{id}")]
pub async fn get_exemption(caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let vault = caller.state.vault.clone();
    let view = caller
        .read(EXEMPTION_READERS, move |conn, who, moment, seen| {
            let (row, code) = load_visible(conn, who, id)?;
            let index = row.citizen_cpr_index.clone();
            seen.add(who, moment, Subject::Exemption { id, cpr_index: &index });
            Ok(ExemptionView::new(row, code, true, &vault)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header_value(view.version)).json(view))
}
