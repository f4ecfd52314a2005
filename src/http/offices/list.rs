use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::role::Role;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::offices::view::{OfficePage, OfficeView};
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListOfficesQuery {
    /// Page size, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Administrators only: include inactive offices.
    pub include_inactive: Option<bool>,
}

/// List offices.
#[utoipa::path(
    description = "Roles: any signed-in user. Active offices ordered by code; administrators may add `include_inactive=true`.",
    params(ListOfficesQuery),
    responses(
        (status = 200, description = "A page of offices", body = OfficePage),
    )
)]
#[get("/offices")]
pub async fn list_offices(caller: Caller, query: web::Query<ListOfficesQuery>) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = q.cursor.as_deref().map(|c| pagination::decode(c, "office")).transpose()?;
    let include_inactive = q.include_inactive.unwrap_or(false);
    let page = caller
        .run(Role::ALL, move |conn, who, _moment| {
            if include_inactive && who.role != Role::Admin {
                return Err(ApiError::forbidden("only administrators see inactive offices"));
            }
            let (rows, next_cursor) =
                pagination::page(store::offices::page(conn, include_inactive, after.as_deref(), limit)?, limit, |r| {
                    pagination::encode(&format!("office:{}", r.code))
                });
            Ok(OfficePage { items: rows.into_iter().map(OfficeView::from).collect(), next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
