use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use super::view::CaseView;
use super::{Moment, READERS, load_visible};
use crate::http::auth::{Bearer, authorize};
use crate::http::error::{ApiResult, Problem};
use crate::http::etag;
use crate::http::state::AppState;

/// Read one case.
#[utoipa::path(
    operation_id = "get_case",
    tag = "cases",
    description = "Roles: clerk, bank (own office), supervisor (all). A case of another office is 404, as an unknown id. \
                   The applicant's full CPR number is shown here only.",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseView,
            headers(("ETag" = String, description = "Entity tag of the case's version; send it as If-Match"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Role may not read cases, or office unknown/inactive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let moment = Moment::of(&req);
    let vault = state.vault.clone();
    let view = state
        .db
        .run(move |conn| {
            let who = authorize(conn, &bearer, READERS)?;
            let (row, code) = load_visible(conn, &who, id)?;
            let index = row.applicant_cpr_index.clone();
            crate::http::audit::record(
                conn,
                &who,
                &moment,
                crate::http::audit::Subject::Case { id, cpr_index: &index },
            )?;
            super::full_view(conn, row, code, moment.today, &vault)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag::header_value(view.version)).json(view))
}
