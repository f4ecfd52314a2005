use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::role::CASE_READERS;
use crate::http::context::caller::Caller;
use crate::http::context::caller::office_scope;
use crate::http::error::{ApiResult, Problem};
use crate::http::reports::csv;
use crate::http::reports::respond::{check_range, respond};
use crate::store;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    #[default]
    Day,
    /// ISO weeks, starting Monday.
    Week,
    Month,
}

impl Granularity {
    fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThroughputQuery {
    /// First Copenhagen day, inclusive.
    pub from: NaiveDate,
    /// Last Copenhagen day, inclusive; at most 2 years after `from`.
    pub to: NaiveDate,
    /// Supervisors: one office. Others: their own office only.
    pub office_id: Option<Uuid>,
    /// `day` (default), `week` or `month`.
    pub granularity: Option<Granularity>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ThroughputRow {
    /// First day of the period (a Monday for weeks); the first period may start before `from`
    /// but counts only days from `from` on.
    pub period_start: NaiveDate,
    pub office_id: Uuid,
    pub office_code: String,
    pub opened: i64,
    pub identity_verified: i64,
    pub first_half_issued: i64,
    pub second_half_posted: i64,
    pub completed_standard: i64,
    pub completed_express: i64,
    pub returned: i64,
    pub cancelled: i64,
    pub rejected: i64,
    /// Of `opened`: service cases for a replacement code card.
    pub opened_replacement_card: i64,
    /// Of `opened`: service cases for a new temporary password.
    pub opened_new_password: i64,
    /// Replacement cards handed out at the desk or activated after posting.
    pub completed_replacement_card: i64,
    /// New temporary passwords handed out.
    pub completed_new_password: i64,
    /// Of `opened`: cases made from online orders (at the online service's office; their both
    /// halves count in `second_half_posted`).
    pub opened_online: i64,
    /// Online cases completed by activation.
    pub completed_online: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ThroughputReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    /// Periods with any activity, by period then office code.
    pub rows: Vec<ThroughputRow>,
}

const HEADER: [&str; 18] = [
    "period_start",
    "office_id",
    "office_code",
    "opened",
    "identity_verified",
    "first_half_issued",
    "second_half_posted",
    "completed_standard",
    "completed_express",
    "returned",
    "cancelled",
    "rejected",
    "opened_replacement_card",
    "opened_new_password",
    "completed_replacement_card",
    "completed_new_password",
    "opened_online",
    "completed_online",
];

/// What happened, per period and office.
#[utoipa::path(
    description = "Roles: supervisor (all offices, or one), clerk and bank (their own office). Actions taken per \
                   period (Copenhagen days) and office: cases opened, identities verified, first halves issued, \
                   second halves posted (re-posts and posted replacement cards included), completions (standard / \
                   express), returned mail, cancellations, rejections; and service cases by kind: opened and \
                   completed replacement-card and new-password cases, opened (both halves posted at once) and completed online \
                   orders (`opened` counts every case). Ranges over 2 years → 422. `Accept: text/csv` for CSV.",
    params(ThroughputQuery),
    responses(
        (status = 200, description = "The report", content(
            (ThroughputReport = "application/json"),
            (String = "text/csv", example = "period_start,office_id,office_code,opened,identity_verified,first_half_issued,second_half_posted,completed_standard,completed_express,returned,cancelled,rejected,opened_replacement_card,opened_new_password,completed_replacement_card,completed_new_password,opened_online,completed_online\r\n")
        )),
        (status = 422, description = "`to` before `from`, or a range over 2 years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/throughput")]
pub async fn throughput_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ThroughputQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let granularity = q.granularity.unwrap_or_default();
    let report = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            let office = office_scope(who, q.office_id)?;
            let mut found = store::reports::throughput(conn, office, granularity.as_str(), q.from, q.to)?;
            found.sort_unstable_by(|a, b| (a.period_start, &a.office_code).cmp(&(b.period_start, &b.office_code)));
            let rows = found
                .into_iter()
                .map(|r| ThroughputRow {
                    period_start: r.period_start,
                    office_id: r.office_id,
                    office_code: r.office_code,
                    opened: r.opened,
                    identity_verified: r.identity_verified,
                    first_half_issued: r.first_half_issued,
                    second_half_posted: r.second_half_posted,
                    completed_standard: r.completed_standard,
                    completed_express: r.completed_express,
                    returned: r.returned,
                    cancelled: r.cancelled,
                    rejected: r.rejected,
                    opened_replacement_card: r.opened_replacement_card,
                    opened_new_password: r.opened_new_password,
                    completed_replacement_card: r.completed_replacement_card,
                    completed_new_password: r.completed_new_password,
                    opened_online: r.opened_online,
                    completed_online: r.completed_online,
                })
                .collect();
            Ok(ThroughputReport { from: q.from, to: q.to, granularity, rows })
        })
        .await?;
    Ok(respond(&req, &report, || {
        csv::render(
            &HEADER,
            report.rows.iter().map(|r| {
                vec![
                    r.period_start.to_string(),
                    r.office_id.to_string(),
                    r.office_code.clone(),
                    r.opened.to_string(),
                    r.identity_verified.to_string(),
                    r.first_half_issued.to_string(),
                    r.second_half_posted.to_string(),
                    r.completed_standard.to_string(),
                    r.completed_express.to_string(),
                    r.returned.to_string(),
                    r.cancelled.to_string(),
                    r.rejected.to_string(),
                    r.opened_replacement_card.to_string(),
                    r.opened_new_password.to_string(),
                    r.completed_replacement_card.to_string(),
                    r.completed_new_password.to_string(),
                    r.opened_online.to_string(),
                    r.completed_online.to_string(),
                ]
            }),
        )
    }))
}
