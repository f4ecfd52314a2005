//! The case lifecycle over HTTP: journeys, refusals, the full action × state table,
//! concurrency, idempotency and the audit trail.

use std::collections::HashMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::common::cases::{ACTIONS, applicant, body_for, holder, identity, reason, step_of};
use crate::common::{TestApp, Tok, logs, problem};

fn setup() -> (TestApp, Tok) {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    (app, Tok::clerk("KBH01"))
}

fn actions_of(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

#[test]
fn standard_journey_with_its_audit_trail() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let case = app.open_case(&clerk, cpr, "standard");
    assert_eq!(case["status"], "opened");
    assert_eq!(case["channel"], "desk");
    assert_eq!(case["version"], 1);
    assert_eq!(case["applicant"]["cpr"], "170893-4321");
    assert_eq!(case["applicant"]["cpr_masked"], "170893-XXXX");
    assert_eq!(case["allowed_actions"], json!(["identity-check", "postal-block", "reject", "cancel"]));
    assert!(
        case["case_number"].as_str().unwrap().starts_with("KBH01-2026-")
            || case["case_number"].as_str().unwrap().starts_with("KBH01-20")
    );
    assert_eq!(case["id"].as_str().unwrap().chars().nth(14), Some('7'), "UUID v7");

    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    assert_eq!(case["status"], "identity_verified");
    assert!(case["identity_verified_at"].is_string());
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    assert_eq!(case["status"], "first_half_issued");
    let nemid = case["nemid_number"].as_str().unwrap().to_string();
    assert_eq!(nemid.len(), 9);
    assert!(nemid.bytes().all(|b| b.is_ascii_digit()));
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    assert_eq!(case["status"], "second_half_posted");
    assert_eq!(case["overdue"], false);
    let posted: chrono::DateTime<chrono::Utc> = case["second_half_posted_at"].as_str().unwrap().parse().unwrap();
    let expected: chrono::NaiveDate = case["second_half_expected_by"].as_str().unwrap().parse().unwrap();
    assert_eq!(expected, nemid_desk::domain::clock::copenhagen_day(posted) + chrono::Days::new(14));
    let case = app.step(&clerk, &case, "activation", &json!({}));
    assert_eq!(case["status"], "completed");
    assert_eq!(case["version"], 5);
    assert!(case["completed_at"].is_string() && case["closed_at"].is_string());
    assert_eq!(case["allowed_actions"], json!([]));
    assert_eq!(case["nemid_number"], nemid);

    let got = app.get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()), &clerk);
    assert_eq!(got.headers().get("etag").unwrap(), "\"5\"");
    let events = app.events(&clerk, &case);
    assert_eq!(actions_of(&events), ["open", "identity-check", "first-half", "second-half", "activation"]);
    let statuses: Vec<(Value, Value)> =
        events.iter().map(|e| (e["from_status"].clone(), e["to_status"].clone())).collect();
    assert_eq!(
        statuses,
        [
            (Value::Null, json!("opened")),
            (json!("opened"), json!("identity_verified")),
            (json!("identity_verified"), json!("first_half_issued")),
            (json!("first_half_issued"), json!("second_half_posted")),
            (json!("second_half_posted"), json!("completed")),
        ]
    );
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as i64 + 1);
        assert_eq!(e["actor"]["sub"], "clerk-1");
        assert_eq!(e["actor"]["role"], "clerk");
        assert_eq!(e["actor"]["office"], "KBH01");
        assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    }
    assert_eq!(events[1]["evidence"]["health_card_shows_applicant"], true);
    assert_eq!(events[1]["evidence"]["photo_id"]["type"], "passport");
    assert_eq!(events[2]["evidence"]["nemid_number"], nemid);
    let trail = serde_json::to_string(&events).unwrap();
    // The full number in either spelling (a bare "4321" also turns up in random ids now and then).
    assert!(!trail.contains("1708934321") && !trail.contains("170893-4321"), "a full CPR number in the audit trail");

    // The log of the whole journey holds no CPR number, masked or not.
    let log = logs::text();
    assert!(log.contains(case["id"].as_str().unwrap()), "the journey was logged");
    assert!(!log.contains("170893"), "a CPR number reached the log");
    // One JSON object per line, and every line a request wrote carries its request id.
    let mut request_lines = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["target"].as_str().is_some_and(|t| t.starts_with("nemid_desk::http")) {
            assert!(v["span"]["request_id"].is_string(), "no request id: {line}");
            request_lines += 1;
        }
    }
    assert!(request_lines >= 10, "{request_lines} request lines");
}

#[test]
fn returned_mail_is_reposted_to_a_corrected_address() {
    let (app, clerk) = setup();
    let cpr = "020304-4321";
    let case = app.open_case(&clerk, cpr, "standard");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    let case = app.step(&clerk, &case, "returned", &json!({"reason": "Addressee unknown"}));
    assert_eq!(case["status"], "returned");
    assert_eq!(case["allowed_actions"], json!(["second-half", "postal-block", "cancel"]));
    let new_address =
        json!({"street": "Nørregade 7, 2. th", "postal_code": "8000", "city": "Aarhus C", "country": "DK"});
    let case = app.step(&clerk, &case, "second-half", &json!({"address": new_address}));
    assert_eq!(case["status"], "second_half_posted");
    assert_eq!(case["applicant"]["address"], new_address);
    let case = app.step(&clerk, &case, "activation", &json!({}));
    assert_eq!(case["status"], "completed");
    let events = app.events(&clerk, &case);
    assert_eq!(
        actions_of(&events),
        ["open", "identity-check", "first-half", "second-half", "returned", "second-half", "activation"]
    );
    assert_eq!(events[4]["evidence"]["reason"], "Addressee unknown");
    assert_eq!(events[5]["evidence"]["address_corrected"], true);
    assert_eq!(case["version"], events.len() as i64);
}

#[test]
fn express_journey_hands_out_both_halves() {
    let (app, clerk) = setup();
    let cpr = "111195-4321";
    let case = app.open_case(&clerk, cpr, "express");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    assert_eq!(case["allowed_actions"], json!(["accompanying-holder", "reject", "cancel"]));
    let case = app.step(&clerk, &case, "accompanying-holder", &holder("020280-1111", Some("2019-03-01")));
    assert_eq!(case["status"], "holder_verified");
    let case = app.step(&clerk, &case, "issue-in-full", &json!({}));
    assert_eq!(case["status"], "completed");
    assert_eq!(case["nemid_number"].as_str().unwrap().len(), 9);
    assert!(case["first_half_issued_at"].is_string() && case["completed_at"].is_string());
    assert!(case["second_half_posted_at"].is_null());
    let events = app.events(&clerk, &case);
    assert_eq!(actions_of(&events), ["open", "identity-check", "accompanying-holder", "issue-in-full"]);
    let h = &events[2]["evidence"]["holder"];
    assert_eq!(h["name"], "Helle Holder");
    assert_eq!(h["nemid_active_since"], "2019-03-01");
    assert!(!serde_json::to_string(&events).unwrap().contains("1111\""));
}

fn express_at_holder_step(app: &TestApp, tok: &Tok, cpr: &str) -> Value {
    let case = app.open_case(tok, cpr, "express");
    app.step(tok, &case, "identity-check", &identity(cpr))
}

fn refused_holder(app: &TestApp, tok: &Tok, case: &Value, body: &Value) -> (String, String) {
    let res = app.act(tok, case, "accompanying-holder", body);
    let p = problem(res, 422);
    let e = &p["errors"][0];
    (e["field"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string())
}

#[test]
fn express_holder_refusals_each_say_why() {
    let (app, clerk) = setup();
    app.office("AAR01", "citizen_service_centre");
    let today = nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now());
    let days_ago = |n: u64| (today - chrono::Days::new(n)).to_string();

    let case = express_at_holder_step(&app, &clerk, "010101-4001");
    // Active 29 days: refused, naming the first day the holder qualifies.
    let (field, msg) = refused_holder(&app, &clerk, &case, &holder("020280-1111", Some(&days_ago(29))));
    assert_eq!(field, "holder.nemid_active_since");
    assert!(msg.contains(&(today + chrono::Days::new(1)).to_string()), "{msg}");
    // The holder is the applicant.
    assert_eq!(refused_holder(&app, &clerk, &case, &holder("010101-4001", Some("2019-01-01"))).0, "holder.cpr");
    // Under 18: turns 18 tomorrow.
    let born = chrono::NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today) - 18,
        chrono::Datelike::month(&(today + chrono::Days::new(1))),
        chrono::Datelike::day(&(today + chrono::Days::new(1))),
    )
    .unwrap();
    let young = format!("{}-4111", born.format("%d%m%y"));
    let (field, msg) = refused_holder(&app, &clerk, &case, &holder(&young, Some("2019-01-01")));
    assert_eq!(field, "holder.cpr", "{msg}");
    assert!(msg.contains("18") && msg.contains(&(today + chrono::Days::new(1)).to_string()), "{msg}");
    // No code card presented.
    let mut no_card = holder("020280-1111", Some("2019-01-01"));
    no_card["holder"]["nemid_card_presented"] = json!(false);
    assert_eq!(refused_holder(&app, &clerk, &case, &no_card).0, "holder.nemid_card_presented");
    // Expired photo ID.
    let mut expired = holder("020280-1111", Some("2019-01-01"));
    expired["holder"]["photo_id"]["expires_on"] = json!(days_ago(1));
    assert_eq!(refused_holder(&app, &clerk, &case, &expired).0, "holder.photo_id.expires_on");
    // Nothing changed by the refusals.
    let now = app.case(&clerk, &case);
    assert_eq!(now["version"], 2);
    assert_eq!(app.events(&clerk, &case).len(), 2);

    // A 4th accompaniment within 120 days, across offices.
    let aarhus = Tok::clerk("AAR01");
    let busy = "030375-1234";
    for (i, tok) in [&clerk, &aarhus, &aarhus].into_iter().enumerate() {
        let c = express_at_holder_step(&app, tok, &format!("0{}0101-400{i}", i + 2));
        app.step(tok, &c, "accompanying-holder", &holder(busy, Some("2019-01-01")));
    }
    let fourth = express_at_holder_step(&app, &clerk, "050101-4005");
    let (field, msg) = refused_holder(&app, &clerk, &fourth, &holder(busy, Some("2019-01-01")));
    assert_eq!(field, "holder");
    assert!(msg.contains(&(today + chrono::Days::new(120)).to_string()), "{msg}");
}

#[test]
fn a_holder_whose_nemid_was_issued_here_30_days_ago_needs_no_date() {
    let (app, clerk) = setup();
    let holder_cpr = "121285-1234";
    // The holder's own case, completed here…
    let own = app.open_case(&clerk, holder_cpr, "standard");
    let own = app.step(&clerk, &own, "identity-check", &identity(holder_cpr));
    let own = app.step(&clerk, &own, "first-half", &json!({}));
    let own = app.step(&clerk, &own, "second-half", &json!({}));
    let own = app.step(&clerk, &own, "activation", &json!({}));
    let case = express_at_holder_step(&app, &clerk, "060606-4006");
    // …today: too recent, and the refusal names the day they qualify.
    let (field, msg) = refused_holder(&app, &clerk, &case, &holder(holder_cpr, None));
    assert_eq!(field, "holder.nemid_active_since");
    assert!(msg.contains("qualify"), "{msg}");
    // …31 days ago (moved back in the database, as if time had passed): qualifies without a
    // date, on the register's active-since day (a declared date would not count).
    let mut conn = app.db.conn();
    conn.batch_execute(&format!(
        "UPDATE cases SET completed_at = now() - interval '31 days', closed_at = now() - interval '31 days' WHERE id = '{0}';
         UPDATE nemids SET active_since = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 31 WHERE case_id = '{0}'",
        own["id"].as_str().unwrap()
    ))
    .unwrap();
    let done = app.step(&clerk, &case, "accompanying-holder", &holder(holder_cpr, Some("2020-01-01")));
    assert_eq!(done["status"], "holder_verified");
    let events = app.events(&clerk, &done);
    assert_eq!(events[2]["evidence"]["holder"]["nemid_active_since_source"], "register");
    assert_ne!(events[2]["evidence"]["holder"]["nemid_active_since"], "2020-01-01");
}

/// Cases in every state each kind can reach, by each identity route and postal situation that
/// matters, with how to get there: kind, postal block at opening, steps (`identity-check-docs`:
/// the secondary-documents route), the state reached.
fn paths() -> Vec<(&'static str, Option<&'static str>, Vec<&'static str>, &'static str)> {
    let np = Some("name_address_protection");
    vec![
        ("standard", None, vec![], "opened"),
        ("standard", None, vec!["identity-check"], "identity_verified"),
        ("standard", None, vec!["identity-check", "first-half"], "first_half_issued"),
        ("standard", None, vec!["identity-check", "first-half", "second-half"], "second_half_posted"),
        ("standard", None, vec!["identity-check", "first-half", "second-half", "returned"], "returned"),
        ("standard", None, vec!["identity-check", "first-half", "second-half", "activation"], "completed"),
        ("standard", None, vec!["cancel"], "cancelled"),
        ("standard", None, vec!["reject"], "rejected"),
        ("standard", None, vec!["identity-check-docs"], "identity_verified"),
        ("standard", None, vec!["identity-check-docs", "post-both"], "both_halves_posted"),
        ("standard", None, vec!["identity-check-docs", "post-both", "returned"], "returned"),
        ("standard", np, vec![], "opened"),
        ("standard", np, vec!["identity-check", "first-half"], "first_half_issued"),
        ("standard", np, vec!["identity-check", "first-half", "hold-for-collection"], "awaiting_collection"),
        ("standard", np, vec!["identity-check-docs"], "identity_verified"),
        ("standard", np, vec!["identity-check-docs", "hold-for-collection", "collect"], "completed"),
        ("express", None, vec![], "opened"),
        ("express", None, vec!["identity-check"], "identity_verified"),
        ("express", None, vec!["identity-check", "accompanying-holder"], "holder_verified"),
        ("express", None, vec!["identity-check", "accompanying-holder", "issue-in-full"], "completed"),
        ("express", None, vec!["identity-check", "cancel"], "cancelled"),
        ("express", None, vec!["identity-check", "reject"], "rejected"),
    ]
}

#[test]
fn every_action_in_every_state_is_allowed_or_409_with_allowed_actions() {
    let (app, clerk) = setup();
    let mut n = 0;
    for (kind, postal_block, path, state) in paths() {
        for action in ACTIONS {
            n += 1;
            let cpr = format!("{:02}0190-{:04}", (n % 28) + 1, n);
            let body = json!({"kind": kind, "applicant": applicant(&cpr), "postal_block": postal_block});
            let res = app.post("/api/v1/cases", &clerk, &body);
            assert_eq!(res.status(), 201);
            let mut case: Value = res.json().unwrap();
            for step in &path {
                let (step, body) = step_of(step, &cpr);
                case = app.step(&clerk, &case, step, &body);
            }
            assert_eq!(case["status"], state);
            app.try_action(&clerk, &case, action, &body_for(action, &cpr));
            // Close what is open, so the CPR numbers can be reused freely.
            let now = app.case(&clerk, &case);
            if !now["status"].as_str().map(|s| ["completed", "cancelled", "rejected"].contains(&s)).unwrap_or(true) {
                app.step(&clerk, &now, "cancel", &reason());
            }
        }
    }
    assert_eq!(n, paths().len() * ACTIONS.len());
}

#[test]
fn if_match_is_required_and_checked() {
    let (app, clerk) = setup();
    let case = app.open_case(&clerk, "010190-1234", "standard");
    let url = app.url(&format!("/api/v1/cases/{}/cancel", case["id"].as_str().unwrap()));
    let tok = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let res = app.client.post(&url).bearer_auth(&tok).json(&reason()).send().unwrap();
    problem(res, 428);
    let res = app.client.post(&url).bearer_auth(&tok).header("if-match", "\"7\"").json(&reason()).send().unwrap();
    problem(res, 412);
    let res = app.client.post(&url).bearer_auth(&tok).header("if-match", "nonsense").json(&reason()).send().unwrap();
    problem(res, 400);
    assert_eq!(app.events(&clerk, &case).len(), 1);
}

#[test]
fn opening_is_refused_for_bad_cpr_age_and_duplicates() {
    let (app, clerk) = setup();
    app.office("DANSKE-0417", "bank_branch");
    let open = |cpr: &str| app.post("/api/v1/cases", &clerk, &json!({"kind": "standard", "applicant": applicant(cpr)}));
    let p = problem(open("310290-1234"), 422);
    assert_eq!(p["errors"][0]["field"], "applicant.cpr");
    assert!(!p.to_string().contains("310290"), "the CPR is echoed");
    let p = problem(open("12345"), 422);
    assert_eq!(p["errors"][0]["field"], "applicant.cpr");
    // Under 15: born this year.
    let today = nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now());
    let baby = format!("{}-4000", (today - chrono::Days::new(1)).format("%d%m%y"));
    let p = problem(open(&baby), 422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("15"));

    app.open_case(&clerk, "010190-1234", "standard");
    let p = problem(open("0101901234"), 409);
    assert_eq!(p["kind"], "open_case_exists");
    // Anywhere: a bank branch is refused too.
    let bank = Tok::bank("DANSKE-0417");
    let res = app.post(
        "/api/v1/cases",
        &bank,
        &json!({"kind": "standard", "applicant": applicant("010190-1234"), "online_banking_agreement": true}),
    );
    problem(res, 409);
    // Bank cases need the agreement.
    let res = app.post("/api/v1/cases", &bank, &json!({"kind": "standard", "applicant": applicant("020190-1234")}));
    assert_eq!(problem(res, 422)["errors"][0]["field"], "online_banking_agreement");
    let c = app.open_case(&bank, "020190-1234", "standard");
    assert_eq!(c["channel"], "bank");
    assert_eq!(c["online_banking_agreement"], true);
    // Fields that only the system sets cannot be sent.
    let res = app.post(
        "/api/v1/cases",
        &clerk,
        &json!({"kind": "standard", "applicant": applicant("030190-1234"), "status": "completed"}),
    );
    problem(res, 422);
}

#[test]
fn parallel_actions_with_one_etag_succeed_once_across_two_processes() {
    let (app, clerk) = setup();
    let second = app.another_process();
    let case = app.open_case(&clerk, "010190-1234", "standard");
    let id = case["id"].as_str().unwrap().to_string();
    let tok = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(20));
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let base = if i % 2 == 0 { app.base.clone() } else { second.base.clone() };
            let (id, tok, barrier) = (id.clone(), tok.clone(), barrier.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                barrier.wait();
                client
                    .post(format!("{base}/api/v1/cases/{id}/identity-check"))
                    .bearer_auth(tok)
                    .header("if-match", "\"1\"")
                    .json(&identity("010190-1234"))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for h in handles {
        *counts.entry(h.join().unwrap()).or_default() += 1;
    }
    assert_eq!(counts.get(&200), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&412), Some(&19), "{counts:?}");
    assert_eq!(app.events(&clerk, &case).len(), 2);
}

#[test]
fn parallel_opens_for_one_cpr_create_one_case_across_two_processes() {
    let (app, clerk) = setup();
    let second = app.another_process();
    let tok = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(20));
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let base = if i % 2 == 0 { app.base.clone() } else { second.base.clone() };
            let (tok, barrier) = (tok.clone(), barrier.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                barrier.wait();
                client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(tok)
                    .json(&json!({"kind": "standard", "applicant": applicant("010190-1234")}))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for h in handles {
        *counts.entry(h.join().unwrap()).or_default() += 1;
    }
    assert_eq!(counts.get(&201), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&409), Some(&19), "{counts:?}");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(&mut app.db.conn()).unwrap().n
}

#[test]
fn a_retried_create_with_the_same_key_returns_the_same_case() {
    let (app, clerk) = setup();
    let tok = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let body = json!({"kind": "standard", "applicant": applicant("010190-1234")});
    let send = |key: &str, body: &Value| {
        app.client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&tok)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .unwrap()
    };
    let first = send("k-1", &body);
    assert_eq!(first.status(), 201);
    let location = first.headers().get("location").unwrap().to_str().unwrap().to_string();
    let first: Value = first.json().unwrap();
    let again = send("k-1", &body);
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotency-replayed").unwrap(), "true");
    assert_eq!(again.headers().get("location").unwrap().to_str().unwrap(), location);
    let again: Value = again.json().unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cases"), 1);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM case_events"), 1);
    // The same key with another body.
    let other = json!({"kind": "express", "applicant": applicant("010190-1234")});
    assert_eq!(problem(send("k-1", &other), 422)["kind"], "idempotency_key_reused");
    // Keys are per caller: another staff member's k-1 is a new request (refused: the CPR has an open case).
    let mut other = crate::common::tokens::claims("clerk", Some("KBH01"));
    other["sub"] = json!("clerk-2");
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(crate::common::tokens::hs256(&other))
        .header("idempotency-key", "k-1")
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(problem(res, 409)["kind"], "open_case_exists");
    // Actions replay too, without a second event.
    let case = first;
    let act = |key: &str| {
        app.client
            .post(app.url(&format!("/api/v1/cases/{}/cancel", case["id"].as_str().unwrap())))
            .bearer_auth(&tok)
            .header("if-match", "\"1\"")
            .header("idempotency-key", key)
            .json(&reason())
            .send()
            .unwrap()
    };
    assert_eq!(act("c-1").status(), 200);
    let replay = act("c-1");
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers().get("etag").unwrap(), "\"2\"");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM case_events"), 2);
}

#[test]
fn a_key_still_in_flight_is_409_and_a_failed_attempt_frees_it() {
    let (app, clerk) = setup();
    let tok = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let body = json!({"kind": "standard", "applicant": applicant("010190-1234")});
    let send = |key: &str| {
        app.client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&tok)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .unwrap()
    };
    // Another request with this key is running: its transaction holds the key's lock.
    let mut other = app.db.conn();
    other
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('clerk-1' || E'\\n' || 'busy', 0))")
        .unwrap();
    assert_eq!(problem(send("busy"), 409)["kind"], "idempotency_key_in_flight");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cases"), 0);
    // That request died (its transaction ended without an answer): the key is free at once.
    other.batch_execute("ROLLBACK").unwrap();
    assert_eq!(send("busy").status(), 201);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cases"), 1);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM idempotency_keys"), 1);
    // A record older than 24 hours no longer counts: the key is used afresh, for another body.
    app.db.conn().batch_execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'").unwrap();
    let other_body = json!({"kind": "standard", "applicant": applicant("020290-1234")});
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&tok)
        .header("idempotency-key", "busy")
        .json(&other_body)
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cases"), 2);
}

#[test]
fn events_cannot_be_changed_or_deleted() {
    let (app, clerk) = setup();
    app.open_case(&clerk, "010190-1234", "standard");
    let mut conn = app.db.conn();
    for sql in ["UPDATE case_events SET action = 'forged'", "DELETE FROM case_events", "TRUNCATE case_events"] {
        let err = conn.batch_execute(sql).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM case_events WHERE action = 'open'"), 1);
}

#[test]
fn other_offices_see_nothing_and_lists_mask_cpr() {
    let (app, clerk) = setup();
    app.office("AAR01", "citizen_service_centre");
    let case = app.open_case(&clerk, "010190-1234", "standard");
    let id = case["id"].as_str().unwrap();
    let other = Tok::clerk("AAR01");
    let unknown = problem(app.get("/api/v1/cases/0190f1c4-aaaa-7000-8000-000000000000", &other), 404);
    let hidden = problem(app.get(&format!("/api/v1/cases/{id}"), &other), 404);
    assert_eq!(unknown, hidden, "another office's case answers exactly like an unknown id");
    problem(app.get(&format!("/api/v1/cases/{id}/events"), &other), 404);
    problem(app.act(&other, &case, "cancel", &reason()), 404);
    let page: Value = app.post("/api/v1/cases/search", &other, &json!({})).json().unwrap();
    assert_eq!(page["items"], json!([]));

    let page: Value =
        app.post("/api/v1/cases/search", &Tok::supervisor(), &json!({"cpr": "0101901234"})).json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let item = &page["items"][0];
    assert_eq!(item["applicant"]["cpr_masked"], "010190-XXXX");
    assert!(item["applicant"].get("cpr").is_none(), "lists carry the masked CPR only");
    let page: Value = app.get("/api/v1/cases?status=opened", &clerk).json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["items"][0]["applicant"].get("cpr").is_none());
    problem(app.get("/api/v1/cases?status=bogus", &clerk), 400);
    problem(app.post("/api/v1/cases/search", &clerk, &json!({"limit": 101})), 400);
}

#[test]
fn search_pages_by_keyset_and_filters() {
    let (app, clerk) = setup();
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = app.open_case(&clerk, &format!("0{}0190-1234", i + 1), if i % 2 == 0 { "standard" } else { "express" });
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut body = json!({"limit": 2});
    loop {
        let page: Value = app.post("/api/v1/cases/search", &clerk, &body).json().unwrap();
        for it in page["items"].as_array().unwrap() {
            seen.push(it["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => body = json!({"limit": 2, "cursor": c}),
            None => break,
        }
    }
    assert_eq!(seen, ids, "newest first, no gaps or repeats");
    let page: Value = app.post("/api/v1/cases/search", &clerk, &json!({"kind": "express"})).json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let page: Value = app.post("/api/v1/cases/search", &clerk, &json!({"overdue": true})).json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
}

#[test]
fn supervisors_find_a_case_by_its_number_across_offices() {
    let (app, kbh) = setup();
    app.office("ARH01", "citizen_service_centre");
    let arh = Tok::clerk("ARH01");
    let theirs = app.open_case(&arh, "010190-1234", "standard");
    app.open_case(&kbh, "020280-1111", "standard");
    let number = theirs["case_number"].as_str().unwrap();
    let find = |tok: &Tok, body: Value| -> Value { app.post("/api/v1/cases/search", tok, &body).json().unwrap() };
    let found = find(&Tok::supervisor(), json!({"case_number": number}));
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], theirs["id"]);
    assert_eq!(items[0]["office_code"], "ARH01");
    assert!(items[0]["applicant"].get("cpr").is_none(), "lists show the masked number only");
    // Combined with the other filters, and scoped like every list: another office's clerk finds nothing.
    let found = find(&Tok::supervisor(), json!({"case_number": number, "status": ["completed"]}));
    assert_eq!(found["items"].as_array().unwrap().len(), 0);
    let found = find(&kbh, json!({"case_number": number}));
    assert_eq!(found["items"].as_array().unwrap().len(), 0);
    let p = problem(app.post("/api/v1/cases/search", &Tok::supervisor(), &json!({"case_number": "not a number"})), 422);
    assert_eq!(p["errors"][0]["field"], "case_number");
}

/// Openings at one office share no row: 16 at once get 16 distinct numbers of the office's
/// series for the year, in the OFFICE-YEAR-NNNNNN shape; the status counts see every one of them
/// at once (summary plus deltas), and still after the background fold has merged the deltas.
#[test]
fn concurrent_openings_get_distinct_numbers_and_exact_counts_before_and_after_the_fold() {
    let (app, clerk) = setup();
    let Tok::Raw(token) = &clerk else { unreachable!() };
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let (base, token) = (app.base.clone(), token.clone());
            std::thread::spawn(move || {
                let cpr = format!("{:02}0190-{:04}", i + 1, 1000 + i);
                let res = reqwest::blocking::Client::new()
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "standard", "applicant": applicant(&cpr)}))
                    .send()
                    .unwrap();
                assert_eq!(res.status(), 201);
                res.json::<Value>().unwrap()["case_number"].as_str().unwrap().to_string()
            })
        })
        .collect();
    let mut numbers: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    numbers.sort();
    let year = nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now()).format("%Y").to_string();
    let shape = regex_lite_shape(&year);
    assert!(numbers.iter().all(|n| shape(n)), "{numbers:?}");
    let expected: Vec<String> = (1..=16).map(|n| format!("KBH01-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "distinct, and without gaps when no opening failed");

    let opened = |app: &TestApp| {
        let r: Value = app.get("/api/v1/reports/status", &Tok::supervisor()).json().unwrap();
        r["totals"]["opened"].as_i64().unwrap()
    };
    assert_eq!(opened(&app), 16, "exact before the fold");
    app.db.wait_for_fold();
    assert_eq!(app.db.query_one("SELECT count(*) FROM case_status_deltas"), 0, "the fold ran");
    assert_eq!(app.db.query_one("SELECT count(*) FROM daily_activity_deltas"), 0, "the fold ran");
    assert_eq!(
        app.db.query_one("SELECT coalesce(sum(n), 0)::bigint AS count FROM case_status_counts WHERE status = 'opened'"),
        16
    );
    assert_eq!(opened(&app), 16, "exact after the fold");
}

/// `OFFICE-YEAR-NNNNNN` for KBH01 in `year`.
fn regex_lite_shape(year: &str) -> impl Fn(&str) -> bool + '_ {
    move |n: &str| {
        n.strip_prefix("KBH01-")
            .and_then(|r| r.strip_prefix(year))
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|d| d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()))
    }
}

#[test]
fn case_numbers_have_six_digits_at_least_and_grow_past_a_million() {
    let (app, clerk) = setup();
    let open = |cpr: &str| {
        let res = app.post("/api/v1/cases", &clerk, &json!({"kind": "standard", "applicant": applicant(cpr)}));
        assert_eq!(res.status(), 201);
        res.json::<Value>().unwrap()["case_number"].as_str().unwrap().to_string()
    };
    let year = nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now()).format("%Y").to_string();
    assert_eq!(open("010190-1000"), format!("KBH01-{year}-000001"));
    // The office's series far on: its sequence 999,999 past the year's base.
    let moved = app.db.query_one(&format!(
        "SELECT setval(case_number_sequence(o.id), y.base + 999999) AS count
         FROM offices o JOIN case_number_years y ON y.office_id = o.id AND y.year = {year} WHERE o.code = 'KBH01'"
    ));
    assert!(moved >= 999_999, "{moved}");
    assert_eq!(open("020190-1001"), format!("KBH01-{year}-1000000"));
}
