//! Case lists: `POST /cases/search` (filters in the body, so CPR numbers never travel in URLs)
//! and `GET /cases` (the same filters as query parameters, except `cpr`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::case::{Channel, Kind, Status};
use crate::domain::cpr::Cpr;
use crate::domain::office;
use crate::domain::role::CASE_READERS;
use crate::http::cases::view::{CasePage, CaseView};
use crate::http::context::audit::Subject;
use crate::http::context::body::JsonBody;
use crate::http::context::caller;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::store::cases::{self as store, Search};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": ["second_half_posted"], "overdue": true, "limit": 20}))]
pub struct SearchBody {
    /// Any of these states.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub status: Option<Vec<Status>>,
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Supervisors: one office; others may only name their own.
    #[serde(default)]
    pub office_id: Option<Uuid>,
    /// Opened at or after this instant.
    #[serde(default)]
    pub opened_from: Option<DateTime<Utc>>,
    /// Opened before this instant.
    #[serde(default)]
    pub opened_to: Option<DateTime<Utc>>,
    /// Only overdue cases (`true`) or only the others (`false`).
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Exact case number, e.g. `KBH01-2026-000042`.
    #[serde(default)]
    #[schema(pattern = "^[A-Z0-9][A-Z0-9-]{1,31}-[0-9]{4}-[0-9]{6,}$", max_length = 64, example = "KBH01-2026-000042")]
    pub case_number: Option<String>,
    /// Exact CPR number of the applicant.
    #[serde(default)]
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")]
    pub cpr: Option<String>,
    /// Page size, 1–100 (default 50).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    #[schema(max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListCasesQuery {
    /// Comma-separated states, e.g. `opened,identity_verified`.
    #[param(max_length = 300)]
    pub status: Option<String>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    pub office_id: Option<Uuid>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// `OFFICE-YEAR-NNNNNN`: an office code, a four-digit year, a running number (six digits or more).
fn is_case_number(n: &str) -> bool {
    let mut parts = n.rsplitn(3, '-');
    let (Some(number), Some(year), Some(office)) = (parts.next(), parts.next(), parts.next()) else { return false };
    n.len() <= 64
        && number.len() >= 6
        && number.bytes().all(|b| b.is_ascii_digit())
        && year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && office::check_code(office).is_ok()
}

async fn run_search(caller: Caller, body: SearchBody) -> ApiResult<HttpResponse> {
    let moment = &caller.moment;
    let limit = pagination::limit(body.limit)?;
    let after = body.cursor.as_deref().map(|c| pagination::decode_time_id(c, "case")).transpose()?;
    if body.status.as_ref().is_some_and(|s| s.len() > 9) {
        return Err(ApiError::field("status", "lists at most the 9 states"));
    }
    let cpr = match &body.cpr {
        None => None,
        Some(c) => Some(Cpr::parse(c).map_err(|e| ApiError::field("cpr", e))?.digits()),
    };
    if let Some(n) = &body.case_number
        && !is_case_number(n)
    {
        return Err(ApiError::field("case_number", "must be a case number such as KBH01-2026-000042"));
    }
    if let (Some(from), Some(to)) = (body.opened_from, body.opened_to)
        && from >= to
    {
        return Err(ApiError::field("opened_to", "must be later than opened_from"));
    }
    let mut search = Search {
        office_id: body.office_id,
        statuses: body.status.unwrap_or_default(),
        kind: body.kind,
        channel: body.channel,
        opened_from: body.opened_from,
        opened_to: body.opened_to,
        overdue: body.overdue,
        today: Some(moment.today),
        cpr_index: cpr.map(|d| caller.state.vault.blind(&d)),
        case_number: body.case_number,
        after,
        limit,
    };
    let vault = caller.state.vault.clone();
    let page = caller
        .read(CASE_READERS, move |conn, who, moment, seen| {
            search.office_id = caller::office_scope(who, search.office_id)?;
            if let Some(index) = &search.cpr_index {
                seen.add(who, moment, Subject::CprSearch { cpr_index: index });
            }
            let mut rows = store::search(conn, &search)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let items = rows
                .into_iter()
                .map(|(row, code)| CaseView::new(row, code, moment.today, false, &vault))
                .collect::<Result<Vec<CaseView>, _>>()?;
            let next_cursor =
                if more { items.last().map(|v| pagination::encode_time_id("case", v.opened_at, v.id)) } else { None };
            Ok(CasePage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Search cases.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (all, or one `office_id`). Newest first, keyset-paginated; \
                   applicants carry `cpr_masked` only. A POST so that a CPR number never travels in a URL.",
    request_body(content = SearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A page of cases", body = CasePage),
    )
)]
#[post("/cases/search")]
pub async fn search_cases(caller: Caller, body: JsonBody<SearchBody>) -> ApiResult<HttpResponse> {
    run_search(caller, body.0).await
}

/// List cases.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (all). The filters of `POST /cases/search` as query \
                   parameters, except `cpr`.",
    params(ListCasesQuery),
    responses(
        (status = 200, description = "A page of cases", body = CasePage),
        (status = 422, description = "Invalid filters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
pub async fn list_cases(caller: Caller, query: web::Query<ListCasesQuery>) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(|s| {
                    Status::parse(s.trim()).ok_or_else(|| ApiError::bad_parameter("status", "lists unknown states"))
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    let body = SearchBody {
        status,
        kind: q.kind,
        channel: q.channel,
        office_id: q.office_id,
        opened_from: q.opened_from,
        opened_to: q.opened_to,
        overdue: q.overdue,
        cpr: None,
        case_number: None,
        limit: q.limit,
        cursor: q.cursor,
    };
    run_search(caller, body).await
}
