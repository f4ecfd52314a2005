use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::role::CASE_READERS;
use crate::http::cases::access::read_visible;
use crate::http::cases::view::CaseView;
use crate::http::context::audit::Subject;
use crate::http::context::caller::Caller;
use crate::http::context::headers::header_value;
use crate::http::error::ApiResult;

/// Read one case.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (all). A case of another office is 404, as an unknown id. \
                   The applicant's full CPR number is shown here only.",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseView,
            headers(("ETag" = String, description = "Entity tag of the case's version; send it as If-Match"))),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let vault = caller.state.vault.clone();
    let view = caller
        .read(CASE_READERS, move |conn, who, moment, seen| {
            let (view, index) = read_visible(conn, who, id, moment.today, &vault)?;
            seen.add(who, moment, Subject::Case { id, cpr_index: &index });
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header_value(view.version)).json(view))
}
