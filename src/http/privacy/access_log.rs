use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr::Cpr;
use crate::domain::office;
use crate::domain::role::Role;
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::privacy::view::AccessView;
use crate::store::access::{self, Search};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cpr": "010190-1234", "limit": 20}))]
pub struct AccessSearchBody {
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[serde(default)]
    pub exemption_id: Option<Uuid>,
    /// Accesses to this person's data.
    #[serde(default)]
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")]
    pub cpr: Option<String>,
    /// Accesses by this staff member (`sub`).
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200
    )]
    pub actor_sub: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessPage {
    /// Newest first.
    pub items: Vec<AccessView>,
    pub next_cursor: Option<String>,
}

/// Search the access log.
#[utoipa::path(
    description = "Roles: supervisor. Who saw personal data: by case, exemption, person (CPR) or staff member; \
                   newest first, keyset-paginated. Every response that revealed a full CPR number or an address \
                   left one record.",
    request_body(content = AccessSearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A page of access records", body = AccessPage),
    )
)]
#[post("/access-log/search")]
pub async fn search_access_log(caller: Caller, body: JsonBody<AccessSearchBody>) -> ApiResult<HttpResponse> {
    let b = body.0;
    if let Some(a) = &b.actor_sub {
        let mut issues = Vec::new();
        office::check_text("actor_sub", a, 200, &mut issues);
        if !issues.is_empty() {
            return Err(issues.into());
        }
    }
    let limit = pagination::limit(b.limit)?;
    let before = match &b.cursor {
        None => None,
        Some(c) => Some(
            pagination::decode(c, "access")?
                .parse::<i64>()
                .map_err(|_| ApiError::bad_parameter("cursor", "is not a cursor returned by this endpoint"))?,
        ),
    };
    let cpr_index = match &b.cpr {
        None => None,
        Some(c) => Some(caller.state.vault.blind(&Cpr::parse(c).map_err(|e| ApiError::field("cpr", e))?.digits())),
    };
    let search =
        Search { case_id: b.case_id, exemption_id: b.exemption_id, cpr_index, actor_sub: b.actor_sub, before, limit };
    let page = caller
        .run(&[Role::Supervisor], move |conn, _, _| {
            let rows = access::search(conn, &search)?;
            let (rows, next_cursor) =
                pagination::page(rows, limit, |r| pagination::encode(&format!("access:{}", r.id)));
            Ok(AccessPage { items: rows.into_iter().map(AccessView::from).collect(), next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
