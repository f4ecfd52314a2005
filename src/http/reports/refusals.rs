//! Refusal decisions by reason, per office, over a period.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::refusal::RefusalReason;
use crate::domain::role::CASE_READERS;
use crate::http::context::caller::Caller;
use crate::http::context::caller::office_scope;
use crate::http::error::{ApiResult, Problem};
use crate::http::reports::csv;
use crate::http::reports::respond::{check_range, respond};
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RefusalsQuery {
    /// First Copenhagen day of the decision, inclusive.
    pub from: NaiveDate,
    /// Last Copenhagen day of the decision, inclusive; at most 2 years after `from`.
    pub to: NaiveDate,
    /// Supervisors: one office. Others: their own office only.
    pub office_id: Option<Uuid>,
}

/// Refusals of one office on one ground. A refusal on two grounds counts under each.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefusalCount {
    pub office_id: Uuid,
    pub office_code: String,
    pub reason: RefusalReason,
    pub count: i64,
}

/// Refusals per office: each office's decisions, whatever their grounds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefusalTotal {
    pub office_id: Uuid,
    pub office_code: String,
    pub refusals: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefusalsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ordered by office code, then reason in the order of `reason`'s values.
    pub rows: Vec<RefusalCount>,
    /// Decisions per office (JSON only).
    pub offices: Vec<RefusalTotal>,
    /// Decisions in scope.
    pub refusals: i64,
}

const HEADER: [&str; 6] = ["from", "to", "office_id", "office_code", "reason", "count"];

/// Refusals by reason.
#[utoipa::path(
    description = "Roles: supervisor (all offices, or one), clerk and bank (their own office). Rejected cases decided \
                   in the range (Copenhagen days of the decision), counted per office and reason; a decision on \
                   several grounds counts under each, and once in `offices` and `refusals`. Ranges over 2 years → \
                   422. `Accept: text/csv` gives `rows` as CSV.",
    params(RefusalsQuery),
    responses(
        (status = 200, description = "The report", content(
            (RefusalsReport = "application/json"),
            (String = "text/csv", example = "from,to,office_id,office_code,reason,count\r\n")
        )),
        (status = 422, description = "`to` before `from`, or a range over 2 years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/refusals")]
pub async fn refusals_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<RefusalsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let report = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            let office = office_scope(who, q.office_id)?;
            conn.build_transaction().read_only().repeatable_read().run(|conn| {
                let position = |r: RefusalReason| RefusalReason::ALL.iter().position(|x| *x == r);
                let mut rows: Vec<RefusalCount> = store::reports::refusals_by_reason(conn, office, q.from, q.to)?
                    .into_iter()
                    .map(|r| RefusalCount {
                        office_id: r.office_id,
                        office_code: r.office_code,
                        reason: r.reason,
                        count: r.n,
                    })
                    .collect();
                rows.sort_by(|a, b| {
                    a.office_code.cmp(&b.office_code).then(position(a.reason).cmp(&position(b.reason)))
                });
                let offices: Vec<RefusalTotal> = store::reports::refusals_by_office(conn, office, q.from, q.to)?
                    .into_iter()
                    .map(|r| RefusalTotal { office_id: r.office_id, office_code: r.office_code, refusals: r.n })
                    .collect();
                let refusals = offices.iter().map(|o| o.refusals).sum();
                Ok(RefusalsReport { from: q.from, to: q.to, rows, offices, refusals })
            })
        })
        .await?;
    Ok(respond(&req, &report, || {
        csv::render(
            &HEADER,
            report.rows.iter().map(|r| {
                vec![
                    report.from.to_string(),
                    report.to.to_string(),
                    r.office_id.to_string(),
                    r.office_code.clone(),
                    r.reason.to_string(),
                    r.count.to_string(),
                ]
            }),
        )
    }))
}
