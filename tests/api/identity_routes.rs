//! Every way a person proves who they are (photo ID, or two secondary documents), every way the
//! code card reaches them (by post, or held for collection when post cannot), and refusals as
//! decisions with their grounds, rules and appeal guidance.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::common::cases::{applicant, collection, documents, identity, photo_id, reason, refusal};
use crate::common::{TestApp, Tok, problem};

fn setup_with(extra: &[(&str, &str)]) -> (TestApp, Tok) {
    let app = TestApp::spawn_with(extra);
    app.office("KBH01", "citizen_service_centre");
    (app, Tok::clerk("KBH01"))
}

fn today() -> chrono::NaiveDate {
    nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now())
}

fn open(app: &TestApp, tok: &Tok, cpr: &str, kind: &str, postal_block: Option<&str>) -> Value {
    let res = app.post(
        "/api/v1/cases",
        tok,
        &json!({"kind": kind, "applicant": applicant(cpr), "postal_block": postal_block}),
    );
    let status = res.status();
    let text = res.text().unwrap();
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
}

fn cards(app: &TestApp, tok: &Tok, number: &str) -> Vec<String> {
    let n = app.nemid(tok, number);
    n["cards"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap().to_string()).collect()
}

#[test]
fn secondary_documents_post_both_halves_and_allow_no_desk_handout() {
    let (app, clerk) = setup_with(&[]);
    let cpr = "010190-1234";
    let case = open(&app, &clerk, cpr, "standard", None);
    let docs = |list: Value| json!({"route": "secondary_documents", "documents": list});
    let refused = [
        (docs(json!([{"type": "health_card", "shows_cpr": true, "cpr": cpr}])), "documents"),
        (
            docs(
                json!([{"type": "birth_certificate", "shows_cpr": false}, {"type": "tax_assessment", "shows_cpr": false}]),
            ),
            "documents",
        ),
        (
            docs(
                json!([{"type": "passport", "shows_cpr": false}, {"type": "health_card", "shows_cpr": true, "cpr": cpr}]),
            ),
            "documents[0].type",
        ),
        (
            docs(json!([{"type": "birth_certificate", "shows_cpr": false},
                        {"type": "health_card", "shows_cpr": true, "cpr": "020280-1111"}])),
            "documents[1].cpr",
        ),
        (
            docs(
                json!([{"type": "birth_certificate", "shows_cpr": false}, {"type": "health_card", "shows_cpr": true}]),
            ),
            "documents[1].cpr",
        ),
        (json!({"route": "secondary_documents", "photo_id": photo_id()}), "photo_id"),
        (json!({"route": "secondary_documents"}), "documents"),
        (json!({"photo_matches": true}), "photo_id"),
    ];
    for (body, field) in refused {
        let p = problem(app.act(&clerk, &case, "identity-check", &body), 422);
        assert!(fields(&p).contains(&field.to_string()), "{body}: {p}");
        assert!(!p.to_string().contains("020280"), "a CPR number is echoed: {p}");
    }
    assert_eq!(app.case(&clerk, &case)["version"], case["version"], "nothing stored");

    let case = app.step(&clerk, &case, "identity-check", &documents(cpr));
    assert_eq!(case["identity_route"], "secondary_documents");
    assert_eq!(case["allowed_actions"], json!(["post-both", "postal-block", "reject", "cancel"]));
    let p = problem(app.act(&clerk, &case, "first-half", &json!({})), 409);
    assert_eq!(p["kind"], "no_desk_handout");
    assert!(p["detail"].as_str().unwrap().contains("post-both"), "{p}");
    let event = app.events(&clerk, &case).pop().unwrap();
    assert_eq!(event["evidence"]["route"], "secondary_documents");
    assert_eq!(event["evidence"]["documents"][1], json!({"type": "health_card", "shows_cpr": true}));
    assert!(!event.to_string().contains("1234"), "the event holds no CPR number: {event}");

    let case = app.step(&clerk, &case, "post-both", &json!({}));
    assert_eq!(case["status"], "both_halves_posted");
    let number = case["nemid_number"].as_str().expect("a NemID number").to_string();
    assert_eq!(case["second_half_expected_by"], json!((today() + chrono::Days::new(14)).to_string()));
    assert_eq!(app.nemid(&clerk, &number)["state"], "pending");
    assert_eq!(cards(&app, &clerk, &number), ["in_transit"]);
    // Returned, re-posted (the same card), activated.
    let case = app.step(&clerk, &case, "returned", &reason());
    assert_eq!(case["allowed_actions"], json!(["post-both", "postal-block", "cancel"]));
    let case = app.step(&clerk, &case, "post-both", &json!({}));
    assert_eq!(case["nemid_number"], json!(number), "the number stays");
    assert_eq!(cards(&app, &clerk, &number), ["in_transit"]);

    // Overdue like a posted second half.
    app.db
        .conn()
        .batch_execute("UPDATE cases SET second_half_expected_by = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 3")
        .unwrap();
    let case = app.case(&clerk, &case);
    assert_eq!(case["overdue"], true);
    let sup = Tok::supervisor();
    let status: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();
    assert_eq!(status["totals"]["both_halves_posted"], 1);
    assert_eq!(status["totals"]["overdue"], 1);
    let overdue: Value = app.get("/api/v1/reports/overdue", &sup).json().unwrap();
    assert_eq!(overdue["items"][0]["kind"], "post");
    assert_eq!(overdue["items"][0]["case_id"], case["id"]);

    let case = app.step(&clerk, &case, "activation", &json!({}));
    assert_eq!(case["status"], "completed");
    assert_eq!(app.nemid(&clerk, &number)["state"], "active");
    assert_eq!(cards(&app, &clerk, &number), ["active"]);

    // Express and new-password cases need photo ID.
    let express = open(&app, &clerk, "020190-1234", "express", None);
    let p = problem(app.act(&clerk, &express, "identity-check", &documents("020190-1234")), 422);
    assert_eq!(fields(&p), ["route"]);
    assert!(p.to_string().contains("photo ID"), "{p}");
    // The photo-ID route is unchanged.
    let express = app.step(&clerk, &express, "identity-check", &identity("020190-1234"));
    assert_eq!(express["identity_route"], "photo_id");
}

#[test]
fn post_that_cannot_reach_the_applicant_is_held_for_collection() {
    let (app, clerk) = setup_with(&[("COLLECTION_DAYS", "21")]);
    let sup = Tok::supervisor();
    let cpr = "010190-1234";
    let case = open(&app, &clerk, cpr, "standard", Some("name_address_protection"));
    assert_eq!(case["postal_block"], "name_address_protection");
    // Visible in lists, without the address.
    let list: Value = app.get("/api/v1/cases", &clerk).json().unwrap();
    assert_eq!(list["items"][0]["postal_block"], "name_address_protection");
    assert!(list["items"][0]["applicant"].get("address").is_none());

    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let p = problem(app.act(&clerk, &case, "second-half", &json!({})), 409);
    assert_eq!(p["kind"], "postal_blocked");
    assert!(p["detail"].as_str().unwrap().contains("name and address protection"), "{p}");
    assert_eq!(p["allowed_actions"], json!(["hold-for-collection", "postal-block", "cancel"]));
    let case = app.step(&clerk, &case, "hold-for-collection", &json!({}));
    assert_eq!(case["status"], "awaiting_collection");
    assert_eq!(case["collect_by"], json!((today() + chrono::Days::new(21)).to_string()));
    let number = case["nemid_number"].as_str().unwrap().to_string();
    assert_eq!(cards(&app, &clerk, &number), ["held"]);
    let status: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();
    assert_eq!(status["totals"]["awaiting_collection"], 1);
    assert_eq!(status["totals"]["uncollected"], 0);

    // Not collected in time: in the overdue report as `uncollected` and counted in the status report.
    app.db
        .conn()
        .batch_execute("UPDATE cases SET collect_by = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 2")
        .unwrap();
    let case = app.case(&clerk, &case);
    assert_eq!(case["uncollected"], true);
    let status: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();
    assert_eq!(status["totals"]["uncollected"], 1);
    assert_eq!(status["totals"]["overdue"], 0);
    let overdue: Value = app.get("/api/v1/reports/overdue", &sup).json().unwrap();
    let item = &overdue["items"][0];
    assert_eq!((item["kind"].as_str(), item["days_overdue"].as_i64()), (Some("uncollected"), Some(2)));
    assert_eq!(item["second_half_expected_by"], Value::Null);

    // Collection takes photo ID again.
    let mut expired = collection();
    expired["photo_id"]["expires_on"] = json!("2001-01-01");
    assert_eq!(fields(&problem(app.act(&clerk, &case, "collect", &expired), 422)), ["photo_id.expires_on"]);
    let case = app.step(&clerk, &case, "collect", &collection());
    assert_eq!(case["status"], "completed");
    assert_eq!(app.nemid(&clerk, &number)["state"], "active");
    assert_eq!(cards(&app, &clerk, &number), ["active"]);

    // Secondary documents and no usable address: both halves held, collected.
    let b = "020190-1234";
    let case = open(&app, &clerk, b, "standard", Some("no_usable_address"));
    let case = app.step(&clerk, &case, "identity-check", &documents(b));
    let p = problem(app.act(&clerk, &case, "post-both", &json!({})), 409);
    assert_eq!(p["kind"], "postal_blocked");
    let case = app.step(&clerk, &case, "hold-for-collection", &json!({}));
    let number = case["nemid_number"].as_str().expect("both halves held").to_string();
    assert_eq!(cards(&app, &clerk, &number), ["held"]);
    app.step(&clerk, &case, "collect", &collection());
    assert_eq!(app.nemid(&clerk, &number)["state"], "active");

    // A correction: the block is found after the first half and lifted again, with evidence.
    let c = "030190-1234";
    let case = open(&app, &clerk, c, "standard", None);
    let case = app.step(&clerk, &case, "identity-check", &identity(c));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let p = problem(app.act(&clerk, &case, "hold-for-collection", &json!({})), 409);
    assert_eq!(p["kind"], "post_reaches_applicant");
    let p = problem(app.act(&clerk, &case, "postal-block", &json!({"postal_block": "no_usable_address"})), 422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("missing field `reason`"), "{p}");
    let body = json!({"postal_block": "no_usable_address", "reason": "Letters come back"});
    let case = app.step(&clerk, &case, "postal-block", &body);
    assert_eq!(
        (case["status"].as_str(), case["postal_block"].as_str()),
        (Some("first_half_issued"), Some("no_usable_address"))
    );
    let event = app.events(&clerk, &case).pop().unwrap();
    assert_eq!(
        (event["action"].as_str(), event["evidence"]["reason"].as_str()),
        (Some("postal-block"), Some("Letters come back"))
    );
    let case = app.step(
        &clerk,
        &case,
        "postal-block",
        &json!({"postal_block": null, "reason": "New address in the CPR register"}),
    );
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    assert_eq!(case["status"], "second_half_posted");

    // A replacement card held and then cancelled uncollected: the held card is revoked.
    let d = "040190-1234";
    let nemid = app.active_nemid(&clerk, d);
    let res = app.post(
        "/api/v1/cases",
        &clerk,
        &json!({"kind": "replacement_card", "applicant": applicant(d), "nemid_number": nemid, "reason": "damaged",
                "postal_block": "name_address_protection"}),
    );
    assert_eq!(res.status(), 201);
    let case: Value = res.json().unwrap();
    let case = app.step(&clerk, &case, "identity-check", &identity(d));
    assert_eq!(problem(app.act(&clerk, &case, "second-half", &json!({})), 409)["kind"], "postal_blocked");
    let case = app.step(&clerk, &case, "hold-for-collection", &json!({}));
    assert_eq!(cards(&app, &clerk, &nemid), ["active", "held"]);
    app.step(&clerk, &case, "cancel", &reason());
    assert_eq!(cards(&app, &clerk, &nemid), ["active", "revoked"]);
    assert_eq!(app.nemid(&clerk, &nemid)["state"], "active", "the NemID itself stays");
}

#[test]
fn a_refusal_is_a_decision_with_grounds_rules_and_appeal_guidance() {
    let (app, clerk) = setup_with(&[
        ("APPEAL_GUIDANCE_DA", "Klag til kommunen inden 4 uger."),
        ("APPEAL_GUIDANCE_EN", "Appeal within 4 weeks."),
    ]);
    let cpr = "010190-1234";
    let case = open(&app, &clerk, cpr, "standard", None);
    for (body, field) in [
        (json!({"reasons": []}), "reasons"),
        (json!({"reasons": ["other"]}), "explanation"),
        (json!({"reasons": ["under_age", "under_age"]}), "reasons[1]"),
        (json!({"reasons": ["too_late"]}), "reasons[0]"),
        (json!({"reason": "free text"}), ""),
    ] {
        let p = problem(app.act(&clerk, &case, "reject", &body), 422);
        let f = fields(&p);
        assert!(f.iter().any(|x| x == field || (field.is_empty() && !x.is_empty())), "{body}: {p}");
    }
    // After the identity check too.
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "reject", &refusal(&["cannot_use_nemid_alone"]));
    assert_eq!(case["status"], "rejected");
    let d = &case["refusal"];
    assert_eq!(d["grounds"][0]["reason"], "cannot_use_nemid_alone");
    assert!(d["grounds"][0]["rule"]["en"].as_str().unwrap().contains("Digital Post"), "{d}");
    assert!(d["grounds"][0]["rule"]["da"].as_str().unwrap().contains("Digital Post"), "{d}");
    assert_eq!(d["appeal_guidance"], json!({"da": "Klag til kommunen inden 4 uger.", "en": "Appeal within 4 weeks."}));
    assert_eq!(d["decided_by"]["office"], "KBH01");
    assert_eq!(d["exemption_advised"], true);
    assert_eq!(d["explanation"], "The applicant could not document their identity");
    let event = app.events(&clerk, &case).pop().unwrap();
    assert_eq!(event["evidence"]["reasons"], json!(["cannot_use_nemid_alone"]));
    assert_eq!(event["evidence"]["appeal_guidance"]["en"], "Appeal within 4 weeks.");

    // Not after the first half.
    let b = "020190-1234";
    let other = open(&app, &clerk, b, "standard", None);
    let other = app.step(&clerk, &other, "identity-check", &identity(b));
    let other = app.step(&clerk, &other, "first-half", &json!({}));
    assert_eq!(problem(app.act(&clerk, &other, "reject", &refusal(&["other"])), 409)["kind"], "action_not_allowed");
    app.step(&clerk, &other, "cancel", &reason());
    let c = "030190-1234";
    let third = open(&app, &clerk, c, "express", None);
    let third = app.step(&clerk, &third, "reject", &refusal(&["identity_not_established", "documents_invalid"]));
    assert_eq!(third["refusal"]["exemption_advised"], false);

    // The report: per office and reason, and per office; JSON and CSV.
    let sup = Tok::supervisor();
    let day = today();
    let path = format!("/api/v1/reports/refusals?from={day}&to={day}");
    let report: Value = app.get(&path, &sup).json().unwrap();
    let rows: BTreeMap<String, i64> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reason"].as_str().unwrap().to_string(), r["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        rows,
        BTreeMap::from([
            ("cannot_use_nemid_alone".into(), 1),
            ("documents_invalid".into(), 1),
            ("identity_not_established".into(), 1)
        ])
    );
    assert_eq!(report["refusals"], 2);
    assert_eq!(report["offices"][0]["office_code"], "KBH01");
    let Tok::Raw(t) = &sup else { unreachable!() };
    let csv =
        app.client.get(app.url(&path)).bearer_auth(t).header("accept", "text/csv").send().unwrap().text().unwrap();
    assert!(csv.starts_with("from,to,office_id,office_code,reason,count\r\n"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains(",KBH01,cannot_use_nemid_alone,1"), "{csv}");
    // The day before has none; a clerk sees their own office only.
    let yesterday = day.pred_opt().unwrap();
    let none: Value =
        app.get(&format!("/api/v1/reports/refusals?from={yesterday}&to={yesterday}"), &sup).json().unwrap();
    assert_eq!(none["refusals"], 0);
    let bad = app.get(&format!("/api/v1/reports/refusals?from={day}&to={yesterday}"), &sup);
    assert_eq!(fields(&problem(bad, 422)), ["to"]);
}
