//! Regression tests for what the API fuzzer (scripts/fuzz-api) found, and the no-mass-assignment
//! guarantee: a client body can never set a case's status, version, office or number.

use serde_json::{Value, json};

use crate::common::cases::{applicant, identity};
use crate::common::tokens;
use crate::common::{TestApp, Tok, problem};

fn count_cases(app: &TestApp, tok: &Tok) -> usize {
    let res = app.post("/api/v1/cases/search", tok, &json!({}));
    assert_eq!(res.status(), 200);
    res.json::<Value>().unwrap()["items"].as_array().unwrap().len()
}

#[test]
fn a_json_array_is_not_an_object_body() {
    // Fuzzer find: serde reads a struct from an array of its fields, so `[null, null]` was a
    // valid search (200) although the document requires an object.
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    for path in ["/api/v1/cases/search", "/api/v1/exemptions/search", "/api/v1/cases"] {
        let res = tokens::auth(app.request(reqwest::Method::POST, path), &clerk)
            .header("content-type", "application/json")
            .body("[null, null]")
            .send()
            .unwrap();
        let p = problem(res, 422);
        assert_eq!(p["errors"][0]["message"], "the request body must be a JSON object", "{path}");
    }
    assert_eq!(count_cases(&app, &clerk), 0);
}

#[test]
fn an_entity_tag_beyond_any_version_is_stale_not_malformed() {
    // Fuzzer find: `W/"5207184770"` matches the document's ETag pattern but overflowed the
    // version type and was answered 400; it is a tag that does not match: 412, nothing changes.
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, "010190-1234", "standard");
    let id = case["id"].as_str().unwrap();
    for tag in ["W/\"5207184770\"", "\"000000000007713534453\""] {
        let res =
            tokens::auth(app.request(reqwest::Method::POST, &format!("/api/v1/cases/{id}/identity-check")), &clerk)
                .header("if-match", tag)
                .json(&identity("010190-1234"))
                .send()
                .unwrap();
        problem(res, 412);
    }
    let now = app.case(&clerk, &case);
    assert_eq!(now["version"], 1);
    assert_eq!(now["status"], "opened");
}

#[test]
fn optional_fields_may_be_null_as_the_document_says() {
    // Fuzzer find: the document said `cursor` etc. are strings (not null) while the server took
    // null as "not given"; the document now allows null wherever an optional field is absent.
    let app = TestApp::spawn();
    let res = app.post("/api/v1/access-log/search", &Tok::supervisor(), &json!({"cursor": null, "limit": null}));
    assert_eq!(res.status(), 200);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let body = &doc[doc.find("    AccessSearchBody:").unwrap()..];
    let cursor = &body[body.find("        cursor:").unwrap()..];
    let cursor = &cursor[..cursor.find("maxLength").expect("cursor has a maxLength")];
    assert!(cursor.contains("'null'"), "cursor is documented as nullable: {cursor}");
}

#[test]
fn lengths_count_what_was_sent_as_the_document_says() {
    // The document's maxLength counts the characters sent; the server counted them after
    // trimming, so a 17-character postal code with a leading space got through.
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let mut a = applicant("010190-1234");
    a["address"] = json!({"street": "Main St 1", "postal_code": " 1234567890123456", "city": "Oslo", "country": "NO"});
    let p = problem(app.post("/api/v1/cases", &clerk, &json!({"kind": "standard", "applicant": a})), 422);
    assert_eq!(p["errors"][0]["field"], "applicant.address.postal_code");
    // A tab is a control character the pattern forbids, also where it would be trimmed away.
    a["address"]["postal_code"] = json!("1234\t");
    problem(app.post("/api/v1/cases", &clerk, &json!({"kind": "standard", "applicant": a})), 422);
    assert_eq!(count_cases(&app, &clerk), 0);

    let case = app.open_case(&clerk, "010190-1234", "standard");
    let mut body = identity("010190-1234");
    body["photo_id"]["number"] = json!(format!("  {}", "7".repeat(40)));
    let p = problem(app.act(&clerk, &case, "identity-check", &body), 422);
    assert_eq!(p["errors"][0]["field"], "photo_id.number");
    assert_eq!(app.case(&clerk, &case)["version"], 1);

    let p = problem(
        app.post("/api/v1/webhooks", &clerk, &json!({"url": "https://bank.example/h", "description": "\t"})),
        422,
    );
    assert_eq!(p["errors"][0]["field"], "description");
}

#[test]
fn a_body_cannot_set_status_version_office_or_number() {
    let app = TestApp::spawn();
    let kbh = app.office("KBH01", "citizen_service_centre");
    let other = app.office("AAR01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let base = json!({"kind": "standard", "applicant": applicant("010190-1234")});
    for (field, value) in [
        ("status", json!("completed")),
        ("version", json!(7)),
        ("office_id", other["id"].clone()),
        ("opened_at", json!("2020-01-01T00:00:00Z")),
        ("id", json!(uuid::Uuid::nil())),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let p = problem(app.post("/api/v1/cases", &clerk, &body), 422);
        assert!(p["errors"][0]["message"].as_str().unwrap().contains(&format!("unknown field `{field}`")), "{p}");
    }
    // A NemID number is named by service cases only; a first issuance makes its own.
    let mut body = base.clone();
    body["nemid_number"] = json!("123456789");
    let p = problem(app.post("/api/v1/cases", &clerk, &body), 422);
    assert_eq!(p["errors"][0]["field"], "nemid_number", "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("only service cases"), "{p}");
    assert_eq!(count_cases(&app, &clerk), 0, "nothing was opened");

    // On an action: refused, and the case is exactly as before.
    let case = app.open_case(&clerk, "010190-1234", "standard");
    for (field, value) in [("status", json!("completed")), ("version", json!(9)), ("office_id", other["id"].clone())] {
        let mut body = identity("010190-1234");
        body[field] = value;
        problem(app.act(&clerk, &case, "identity-check", &body), 422);
    }
    let now = app.case(&clerk, &case);
    assert_eq!((now["status"].as_str(), now["version"].as_i64()), (Some("opened"), Some(1)));
    assert_eq!(now["office_id"], kbh["id"]);
    assert_eq!(app.events(&clerk, &case).len(), 1, "no event was written");

    // On an office: the same.
    let path = format!("/api/v1/offices/{}", kbh["id"].as_str().unwrap());
    for (field, value) in
        [("version", json!(5)), ("id", json!(uuid::Uuid::nil())), ("created_at", json!("2020-01-01T00:00:00Z"))]
    {
        let mut body = json!({"name": "Renamed"});
        body[field] = value;
        problem(app.patch(&path, &Tok::admin(), &body), 422);
    }
    let office: Value = app.get(&path, &Tok::admin()).json().unwrap();
    assert_eq!((office["name"].as_str(), office["version"].as_i64()), (Some("Office KBH01"), Some(1)));
}

#[test]
fn weak_entity_tags_never_match_if_match() {
    // RFC 9110 13.1.1: If-Match uses the strong comparison; W/"1" is not the case's version 1.
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, "010190-1234", "standard");
    let id = case["id"].as_str().unwrap();
    let res = app
        .request(reqwest::Method::POST, &format!("/api/v1/cases/{id}/cancel"))
        .bearer_auth(match &clerk {
            Tok::Raw(t) => t.clone(),
            Tok::None => unreachable!(),
        })
        .header("if-match", "W/\"1\"")
        .json(&serde_json::json!({"reason": "weak"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 412);
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}"), &clerk).json::<serde_json::Value>().unwrap()["status"],
        "opened"
    );
}

/// Schemathesis: an identity check whose photo ID breaks its own schema (`issuing_country`) with a
/// stale If-Match was answered 412. A body that is wrong on its own is refused as such (422)
/// whatever the version it names; only a good body hears that the case moved on.
#[test]
fn a_malformed_body_is_422_even_with_a_stale_if_match() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, "170893-4321", "standard");
    let mut stale = case.clone();
    stale["version"] = serde_json::json!(7);
    let mut bad = crate::common::cases::identity("170893-4321");
    bad["photo_id"]["issuing_country"] = serde_json::json!("Danmark");
    let p = problem(app.act(&clerk, &stale, "identity-check", &bad), 422);
    assert_eq!(p["errors"][0]["field"], "photo_id.issuing_country");
    problem(app.act(&clerk, &stale, "identity-check", &crate::common::cases::identity("170893-4321")), 412);
    // The same for the register's unblock.
    let number = app.active_nemid(&clerk, "121285-1234");
    let p = problem(app.nemid_act(&clerk, &number, 99, "unblock", &bad), 422);
    assert_eq!(p["errors"][0]["field"], "photo_id.issuing_country");
}
