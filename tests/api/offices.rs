use serde_json::json;

use crate::common::{TestApp, Tok, problem};

#[test]
fn create_read_update_an_office() {
    let app = TestApp::spawn();
    let res = app.post(
        "/api/v1/offices",
        &Tok::admin(),
        &json!({"code": "DANSKE-0417", "name": "Danske Bank Vejle", "kind": "bank_branch", "bank_name": "Danske Bank",
                "address": {"street": "Torvegade 2", "postal_code": "7100", "city": "Vejle", "country": "DK"}}),
    );
    assert_eq!(res.status(), 201);
    let location = res.headers().get("location").unwrap().to_str().unwrap().to_string();
    assert_eq!(res.headers().get("etag").unwrap(), "\"1\"");
    let created: serde_json::Value = res.json().unwrap();
    assert_eq!(location, format!("/api/v1/offices/{}", created["id"].as_str().unwrap()));
    assert_eq!(created["kind"], "bank_branch");
    assert_eq!(created["bank_name"], "Danske Bank");
    assert_eq!(created["active"], true);
    assert_eq!(created["created_by"], "admin-1", "who registered it is recorded");

    let res = app.get(&location, &Tok::bank("DANSKE-0417"));
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("etag").unwrap(), "\"1\"");

    // A body of the wrong shape is reported before a malformed If-Match, as before If-Match was
    // an extractor; a malformed If-Match on a good body is a 400 naming it.
    let patch = |if_match: &str, body: serde_json::Value| {
        app.request(reqwest::Method::PATCH, &location)
            .bearer_auth(raw(&Tok::admin()))
            .header("if-match", if_match)
            .json(&body)
            .send()
            .unwrap()
    };
    let p = problem(patch("junk", json!({"nmae": 1})), 422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("unknown field"), "{p}");
    let p = problem(patch("junk", json!({"name": "Renamed"})), 400);
    assert_eq!(p["errors"][0]["field"], "If-Match");

    // A stale If-Match is refused and changes nothing.
    let res = app
        .request(reqwest::Method::PATCH, &location)
        .bearer_auth(raw(&Tok::admin()))
        .header("if-match", "\"7\"")
        .json(&json!({"name": "Renamed"}))
        .send()
        .unwrap();
    problem(res, 412);
    let res = app
        .request(reqwest::Method::PATCH, &location)
        .bearer_auth(raw(&Tok::admin()))
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Danske Bank Vejle C", "address": {"street": "Torvegade 4", "postal_code": "7100", "city": "Vejle", "country": "DK"}}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("etag").unwrap(), "\"2\"");
    let updated: serde_json::Value = res.json().unwrap();
    assert_eq!(updated["name"], "Danske Bank Vejle C");
    assert_eq!(updated["address"]["street"], "Torvegade 4");
    assert_eq!(updated["code"], "DANSKE-0417");
    assert_eq!(updated["updated_by"], "admin-1");

    // Code and kind never change: they are unknown fields to PATCH.
    let body = problem(app.patch(&location, &Tok::admin(), &json!({"code": "X1"})), 422);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("unknown field `code`"));
    problem(app.patch(&location, &Tok::admin(), &json!({"kind": "citizen_service_centre"})), 422);
    problem(app.patch(&location, &Tok::admin(), &json!({})), 422);
}

fn raw(t: &Tok) -> String {
    match t {
        Tok::Raw(s) => s.clone(),
        Tok::None => String::new(),
    }
}

#[test]
fn duplicate_codes_are_409_and_bad_fields_422() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let dup = json!({"code": "KBH01", "name": "Again", "kind": "citizen_service_centre",
                     "address": {"street": "a 1", "postal_code": "2200", "city": "København", "country": "DK"}});
    let body = problem(app.post("/api/v1/offices", &Tok::admin(), &dup), 409);
    assert_eq!(body["kind"], "office_code_taken");

    let bad = json!({"code": "kbh 01", "name": " ", "kind": "bank_branch",
                     "address": {"street": "a 1", "postal_code": "22!", "city": "København", "country": "Denmark"}});
    let body = problem(app.post("/api/v1/offices", &Tok::admin(), &bad), 422);
    let mut fields: Vec<String> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    fields.sort();
    assert_eq!(fields, ["address.country", "address.postal_code", "bank_name", "code", "name"]);

    let csc_with_bank = json!({"code": "KBH02", "name": "BS", "kind": "citizen_service_centre", "bank_name": "X",
                     "address": {"street": "a 1", "postal_code": "2200", "city": "København", "country": "DK"}});
    let body = problem(app.post("/api/v1/offices", &Tok::admin(), &csc_with_bank), 422);
    assert_eq!(body["errors"][0]["field"], "bank_name");
    let mass = json!({"code": "KBH03", "name": "BS", "kind": "citizen_service_centre", "active": false, "id": "x",
                     "address": {"street": "a 1", "postal_code": "2200", "city": "København", "country": "DK"}});
    problem(app.post("/api/v1/offices", &Tok::admin(), &mass), 422);
}

#[test]
fn lists_page_by_code_and_hide_inactive_offices_from_non_admins() {
    let app = TestApp::spawn();
    for i in 0..5 {
        app.office(&format!("OFF{i}"), "citizen_service_centre");
    }
    let gone = app.office("OFF9", "citizen_service_centre");
    app.patch(&format!("/api/v1/offices/{}", gone["id"].as_str().unwrap()), &Tok::admin(), &json!({"active": false}));

    let mut codes = Vec::new();
    let mut path = "/api/v1/offices?limit=2".to_string();
    loop {
        let page: serde_json::Value = app.get(&path, &Tok::supervisor()).json().unwrap();
        for item in page["items"].as_array().unwrap() {
            codes.push(item["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/offices?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(codes, ["OFF0", "OFF1", "OFF2", "OFF3", "OFF4"]);

    let all: serde_json::Value = app.get("/api/v1/offices?include_inactive=true", &Tok::admin()).json().unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    problem(app.get("/api/v1/offices?include_inactive=true", &Tok::supervisor()), 403);
    problem(app.get(&format!("/api/v1/offices/{}", gone["id"].as_str().unwrap()), &Tok::supervisor()), 404);
    assert_eq!(app.get(&format!("/api/v1/offices/{}", gone["id"].as_str().unwrap()), &Tok::admin()).status(), 200);

    problem(app.get("/api/v1/offices?limit=0", &Tok::admin()), 400);
    problem(app.get("/api/v1/offices?limit=101", &Tok::admin()), 400);
    problem(app.get("/api/v1/offices?cursor=garbage!", &Tok::admin()), 400);
    problem(app.get("/api/v1/offices?limit=ten", &Tok::admin()), 400);
    problem(app.get("/api/v1/offices/not-a-uuid", &Tok::admin()), 404);
    problem(app.get("/api/v1/offices/0190f1c4-aaaa-7000-8000-000000000000", &Tok::admin()), 404);
}
