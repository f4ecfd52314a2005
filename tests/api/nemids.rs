//! The NemID register: first issuance drives it, its own actions (block, unblock, revoke), the
//! refusals it makes, its events in the feed, and its reads in the access log.

use serde_json::{Value, json};

use crate::common::cases::{holder, identity};
use crate::common::{TestApp, Tok, problem};

fn setup() -> (TestApp, Tok) {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    (app, Tok::clerk("KBH01"))
}

fn events(app: &TestApp, number: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/nemids/{number}/events"), &Tok::supervisor());
    assert_eq!(res.status(), 200);
    res.json::<Value>().unwrap()["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_standard_first_issuance_makes_a_pending_nemid_posts_its_card_and_activates_it() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let case = app.open_case(&clerk, cpr, "standard");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let number = case["nemid_number"].as_str().unwrap().to_string();
    let n = app.nemid(&clerk, &number);
    assert_eq!((n["state"].as_str(), n["active_since"].as_str()), (Some("pending"), None));
    assert_eq!(n["holder"]["cpr"], "170893-4321");
    assert_eq!(n["holder"]["cpr_masked"], "170893-XXXX");
    assert_eq!(n["case_id"], case["id"]);
    assert!(n["cards"].as_array().unwrap().is_empty(), "no card before it is posted");
    assert_eq!(n["allowed_actions"], json!(["revoke"]));

    let case = app.step(&clerk, &case, "second-half", &json!({}));
    let n = app.nemid(&clerk, &number);
    assert_eq!(n["cards"][0]["state"], "in_transit");
    assert_eq!(n["cards"][0]["issued_how"], "post");
    let serial = n["cards"][0]["serial"].clone();
    // Returned and re-posted: the same card goes out again.
    let case = app.step(&clerk, &case, "returned", &json!({"reason": "Addressee unknown"}));
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    let n = app.nemid(&clerk, &number);
    assert_eq!(n["cards"].as_array().unwrap().len(), 1);
    assert_eq!(n["cards"][0]["serial"], serial);

    app.step(&clerk, &case, "activation", &json!({}));
    let n = app.nemid(&clerk, &number);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive().to_string();
    assert_eq!((n["state"].as_str(), n["active_since"].as_str()), (Some("active"), Some(today.as_str())));
    assert_eq!(n["cards"][0]["state"], "active");
    assert_eq!(n["allowed_actions"], json!(["block", "revoke"]));
    let ev = events(&app, &number);
    assert_eq!(actions(&ev), ["create", "card_posted", "card_posted", "activate"]);
    assert_eq!(ev[1]["evidence"]["reposted"], false);
    assert_eq!(ev[2]["evidence"]["reposted"], true);
    assert!(ev.iter().all(|e| e["actor"]["sub"] == "clerk-1" && e["request_id"].is_string()));
    assert!(!serde_json::to_string(&ev).unwrap().contains("4321"), "no CPR digits in events");
}

#[test]
fn issue_in_full_makes_an_active_nemid_with_its_card_handed_out() {
    let (app, clerk) = setup();
    let holder_cpr = "121285-1234";
    let holder_number = app.active_nemid(&clerk, holder_cpr);
    diesel::connection::SimpleConnection::batch_execute(
        &mut app.db.conn(),
        &format!("UPDATE nemids SET active_since = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 40 WHERE number = '{holder_number}'"),
    )
    .unwrap();
    let cpr = "060606-4006";
    let case = app.open_case(&clerk, cpr, "express");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "accompanying-holder", &holder(holder_cpr, None));
    let case = app.step(&clerk, &case, "issue-in-full", &json!({}));
    let n = app.nemid(&clerk, case["nemid_number"].as_str().unwrap());
    assert_eq!(n["state"], "active");
    assert_eq!(
        (n["cards"][0]["state"].as_str(), n["cards"][0]["issued_how"].as_str()),
        (Some("active"), Some("handout"))
    );
    assert_eq!(actions(&events(&app, case["nemid_number"].as_str().unwrap())), ["create"]);
}

#[test]
fn a_person_with_a_nemid_gets_no_second_first_issuance_until_it_is_revoked() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let body = json!({"kind": "standard", "applicant": crate::common::cases::applicant(cpr)});
    let p = problem(app.post("/api/v1/cases", &clerk, &body), 409);
    assert_eq!(p["kind"], "nemid_exists");
    assert!(p["detail"].as_str().unwrap().contains(&number), "{p}");

    let n = app.nemid(&clerk, &number);
    let res =
        app.nemid_act(&clerk, &number, n["version"].as_i64().unwrap(), "revoke", &json!({"reason": "Holder request"}));
    assert_eq!(res.status(), 200);
    let n: Value = res.json().unwrap();
    assert_eq!(n["state"], "revoked");
    assert_eq!(n["cards"][0]["state"], "revoked", "its cards are revoked with it");
    assert_eq!(app.post("/api/v1/cases", &clerk, &body).status(), 201);
}

#[test]
fn a_cancelled_first_issuance_leaves_no_live_nemid() {
    let (app, clerk) = setup();
    let cpr = "170893-4321";
    let case = app.open_case(&clerk, cpr, "standard");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    app.step(&clerk, &case, "cancel", &json!({"reason": "Applicant withdrew"}));
    let n = app.nemid(&clerk, case["nemid_number"].as_str().unwrap());
    assert_eq!(n["state"], "revoked");
    let body = json!({"kind": "standard", "applicant": crate::common::cases::applicant(cpr)});
    assert_eq!(app.post("/api/v1/cases", &clerk, &body).status(), 201);
}

#[test]
fn block_unblock_and_revoke_follow_the_rules_of_the_register() {
    let (app, clerk) = setup();
    app.office("DB01", "bank_branch");
    let cpr = "170893-4321";
    let number = app.active_nemid(&clerk, cpr);
    let v = app.nemid(&clerk, &number)["version"].as_i64().unwrap();

    // If-Match is required and must be current; the reason is one of three.
    let url = format!("/api/v1/nemids/{number}/block");
    problem(app.post(&url, &clerk, &json!({"reason": "holder_request"})), 428);
    problem(app.nemid_act(&clerk, &number, v - 1, "block", &json!({"reason": "holder_request"})), 412);
    let p = problem(app.nemid_act(&clerk, &number, v, "block", &json!({"reason": "bored"})), 422);
    assert_eq!(p["errors"][0]["field"], "reason");
    // Administrators have no business here.
    problem(app.nemid_act(&Tok::admin(), &number, v, "block", &json!({"reason": "holder_request"})), 403);

    // A bank user serves the holder in front of them, whichever office issued the NemID.
    let res = app.nemid_act(&Tok::bank("DB01"), &number, v, "block", &json!({"reason": "lost_card"}));
    assert_eq!(res.status(), 200);
    let n: Value = res.json().unwrap();
    assert_eq!((n["state"].as_str(), n["version"].as_i64()), (Some("blocked"), Some(v + 1)));
    assert_eq!(n["allowed_actions"], json!(["unblock", "revoke"]));
    let p = problem(app.nemid_act(&clerk, &number, v + 1, "block", &json!({"reason": "lost_card"})), 409);
    assert_eq!(p["allowed_actions"], json!(["unblock", "revoke"]));

    // Unblocking takes the holder's identity, checked at a desk: not a supervisor's, and the
    // health card must show the holder's CPR number.
    problem(app.nemid_act(&Tok::supervisor(), &number, v + 1, "unblock", &identity(cpr)), 403);
    let p = problem(app.nemid_act(&clerk, &number, v + 1, "unblock", &identity("010190-1234")), 422);
    assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == "health_card_cpr"), "{p}");
    let res = app.nemid_act(&clerk, &number, v + 1, "unblock", &identity(cpr));
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["state"], "active");

    // Supervisors block and revoke anywhere; revoked is final.
    let res = app.nemid_act(&Tok::supervisor(), &number, v + 2, "revoke", &json!({"reason": "Misuse confirmed"}));
    assert_eq!(res.status(), 200);
    let p = problem(app.nemid_act(&clerk, &number, v + 3, "unblock", &identity(cpr)), 409);
    assert_eq!(p["allowed_actions"], json!([]));
    let ev = events(&app, &number);
    assert_eq!(&actions(&ev)[3..], ["block", "unblock", "revoke"]);
    assert_eq!(ev[3]["evidence"]["reason"], "lost_card");
    assert_eq!(ev[3]["actor"]["office"], "DB01");
    assert_eq!(ev[4]["evidence"]["health_card_shows_holder"], true);
    assert_eq!((ev[5]["from_status"].as_str(), ev[5]["to_status"].as_str()), (Some("active"), Some("revoked")));

    // Unknown and impossible numbers are the same 404.
    problem(app.get("/api/v1/nemids/999999999", &clerk), 404);
    problem(app.get("/api/v1/nemids/12345", &clerk), 404);
    problem(app.nemid_act(&clerk, "abc", 1, "block", &json!({"reason": "holder_request"})), 404);
}

#[test]
fn twenty_racing_blocks_of_one_nemid_give_one_200_and_412_for_the_rest() {
    let (app, clerk) = setup();
    let number = app.active_nemid(&clerk, "170893-4321");
    let v = app.nemid(&clerk, &number)["version"].as_i64().unwrap();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    app.nemid_act(&clerk, &number, v, "block", &json!({"reason": "holder_request"})).status().as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 19, "{statuses:?}");
    assert_eq!(actions(&events(&app, &number)).iter().filter(|a| *a == "block").count(), 1);
}

#[test]
fn a_retried_block_with_the_same_key_is_done_once() {
    let (app, clerk) = setup();
    let number = app.active_nemid(&clerk, "170893-4321");
    let v = app.nemid(&clerk, &number)["version"].as_i64().unwrap();
    let send = || {
        crate::common::tokens::auth(app.client.post(app.url(&format!("/api/v1/nemids/{number}/block"))), &clerk)
            .header("if-match", format!("\"{v}\""))
            .header("idempotency-key", "block-once-0001")
            .json(&json!({"reason": "holder_request"}))
            .send()
            .unwrap()
    };
    let first = send();
    assert_eq!(first.status(), 200);
    let again = send();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(actions(&events(&app, &number)).iter().filter(|a| *a == "block").count(), 1);
}

#[test]
fn express_holders_are_judged_by_the_register() {
    let (app, clerk) = setup();
    let holder_cpr = "121285-1234";
    let number = app.active_nemid(&clerk, holder_cpr);
    let cpr = "060606-4006";
    let case = app.open_case(&clerk, cpr, "express");
    let case = app.step(&clerk, &case, "identity-check", &identity(cpr));
    // Active since today in the register: a declared older date does not count.
    let res = app.act(&clerk, &case, "accompanying-holder", &holder(holder_cpr, Some("2020-01-01")));
    let p = problem(res, 422);
    assert_eq!(p["errors"][0]["field"], "holder.nemid_active_since", "{p}");
    // Blocked: refused, whatever the dates.
    diesel::connection::SimpleConnection::batch_execute(
        &mut app.db.conn(),
        &format!("UPDATE nemids SET active_since = (now() AT TIME ZONE 'Europe/Copenhagen')::date - 40 WHERE number = '{number}'"),
    )
    .unwrap();
    let v = app.nemid(&clerk, &number)["version"].as_i64().unwrap();
    assert_eq!(app.nemid_act(&clerk, &number, v, "block", &json!({"reason": "suspected_misuse"})).status(), 200);
    let p = problem(app.act(&clerk, &case, "accompanying-holder", &holder(holder_cpr, Some("2020-01-01"))), 422);
    assert_eq!(p["errors"][0]["field"], "holder.cpr");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("blocked"), "{p}");
}

#[test]
fn register_events_are_in_the_feed_without_cpr_and_reads_are_in_the_access_log() {
    let (app, clerk) = setup();
    let number = app.active_nemid(&clerk, "170893-4321");
    let feed: Value = app.get("/api/v1/events?limit=100", &Tok::supervisor()).json().unwrap();
    let items = feed["items"].as_array().unwrap();
    let nemid: Vec<&Value> = items.iter().filter(|i| i["kind"] == "nemid").collect();
    assert_eq!(nemid.len(), 3, "create, card_posted, activate");
    assert!(nemid.iter().all(|i| i["nemid_number"] == number.as_str() && i["nemid_id"].is_string()));
    let positions: Vec<i64> = items.iter().map(|i| i["event_id"].as_i64().unwrap()).collect();
    assert!(!positions.is_empty());
    assert!(!feed.to_string().contains("4321"), "no CPR digits in the feed");

    // Reads by number and by CPR number are recorded; search answers mask the CPR number.
    app.nemid(&clerk, &number);
    let found: Value = app.post("/api/v1/nemids/search", &clerk, &json!({"cpr": "1708934321"})).json().unwrap();
    assert_eq!(found["items"][0]["number"], number.as_str());
    assert!(found["items"][0]["holder"].get("cpr").is_none());
    problem(app.post("/api/v1/nemids/search", &clerk, &json!({"cpr": "17089"})), 422);
    let log: Value = app.post("/api/v1/access-log/search", &Tok::supervisor(), &json!({})).json().unwrap();
    let kinds: Vec<&str> =
        log["items"].as_array().unwrap().iter().map(|r| r["subject_kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"nemid") && kinds.contains(&"cpr_search"), "{kinds:?}");
}

/// `nemid-desk import-nemids` against the test's database, with the test keys.
fn import(app: &TestApp, csv: &str, office: &str) -> std::process::Output {
    let dir = crate::common::app::tempdir::TempDir::new();
    let file = format!("{}/nemids.csv", dir.path());
    std::fs::write(&file, csv).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .args(["import-nemids", &file, "--office", office])
        .env("DATABASE_URL", &app.db.url)
        .env("CPR_ENCRYPTION_KEYS", crate::common::app::TEST_CPR_KEYS)
        .env("CPR_INDEX_KEY", crate::common::app::TEST_CPR_INDEX_KEY)
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .output()
        .unwrap()
}

#[test]
fn nemids_issued_before_this_system_are_imported_once_and_a_bad_file_loads_nothing() {
    let (app, clerk) = setup();
    let good = "number,cpr,name,state,active_since,card_serial\n\
                900000001,170893-4321,Anna Andersen,active,2019-03-01,30000001\n\
                900000002,0101901234,Bo Berg,blocked,2020-05-05,\n\
                900000003,121285-1234,Carl Clausen,revoked,2015-01-01,\n";
    // A bad file: nothing of it is loaded, and each problem is named by line and field.
    let bad = format!("{good}900000004,999999-9999,Dora,active,,\n");
    let out = import(&app, &bad, "KBH01");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 5: cpr:") && err.contains("line 5: active_since:"), "{err}");
    assert!(!err.contains("9999999999") && !err.contains("999999-9999"), "no CPR number in the report: {err}");
    assert_eq!(app.db.query_one("SELECT count(*) FROM nemids"), 0);
    assert_eq!(import(&app, good, "NOPE").status.code(), Some(2), "an unknown office");

    let out = import(&app, good, "KBH01");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 3 NemIDs; 0 were"));
    let n = app.nemid(&clerk, "900000001");
    assert_eq!((n["state"].as_str(), n["active_since"].as_str()), (Some("active"), Some("2019-03-01")));
    assert_eq!(
        (n["cards"][0]["serial"].as_str(), n["cards"][0]["issued_how"].as_str()),
        (Some("30000001"), Some("import"))
    );
    assert_eq!(actions(&events(&app, "900000001")), ["import"]);
    // A re-run loads nothing twice.
    let out = import(&app, good, "KBH01");
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0 NemIDs; 3 were"));
    // Other data under a number already there is refused, and so is a second live NemID.
    let clash = "number,cpr,name,state,active_since,card_serial\n\
                 900000001,170893-4321,Anna Andersen,blocked,2019-03-01,\n\
                 900000009,0101901234,Bo Berg,active,2020-05-05,\n";
    let out = import(&app, clash, "KBH01");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: number:") && err.contains("line 3: cpr:"), "{err}");
    assert_eq!(app.db.query_one("SELECT count(*) FROM nemids"), 3);

    // The register is the reference from then on: the imported holder needs no first issuance.
    let body = json!({"kind": "standard", "applicant": crate::common::cases::applicant("170893-4321")});
    assert_eq!(problem(app.post("/api/v1/cases", &clerk, &body), 409)["kind"], "nemid_exists");
    let revoked = json!({"kind": "standard", "applicant": crate::common::cases::applicant("121285-1234")});
    assert_eq!(app.post("/api/v1/cases", &clerk, &revoked).status(), 201);
}

/// A seed into a database whose register holds NemIDs already: a person it draws who holds one
/// keeps it (the seed's NemID of them is revoked), the register keeps one live NemID per person,
/// and every index and foreign key the seed dropped for its load is back. The same seed and day
/// again is refused, saying why, and writes nothing.
#[test]
fn a_seed_keeps_the_nemids_people_hold_and_the_same_seed_again_is_refused() {
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive();
    let opts =
        nemid_desk::seed::SeedOptions { cases: 3000, offices: 3, seed: 5, until: today, posting_window_days: 14 };
    let vault = crate::common::app::test_vault();
    // Whom the seed draws: one of the people it gives an active NemID, found in a first database.
    let drawn = TestApp::spawn();
    nemid_desk::seed::run(&mut drawn.db.conn(), &opts, &vault).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Holder {
        #[diesel(sql_type = diesel::sql_types::Binary)]
        holder_cpr_sealed: Vec<u8>,
    }
    let holder: Holder = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT holder_cpr_sealed FROM nemids WHERE state = 'active' ORDER BY number LIMIT 1"),
        &mut drawn.db.conn(),
    )
    .unwrap();
    let cpr = vault.open(&holder.holder_cpr_sealed).unwrap();

    // The same person holds a NemID here before the seed.
    let (app, _) = setup();
    // Every index and constraint of the schema as PostgreSQL prints it, and which of them the
    // seed dropped and made again (a new object id, the same definition).
    #[derive(diesel::QueryableByName, PartialEq, Debug)]
    struct Schema {
        #[diesel(sql_type = diesel::sql_types::Text)]
        definitions: String,
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Oid>)]
        oids: Vec<u32>,
    }
    let schema = |app: &TestApp| -> Schema {
        diesel::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT string_agg(d, E'\\n' ORDER BY d) AS definitions, array_agg(o ORDER BY d) AS oids FROM (
                     SELECT x.indexrelid::regclass::text || ' ' || pg_get_indexdef(x.indexrelid)
                            || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END AS d, x.indexrelid AS o
                     FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
                     WHERE c.relnamespace = 'public'::regnamespace
                     UNION ALL
                     SELECT k.conrelid::regclass::text || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
                            || CASE WHEN k.convalidated THEN '' ELSE ' NOT VALIDATED' END, k.oid
                     FROM pg_constraint k WHERE k.connamespace = 'public'::regnamespace) s",
            ),
            &mut app.db.conn(),
        )
        .unwrap()
    };
    let before = schema(&app);
    let out = import(
        &app,
        &format!("number,cpr,name,state,active_since,card_serial\n900000001,{cpr},Held Before,active,2019-03-01,\n"),
        "KBH01",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    nemid_desk::seed::run(&mut app.db.conn(), &opts, &vault).unwrap();
    let after = schema(&app);
    assert_eq!(after.definitions, before.definitions, "the dropped indexes and foreign keys are back as they were");
    let remade = before.oids.iter().zip(&after.oids).filter(|(b, a)| b != a).count();
    assert!(remade >= 15, "the load's foreign keys and secondary indexes were dropped and made again: {remade}");
    let index = vault.blind(&cpr);
    let states = |app: &TestApp, number: &str| {
        app.db.query_one(&format!(
            "SELECT count(*) FROM nemids WHERE holder_cpr_index = '{index}' AND number {number} AND state <> 'revoked'"
        ))
    };
    assert_eq!(states(&app, "= '900000001'"), 1, "the NemID held before stays live");
    assert_eq!(states(&app, "<> '900000001'"), 0, "the seed's NemID of the same person is revoked");
    assert!(app.db.query_one(&format!("SELECT count(*) FROM nemids WHERE holder_cpr_index = '{index}'")) >= 2);
    assert_eq!(
        app.db.query_one(
            "SELECT count(*) FROM (SELECT holder_cpr_index FROM nemids WHERE state <> 'revoked'
                                   GROUP BY 1 HAVING count(*) > 1) d"
        ),
        0
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .args(["seed", "--cases", "3000", "--offices", "3", "--seed", "5", "--until", &today.to_string()])
        .env("DATABASE_URL", &app.db.url)
        .env("CPR_ENCRYPTION_KEYS", crate::common::app::TEST_CPR_KEYS)
        .env("CPR_INDEX_KEY", crate::common::app::TEST_CPR_INDEX_KEY)
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds the cases of --seed 5") && err.contains("another --seed"), "{err}");
    assert_eq!(app.db.query_one("SELECT count(*) FROM cases"), 3000, "nothing was written");
    assert_eq!(schema(&app), after, "a failed seed leaves every index and constraint as it was");
}

#[test]
fn seed_fills_the_register_for_the_cases_it_makes() {
    let app = TestApp::spawn();
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive();
    let opts = nemid_desk::seed::SeedOptions { cases: 800, offices: 3, seed: 5, until: today, posting_window_days: 14 };
    let summary = nemid_desk::seed::run(&mut app.db.conn(), &opts, &crate::common::app::test_vault()).unwrap();
    let handed_out = app.db.query_one("SELECT count(*) FROM cases WHERE nemid_number IS NOT NULL");
    assert!(handed_out > 0);
    assert_eq!(summary.nemids as i64, handed_out);
    assert_eq!(app.db.query_one("SELECT count(*) FROM nemids"), handed_out);
    // A completed case's NemID is active, an unfinished one's pending, a cancelled one's revoked
    // (and any of them revoked when a later NemID of the same person replaced it).
    let wrong = app.db.query_one(
        "SELECT count(*) FROM nemids m JOIN cases c ON c.id = m.case_id
         WHERE m.state <> 'revoked' AND m.state <> CASE c.status WHEN 'completed' THEN 'active'
                                                                 WHEN 'cancelled' THEN 'revoked'
                                                                 WHEN 'rejected' THEN 'revoked'
                                                                 ELSE 'pending' END",
    );
    assert_eq!(wrong, 0);
    assert_eq!(
        app.db.query_one("SELECT count(*) FROM nemids m JOIN cases c ON c.id = m.case_id WHERE c.status = 'cancelled' AND m.state <> 'revoked'"),
        0
    );
    // One event each, in the feed after the cases' events.
    assert_eq!(app.db.query_one("SELECT count(*) FROM nemid_events"), handed_out);
    assert_eq!(
        app.db.query_one(
            "SELECT count(*) FROM nemid_events WHERE feed_position > (SELECT max(feed_position) FROM case_events)"
        ),
        handed_out
    );
    // The seed's events are one transaction's consecutive positions, as the trigger gives them.
    assert_eq!(
        app.db.query_one(
            "SELECT count(DISTINCT p >> 24) FROM (SELECT feed_position AS p FROM case_events
             UNION ALL SELECT feed_position FROM nemid_events) e"
        ),
        1
    );
    assert_eq!(
        app.db.query_one(
            "SELECT max(p) - min(p) + 1 - count(*) FROM (SELECT feed_position AS p FROM case_events
             UNION ALL SELECT feed_position FROM nemid_events) e"
        ),
        0
    );
}
