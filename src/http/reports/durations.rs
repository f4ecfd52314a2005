use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::case::Kind;
use crate::domain::role::CASE_READERS;
use crate::domain::stats::percentile_cont;
use crate::http::context::caller::Caller;
use crate::http::context::caller::office_scope;
use crate::http::error::{ApiResult, Problem};
use crate::http::reports::csv;
use crate::http::reports::respond::{check_range, respond};
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DurationsQuery {
    /// First Copenhagen day of completion, inclusive.
    pub from: NaiveDate,
    /// Last Copenhagen day of completion, inclusive; at most 2 years after `from`.
    pub to: NaiveDate,
    /// Supervisors: one office. Others: their own office only.
    pub office_id: Option<Uuid>,
    pub kind: Option<Kind>,
}

/// A duration's distribution, in seconds (percentiles interpolated, as `percentile_cont`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Distribution {
    pub count: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DurationsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Cases completed in the range.
    pub completed: i64,
    /// Standard cases: opened → first half handed out.
    pub opened_to_first_half: Distribution,
    /// Standard cases: (last) posting → completed.
    pub posted_to_completed: Distribution,
    /// Express cases: opened → completed.
    pub express_opened_to_completed: Distribution,
    /// Completed cases that were posted, and of those, completed by their expected day.
    pub posted_completed: i64,
    pub completed_within_window: i64,
    /// `completed_within_window / posted_completed`; `null` when nothing was posted.
    pub share_within_window: Option<f64>,
}

const HEADER: [&str; 15] = [
    "from",
    "to",
    "completed",
    "opened_to_first_half_count",
    "opened_to_first_half_median_seconds",
    "opened_to_first_half_p90_seconds",
    "posted_to_completed_count",
    "posted_to_completed_median_seconds",
    "posted_to_completed_p90_seconds",
    "express_opened_to_completed_count",
    "express_opened_to_completed_median_seconds",
    "express_opened_to_completed_p90_seconds",
    "posted_completed",
    "completed_within_window",
    "share_within_window",
];

/// How long cases took.
#[utoipa::path(
    description = "Roles: supervisor (all offices, or one), clerk and bank (their own office). For cases completed \
                   in the range (Copenhagen days): count, median and 90th percentile of opened → first half and \
                   posted → completed (standard) and opened → completed (express), and the share of posted cases \
                   completed within the posting window. Ranges over 2 years → 422. `Accept: text/csv` for CSV.",
    params(DurationsQuery),
    responses(
        (status = 200, description = "The report", content(
            (DurationsReport = "application/json"),
            (String = "text/csv", example = "from,to,completed,opened_to_first_half_count,opened_to_first_half_median_seconds,opened_to_first_half_p90_seconds,posted_to_completed_count,posted_to_completed_median_seconds,posted_to_completed_p90_seconds,express_opened_to_completed_count,express_opened_to_completed_median_seconds,express_opened_to_completed_p90_seconds,posted_completed,completed_within_window,share_within_window\r\n")
        )),
        (status = 422, description = "`to` before `from`, or a range over 2 years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/durations")]
pub async fn durations_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<DurationsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let report = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            let office = office_scope(who, q.office_id)?;
            let days = store::reports::durations(conn, office, q.kind, q.from, q.to)?;
            let (mut first_half, mut posted, mut express) = (Vec::new(), Vec::new(), Vec::new());
            let (mut posted_completed, mut within) = (0, 0);
            for d in days {
                store::reports::unpack_seconds(&d.opened_to_first_half, &mut first_half);
                store::reports::unpack_seconds(&d.posted_to_completed, &mut posted);
                store::reports::unpack_seconds(&d.express_opened_to_completed, &mut express);
                posted_completed += d.posted_completed;
                within += d.completed_within_window;
            }
            let dist = |v: &mut Vec<f64>| Distribution {
                count: v.len() as i64,
                median_seconds: percentile_cont(v, 0.5),
                p90_seconds: percentile_cont(v, 0.9),
            };
            // Standard cases contribute one value to each of their two lists; express to theirs.
            let completed = (first_half.len() + express.len()) as i64;
            Ok(DurationsReport {
                from: q.from,
                to: q.to,
                completed,
                opened_to_first_half: dist(&mut first_half),
                posted_to_completed: dist(&mut posted),
                express_opened_to_completed: dist(&mut express),
                posted_completed,
                completed_within_window: within,
                share_within_window: (posted_completed > 0).then(|| within as f64 / posted_completed as f64),
            })
        })
        .await?;
    Ok(respond(&req, &report, || {
        let d = |x: &Distribution| vec![x.count.to_string(), csv::opt(&x.median_seconds), csv::opt(&x.p90_seconds)];
        let mut row = vec![report.from.to_string(), report.to.to_string(), report.completed.to_string()];
        row.extend(d(&report.opened_to_first_half));
        row.extend(d(&report.posted_to_completed));
        row.extend(d(&report.express_opened_to_completed));
        row.extend([
            report.posted_completed.to_string(),
            report.completed_within_window.to_string(),
            csv::opt(&report.share_within_window),
        ]);
        csv::render(&HEADER, [row])
    }))
}
