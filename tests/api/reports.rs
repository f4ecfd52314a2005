//! Every report, recomputed independently from cases and events (plain SQL to read the rows,
//! Copenhagen days and percentiles computed here) and compared with the API's JSON and CSV.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Europe::Copenhagen;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, Tok, problem};

fn today() -> NaiveDate {
    Utc::now().with_timezone(&Copenhagen).date_naive()
}

fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Copenhagen).date_naive()
}

fn seeded() -> TestApp {
    let app = TestApp::spawn();
    let opts =
        nemid_desk::seed::SeedOptions { cases: 3000, offices: 5, seed: 11, until: today(), posting_window_days: 14 };
    nemid_desk::seed::run(&mut app.db.conn(), &opts, &crate::common::app::test_vault()).unwrap();
    app
}

#[derive(QueryableByName, Debug, Clone)]
struct CaseRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    case_number: String,
    #[diesel(sql_type = SqlUuid)]
    office_id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    applicant_cpr_sealed: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    opened_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_half_issued_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    second_half_posted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Date>)]
    second_half_expected_by: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    completed_at: Option<DateTime<Utc>>,
}

fn all_cases(app: &TestApp) -> Vec<CaseRow> {
    diesel::sql_query(
        "SELECT id, case_number, office_id, kind, channel, status, applicant_cpr_sealed, opened_at, first_half_issued_at,
                second_half_posted_at, second_half_expected_by, completed_at FROM cases",
    )
    .load(&mut app.db.conn())
    .unwrap()
}

#[derive(QueryableByName, Debug)]
struct EventRow {
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    office_id: Uuid,
}

fn offices(app: &TestApp) -> BTreeMap<Uuid, String> {
    #[derive(QueryableByName)]
    struct O {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        code: String,
    }
    diesel::sql_query("SELECT id, code FROM offices")
        .load::<O>(&mut app.db.conn())
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect()
}

fn get(app: &TestApp, path: &str, tok: &Tok) -> Value {
    let res = app.get(path, tok);
    assert_eq!(res.status(), 200, "{path}");
    res.json().unwrap()
}

fn get_csv(app: &TestApp, path: &str, tok: &Tok) -> Vec<BTreeMap<String, String>> {
    let t = match tok {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let res = app.client.get(app.url(path)).bearer_auth(t).header("accept", "text/csv").send().unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let text = res.text().unwrap();
    assert!(text.ends_with("\r\n"), "RFC 4180 line ends");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect()).collect()
}

const STATUSES: [&str; 9] = [
    "opened",
    "identity_verified",
    "first_half_issued",
    "second_half_posted",
    "returned",
    "holder_verified",
    "completed",
    "cancelled",
    "rejected",
];

#[test]
fn status_report_matches_the_cases() {
    let app = seeded();
    let sup = Tok::supervisor();
    let cases = all_cases(&app);
    let office_ids: Vec<Uuid> = offices(&app).keys().copied().collect();
    type Keep = Box<dyn Fn(&CaseRow) -> bool>;
    let filters: Vec<(String, Keep)> = vec![
        (String::new(), Box::new(|_| true)),
        ("kind=express".into(), Box::new(|c| c.kind == "express")),
        ("channel=bank".into(), Box::new(|c| c.channel == "bank")),
        (
            format!("office_id={}&kind=standard", office_ids[0]),
            Box::new({
                let o = office_ids[0];
                move |c: &CaseRow| c.office_id == o && c.kind == "standard"
            }),
        ),
    ];
    let mut seen_states = std::collections::HashSet::new();
    for (query, keep) in filters {
        let path = format!("/api/v1/reports/status?{query}");
        let report = get(&app, &path, &sup);
        let csv = get_csv(&app, &path, &sup);
        let mut expected: BTreeMap<Uuid, BTreeMap<&str, i64>> = BTreeMap::new();
        for c in cases.iter().filter(|c| keep(c)) {
            let row = expected.entry(c.office_id).or_default();
            *row.entry(STATUSES.iter().find(|s| **s == c.status).unwrap()).or_default() += 1;
            seen_states.insert(c.status.clone());
            if c.status == "second_half_posted" && c.second_half_expected_by.unwrap() < today() {
                *row.entry("overdue").or_default() += 1;
            }
        }
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{query}");
        assert_eq!(csv.len(), rows.len());
        for (row, csv_row) in rows.iter().zip(&csv) {
            let office: Uuid = row["office_id"].as_str().unwrap().parse().unwrap();
            let want = &expected[&office];
            for s in STATUSES.iter().chain(["overdue"].iter()) {
                let n = want.get(s).copied().unwrap_or(0);
                assert_eq!(row[*s], n, "{query}: {s} at {office}");
                assert_eq!(csv_row[*s], n.to_string(), "CSV {query}: {s}");
            }
            assert_eq!(csv_row["office_id"], office.to_string());
        }
        let total: i64 = STATUSES.iter().map(|s| report["totals"][*s].as_i64().unwrap()).sum();
        assert_eq!(total, cases.iter().filter(|c| keep(c)).count() as i64);
    }
    assert_eq!(seen_states.len(), 9, "the seed covers every state: {seen_states:?}");
}

#[test]
fn overdue_list_matches_the_cases_page_by_page() {
    let app = seeded();
    let sup = Tok::supervisor();
    let mut expected: Vec<CaseRow> = all_cases(&app)
        .into_iter()
        .filter(|c| c.status == "second_half_posted" && c.second_half_expected_by.unwrap() < today())
        .collect();
    expected.sort_by_key(|c| (c.second_half_expected_by, c.id));
    assert!(expected.len() > 20, "the seed has overdue cases ({})", expected.len());
    let mut got = Vec::new();
    let mut path = "/api/v1/reports/overdue?limit=17".to_string();
    loop {
        let page = get(&app, &path, &sup);
        let csv = get_csv(&app, &path, &sup);
        let items = page["items"].as_array().unwrap();
        assert_eq!(csv.len(), items.len());
        for (i, c) in items.iter().zip(&csv) {
            assert_eq!(c["case_id"], i["case_id"].as_str().unwrap());
            assert_eq!(c["days_overdue"], i["days_overdue"].to_string());
        }
        got.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/reports/overdue?limit=17&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g["case_id"], e.id.to_string());
        assert_eq!(g["case_number"], e.case_number);
        let digits = crate::common::app::test_vault().open(&e.applicant_cpr_sealed).unwrap();
        assert_eq!(g["cpr_masked"], format!("{}-XXXX", &digits[..6]));
        assert_eq!(g["second_half_expected_by"], e.second_half_expected_by.unwrap().to_string());
        assert_eq!(g["days_overdue"], (today() - e.second_half_expected_by.unwrap()).num_days());
    }
}

fn period_start(day: NaiveDate, granularity: &str) -> NaiveDate {
    match granularity {
        "week" => day - Days::new(day.weekday().num_days_from_monday() as u64),
        "month" => day.with_day(1).unwrap(),
        _ => day,
    }
}

const METRICS: [(&str, &str); 9] = [
    ("open", "opened"),
    ("identity-check", "identity_verified"),
    ("first-half", "first_half_issued"),
    ("second-half", "second_half_posted"),
    ("activation", "completed_standard"),
    ("issue-in-full", "completed_express"),
    ("returned", "returned"),
    ("cancel", "cancelled"),
    ("reject", "rejected"),
];

#[test]
fn throughput_matches_the_events_including_across_daylight_saving() {
    let app = seeded();
    let sup = Tok::supervisor();
    let events: Vec<EventRow> = diesel::sql_query(
        "SELECT e.action, e.occurred_at, c.office_id FROM case_events e JOIN cases c ON c.id = e.case_id",
    )
    .load(&mut app.db.conn())
    .unwrap();
    let t = today();
    // The last Sunday of March and of October: Danish summer time starts and ends.
    let last_sunday = |y: i32, m: u32| {
        let mut d = NaiveDate::from_ymd_opt(y, m + 1, 1).unwrap() - Days::new(1);
        while d.weekday() != chrono::Weekday::Sun {
            d = d - Days::new(1);
        }
        d
    };
    let spring = last_sunday(t.year() - if t.month() > 3 { 0 } else { 1 }, 3);
    let autumn = last_sunday(t.year() - if t.month() > 10 { 0 } else { 1 }, 10);
    let ranges = [
        (spring - Days::new(9), spring + Days::new(9), "day"),
        (autumn - Days::new(20), autumn + Days::new(20), "week"),
        (t - Days::new(400), t, "month"),
    ];
    for (from, to, granularity) in ranges {
        let path = format!("/api/v1/reports/throughput?from={from}&to={to}&granularity={granularity}");
        let report = get(&app, &path, &sup);
        let csv = get_csv(&app, &path, &sup);
        let mut expected: BTreeMap<(NaiveDate, Uuid), BTreeMap<&str, i64>> = BTreeMap::new();
        for e in &events {
            let d = day_of(e.occurred_at);
            if d < from || d > to {
                continue;
            }
            if let Some((_, metric)) = METRICS.iter().find(|(a, _)| *a == e.action) {
                *expected.entry((period_start(d, granularity), e.office_id)).or_default().entry(metric).or_default() +=
                    1;
            }
        }
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{path}");
        assert_eq!(csv.len(), rows.len());
        let mut total = 0;
        for (row, csv_row) in rows.iter().zip(&csv) {
            let key = (
                row["period_start"].as_str().unwrap().parse::<NaiveDate>().unwrap(),
                row["office_id"].as_str().unwrap().parse::<Uuid>().unwrap(),
            );
            let want = expected.get(&key).unwrap_or_else(|| panic!("{path}: unexpected row {key:?}"));
            for (_, metric) in METRICS {
                let n = want.get(metric).copied().unwrap_or(0);
                assert_eq!(row[metric], n, "{path}: {metric} {key:?}");
                assert_eq!(csv_row[metric], n.to_string());
                total += n;
            }
        }
        assert!(total > 0, "{path} covers some activity");
    }
    let res = app.get("/api/v1/reports/throughput?from=2023-01-01&to=2025-01-02", &sup);
    problem(res, 422);
    let res = app.get("/api/v1/reports/throughput?from=2025-02-01&to=2025-01-01", &sup);
    problem(res, 422);
    problem(app.get("/api/v1/reports/throughput?from=yesterday&to=2025-01-01", &sup), 400);
}

/// `percentile_cont`: linear interpolation between the closest ranks.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn close(a: &Value, b: Option<f64>) -> bool {
    match (a.as_f64(), b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * y.abs().max(1.0),
        _ => false,
    }
}

#[test]
fn durations_match_the_cases() {
    let app = seeded();
    let sup = Tok::supervisor();
    let cases = all_cases(&app);
    let t = today();
    let first_office = *offices(&app).keys().next().unwrap();
    let month_of = |d: NaiveDate| d.with_day(1).unwrap();
    let earlier = month_of(t - Days::new(60));
    for (from, to, extra) in [
        (t - Days::new(365), t, String::new()),
        (t - Days::new(200), t - Days::new(100), "&kind=standard".to_string()),
        (t - Days::new(700), t, format!("&office_id={first_office}")),
        // Whole months only, and days of one month only (the summary's two shapes alone).
        (month_of(t - Days::new(120)), month_of(t) - Days::new(1), String::new()),
        (earlier + Days::new(3), earlier + Days::new(20), String::new()),
    ] {
        let path = format!("/api/v1/reports/durations?from={from}&to={to}{extra}");
        let r = get(&app, &path, &sup);
        let csv = get_csv(&app, &path, &sup);
        let done: Vec<&CaseRow> = cases
            .iter()
            .filter(|c| c.status == "completed")
            .filter(|c| (from..=to).contains(&day_of(c.completed_at.unwrap())))
            .filter(|c| !extra.contains("kind=standard") || c.kind == "standard")
            .filter(|c| !extra.contains("office_id") || c.office_id == first_office)
            .collect();
        let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_microseconds().unwrap() as f64 / 1e6;
        let mut first_half: Vec<f64> = done
            .iter()
            .filter(|c| c.kind == "standard")
            .map(|c| secs(c.opened_at, c.first_half_issued_at.unwrap()))
            .collect();
        let mut posted: Vec<f64> = done
            .iter()
            .filter(|c| c.kind == "standard")
            .map(|c| secs(c.second_half_posted_at.unwrap(), c.completed_at.unwrap()))
            .collect();
        let mut express: Vec<f64> =
            done.iter().filter(|c| c.kind == "express").map(|c| secs(c.opened_at, c.completed_at.unwrap())).collect();
        for v in [&mut first_half, &mut posted, &mut express] {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        }
        let posted_cases: Vec<&&CaseRow> = done.iter().filter(|c| c.second_half_posted_at.is_some()).collect();
        let within = posted_cases
            .iter()
            .filter(|c| day_of(c.completed_at.unwrap()) <= c.second_half_expected_by.unwrap())
            .count() as i64;
        assert_eq!(r["completed"], done.len() as i64, "{path}");
        assert!(close(&r["opened_to_first_half"]["median_seconds"], percentile(&first_half, 0.5)), "{path} {r}");
        assert!(close(&r["opened_to_first_half"]["p90_seconds"], percentile(&first_half, 0.9)), "{path}");
        assert!(close(&r["posted_to_completed"]["median_seconds"], percentile(&posted, 0.5)), "{path}");
        assert!(close(&r["posted_to_completed"]["p90_seconds"], percentile(&posted, 0.9)), "{path}");
        assert!(close(&r["express_opened_to_completed"]["median_seconds"], percentile(&express, 0.5)), "{path}");
        assert!(close(&r["express_opened_to_completed"]["p90_seconds"], percentile(&express, 0.9)), "{path}");
        assert_eq!(r["express_opened_to_completed"]["count"], express.len() as i64);
        assert_eq!(r["posted_completed"], posted_cases.len() as i64);
        assert_eq!(r["completed_within_window"], within);
        assert_eq!(csv.len(), 1);
        assert_eq!(csv[0]["completed"], done.len().to_string());
        assert_eq!(csv[0]["completed_within_window"], within.to_string());
        let csv_median: f64 = csv[0]["posted_to_completed_median_seconds"].parse().unwrap_or(f64::NAN);
        assert!(close(&json!(csv_median), percentile(&posted, 0.5)) || posted.is_empty());
    }
}

#[test]
fn a_clerk_reports_on_their_own_office_only() {
    let app = seeded();
    let offices = offices(&app);
    let (own_id, own_code) = offices.iter().find(|(_, c)| c.starts_with("SEED-BS")).unwrap();
    let other = offices.keys().find(|id| *id != own_id).unwrap();
    let clerk = Tok::clerk(own_code);
    let report = get(&app, "/api/v1/reports/status", &clerk);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["office_id"], own_id.to_string());
    let own_cases = all_cases(&app).into_iter().filter(|c| c.office_id == *own_id).count() as i64;
    let counted: i64 = STATUSES.iter().map(|s| rows[0][*s].as_i64().unwrap()).sum();
    assert_eq!(counted, own_cases);
    let overdue = get(&app, "/api/v1/reports/overdue?limit=100", &clerk);
    assert!(overdue["items"].as_array().unwrap().iter().all(|i| i["office_id"] == own_id.to_string()));
    let t = today();
    let tp = get(&app, &format!("/api/v1/reports/throughput?from={}&to={t}", t - Days::new(300)), &clerk);
    assert!(tp["rows"].as_array().unwrap().iter().all(|r| r["office_id"] == own_id.to_string()));
    problem(app.get(&format!("/api/v1/reports/status?office_id={other}"), &clerk), 403);
    // Content negotiation honours quality values: JSON preferred here, CSV there.
    let t = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let res = app
        .client
        .get(app.url("/api/v1/reports/status"))
        .bearer_auth(&t)
        .header("accept", "application/json, text/csv;q=0.5")
        .send()
        .unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let res = app
        .client
        .get(app.url("/api/v1/reports/status"))
        .bearer_auth(&t)
        .header("accept", "text/csv, application/json;q=0.5")
        .send()
        .unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    problem(app.get("/api/v1/reports/status", &Tok::admin()), 403);
}

#[test]
fn summaries_follow_live_changes_through_the_api() {
    let app = seeded();
    let offices = offices(&app);
    let (_, code) = offices.iter().find(|(_, c)| c.starts_with("SEED-BS")).unwrap();
    let clerk = Tok::clerk(code);
    let before = get(&app, "/api/v1/reports/status", &Tok::supervisor());
    let case = app.open_case(&clerk, "010155-1234", "standard");
    let case = app.step(&clerk, &case, "identity-check", &crate::common::cases::identity("010155-1234"));
    app.step(&clerk, &case, "cancel", &crate::common::cases::reason());
    let after = get(&app, "/api/v1/reports/status", &Tok::supervisor());
    assert_eq!(after["totals"]["cancelled"].as_i64().unwrap(), before["totals"]["cancelled"].as_i64().unwrap() + 1);
    assert_eq!(after["totals"]["opened"], before["totals"]["opened"]);
    assert_eq!(after["totals"]["identity_verified"], before["totals"]["identity_verified"]);
    let t = today();
    let tp = get(&app, &format!("/api/v1/reports/throughput?from={t}&to={t}"), &clerk);
    let row = &tp["rows"][0];
    assert_eq!(row["opened"], 1);
    assert_eq!(row["identity_verified"], 1);
    assert_eq!(row["cancelled"], 1);
    // A completion today shows in today's durations.
    let path = format!("/api/v1/reports/durations?from={t}&to={t}");
    assert_eq!(get(&app, &path, &clerk)["completed"], 0);
    let ex = app.open_case(&clerk, "020255-1234", "express");
    let ex = app.step(&clerk, &ex, "identity-check", &crate::common::cases::identity("020255-1234"));
    let ex =
        app.step(&clerk, &ex, "accompanying-holder", &crate::common::cases::holder("030366-1234", Some("2015-01-01")));
    app.step(&clerk, &ex, "issue-in-full", &json!({}));
    let d = get(&app, &path, &clerk);
    assert_eq!(d["completed"], 1);
    assert_eq!(d["express_opened_to_completed"]["count"], 1);
    assert!(d["express_opened_to_completed"]["median_seconds"].as_f64().unwrap() >= 0.0);
}

/// A completion lands in today's delta row; the fold moves it into its day's and its month's
/// summary rows at once. A range made of whole months reads the month's row, a range of days the
/// day's: both count the completion exactly once, before and after the fold, and every month's
/// row holds exactly the values of its days.
#[test]
fn durations_count_a_completion_once_in_months_and_days_before_and_after_the_fold() {
    let app = seeded();
    let (_, code) = offices(&app).into_iter().find(|(_, c)| c.starts_with("SEED-BS")).unwrap();
    let clerk = Tok::clerk(&code);
    let t = today();
    let first = t.with_day(1).unwrap();
    let last = first.checked_add_months(chrono::Months::new(1)).unwrap() - Days::new(1);
    let month = format!("/api/v1/reports/durations?from={first}&to={last}");
    let day = format!("/api/v1/reports/durations?from={t}&to={t}");
    let express = |path: &str| get(&app, path, &clerk)["express_opened_to_completed"]["count"].as_i64().unwrap();
    let (month_before, day_before) = (express(&month), express(&day));

    app.db.wait_for_fold();
    let ex = app.open_case(&clerk, "020255-1234", "express");
    let ex = app.step(&clerk, &ex, "identity-check", &crate::common::cases::identity("020255-1234"));
    let ex =
        app.step(&clerk, &ex, "accompanying-holder", &crate::common::cases::holder("030366-1234", Some("2015-01-01")));
    app.step(&clerk, &ex, "issue-in-full", &json!({}));
    assert_eq!(express(&month), month_before + 1, "the month, before the fold");
    assert_eq!(express(&day), day_before + 1, "the day, before the fold");

    app.db.wait_for_fold();
    assert_eq!(express(&month), month_before + 1, "the month, after the fold");
    assert_eq!(express(&day), day_before + 1, "the day, after the fold");
    let mismatched = app.db.query_one(
        "SELECT count(*) FROM monthly_durations m FULL JOIN (
             SELECT date_trunc('month', day::timestamp)::date AS month, office_id, kind,
                    sum(length(opened_to_first_half)) AS a, sum(length(posted_to_completed)) AS b,
                    sum(length(express_opened_to_completed)) AS c, sum(posted_completed) AS p,
                    sum(completed_within_window) AS w
             FROM daily_durations GROUP BY 1, 2, 3) d USING (month, office_id, kind)
         WHERE (length(m.opened_to_first_half), length(m.posted_to_completed), length(m.express_opened_to_completed),
                m.posted_completed, m.completed_within_window) IS DISTINCT FROM (d.a, d.b, d.c, d.p, d.w)",
    );
    assert_eq!(mismatched, 0, "every month holds exactly its days");
    assert!(app.db.query_one("SELECT count(*) FROM monthly_durations") > 12);
}
