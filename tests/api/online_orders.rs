//! The online order (docs/DOMAIN.md "Online order"): no token, the same answer whatever matched,
//! silent refusals recorded for fraud review, abuse limits, one case for concurrent orders, the
//! production register adapter, the report.

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use reqwest::blocking::Response;
use serde_json::{Value, json};

use crate::common::app::test_vault;
use crate::common::cases::applicant;
use crate::common::receiver::Receiver;
use crate::common::{TestApp, Tok, problem};

/// Limits high enough not to interfere, for tests about something else.
const NO_LIMITS: [(&str, &str); 4] = [
    ("ONLINE_LIMIT_CLIENT_PER_HOUR", "1000"),
    ("ONLINE_LIMIT_CLIENT_PER_DAY", "1000"),
    ("ONLINE_LIMIT_CPR_PER_HOUR", "1000"),
    ("ONLINE_LIMIT_CPR_PER_DAY", "1000"),
];

const ANNE: &str = "010190-1234";

fn today() -> chrono::NaiveDate {
    nemid_desk::domain::clock::copenhagen_day(Utc::now())
}

/// The development registers for these tests, with dates relative to today so they never age.
fn registers() -> Value {
    let t = today();
    let later = (t + chrono::Days::new(3 * 365)).to_string();
    let address = json!({"street": "Vestergade 12", "postal_code": "7100", "city": "Vejle", "country": "DK"});
    // Fifteen tomorrow: under age today.
    let young = t.with_year(t.year() - 15).unwrap_or(t) + chrono::Days::new(1);
    let young_cpr = format!("{}-4{:03}", young.format("%d%m%y"), 567);
    json!({
        "persons": [
            {"cpr": ANNE, "name": "Anne Online", "address": address},
            {"cpr": "020285-2345", "name": "Bo Beskyttet", "address": address, "name_address_protection": true},
            {"cpr": "030370-3456", "name": "Carl Uden Adresse", "address": null},
            {"cpr": young_cpr, "name": "Dorte Ung", "birth_date": young, "address": address},
            {"cpr": "040460-5678", "name": "Erik Afdød", "alive": false, "address": address},
            {"cpr": "060675-1111", "name": "Frida Først", "address": address}
        ],
        "passports": [
            {"number": "AB1234567", "cpr": ANNE, "expires_on": later},
            {"number": "TODAY1234", "cpr": ANNE, "expires_on": t.to_string()},
            {"number": "OLD123456", "cpr": ANNE, "expires_on": (t - chrono::Days::new(1)).to_string()},
            {"number": "CA1234567", "cpr": "030370-3456", "expires_on": later},
            {"number": "DU1234567", "cpr": young_cpr, "expires_on": later},
            {"number": "ER1234567", "cpr": "040460-5678", "expires_on": later},
            {"number": "FR1234567", "cpr": "060675-1111", "expires_on": later}
        ],
        "drivers_licences": [
            {"number": "12345678", "cpr": ANNE, "expires_on": later},
            {"number": "87654321", "cpr": "020285-2345", "expires_on": later}
        ]
    })
}

fn load_registers(app: &TestApp, file: &Value) {
    let vault = test_vault();
    let (persons, documents) = nemid_desk::online::import::parse(&file.to_string(), &vault).expect("registers file");
    nemid_desk::online::import::load(&mut app.db.conn(), &persons, &documents).expect("load registers");
}

/// A server with the online office and the test registers.
fn online_app(extra: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn_with(extra);
    app.office("ONLINE", "online_service");
    load_registers(&app, &registers());
    app
}

fn order(app: &TestApp, cpr: &str, kind: &str, number: &str) -> Response {
    app.client
        .post(app.url("/api/v1/online-orders"))
        .json(&json!({"cpr": cpr, "document": {"type": kind, "number": number}}))
        .send()
        .expect("request")
}

/// Waits until `n` orders are decided.
fn wait_decided(app: &TestApp, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = app.db.query_one("SELECT count(*) FROM online_orders WHERE outcome IS NOT NULL");
        if done >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{done} of {n} orders decided");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn outcome_count(app: &TestApp, outcome: &str) -> i64 {
    app.db.query_one(&format!("SELECT count(*) FROM online_orders WHERE outcome = '{outcome}'"))
}

/// The answer without what differs between any two answers (date, request id), header names in
/// lower case and sorted.
fn comparable(res: Response) -> (u16, Vec<(String, String)>, String) {
    let status = res.status().as_u16();
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    headers.sort();
    (status, headers, res.text().expect("body"))
}

fn online_case_id(app: &TestApp) -> String {
    let tok = Tok::supervisor();
    let res = app.get("/api/v1/cases?kind=online", &tok);
    assert_eq!(res.status(), 200);
    let list: Value = res.json().unwrap();
    list["items"][0]["id"].as_str().expect("an online case").to_string()
}

#[test]
fn a_matching_and_a_non_matching_order_get_the_same_answer_and_only_the_match_becomes_a_case() {
    let app = online_app(&NO_LIMITS);
    let matching = comparable(order(&app, ANNE, "passport", "ab 123 4567"));
    let wrong_number = comparable(order(&app, ANNE, "passport", "ZZ9999999"));
    let unknown_person = comparable(order(&app, "311299-9999", "drivers_licence", "12345678"));
    assert_eq!(matching.0, 202, "{}", matching.2);
    assert_eq!(matching, wrong_number, "a non-matching order must be answered exactly like a matching one");
    assert_eq!(matching, unknown_person);
    let body: Value = serde_json::from_str(&matching.2).unwrap();
    assert_eq!(body["status"], "received");
    assert_eq!(body["posting_days"], 10);
    assert!(body["message_da"].as_str().unwrap().contains("10 dage"));

    wait_decided(&app, 3);
    assert_eq!(outcome_count(&app, "case_made"), 1);
    assert_eq!(outcome_count(&app, "document_not_found"), 1);
    assert_eq!(outcome_count(&app, "person_not_found"), 1);
    // Decided orders keep nothing but blind indexes and the outcome.
    assert_eq!(
        app.db.query_one(
            "SELECT count(*) FROM online_orders WHERE cpr_sealed IS NOT NULL OR document_number_sealed IS NOT NULL"
        ),
        0
    );

    // The supervisor sees the case like any office's: both halves posted, expected in 10 days.
    let sup = Tok::supervisor();
    let id = online_case_id(&app);
    let case: Value = app.get(&format!("/api/v1/cases/{id}"), &sup).json().unwrap();
    assert_eq!(case["kind"], "online");
    assert_eq!(case["channel"], "online");
    assert_eq!(case["status"], "both_halves_posted");
    assert_eq!(case["office_code"], "ONLINE");
    assert_eq!(case["applicant"]["name"], "Anne Online");
    assert_eq!(case["applicant"]["address"]["city"], "Vejle");
    assert_eq!(case["second_half_expected_by"], (today() + chrono::Days::new(10)).to_string());
    assert!(case["case_number"].as_str().unwrap().starts_with(&format!("ONLINE-{}-", today().year())));
    let number = case["nemid_number"].as_str().expect("the case's NemID").to_string();
    let nemid = app.nemid(&sup, &number);
    assert_eq!(nemid["state"], "pending");
    assert_eq!(nemid["cards"][0]["state"], "in_transit");
    // The two letters as the posting service prints them: to the CPR address, no secret the
    // product does not hold, no CPR number.
    for kind in ["online-letter-1", "online-letter-2"] {
        let res = app.get(&format!("/api/v1/cases/{id}/documents/{kind}"), &sup);
        assert_eq!(res.status(), 200, "{kind}");
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let text = crate::documents::text_of(&res.bytes().unwrap(), kind);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("Anne Online") && text.contains("Vestergade 12") && text.contains("7100 Vejle"),
            "{text}"
        );
        assert!(text.contains(&number), "the user id: {text}");
        assert!(
            !text.contains("010190-1234") && !text.contains("0101901234") && !text.contains("010190-XXXX"),
            "{text}"
        );
    }
    assert_eq!(app.get(&format!("/api/v1/cases/{id}/documents/receipt"), &sup).status(), 404);
    let events = app.events(&sup, &case);
    assert_eq!(events[0]["action"], "open");
    assert_eq!(events[0]["to_status"], "both_halves_posted");
    assert_eq!(events[0]["actor"]["role"], "system");
}

#[test]
fn malformed_orders_are_422_per_field_and_nothing_is_recorded() {
    let app = online_app(&NO_LIMITS);
    let post = |body: Value| app.client.post(app.url("/api/v1/online-orders")).json(&body).send().unwrap();
    let cases = [
        (json!({"cpr": "123", "document": {"type": "passport", "number": "AB1234567"}}), "cpr"),
        (json!({"cpr": ANNE, "document": {"type": "passport", "number": "AB-12"}}), "document.number"),
        (json!({"cpr": ANNE, "document": {"type": "id_card", "number": "AB1234567"}}), "document.type"),
        (json!({"cpr": ANNE, "document": {"type": "passport", "number": "AB1234567"}, "name": "x"}), "name"),
        (json!({"cpr": ANNE}), "document"),
    ];
    for (body, field) in cases {
        let p = problem(post(body.clone()), 422);
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{body}: {fields:?}");
    }
    let res = app
        .client
        .post(app.url("/api/v1/online-orders"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .unwrap();
    problem(res, 400);
    assert_eq!(app.db.query_one("SELECT count(*) FROM online_orders"), 0);
}

#[test]
fn every_refusal_is_silent_and_recorded_with_its_reason() {
    let app = online_app(&NO_LIMITS);
    let young = registers()["persons"][3]["cpr"].as_str().unwrap().to_string();
    let refusals = [
        (young.as_str(), "passport", "DU1234567", "under_age"),
        ("040460-5678", "passport", "ER1234567", "not_alive"),
        ("030370-3456", "passport", "CA1234567", "no_postal_address"),
        ("020285-2345", "drivers_licence", "87654321", "name_address_protection"),
        (ANNE, "drivers_licence", "87654321", "document_not_persons"),
        (ANNE, "passport", "OLD123456", "document_expired"),
        // A passport number is not a driving licence's.
        (ANNE, "drivers_licence", "AB1234567", "document_not_found"),
    ];
    let first = comparable(order(&app, refusals[0].0, refusals[0].1, refusals[0].2));
    for (cpr, kind, number, _) in &refusals[1..] {
        assert_eq!(comparable(order(&app, cpr, kind, number)), first, "{cpr} {number}");
    }
    wait_decided(&app, refusals.len() as i64);
    for (_, _, number, outcome) in refusals {
        assert_eq!(outcome_count(&app, outcome), 1, "{number}: {outcome}");
    }
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 0);

    // Valid through its expiry day; then an open case, then (once active) a NemID, refuse.
    assert_eq!(order(&app, ANNE, "passport", "TODAY1234").status(), 202);
    wait_decided(&app, 8);
    assert_eq!(outcome_count(&app, "case_made"), 1);
    assert_eq!(order(&app, ANNE, "passport", "AB1234567").status(), 202);
    wait_decided(&app, 9);
    assert_eq!(outcome_count(&app, "open_case"), 1);
    let clerk = Tok::clerk("ONLINE");
    let case = app.case(&Tok::supervisor(), &json!({"id": online_case_id(&app)}));
    let done = app.step(&clerk, &case, "activation", &json!({}));
    assert_eq!(done["status"], "completed");
    assert_eq!(order(&app, ANNE, "drivers_licence", "12345678").status(), 202);
    wait_decided(&app, 10);
    assert_eq!(outcome_count(&app, "nemid_exists"), 1);
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 1);
}

#[test]
fn abuse_limits_answer_429_with_retry_after_per_client_and_per_cpr() {
    // Per client: two an hour.
    let app = online_app(&[
        ("ONLINE_LIMIT_CLIENT_PER_HOUR", "2"),
        ("ONLINE_LIMIT_CLIENT_PER_DAY", "100"),
        ("ONLINE_LIMIT_CPR_PER_HOUR", "100"),
        ("ONLINE_LIMIT_CPR_PER_DAY", "100"),
    ]);
    assert_eq!(order(&app, ANNE, "passport", "ZZ0000001").status(), 202);
    assert_eq!(order(&app, "060675-1111", "passport", "ZZ0000002").status(), 202);
    let res = order(&app, "020285-2345", "passport", "ZZ0000003");
    let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry), "Retry-After {retry}");
    let p = problem(res, 429);
    assert_eq!(p["kind"], "too_many_requests");
    assert_eq!(outcome_count(&app, "rate_limited"), 1);
    // Rate-limited attempts do not count towards the limit, but stay refused while it holds.
    assert_eq!(order(&app, ANNE, "passport", "ZZ0000004").status(), 429);
    assert_eq!(outcome_count(&app, "rate_limited"), 2);

    // Per CPR number: three a day (the default), whichever client sends them.
    let app = online_app(&[("ONLINE_LIMIT_CLIENT_PER_HOUR", "100"), ("ONLINE_LIMIT_CLIENT_PER_DAY", "100")]);
    for n in 0..3 {
        assert_eq!(order(&app, ANNE, "passport", &format!("ZZ000001{n}")).status(), 202);
    }
    let res = order(&app, ANNE, "passport", "AB1234567");
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429);
    assert_eq!(order(&app, "060675-1111", "passport", "FR1234567").status(), 202, "another CPR number is not limited");
    wait_decided(&app, 5);
    // The limited order was not looked at: Anne has no case, Frida has.
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 1);
}

#[test]
fn concurrent_identical_orders_make_one_case() {
    let app = online_app(&NO_LIMITS);
    let answers: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..8).map(|_| s.spawn(|| order(&app, ANNE, "passport", "AB1234567").status().as_u16())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|s| *s == 202), "{answers:?}");
    wait_decided(&app, 8);
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 1);
    assert_eq!(app.db.query_one("SELECT count(*) FROM nemids"), 1);
    assert_eq!(outcome_count(&app, "case_made"), 1);
    assert_eq!(outcome_count(&app, "open_case"), 7);
}

#[test]
fn two_servers_deciding_one_persons_orders_make_one_case() {
    let app = online_app(&NO_LIMITS);
    let other = app.another_process_with(&NO_LIMITS);
    let bases = [app.base.clone(), other.base.clone()];
    // Both servers' workers decide: the orders arrive at both at once.
    let answers: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let base = bases[i % 2].clone();
                let client = app.client.clone();
                s.spawn(move || {
                    client
                        .post(format!("{base}/api/v1/online-orders"))
                        .json(&json!({"cpr": ANNE, "document": {"type": "passport", "number": "AB1234567"}}))
                        .send()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|s| *s == 202), "{answers:?}");
    wait_decided(&app, 8);
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 1);
    assert_eq!(outcome_count(&app, "case_made"), 1);
    assert_eq!(outcome_count(&app, "open_case"), 7);
}

#[test]
fn a_burst_against_the_limit_lets_exactly_the_limit_through_and_is_recorded_compactly() {
    let app = online_app(&[
        ("ONLINE_LIMIT_CLIENT_PER_HOUR", "1000"),
        ("ONLINE_LIMIT_CLIENT_PER_DAY", "1000"),
        ("ONLINE_LIMIT_CPR_PER_HOUR", "3"),
    ]);
    let answers: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let app = &app;
                s.spawn(move || order(app, ANNE, "passport", &format!("ZZ00000{i:02}")).status().as_u16())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|s| **s == 202).count(), 3, "{answers:?}");
    assert_eq!(answers.iter().filter(|s| **s == 429).count(), 9, "{answers:?}");
    // Nine refused attempts within a minute: one record that counts them.
    assert_eq!(app.db.query_one("SELECT count(*) FROM online_orders WHERE outcome = 'rate_limited'"), 1);
    assert_eq!(
        app.db.query_one("SELECT sum(attempts)::bigint AS count FROM online_orders WHERE outcome = 'rate_limited'"),
        9
    );
    wait_decided(&app, 4);
    let day = today().to_string();
    let report: Value =
        app.get(&format!("/api/v1/reports/online-orders?from={day}&to={day}"), &Tok::supervisor()).json().unwrap();
    assert_eq!(report["totals"]["rate_limited"], 9);
    assert_eq!(report["totals"]["attempts"], 12);
}

#[test]
fn an_order_the_registers_never_answer_is_given_up_and_its_numbers_removed() {
    let cpr = Receiver::start();
    cpr.answer(503);
    let base = cpr.url.trim_end_matches("/hooks").to_string();
    let mut env: Vec<(&str, &str)> = NO_LIMITS.to_vec();
    env.extend([
        ("REGISTERS", "remote"),
        ("CPR_REGISTER_URL", base.as_str()),
        ("PASSPORT_REGISTER_URL", base.as_str()),
        ("DRIVERS_LICENCE_REGISTER_URL", base.as_str()),
        ("ONLINE_REGISTER_RETRY_BASE_MS", "60000"),
    ]);
    let app = TestApp::spawn_with(&env);
    app.office("ONLINE", "online_service");
    assert_eq!(order(&app, ANNE, "passport", "AB1234567").status(), 202);
    cpr.wait_for(2, Duration::from_secs(10));
    let waiting = "SELECT count(*) FROM online_orders WHERE outcome IS NULL AND cpr_sealed IS NOT NULL";
    assert_eq!(app.db.query_one(waiting), 1, "it waits for the registers, its numbers sealed");
    // A day later (the retry window), the daily run gives it up, worker or not.
    let later = Utc::now() + chrono::Duration::hours(25);
    let (given_up, deleted) =
        nemid_desk::retention::purge_online_orders(&mut app.db.conn(), later, 365, Duration::from_secs(24 * 3600))
            .unwrap();
    assert_eq!((given_up, deleted), (1, 0));
    assert_eq!(app.db.query_one(waiting), 0);
    assert_eq!(outcome_count(&app, "registers_unavailable"), 1);
    assert_eq!(app.db.query_one("SELECT count(*) FROM online_orders WHERE cpr_sealed IS NOT NULL"), 0);
}

#[test]
fn online_ordering_is_off_without_registers() {
    let app = TestApp::spawn_with(&[("REGISTERS", "off")]);
    let p = problem(order(&app, ANNE, "passport", "AB1234567"), 503);
    assert_eq!(p["kind"], "online_ordering_unavailable");
    // Malformed input is still told apart.
    problem(order(&app, "1", "passport", "AB1234567"), 422);
    assert_eq!(app.db.query_one("SELECT count(*) FROM online_orders"), 0);
}

#[test]
fn an_online_case_is_returned_posted_again_and_activated_by_the_online_service() {
    let app = online_app(&NO_LIMITS);
    assert_eq!(order(&app, ANNE, "passport", "AB1234567").status(), 202);
    wait_decided(&app, 1);
    let clerk = Tok::clerk("ONLINE");
    let case = app.case(&clerk, &json!({"id": online_case_id(&app)}));
    assert_eq!(case["allowed_actions"], json!(["returned", "activation", "cancel"]));
    // Nobody at a desk sees it.
    app.office("KBH01", "citizen_service_centre");
    let res = app.get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()), &Tok::clerk("KBH01"));
    assert_eq!(res.status(), 404);
    let back = app.step(&clerk, &case, "returned", &json!({"reason": "moved"}));
    assert_eq!(back["status"], "returned");
    assert_eq!(back["allowed_actions"], json!(["post-both", "cancel"]));
    let again = app.step(&clerk, &back, "post-both", &json!({}));
    assert_eq!(again["status"], "both_halves_posted");
    let done = app.step(&clerk, &again, "activation", &json!({}));
    assert_eq!(done["status"], "completed");
    let nemid = app.nemid(&Tok::supervisor(), done["nemid_number"].as_str().unwrap());
    assert_eq!(nemid["state"], "active");
    // One card throughout: the returned one went out again.
    assert_eq!(nemid["cards"].as_array().unwrap().len(), 1);
    assert_eq!(nemid["cards"][0]["state"], "active");
    // The online service has no desk: its clerks open no cases.
    let res = app.post("/api/v1/cases", &clerk, &json!({"kind": "standard", "applicant": applicant("060675-1111")}));
    problem(res, 403);
    // And nobody opens an online case at a desk.
    let res = app.post(
        "/api/v1/cases",
        &Tok::clerk("KBH01"),
        &json!({"kind": "online", "applicant": applicant("060675-1111")}),
    );
    let p = problem(res, 422);
    assert_eq!(p["errors"][0]["field"], "kind");
}

#[test]
fn the_production_adapter_asks_each_register_once_per_attempt_and_retries_until_they_answer() {
    let cpr = Receiver::start();
    let passports = Receiver::start();
    let licences = Receiver::start();
    let later = (today() + chrono::Days::new(400)).to_string();
    cpr.reply(|r| match r.json()["cpr"].as_str() {
        Some("0101901234") => (
            200,
            json!({"name": "Anne Online", "birth_date": "1990-01-01", "alive": true, "name_address_protection": false,
                   "address": {"street": "Vestergade 12", "postal_code": "7100", "city": "Vejle", "country": "DK"}})
            .to_string(),
        ),
        _ => (404, String::new()),
    });
    let holder = later.clone();
    passports.reply(move |r| match r.json()["number"].as_str() {
        Some("AB1234567") => (200, json!({"cpr": "0101901234", "expires_on": holder}).to_string()),
        _ => (404, String::new()),
    });
    licences.reply(|_| (404, String::new()));
    let base = |r: &Receiver| r.url.trim_end_matches("/hooks").to_string();
    let mut env: Vec<(&str, &str)> = NO_LIMITS.to_vec();
    let (c, p, l) = (base(&cpr), base(&passports), base(&licences));
    env.extend([
        ("REGISTERS", "remote"),
        ("CPR_REGISTER_URL", c.as_str()),
        ("PASSPORT_REGISTER_URL", p.as_str()),
        ("DRIVERS_LICENCE_REGISTER_URL", l.as_str()),
        ("ONLINE_REGISTER_RETRY_BASE_MS", "50"),
    ]);
    let app = TestApp::spawn_with(&env);
    app.office("ONLINE", "online_service");

    // A non-matching order asks the CPR register and the passport register once each, like a
    // matching one.
    assert_eq!(order(&app, "311299-9999", "passport", "ZZ9999999").status(), 202);
    wait_decided(&app, 1);
    assert_eq!(cpr.received().len(), 1);
    assert_eq!(passports.received().len(), 1);
    assert_eq!(licences.received().len(), 0);
    assert_eq!(cpr.received()[0].path, "/lookup");
    assert_eq!(cpr.received()[0].json(), json!({"cpr": "3112999999"}));

    // The CPR register fails twice: the order waits and is tried again, then made.
    cpr.fail_first(2);
    assert_eq!(order(&app, ANNE, "passport", "AB1234567").status(), 202);
    wait_decided(&app, 2);
    assert_eq!(cpr.received().len(), 4, "two failures and the answer");
    assert_eq!(passports.received().len(), 4, "asked on every attempt");
    assert_eq!(outcome_count(&app, "case_made"), 1);
    let attempts = app.db.query_one("SELECT attempts::bigint AS count FROM online_orders WHERE outcome = 'case_made'");
    assert_eq!(attempts, 3);
}

#[test]
fn the_report_counts_attempts_cases_refusals_and_limits_per_day() {
    let app = online_app(&[
        ("ONLINE_LIMIT_CLIENT_PER_HOUR", "100"),
        ("ONLINE_LIMIT_CLIENT_PER_DAY", "100"),
        ("ONLINE_LIMIT_CPR_PER_HOUR", "2"),
    ]);
    order(&app, ANNE, "passport", "AB1234567");
    order(&app, ANNE, "passport", "OLD123456");
    order(&app, ANNE, "passport", "ZZ1111111");
    order(&app, "030370-3456", "passport", "CA1234567");
    wait_decided(&app, 4);
    let day = today().to_string();
    let path = format!("/api/v1/reports/online-orders?from={day}&to={day}");
    let res = app.get(&path, &Tok::supervisor());
    assert_eq!(res.status(), 200);
    let report: Value = res.json().unwrap();
    let d = &report["days"][0];
    assert_eq!(d["day"], day);
    assert_eq!(d["attempts"], 4);
    assert_eq!(d["cases_made"], 1);
    assert_eq!(d["refused"], 2);
    assert_eq!(d["refused_by_reason"]["document_expired"], 1);
    assert_eq!(d["refused_by_reason"]["no_postal_address"], 1);
    assert_eq!(d["rate_limited"], 1);
    assert_eq!(d["waiting"], 0);
    assert_eq!(report["totals"]["attempts"], 4);
    let csv = crate::common::tokens::auth(app.request(reqwest::Method::GET, &path), &Tok::supervisor())
        .header("accept", "text/csv")
        .send()
        .unwrap()
        .text()
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("day,attempts,cases_made,refused,rate_limited"));
    assert!(lines[1].starts_with(&format!("{day},4,1,2,1,0,0,")), "{}", lines[1]);
    // Fraud data: supervisors only.
    app.office("KBH01", "citizen_service_centre");
    assert_eq!(app.get(&path, &Tok::clerk("KBH01")).status(), 403);
}
