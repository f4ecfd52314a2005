use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::case::{Kind, Status};
use crate::domain::cpr::mask_digits;
use crate::domain::role::CASE_READERS;
use crate::http::context::caller::Caller;
use crate::http::context::caller::office_scope;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::reports::csv;
use crate::http::reports::respond::respond;
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverdueQuery {
    /// Supervisors: one office. Others: their own office only.
    pub office_id: Option<Uuid>,
    /// Page size, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OverdueItem {
    pub case_id: Uuid,
    pub case_number: String,
    pub office_id: Uuid,
    pub office_code: String,
    /// `standard` (a posted second half, both halves, or a card held at the desk) or
    /// `replacement_card` (a posted or held replacement card).
    pub case_kind: Kind,
    /// `post`: posted, and the expected day has passed. `uncollected`: held for collection, and
    /// the collection day has passed.
    pub kind: OverdueKind,
    #[schema(example = "010190-XXXX")]
    pub cpr_masked: String,
    /// `post` items.
    pub second_half_posted_at: Option<DateTime<Utc>>,
    pub second_half_expected_by: Option<NaiveDate>,
    /// `uncollected` items.
    pub held_at: Option<DateTime<Utc>>,
    pub collect_by: Option<NaiveDate>,
    /// The day it was due: `second_half_expected_by` or `collect_by`.
    pub due: NaiveDate,
    pub days_overdue: i64,
}

/// What is late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverdueKind {
    Post,
    Uncollected,
}

impl OverdueKind {
    fn as_str(self) -> &'static str {
        match self {
            OverdueKind::Post => "post",
            OverdueKind::Uncollected => "uncollected",
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OverduePage {
    pub today: NaiveDate,
    /// Most overdue first.
    pub items: Vec<OverdueItem>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

const HEADER: [&str; 13] = [
    "case_id",
    "case_number",
    "office_id",
    "office_code",
    "case_kind",
    "kind",
    "cpr_masked",
    "second_half_posted_at",
    "second_half_expected_by",
    "held_at",
    "collect_by",
    "due",
    "days_overdue",
];

fn decode_cursor(c: &str) -> ApiResult<(NaiveDate, Uuid)> {
    let raw = pagination::decode(c, "overdue")?;
    let bad = || ApiError::bad_parameter("cursor", "is not a cursor returned by this endpoint");
    let (d, id) = raw.split_once('|').ok_or_else(bad)?;
    Ok((d.parse().map_err(|_| bad())?, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// Overdue code cards.
#[utoipa::path(
    description = "Roles: supervisor (all offices, or one), clerk and bank (their own office). Posted cases past their \
                   expected day (`kind: post`) and cards held for collection past their collection day (`kind: \
                   uncollected`), most overdue first, keyset-paginated. With `Accept: text/csv` the page's items as CSV; \
                   the next page is then named by the `Link: <…>; rel=\"next\"` header (also sent with JSON).",
    params(OverdueQuery),
    responses(
        (status = 200, description = "A page of overdue cases", content(
            (OverduePage = "application/json"),
            (String = "text/csv", example = "case_id,case_number,office_id,office_code,case_kind,kind,cpr_masked,second_half_posted_at,second_half_expected_by,held_at,collect_by,due,days_overdue\r\n")
        ), headers(("Link" = String, description = "`<URL>; rel=\"next\"` when another page follows"))),
    )
)]
#[get("/reports/overdue")]
pub async fn overdue_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<OverdueQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let today = caller.moment.today;
    let vault = caller.state.vault.clone();
    let page = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            let office = office_scope(who, q.office_id)?;
            let mut rows = store::reports::overdue_page(conn, office, today, after, limit)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let items = rows
                .into_iter()
                .map(|r| -> ApiResult<OverdueItem> {
                    Ok(OverdueItem {
                        case_id: r.id,
                        case_number: r.case_number,
                        office_id: r.office_id,
                        office_code: r.office_code,
                        case_kind: r.kind,
                        kind: if r.status == Status::AwaitingCollection {
                            OverdueKind::Uncollected
                        } else {
                            OverdueKind::Post
                        },
                        cpr_masked: mask_digits(&vault.open(&r.applicant_cpr_sealed)?),
                        second_half_posted_at: r.second_half_posted_at,
                        second_half_expected_by: r.second_half_expected_by,
                        held_at: r.held_at,
                        collect_by: r.collect_by,
                        due: r.due,
                        days_overdue: (today - r.due).num_days(),
                    })
                })
                .collect::<ApiResult<Vec<OverdueItem>>>()?;
            let next_cursor = if more {
                items.last().map(|i| pagination::encode(&format!("overdue:{}|{}", i.due, i.case_id)))
            } else {
                None
            };
            Ok(OverduePage { today, items, next_cursor })
        })
        .await?;
    let mut res = respond(&req, &page, || {
        csv::render(
            &HEADER,
            page.items.iter().map(|i| {
                vec![
                    i.case_id.to_string(),
                    i.case_number.clone(),
                    i.office_id.to_string(),
                    i.office_code.clone(),
                    i.case_kind.to_string(),
                    i.kind.as_str().to_string(),
                    i.cpr_masked.clone(),
                    i.second_half_posted_at
                        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                        .unwrap_or_default(),
                    i.second_half_expected_by.map(|d| d.to_string()).unwrap_or_default(),
                    i.held_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)).unwrap_or_default(),
                    i.collect_by.map(|d| d.to_string()).unwrap_or_default(),
                    i.due.to_string(),
                    i.days_overdue.to_string(),
                ]
            }),
        )
    });
    if let Some(c) = &page.next_cursor {
        let mut next = format!("/api/v1/reports/overdue?cursor={c}&limit={limit}");
        if let Some(o) = q.office_id {
            next.push_str(&format!("&office_id={o}"));
        }
        if let Ok(v) = header::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
}
