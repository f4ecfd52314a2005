use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use super::view::ExemptionView;
use super::{READERS, load_visible};
use crate::http::auth::{Bearer, authorize};
use crate::http::error::{ApiResult, Problem};
use crate::http::etag;
use crate::http::state::AppState;

/// Read one exemption.
#[utoipa::path(
    operation_id = "get_exemption",
    tag = "exemptions",
    description = "Roles: clerk (own office), supervisor (all). Another office's exemption is 404, as an unknown id.",
    params(("id" = Uuid, Path, description = "Exemption id")),
    responses(
        (status = 200, description = "The exemption", body = ExemptionView,
            headers(("ETag" = String, description = "Entity tag; send it as If-Match"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Role may not read exemptions, or office unknown/inactive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exemption (or not visible)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/exemptions/{id}")]
pub async fn get_exemption(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let moment = crate::http::cases::Moment::of(&req);
    let vault = state.vault.clone();
    let view = state
        .db
        .run(move |conn| {
            let who = authorize(conn, &bearer, READERS)?;
            let (row, code) = load_visible(conn, &who, id)?;
            let index = row.citizen_cpr_index.clone();
            crate::http::audit::record(
                conn,
                &who,
                &moment,
                crate::http::audit::Subject::Exemption { id, cpr_index: &index },
            )?;
            Ok(ExemptionView::new(row, code, true, &vault)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag::header_value(view.version)).json(view))
}
