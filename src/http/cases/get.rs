use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::role::CASE_READERS;
use crate::http::cases::access::{full_view, load_visible};
use crate::http::cases::view::CaseView;
use crate::http::context::caller::{Bearer, authorize};
use crate::http::context::headers as etag;
use crate::http::context::moment::Moment;
use crate::http::context::state::AppState;
use crate::http::error::ApiResult;
use crate::http::responses::{CommonErrors, NotFound};

/// Read one case.
#[utoipa::path(
    operation_id = "get_case",
    tag = "cases",
    description = "Roles: clerk, bank (own office), supervisor (all). A case of another office is 404, as an unknown id. \
                   The applicant's full CPR number is shown here only.",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        CommonErrors, NotFound,
        (status = 200, description = "The case", body = CaseView,
            headers(("ETag" = String, description = "Entity tag of the case's version; send it as If-Match"))),
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
            let who = authorize(conn, &bearer, CASE_READERS)?;
            let (row, code) = load_visible(conn, &who, id)?;
            let index = row.applicant_cpr_index.clone();
            crate::http::context::audit::record(
                conn,
                &who,
                &moment,
                crate::http::context::audit::Subject::Case { id, cpr_index: &index },
            )?;
            full_view(conn, row, code, moment.today, &vault)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag::header_value(view.version)).json(view))
}
