//! Service cases for people who already have NemID: a replacement code card and a new temporary
//! password, what they do to the register, the refusals, and how the reports count them.

use serde_json::{Value, json};

use crate::common::cases::{applicant, identity, reason};
use crate::common::{TestApp, Tok, problem};

fn setup() -> (TestApp, Tok) {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    (app, Tok::clerk("KBH01"))
}

fn service_body(cpr: &str, kind: &str, number: &str, why: Option<&str>) -> Value {
    let mut body = json!({"kind": kind, "applicant": applicant(cpr), "nemid_number": number});
    if let Some(r) = why {
        body["reason"] = json!(r);
    }
    body
}

fn open_service(app: &TestApp, tok: &Tok, cpr: &str, kind: &str, number: &str, why: Option<&str>) -> Value {
    let res = app.post("/api/v1/cases", tok, &service_body(cpr, kind, number, why));
    let status = res.status();
    let text = res.text().unwrap();
    assert_eq!(status, 201, "open {kind}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn nemid_actions(app: &TestApp, number: &str) -> Vec<String> {
    let res = app.get(&format!("/api/v1/nemids/{number}/events"), &Tok::supervisor());
    assert_eq!(res.status(), 200);
    let body: Value = res.json().unwrap();
    body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

fn cards(n: &Value) -> Vec<(String, String, String)> {
    n["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["serial"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
                c["issued_how"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_lost_card_is_revoked_at_opening_and_a_new_one_handed_out_at_the_desk() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let old = cards(&app.nemid(&clerk, &number));
    assert_eq!(old.len(), 1);

    let case = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("lost"));
    assert_eq!(case["kind"], "replacement_card");
    assert_eq!(case["replacement_reason"], "lost");
    assert_eq!(case["nemid_number"], number.as_str());
    assert_eq!(case["allowed_actions"], json!(["identity-check", "postal-block", "reject", "cancel"]));
    let n = app.nemid(&clerk, &number);
    assert_eq!(n["state"], "active", "a lost card leaves the NemID as it is");
    assert_eq!(cards(&n)[0].1, "revoked", "the lost card is revoked when the case is opened");

    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    assert_eq!(case["allowed_actions"], json!(["second-half", "card-handout", "postal-block", "reject", "cancel"]));
    let case = app.step(&clerk, &case, "card-handout", &json!({}));
    assert_eq!(case["status"], "completed");
    assert!(case["completed_at"].is_string() && case["closed_at"].is_string());
    let n = app.nemid(&clerk, &number);
    let now = cards(&n);
    assert_eq!(now.len(), 2);
    let new: Vec<_> = now.iter().filter(|c| c.0 != old[0].0).collect();
    assert_eq!((new[0].1.as_str(), new[0].2.as_str()), ("active", "handout"));
    assert_eq!(n["state"], "active");
    assert_eq!(nemid_actions(&app, &number), ["create", "card_posted", "activate", "card_revoked", "card_issued"]);
    let events: Value = app.get(&format!("/api/v1/nemids/{number}/events"), &Tok::supervisor()).json().unwrap();
    let revoked = &events["items"][3];
    assert_eq!(revoked["evidence"]["reason"], "lost");
    assert_eq!(revoked["evidence"]["card_serials"], json!([old[0].0]));
    assert_eq!(revoked["evidence"]["case_id"], case["id"]);
    assert_eq!(events["items"][4]["evidence"]["card_serial"], new[0].0.as_str());
    assert!(!events.to_string().contains("4321"), "no CPR digits in the register's events");
    let case_events: Vec<String> =
        app.events(&clerk, &case).iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    assert_eq!(case_events, ["open", "identity-check", "card-handout"]);
}

#[test]
fn a_damaged_card_is_replaced_by_post_returned_reposted_and_activated() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let old = cards(&app.nemid(&clerk, &number))[0].0.clone();
    let case = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("damaged"));
    assert_eq!(cards(&app.nemid(&clerk, &number))[0].1, "active", "a damaged card works until the new one does");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    assert_eq!(case["status"], "second_half_posted");
    assert!(case["second_half_expected_by"].is_string());
    let n = app.nemid(&clerk, &number);
    let posted: Vec<_> = cards(&n).into_iter().filter(|c| c.0 != old).collect();
    assert_eq!((posted[0].1.as_str(), posted[0].2.as_str()), ("in_transit", "post"));

    // Overdue like a posted second half: in the overdue report with its kind.
    diesel::connection::SimpleConnection::batch_execute(
        &mut app.db.conn(),
        &format!(
            "UPDATE cases SET second_half_expected_by = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 3 WHERE id = '{}'",
            case["id"].as_str().unwrap()
        ),
    )
    .unwrap();
    let overdue: Value = app.get("/api/v1/reports/overdue", &Tok::supervisor()).json().unwrap();
    let item = overdue["items"].as_array().unwrap().iter().find(|i| i["case_id"] == case["id"]).cloned().unwrap();
    assert_eq!(item["case_kind"], "replacement_card");
    let case = app.case(&clerk, &case);
    assert_eq!(case["overdue"], true);

    let case = app.step(&clerk, &case, "returned", &reason());
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    let n = app.nemid(&clerk, &number);
    assert_eq!(cards(&n).len(), 2, "a re-post sends the same card again");
    let case = app.step(&clerk, &case, "activation", &json!({}));
    assert_eq!(case["status"], "completed");
    let n = app.nemid(&clerk, &number);
    for (serial, state, _) in cards(&n) {
        assert_eq!(state, if serial == old { "revoked" } else { "active" }, "{serial}");
    }
    assert_eq!(
        nemid_actions(&app, &number),
        ["create", "card_posted", "activate", "card_posted", "card_posted", "card_activated"]
    );
}

#[test]
fn a_cancelled_replacement_keeps_a_stolen_card_revoked_and_revokes_the_posted_one() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let case = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("stolen"));
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    app.step(&clerk, &case, "cancel", &reason());
    let n = app.nemid(&clerk, &number);
    assert!(cards(&n).iter().all(|c| c.1 == "revoked"), "{:?}", cards(&n));
    assert_eq!(n["state"], "active");
    assert_eq!(
        nemid_actions(&app, &number),
        ["create", "card_posted", "activate", "card_revoked", "card_posted", "card_revoked"]
    );

    // Cancelled before anything was posted: nothing to undo, no event.
    let case = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("used_up"));
    let before = nemid_actions(&app, &number).len();
    app.step(&clerk, &case, "cancel", &reason());
    assert_eq!(nemid_actions(&app, &number).len(), before);
}

#[test]
fn a_new_password_case_blocks_the_nemid_until_the_handout_and_cancelling_unblocks_it() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let case = open_service(&app, &clerk, cpr, "new_password", &number, None);
    assert_eq!(case["replacement_reason"], Value::Null);
    let n = app.nemid(&clerk, &number);
    assert_eq!(n["state"], "blocked");
    // The register's own unblock waits for the case.
    let res = app.nemid_act(&clerk, &number, n["version"].as_i64().unwrap(), "unblock", &identity(cpr));
    assert_eq!(problem(res, 409)["kind"], "service_case_open");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    assert_eq!(case["allowed_actions"], json!(["password-handout", "reject", "cancel"]));
    let case = app.step(&clerk, &case, "password-handout", &json!({}));
    assert_eq!(case["status"], "completed");
    let n = app.nemid(&clerk, &number);
    assert_eq!(n["state"], "active");
    assert_eq!(cards(&n)[0].1, "active", "the code card is untouched");

    let case = open_service(&app, &clerk, cpr, "new_password", &number, None);
    assert_eq!(app.nemid(&clerk, &number)["state"], "blocked");
    app.step(&clerk, &case, "cancel", &reason());
    assert_eq!(app.nemid(&clerk, &number)["state"], "active");
    assert_eq!(
        nemid_actions(&app, &number),
        ["create", "card_posted", "activate", "block", "password_issued", "block", "unblock"]
    );
}

#[test]
fn service_cases_are_refused_for_a_nemid_that_is_not_the_applicants_or_cannot_be_served() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let other = "121285-1234";
    let number = app.active_nemid(&clerk, cpr);
    let others = app.active_nemid(&clerk, other);
    let count = || -> i64 {
        let rows: Vec<Count> =
            diesel::RunQueryDsl::load(diesel::sql_query("SELECT count(*) AS n FROM cases"), &mut app.db.conn())
                .unwrap();
        rows[0].n
    };
    let before = count();
    let version = app.nemid(&clerk, &others)["version"].clone();

    for (body, kind) in [
        (service_body(cpr, "replacement_card", &others, Some("lost")), "nemid_not_applicants"),
        (service_body(cpr, "new_password", "999999999", None), "nemid_not_applicants"),
    ] {
        let p = problem(app.post("/api/v1/cases", &clerk, &body), 409);
        assert_eq!(p["kind"], kind, "{p}");
        assert!(!p["detail"].as_str().unwrap().contains("1234"), "{p}");
    }
    assert_eq!(app.nemid(&clerk, &others)["version"], version, "someone else's card was not revoked");
    assert_eq!(cards(&app.nemid(&clerk, &others))[0].1, "active");

    // Malformed: per field.
    for (body, field) in [
        (json!({"kind": "replacement_card", "applicant": applicant(cpr), "reason": "lost"}), "nemid_number"),
        (service_body(cpr, "replacement_card", &number, None), "reason"),
        (service_body(cpr, "replacement_card", "12345", Some("lost")), "nemid_number"),
        (service_body(cpr, "new_password", &number, Some("lost")), "reason"),
        (service_body(cpr, "standard", &number, None), "nemid_number"),
    ] {
        let p = problem(app.post("/api/v1/cases", &clerk, &body), 422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let p =
        problem(app.post("/api/v1/cases", &clerk, &service_body(cpr, "replacement_card", &number, Some("burnt"))), 422);
    assert!(p["detail"].as_str().unwrap().contains("reason") || p["errors"][0]["field"] == "reason", "{p}");

    // Another open case for the person.
    let open = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("used_up"));
    let p = problem(app.post("/api/v1/cases", &clerk, &service_body(cpr, "new_password", &number, None)), 409);
    assert_eq!(p["kind"], "open_case_exists");
    assert_eq!(app.nemid(&clerk, &number)["state"], "active", "the refused case blocked nothing");
    app.step(&clerk, &open, "cancel", &reason());

    // Blocked: a new card yes, a new password only once unblocked.
    let n = app.nemid(&clerk, &number);
    let res =
        app.nemid_act(&clerk, &number, n["version"].as_i64().unwrap(), "block", &json!({"reason": "holder_request"}));
    assert_eq!(res.status(), 200);
    let p = problem(app.post("/api/v1/cases", &clerk, &service_body(cpr, "new_password", &number, None)), 409);
    assert_eq!(p["kind"], "nemid_blocked");
    let n = app.nemid(&clerk, &number);
    let res = app.nemid_act(&clerk, &number, n["version"].as_i64().unwrap(), "revoke", &json!({"reason": "Misuse"}));
    assert_eq!(res.status(), 200);
    for body in
        [service_body(cpr, "replacement_card", &number, Some("lost")), service_body(cpr, "new_password", &number, None)]
    {
        assert_eq!(problem(app.post("/api/v1/cases", &clerk, &body), 409)["kind"], "nemid_revoked");
    }
    assert_eq!(count(), before + 1, "only the one case opened on purpose was stored");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn a_nemid_revoked_while_its_service_case_is_open_gets_nothing_handed_out() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let case = open_service(&app, &clerk, cpr, "replacement_card", &number, Some("damaged"));
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let n = app.nemid(&clerk, &number);
    let res = app.nemid_act(
        &Tok::supervisor(),
        &number,
        n["version"].as_i64().unwrap(),
        "revoke",
        &json!({"reason": "Misuse"}),
    );
    assert_eq!(res.status(), 200);
    for action in ["card-handout", "second-half"] {
        let p = problem(app.act(&clerk, &case, action, &json!({})), 409);
        assert_eq!(p["kind"], "nemid_revoked", "{action}");
    }
    assert_eq!(app.case(&clerk, &case)["version"], case["version"], "nothing changed");
    app.step(&clerk, &case, "cancel", &reason());
}

/// Every action in every state a service case reaches: allowed (200) or 409 with the allowed
/// actions, and a refused one changes nothing.
#[test]
fn every_action_on_every_service_state_is_allowed_or_409() {
    let (app, clerk) = setup();
    let paths: Vec<(&str, Option<&str>, &str, Vec<&str>)> = vec![
        ("replacement_card", Some("damaged"), "opened", vec![]),
        ("replacement_card", Some("damaged"), "identity_verified", vec!["identity-check"]),
        ("replacement_card", Some("damaged"), "second_half_posted", vec!["identity-check", "second-half"]),
        ("replacement_card", Some("damaged"), "returned", vec!["identity-check", "second-half", "returned"]),
        ("replacement_card", Some("damaged"), "identity_verified", vec!["identity-check-docs"]),
        (
            "replacement_card",
            Some("damaged"),
            "awaiting_collection",
            vec!["identity-check", "postal-block", "hold-for-collection"],
        ),
        ("new_password", None, "opened", vec![]),
        ("new_password", None, "identity_verified", vec!["identity-check"]),
    ];
    let mut n = 0;
    for (kind, why, state, path) in paths {
        for action in crate::common::cases::ACTIONS {
            n += 1;
            let cpr = format!("{:02}0270-{:04}", (n % 28) + 1, n);
            let number = app.active_nemid(&clerk, &cpr);
            let mut case = open_service(&app, &clerk, &cpr, kind, &number, why);
            for step in &path {
                let (step, body) = crate::common::cases::step_of(step, &cpr);
                case = app.step(&clerk, &case, step, &body);
            }
            assert_eq!(case["status"], state);
            let body = crate::common::cases::body_for(action, &cpr);
            app.try_action(&clerk, &case, action, &body);
        }
    }
}

#[test]
fn the_status_and_throughput_reports_count_service_cases_by_kind() {
    let (app, clerk) = setup();
    let sup = Tok::supervisor();
    let a = "170893-4321";
    let b = "121285-1234";
    let na = app.active_nemid(&clerk, a);
    let nb = app.active_nemid(&clerk, b);
    let card = open_service(&app, &clerk, a, "replacement_card", &na, Some("lost"));
    let card = app.step(&clerk, &card, "identity-check", &identity(a));
    app.step(&clerk, &card, "card-handout", &json!({}));
    let pw = open_service(&app, &clerk, b, "new_password", &nb, None);
    let pw = app.step(&clerk, &pw, "identity-check", &identity(b));

    let status: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();
    let by_kind: Vec<(String, i64, i64, i64)> = status["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_string(),
                k["completed"].as_i64().unwrap(),
                k["identity_verified"].as_i64().unwrap(),
                k["opened"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_kind,
        [
            ("standard".to_string(), 2, 0, 0),
            ("replacement_card".to_string(), 1, 0, 0),
            ("new_password".to_string(), 0, 1, 0),
        ]
    );
    assert_eq!(status["totals"]["completed"], 3);
    let only: Value = app.get("/api/v1/reports/status?kind=new_password", &sup).json().unwrap();
    assert_eq!(only["totals"]["identity_verified"], 1);
    assert_eq!(only["totals"]["completed"], 0);

    app.step(&clerk, &pw, "password-handout", &json!({}));
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive();
    let t: Value = app.get(&format!("/api/v1/reports/throughput?from={today}&to={today}"), &sup).json().unwrap();
    let row = &t["rows"][0];
    assert_eq!(row["opened"], 4, "every case opened today");
    assert_eq!(row["opened_replacement_card"], 1);
    assert_eq!(row["opened_new_password"], 1);
    assert_eq!(row["completed_standard"], 2, "a replacement's activation is no standard completion");
    assert_eq!(row["completed_replacement_card"], 1);
    assert_eq!(row["completed_new_password"], 1);
    assert_eq!(row["identity_verified"], 4);

    // The durations report is about first issuance only.
    let d: Value = app.get(&format!("/api/v1/reports/durations?from={today}&to={today}"), &sup).json().unwrap();
    assert_eq!(d["completed"], 2, "{d}");
}

#[test]
fn bank_branches_serve_their_customers_nemid_too() {
    let app = TestApp::spawn();
    app.office("DANSKE-0417", "bank_branch");
    let bank = Tok::bank("DANSKE-0417");
    let cpr = "170893-4321";
    let number = app.active_nemid(&bank, cpr);
    let mut body = service_body(cpr, "new_password", &number, None);
    body["online_banking_agreement"] = json!(true);
    let res = app.post("/api/v1/cases", &bank, &body);
    assert_eq!(res.status(), 201);
    let case: Value = res.json().unwrap();
    assert_eq!(case["channel"], "bank");
}
