use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::case::{Channel, Kind, Status};
use crate::domain::exemption::ExemptionReason;
use crate::domain::exemption::ExemptionStatus;
use crate::domain::role::CASE_READERS;
use crate::http::context::caller::Caller;
use crate::http::context::caller::office_scope;
use crate::http::error::ApiResult;
use crate::http::reports::csv;
use crate::http::reports::respond::respond;
use crate::store::{self, reports::Scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// Supervisors: one office. Others: their own office only.
    pub office_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
}

/// Case counts per status, and how many posted cases are overdue.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    pub opened: i64,
    pub identity_verified: i64,
    pub first_half_issued: i64,
    pub second_half_posted: i64,
    /// Both halves posted (identity proven with secondary documents).
    pub both_halves_posted: i64,
    pub returned: i64,
    /// Held for collection at the office.
    pub awaiting_collection: i64,
    pub holder_verified: i64,
    pub completed: i64,
    pub cancelled: i64,
    pub rejected: i64,
    /// Posted (one half or both), and the expected day has passed.
    pub overdue: i64,
    /// Held for collection, and the collection day has passed.
    pub uncollected: i64,
}

impl StatusCounts {
    fn add(&mut self, status: Status, n: i64) {
        let slot = match status {
            Status::Opened => &mut self.opened,
            Status::IdentityVerified => &mut self.identity_verified,
            Status::FirstHalfIssued => &mut self.first_half_issued,
            Status::SecondHalfPosted => &mut self.second_half_posted,
            Status::BothHalvesPosted => &mut self.both_halves_posted,
            Status::Returned => &mut self.returned,
            Status::AwaitingCollection => &mut self.awaiting_collection,
            Status::HolderVerified => &mut self.holder_verified,
            Status::Completed => &mut self.completed,
            Status::Cancelled => &mut self.cancelled,
            Status::Rejected => &mut self.rejected,
        };
        *slot += n;
    }

    /// Adds every count of `other` to these.
    fn add_all(&mut self, other: &StatusCounts) {
        for (t, v) in self.fields_mut().into_iter().zip(other.fields()) {
            *t += v;
        }
    }

    fn fields_mut(&mut self) -> [&mut i64; 13] {
        [
            &mut self.opened,
            &mut self.identity_verified,
            &mut self.first_half_issued,
            &mut self.second_half_posted,
            &mut self.both_halves_posted,
            &mut self.returned,
            &mut self.awaiting_collection,
            &mut self.holder_verified,
            &mut self.completed,
            &mut self.cancelled,
            &mut self.rejected,
            &mut self.overdue,
            &mut self.uncollected,
        ]
    }

    fn fields(&self) -> [i64; 13] {
        [
            self.opened,
            self.identity_verified,
            self.first_half_issued,
            self.second_half_posted,
            self.both_halves_posted,
            self.returned,
            self.awaiting_collection,
            self.holder_verified,
            self.completed,
            self.cancelled,
            self.rejected,
            self.overdue,
            self.uncollected,
        ]
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusRow {
    pub office_id: Uuid,
    pub office_code: String,
    #[serde(flatten)]
    pub counts: StatusCounts,
}

/// The cases of one kind in scope, all offices added up: first issuance (`standard`,
/// `express`) and the service cases (`replacement_card`, `new_password`) apart.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KindRow {
    pub kind: Kind,
    #[serde(flatten)]
    pub counts: StatusCounts,
}

/// Exemptions from Digital Post with one status and reason.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExemptionCount {
    pub status: ExemptionStatus,
    pub reason: ExemptionReason,
    pub count: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusReport {
    /// The Copenhagen day "overdue" is judged on.
    pub today: NaiveDate,
    /// One row per office with cases in scope, ordered by office code.
    pub rows: Vec<StatusRow>,
    /// All rows added up.
    pub totals: StatusCounts,
    /// The same totals per kind of case, for every kind with cases in scope, in the order of
    /// `kind`'s values (JSON only).
    pub by_kind: Vec<KindRow>,
    /// Exemptions from Digital Post by status and reason, in the same office scope (JSON only).
    pub exemptions: Vec<ExemptionCount>,
}

const HEADER: [&str; 15] = [
    "office_id",
    "office_code",
    "opened",
    "identity_verified",
    "first_half_issued",
    "second_half_posted",
    "both_halves_posted",
    "returned",
    "awaiting_collection",
    "holder_verified",
    "completed",
    "cancelled",
    "rejected",
    "overdue",
    "uncollected",
];

/// Cases per status now.
#[utoipa::path(
    description = "Roles: supervisor (all offices, or one), clerk and bank (their own office). Counts of cases per \
                   status (all eleven) per office, plus `overdue` (posted past the expected day) and `uncollected` (held past \
                   the collection day); the same totals per kind of case (`by_kind`: \
                   first issuance and each kind of service case); and exemptions from Digital Post by status and \
                   reason. `Accept: text/csv` gives the case rows as CSV (no totals, no kinds, no exemptions).",
    params(StatusQuery),
    responses(
        (status = 200, description = "The report", content(
            (StatusReport = "application/json"),
            (String = "text/csv", example = "office_id,office_code,opened,identity_verified,first_half_issued,second_half_posted,both_halves_posted,returned,awaiting_collection,holder_verified,completed,cancelled,rejected,overdue,uncollected\r\n")
        )),
    )
)]
#[get("/reports/status")]
pub async fn status_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<StatusQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let today = caller.moment.today;
    let report = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            // Counts, overdue and exemptions from one snapshot, so they agree with each other.
            conn.build_transaction().read_only().repeatable_read().run(|conn| {
                let scope = Scope { office_id: office_scope(who, q.office_id)?, kind: q.kind, channel: q.channel };
                let mut rows: BTreeMap<String, StatusRow> = BTreeMap::new();
                let mut kinds: BTreeMap<usize, StatusCounts> = BTreeMap::new();
                let position = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap_or(usize::MAX);
                for c in store::reports::status_counts(conn, &scope)? {
                    let row = rows.entry(c.office_code.clone()).or_insert_with(|| StatusRow {
                        office_id: c.office_id,
                        office_code: c.office_code.clone(),
                        counts: StatusCounts::default(),
                    });
                    row.counts.add(c.status, c.n);
                    kinds.entry(position(c.kind)).or_default().add(c.status, c.n);
                }
                let mut late: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
                for r in store::reports::overdue_counts(conn, &scope, today)? {
                    let office = late.entry(r.office_id).or_default();
                    office.0 += r.overdue;
                    office.1 += r.uncollected;
                    let kind = kinds.entry(position(r.kind)).or_default();
                    kind.overdue += r.overdue;
                    kind.uncollected += r.uncollected;
                }
                let mut totals = StatusCounts::default();
                let rows: Vec<StatusRow> = rows
                    .into_values()
                    .map(|mut r| {
                        let (overdue, uncollected) = late.get(&r.office_id).copied().unwrap_or_default();
                        r.counts.overdue = overdue;
                        r.counts.uncollected = uncollected;
                        totals.add_all(&r.counts);
                        r
                    })
                    .collect();
                let by_kind = kinds
                    .into_iter()
                    .filter_map(|(i, counts)| Kind::ALL.get(i).map(|&kind| KindRow { kind, counts }))
                    .collect();
                let exemptions = store::exemptions::counts(conn, scope.office_id)?
                    .into_iter()
                    .map(|c| ExemptionCount { status: c.status, reason: c.reason, count: c.n })
                    .collect();
                Ok(StatusReport { today, rows, totals, by_kind, exemptions })
            })
        })
        .await?;
    Ok(respond(&req, &report, || {
        csv::render(
            &HEADER,
            report.rows.iter().map(|r| {
                let mut f = vec![r.office_id.to_string(), r.office_code.clone()];
                f.extend(r.counts.fields().iter().map(i64::to_string));
                f
            }),
        )
    }))
}
