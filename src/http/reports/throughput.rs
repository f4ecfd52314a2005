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
use crate::http::reports::respond::{check_range, rendered, wants_csv};
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
    let as_csv = wants_csv(&req);
    // Rendered on the blocking thread, beside the query: a year by day is 7.8 MB of JSON.
    let body = caller
        .run(CASE_READERS, move |conn, who, _moment| {
            let office = office_scope(who, q.office_id)?;
            let found = store::reports::throughput(conn, office, granularity.as_str(), q.from, q.to)?;
            let rows = in_order(found.into_iter().map(ThroughputRow::from).collect());
            let report = ThroughputReport { from: q.from, to: q.to, granularity, rows };
            Ok(if as_csv { to_csv(&report).into_bytes() } else { to_json(&report) })
        })
        .await?;
    Ok(rendered(as_csv, body))
}

impl From<store::reports::ThroughputRow> for ThroughputRow {
    fn from(r: store::reports::ThroughputRow) -> Self {
        ThroughputRow {
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
        }
    }
}

impl ThroughputRow {
    /// The counters in `HEADER`'s order (after its three key columns).
    fn counts(&self) -> [i64; 15] {
        [
            self.opened,
            self.identity_verified,
            self.first_half_issued,
            self.second_half_posted,
            self.completed_standard,
            self.completed_express,
            self.returned,
            self.cancelled,
            self.rejected,
            self.opened_replacement_card,
            self.opened_new_password,
            self.completed_replacement_card,
            self.completed_new_password,
            self.opened_online,
            self.completed_online,
        ]
    }
}

/// By period, then office code (bytewise). Codes are ranked once, so the sort compares integers
/// (a string comparison per step was a tenth of the server's CPU for a year by day).
fn in_order(mut rows: Vec<ThroughputRow>) -> Vec<ThroughputRow> {
    let distinct: std::collections::HashSet<&str> = rows.iter().map(|r| r.office_code.as_str()).collect();
    let mut codes: Vec<&str> = distinct.into_iter().collect();
    codes.sort_unstable();
    let rank: std::collections::HashMap<String, u32> =
        codes.iter().enumerate().map(|(i, c)| (c.to_string(), i as u32)).collect();
    rows.sort_by_cached_key(|r| (r.period_start, rank.get(&r.office_code).copied().unwrap_or(u32::MAX)));
    rows
}

fn to_csv(report: &ThroughputReport) -> String {
    csv::render(
        &HEADER,
        report.rows.iter().map(|r| {
            let mut fields = vec![r.period_start.to_string(), r.office_id.to_string(), r.office_code.clone()];
            fields.extend(r.counts().iter().map(i64::to_string));
            fields
        }),
    )
}

/// The report as JSON: byte for byte what `serde_json::to_vec(report)` writes (a test holds them
/// equal), without serde's escaping of every key of every row. For a year by day (18,250 rows of
/// 18 fields) serde's writing was a third of the server's CPU.
fn to_json(report: &ThroughputReport) -> Vec<u8> {
    use std::io::Write;
    let keys: Vec<String> = HEADER[3..].iter().map(|k| format!(",\"{k}\":")).collect();
    let mut out = Vec::with_capacity(128 + report.rows.len() * 480);
    let mut number = itoa::Buffer::new();
    let mut uuid = uuid::Uuid::encode_buffer();
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{{\"from\":\"{}\",\"to\":\"{}\",\"granularity\":", report.from, report.to);
    let _ = serde_json::to_writer(&mut out, &report.granularity);
    out.extend_from_slice(b",\"rows\":[");
    for (i, r) in report.rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(out, "{{\"period_start\":\"{}\",\"office_id\":\"", r.period_start);
        out.extend_from_slice(r.office_id.hyphenated().encode_lower(&mut uuid).as_bytes());
        out.extend_from_slice(b"\",\"office_code\":");
        let _ = serde_json::to_writer(&mut out, &r.office_code);
        for (key, n) in keys.iter().zip(r.counts()) {
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(number.format(n).as_bytes());
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u32, code: &str, seed: i64) -> ThroughputRow {
        ThroughputRow {
            period_start: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            office_id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef ^ seed as u128),
            office_code: code.to_string(),
            opened: seed,
            identity_verified: seed * 7,
            first_half_issued: 0,
            second_half_posted: -1,
            completed_standard: i64::MAX,
            completed_express: i64::MIN,
            returned: 10,
            cancelled: 99,
            rejected: 100,
            opened_replacement_card: 1_000_000,
            opened_new_password: 5,
            completed_replacement_card: 6,
            completed_new_password: 7,
            opened_online: 8,
            completed_online: seed % 3,
        }
    }

    #[test]
    fn json_is_what_serde_writes() {
        for mut rows in [
            vec![],
            vec![row(2, "KBH01", 1)],
            vec![row(1, "SEED-BS01", 2), row(1, "Quote\"back\\slash\u{1}æøå", 3), row(9, "", 4)],
        ] {
            for granularity in [Granularity::Day, Granularity::Week, Granularity::Month] {
                let report = ThroughputReport {
                    from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                    to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                    granularity,
                    rows,
                };
                assert_eq!(String::from_utf8(to_json(&report)).unwrap(), serde_json::to_string(&report).unwrap());
                rows = report.rows;
            }
        }
    }

    #[test]
    fn rows_come_by_period_then_office_code() {
        let sorted = in_order(vec![row(2, "B", 1), row(1, "C", 2), row(2, "A", 3), row(1, "A", 4), row(1, "a", 5)]);
        let keys: Vec<String> = sorted.iter().map(|r| format!("{} {}", r.period_start, r.office_code)).collect();
        assert_eq!(keys, ["2026-03-01 A", "2026-03-01 C", "2026-03-01 a", "2026-03-02 A", "2026-03-02 B"]);
    }
}
