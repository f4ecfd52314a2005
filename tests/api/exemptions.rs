//! Exemption from Digital Post: register, decide, revoke, with the audit trail checked event by event.

use serde_json::{Value, json};

use crate::common::tokens;
use crate::common::{TestApp, Tok, problem};

fn setup() -> (TestApp, Tok) {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    (app, Tok::clerk("KBH01"))
}

fn register_body(cpr: &str) -> Value {
    json!({"citizen": {"cpr": cpr, "name": "Else Hansen"}, "reason": "language", "declaration": "in_person"})
}

fn register(app: &TestApp, tok: &Tok, body: &Value) -> Value {
    let res = app.post("/api/v1/exemptions", tok, body);
    assert_eq!(res.status(), 201, "register");
    let etag = res.headers().get("etag").unwrap().to_str().unwrap().to_string();
    let location = res.headers().get("location").unwrap().to_str().unwrap().to_string();
    let v: Value = res.json().unwrap();
    assert_eq!(etag, format!("\"{}\"", v["version"]));
    assert_eq!(location, format!("/api/v1/exemptions/{}", v["id"].as_str().unwrap()));
    v
}

fn act(app: &TestApp, tok: &Tok, ex: &Value, what: &str, body: &Value) -> reqwest::blocking::Response {
    let id = ex["id"].as_str().unwrap();
    tokens::auth(app.client.post(app.url(&format!("/api/v1/exemptions/{id}/{what}"))), tok)
        .header("if-match", format!("\"{}\"", ex["version"]))
        .json(body)
        .send()
        .unwrap()
}

fn events(app: &TestApp, tok: &Tok, ex: &Value) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/exemptions/{}/events", ex["id"].as_str().unwrap()), tok);
    assert_eq!(res.status(), 200);
    res.json::<Value>().unwrap()["items"].as_array().unwrap().clone()
}

fn check_event(e: &Value, seq: i64, action: &str, from: Value, to: &str, role: &str) {
    assert_eq!(e["seq"], seq);
    assert_eq!(e["action"], action);
    assert_eq!(e["from_status"], from);
    assert_eq!(e["to_status"], to);
    assert_eq!(e["actor"]["role"], role);
    assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));
}

#[test]
fn register_grant_revoke_with_its_audit_trail() {
    let (app, clerk) = setup();
    let sup = Tok::supervisor();
    let ex = register(&app, &clerk, &register_body("010150-1234"));
    assert_eq!(ex["status"], "pending");
    assert_eq!(ex["citizen"]["cpr"], "010150-1234");
    assert_eq!(ex["citizen"]["cpr_masked"], "010150-XXXX");
    assert_eq!(ex["allowed_actions"], json!(["decision"]));
    // Clerks do not decide.
    problem(act(&app, &clerk, &ex, "decision", &json!({"outcome": "granted"})), 403);
    let res = act(&app, &sup, &ex, "decision", &json!({"outcome": "granted"}));
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("etag").unwrap(), "\"2\"");
    let ex2: Value = res.json().unwrap();
    assert_eq!(ex2["status"], "granted");
    assert!(ex2["decided_at"].is_string());
    // Deciding again is not allowed; the stale version is refused first.
    problem(act(&app, &sup, &ex, "decision", &json!({"outcome": "refused", "reason": "x"})), 412);
    let p = problem(act(&app, &sup, &ex2, "decision", &json!({"outcome": "refused", "reason": "x"})), 409);
    assert_eq!(p["allowed_actions"], json!(["revoke"]));
    let ex3: Value = act(&app, &clerk, &ex2, "revoke", &json!({"reason": "Enrolled in Digital Post"})).json().unwrap();
    assert_eq!(ex3["status"], "revoked");
    assert_eq!(ex3["revoke_reason"], "Enrolled in Digital Post");
    assert_eq!(ex3["version"], 3);

    let evs = events(&app, &sup, &ex3);
    assert_eq!(evs.len(), 3);
    check_event(&evs[0], 1, "register", Value::Null, "pending", "clerk");
    assert_eq!(evs[0]["evidence"]["citizen"]["name"], "Else Hansen");
    assert_eq!(evs[0]["evidence"]["reason"], "language");
    check_event(&evs[1], 2, "grant", json!("pending"), "granted", "supervisor");
    check_event(&evs[2], 3, "revoke", json!("granted"), "revoked", "clerk");
    assert_eq!(evs[2]["evidence"]["reason"], "Enrolled in Digital Post");
    assert_eq!(evs[2]["actor"]["office"], "KBH01");
    assert!(!serde_json::to_string(&evs).unwrap().contains("1234"), "a full CPR in the trail");
    // A new request for the same person may follow a revocation.
    register(&app, &clerk, &register_body("010150-1234"));
}

#[test]
fn register_then_refuse_needs_a_reason() {
    let (app, clerk) = setup();
    let sup = Tok::supervisor();
    let ex = register(
        &app,
        &clerk,
        &json!({"citizen": {"cpr": "020250-1234", "name": "Ib"}, "reason": "other",
        "note": "No computer and no wish to own one", "declaration": "in_person"}),
    );
    let p = problem(act(&app, &sup, &ex, "decision", &json!({"outcome": "refused"})), 422);
    assert_eq!(p["errors"][0]["field"], "reason");
    let res = act(&app, &sup, &ex, "decision", &json!({"outcome": "refused", "reason": "Uses online banking daily"}));
    assert_eq!(res.status(), 200);
    let ex2: Value = res.json().unwrap();
    assert_eq!(ex2["status"], "refused");
    assert_eq!(ex2["decision_reason"], "Uses online banking daily");
    assert_eq!(ex2["allowed_actions"], json!([]));
    let evs = events(&app, &clerk, &ex2);
    assert_eq!(evs.len(), 2);
    check_event(&evs[0], 1, "register", Value::Null, "pending", "clerk");
    check_event(&evs[1], 2, "refuse", json!("pending"), "refused", "supervisor");
    assert_eq!(evs[1]["evidence"]["reason"], "Uses online banking daily");
    problem(act(&app, &clerk, &ex2, "revoke", &json!({"reason": "x"})), 409);
}

#[test]
fn registrations_are_refused_for_bad_input_duplicates_and_the_wrong_people() {
    let (app, clerk) = setup();
    app.office("AAR01", "citizen_service_centre");
    app.office("DANSKE-0417", "bank_branch");
    let proxy_without_poa = json!({"citizen": {"cpr": "030350-1234", "name": "Else"}, "reason": "cognitive_disability",
        "declaration": "proxy", "proxy": {"name": "Søn Hansen", "cpr": "040475-1234", "power_of_attorney_seen": false}});
    let p = problem(app.post("/api/v1/exemptions", &clerk, &proxy_without_poa), 422);
    assert_eq!(p["errors"][0]["field"], "proxy.power_of_attorney_seen");
    let other_without_note =
        json!({"citizen": {"cpr": "030350-1234", "name": "Else"}, "reason": "other", "declaration": "in_person"});
    assert_eq!(problem(app.post("/api/v1/exemptions", &clerk, &other_without_note), 422)["errors"][0]["field"], "note");
    let with_proxy = json!({"citizen": {"cpr": "030350-1234", "name": "Else"}, "reason": "cognitive_disability",
        "declaration": "proxy", "proxy": {"name": "Søn Hansen", "cpr": "040475-1234", "power_of_attorney_seen": true}});
    let ex = register(&app, &clerk, &with_proxy);
    assert_eq!(ex["proxy"]["cpr_masked"], "040475-XXXX");
    assert_eq!(ex["declaration"], "proxy");
    // A second pending request for the same CPR, even at another office.
    let p = problem(app.post("/api/v1/exemptions", &Tok::clerk("AAR01"), &register_body("0303501234")), 409);
    assert_eq!(p["kind"], "exemption_exists");
    // Bank users neither register nor read.
    problem(app.post("/api/v1/exemptions", &Tok::bank("DANSKE-0417"), &register_body("050550-1234")), 403);
    problem(app.get(&format!("/api/v1/exemptions/{}", ex["id"].as_str().unwrap()), &Tok::bank("DANSKE-0417")), 403);
    // Another office's clerk learns nothing.
    let other = Tok::clerk("AAR01");
    problem(app.get(&format!("/api/v1/exemptions/{}", ex["id"].as_str().unwrap()), &other), 404);
    problem(app.get(&format!("/api/v1/exemptions/{}/events", ex["id"].as_str().unwrap()), &other), 404);
    let page: Value = app.post("/api/v1/exemptions/search", &other, &json!({})).json().unwrap();
    assert_eq!(page["items"], json!([]));
    let page: Value =
        app.post("/api/v1/exemptions/search", &Tok::supervisor(), &json!({"cpr": "030350-1234"})).json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["items"][0]["citizen"].get("cpr").is_none(), "lists carry the masked CPR only");
    // If-Match: missing → 428, stale → 412.
    let id = ex["id"].as_str().unwrap();
    let res = tokens::auth(app.client.post(app.url(&format!("/api/v1/exemptions/{id}/decision"))), &Tok::supervisor())
        .json(&json!({"outcome": "granted"}))
        .send()
        .unwrap();
    problem(res, 428);
    let mut stale = ex.clone();
    stale["version"] = json!(5);
    problem(act(&app, &Tok::supervisor(), &stale, "decision", &json!({"outcome": "granted"})), 412);
    assert_eq!(events(&app, &clerk, &ex).len(), 1);
}

#[test]
fn a_completed_case_shows_a_granted_exemption() {
    let (app, clerk) = setup();
    let ex = register(&app, &clerk, &register_body("010190-1234"));
    act(&app, &Tok::supervisor(), &ex, "decision", &json!({"outcome": "granted"}));
    let cpr = "010190-1234";
    let case = app.open_case(&clerk, cpr, "express");
    assert!(case["digital_post_exemption"].is_null());
    let case = app.step(&clerk, &case, "identity-check", &crate::common::cases::identity(cpr));
    let case = app.step(
        &clerk,
        &case,
        "accompanying-holder",
        &crate::common::cases::holder("020280-1111", Some("2019-01-01")),
    );
    let done = app.step(&clerk, &case, "issue-in-full", &json!({}));
    assert_eq!(done["digital_post_exemption"], "granted");
    assert_eq!(app.case(&clerk, &done)["digital_post_exemption"], "granted");
    // The status report counts exemptions by status and reason.
    let report: Value = app.get("/api/v1/reports/status", &Tok::supervisor()).json().unwrap();
    assert_eq!(report["exemptions"], json!([{"status": "granted", "reason": "language", "count": 1}]));
}
