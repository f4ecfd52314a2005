//! Online orders per day: attempts, cases made, refusals by reason, rate-limited — the fraud
//! review's overview (docs/DOMAIN.md "Online order").

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::online::OrderOutcome;
use crate::domain::role::Role;
use crate::http::context::caller::Caller;
use crate::http::error::{ApiResult, Problem};
use crate::http::reports::csv;
use crate::http::reports::respond::{check_range, respond};
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnlineOrdersQuery {
    /// First Copenhagen day the orders were received, inclusive.
    pub from: NaiveDate,
    /// Last Copenhagen day, inclusive; at most 2 years after `from`.
    pub to: NaiveDate,
}

/// Refused orders by the first check they failed. Nobody ordering is told which.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefusedByReason {
    pub person_not_found: i64,
    pub not_alive: i64,
    pub under_age: i64,
    pub no_postal_address: i64,
    pub name_address_protection: i64,
    pub document_not_found: i64,
    pub document_not_persons: i64,
    pub document_expired: i64,
    pub nemid_exists: i64,
    pub open_case: i64,
}

impl RefusedByReason {
    fn slot(&mut self, o: OrderOutcome) -> Option<&mut i64> {
        use OrderOutcome as O;
        Some(match o {
            O::PersonNotFound => &mut self.person_not_found,
            O::NotAlive => &mut self.not_alive,
            O::UnderAge => &mut self.under_age,
            O::NoPostalAddress => &mut self.no_postal_address,
            O::NameAddressProtection => &mut self.name_address_protection,
            O::DocumentNotFound => &mut self.document_not_found,
            O::DocumentNotPersons => &mut self.document_not_persons,
            O::DocumentExpired => &mut self.document_expired,
            O::NemidExists => &mut self.nemid_exists,
            O::OpenCase => &mut self.open_case,
            O::CaseMade | O::RateLimited | O::RegistersUnavailable => return None,
        })
    }

    fn values(&self) -> [i64; 10] {
        [
            self.person_not_found,
            self.not_alive,
            self.under_age,
            self.no_postal_address,
            self.name_address_protection,
            self.document_not_found,
            self.document_not_persons,
            self.document_expired,
            self.nemid_exists,
            self.open_case,
        ]
    }
}

/// One day's orders (or the period's, in `totals`).
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct OnlineOrderDay {
    /// The Copenhagen day received; absent in `totals`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    /// Every order received, rate-limited ones included.
    pub attempts: i64,
    pub cases_made: i64,
    /// All refusals; by reason in `refused_by_reason`.
    pub refused: i64,
    pub refused_by_reason: RefusedByReason,
    /// Refused by the abuse limits (429).
    pub rate_limited: i64,
    /// Given up: the registers stayed unreachable.
    pub registers_unavailable: i64,
    /// Not decided yet (waiting for the registers).
    pub waiting: i64,
}

impl OnlineOrderDay {
    fn add(&mut self, outcome: Option<OrderOutcome>, n: i64) {
        self.attempts += n;
        match outcome {
            None => self.waiting += n,
            Some(OrderOutcome::CaseMade) => self.cases_made += n,
            Some(OrderOutcome::RateLimited) => self.rate_limited += n,
            Some(OrderOutcome::RegistersUnavailable) => self.registers_unavailable += n,
            Some(o) => {
                self.refused += n;
                if let Some(slot) = self.refused_by_reason.slot(o) {
                    *slot += n;
                }
            }
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OnlineOrdersReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days with orders, in order.
    pub days: Vec<OnlineOrderDay>,
    pub totals: OnlineOrderDay,
}

const HEADER: [&str; 17] = [
    "day",
    "attempts",
    "cases_made",
    "refused",
    "rate_limited",
    "registers_unavailable",
    "waiting",
    "refused_person_not_found",
    "refused_not_alive",
    "refused_under_age",
    "refused_no_postal_address",
    "refused_name_address_protection",
    "refused_document_not_found",
    "refused_document_not_persons",
    "refused_document_expired",
    "refused_nemid_exists",
    "refused_open_case",
];

/// Online orders per day.
#[utoipa::path(
    description = "Roles: supervisor. Orders received in the range (Copenhagen days), per day with orders: attempts \
                   (rate-limited ones included), cases made, refusals (in all and by the first check failed), \
                   rate-limited, given up because the registers stayed unreachable, and still waiting. Ranges over 2 \
                   years → 422. `Accept: text/csv` gives `days` as CSV.",
    params(OnlineOrdersQuery),
    responses(
        (status = 200, description = "The report", content(
            (OnlineOrdersReport = "application/json"),
            (String = "text/csv", example = "day,attempts,cases_made,refused,rate_limited,registers_unavailable,waiting,refused_person_not_found,refused_not_alive,refused_under_age,refused_no_postal_address,refused_name_address_protection,refused_document_not_found,refused_document_not_persons,refused_document_expired,refused_nemid_exists,refused_open_case\r\n")
        )),
        (status = 422, description = "`to` before `from`, or a range over 2 years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/online-orders")]
pub async fn online_orders_report(
    caller: Caller,
    req: HttpRequest,
    query: web::Query<OnlineOrdersQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let rows =
        caller.run(&[Role::Supervisor], move |conn, _, _| Ok(store::online::by_day(conn, q.from, q.to)?)).await?;
    let mut days: Vec<OnlineOrderDay> = Vec::new();
    let mut totals = OnlineOrderDay::default();
    for r in rows {
        if days.last().and_then(|d| d.day) != Some(r.day) {
            days.push(OnlineOrderDay { day: Some(r.day), ..Default::default() });
        }
        if let Some(d) = days.last_mut() {
            d.add(r.outcome, r.n);
        }
        totals.add(r.outcome, r.n);
    }
    let report = OnlineOrdersReport { from: q.from, to: q.to, days, totals };
    Ok(respond(&req, &report, || {
        csv::render(
            &HEADER,
            report.days.iter().map(|d| {
                let mut row = vec![
                    d.day.map(|x| x.to_string()).unwrap_or_default(),
                    d.attempts.to_string(),
                    d.cases_made.to_string(),
                    d.refused.to_string(),
                    d.rate_limited.to_string(),
                    d.registers_unavailable.to_string(),
                    d.waiting.to_string(),
                ];
                row.extend(d.refused_by_reason.values().iter().map(i64::to_string));
                row
            }),
        )
    }))
}
