use actix_web::{HttpResponse, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr::Cpr;
use crate::domain::exemption::{ExemptionReason, ExemptionStatus};
use crate::domain::role::EXEMPTION_READERS;
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::exemptions::view::{ExemptionPage, ExemptionView};
use crate::store::exemptions::{self as store, Search};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": ["pending"], "limit": 20}))]
pub struct ExemptionSearchBody {
    #[serde(default)]
    #[schema(max_items = 4)]
    pub status: Option<Vec<ExemptionStatus>>,
    #[serde(default)]
    pub reason: Option<ExemptionReason>,
    /// Supervisors: one office; clerks may only name their own.
    #[serde(default)]
    pub office_id: Option<Uuid>,
    #[serde(default)]
    pub registered_from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub registered_to: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")]
    pub cpr: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 512)]
    pub cursor: Option<String>,
}

/// Search exemptions.
#[utoipa::path(
    description = "Roles: clerk (own office), supervisor (all, or one `office_id`). Newest first, keyset-paginated; \
                   citizens carry `cpr_masked` only.",
    request_body(content = ExemptionSearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A page of exemptions", body = ExemptionPage),
    )
)]
#[post("/exemptions/search")]
pub async fn search_exemptions(caller: Caller, body: JsonBody<ExemptionSearchBody>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let limit = pagination::limit(b.limit)?;
    let after = b.cursor.as_deref().map(|c| pagination::decode_time_id(c, "exemption")).transpose()?;
    if b.status.as_ref().is_some_and(|s| s.len() > 4) {
        return Err(ApiError::field("status", "lists at most the 4 states"));
    }
    let cpr = match &b.cpr {
        None => None,
        Some(c) => Some(Cpr::parse(c).map_err(|e| ApiError::field("cpr", e))?.digits()),
    };
    let mut search = Search {
        office_id: b.office_id,
        statuses: b.status.unwrap_or_default(),
        reason: b.reason,
        registered_from: b.registered_from,
        registered_to: b.registered_to,
        cpr_index: cpr.map(|d| caller.state.vault.blind(&d)),
        after,
        limit,
    };
    let vault = caller.state.vault.clone();
    let page = caller
        .read(EXEMPTION_READERS, move |conn, who, moment, seen| {
            search.office_id = caller::office_scope(who, search.office_id)?;
            if let Some(index) = &search.cpr_index {
                seen.add(who, moment, Subject::CprSearch { cpr_index: index });
            }
            let mut rows = store::search(conn, &search)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let items = rows
                .into_iter()
                .map(|(r, code)| ExemptionView::new(r, code, false, &vault))
                .collect::<Result<Vec<ExemptionView>, _>>()?;
            let next_cursor = if more {
                items.last().map(|v| pagination::encode_time_id("exemption", v.registered_at, v.id))
            } else {
                None
            };
            Ok(ExemptionPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
