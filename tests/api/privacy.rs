//! CPR numbers at rest: a database dump holds none, and keys rotate without losing any.

use serde_json::{Value, json};

use crate::common::app::{Server, TEST_CPR_INDEX_KEY};
use crate::common::cases::{holder, identity};
use crate::common::{TestApp, Tok};

fn pg_dump() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for p in std::env::split_paths(&path) {
            if p.join("pg_dump").is_file() {
                return p.join("pg_dump");
            }
        }
    }
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries")
        .flatten()
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.is_file())
        .collect();
    versions.sort();
    versions.pop().expect("pg_dump")
}

#[test]
fn a_database_dump_after_full_journeys_holds_no_cpr_number() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    // Standard journey.
    let c = app.open_case(&clerk, "170893-4321", "standard");
    let c = app.step(&clerk, &c, "identity-check", &identity("170893-4321"));
    let c = app.step(&clerk, &c, "first-half", &json!({}));
    let c = app.step(&clerk, &c, "second-half", &json!({}));
    app.step(&clerk, &c, "activation", &json!({}));
    // Express journey with a holder.
    let e = app.open_case(&clerk, "030397-4322", "express");
    let e = app.step(&clerk, &e, "identity-check", &identity("030397-4322"));
    let e = app.step(&clerk, &e, "accompanying-holder", &holder("280275-1357", Some("2018-01-01")));
    app.step(&clerk, &e, "issue-in-full", &json!({}));
    // An exemption by proxy.
    let res = app.post(
        "/api/v1/exemptions",
        &clerk,
        &json!({"citizen": {"cpr": "150540-2468", "name": "Else"}, "reason": "cognitive_disability", "declaration": "proxy",
                "proxy": {"name": "Søn", "cpr": "141285-9753", "power_of_attorney_seen": true}}),
    );
    assert_eq!(res.status(), 201);

    // A create with an Idempotency-Key: its stored answer holds the full CPR number, sealed.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(match &clerk {
            Tok::Raw(t) => t.clone(),
            Tok::None => unreachable!(),
        })
        .header("idempotency-key", "dump-1")
        .json(&json!({"kind": "standard", "applicant": crate::common::cases::applicant("250575-2468")}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);

    let out = std::process::Command::new(pg_dump()).arg(&app.db.url).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(dump.contains("KBH01-"), "the dump has the cases");
    assert!(dump.contains("dump-1"), "the dump has the idempotency record");
    for cpr in ["170893-4321", "030397-4322", "280275-1357", "150540-2468", "141285-9753", "250575-2468"] {
        let digits = cpr.replace('-', "");
        for form in [cpr.to_string(), digits.clone(), format!("{}-XXXX", &cpr[..6])] {
            assert!(!dump.contains(&form), "the dump contains {form}");
        }
    }
}

const KEY_A: &str = "a:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const KEY_B: &str = "b:AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";

fn read(server: &Server, path: &str, tok: &Tok) -> (u16, Value) {
    let t = match tok {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let res = reqwest::blocking::Client::new().get(format!("{}{path}", server.base)).bearer_auth(t).send().unwrap();
    let status = res.status().as_u16();
    (status, res.json().unwrap_or_default())
}

#[test]
fn rows_sealed_under_key_a_survive_rotation_to_key_b() {
    let app = TestApp::spawn_with(&[("CPR_ENCRYPTION_KEYS", KEY_A)]);
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, "010190-1234", "express");
    let case = app.step(&clerk, &case, "identity-check", &identity("010190-1234"));
    app.step(&clerk, &case, "accompanying-holder", &holder("020280-1111", Some("2018-01-01")));
    let res = app.post(
        "/api/v1/exemptions",
        &clerk,
        &json!({"citizen": {"cpr": "150540-2468", "name": "Else"}, "reason": "language", "declaration": "proxy",
                "proxy": {"name": "Søn", "cpr": "141285-9753", "power_of_attorney_seen": true}}),
    );
    let exemption: Value = res.json().unwrap();
    let case_path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let ex_path = format!("/api/v1/exemptions/{}", exemption["id"].as_str().unwrap());

    // With only key B nothing sealed under A can be read yet.
    {
        let b_only = Server::start(&app.db.url, &[("CPR_ENCRYPTION_KEYS", KEY_B)]);
        assert_eq!(read(&b_only, &case_path, &clerk).0, 500);
    }
    // Add B (newest) and rotate.
    let both = format!("{KEY_A},{KEY_B}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .arg("rotate-keys")
        .env("DATABASE_URL", &app.db.url)
        .env("CPR_ENCRYPTION_KEYS", &both)
        .env("CPR_INDEX_KEY", TEST_CPR_INDEX_KEY)
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("re-encrypted 4 under key `b`"), "{stdout}");
    // Running it again finds nothing left to do.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .arg("rotate-keys")
        .env("DATABASE_URL", &app.db.url)
        .env("CPR_ENCRYPTION_KEYS", &both)
        .env("CPR_INDEX_KEY", TEST_CPR_INDEX_KEY)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("re-encrypted 0"));

    // Remove A: everything still reads, and search by CPR still finds the case.
    let b_only = Server::start(&app.db.url, &[("CPR_ENCRYPTION_KEYS", KEY_B)]);
    let (status, got) = read(&b_only, &case_path, &clerk);
    assert_eq!(status, 200);
    assert_eq!(got["applicant"]["cpr"], "010190-1234");
    let (status, got) = read(&b_only, &ex_path, &clerk);
    assert_eq!(status, 200);
    assert_eq!(got["citizen"]["cpr"], "150540-2468");
    assert_eq!(got["proxy"]["cpr_masked"], "141285-XXXX");
    let t = match &clerk {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let page: Value = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/cases/search", b_only.base))
        .bearer_auth(t)
        .json(&json!({"cpr": "0101901234"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn accesses(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT count(*) AS n FROM access_log").get_result::<N>(&mut app.db.conn()).unwrap().n
}

#[test]
fn every_revealing_response_leaves_exactly_one_access_record_and_lists_none() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let sup = Tok::supervisor();
    let t = |tok: &Tok| match tok {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    };
    let expect = |n: i64, what: &str, app: &TestApp, before: &mut i64| {
        let now = accesses(app);
        assert_eq!(now - *before, n, "{what}");
        *before = now;
    };
    let mut seen = accesses(&app);
    let send = |key: &str| {
        app.client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(t(&clerk))
            .header("idempotency-key", key)
            .json(&json!({"kind": "standard", "applicant": crate::common::cases::applicant("010190-1234")}))
            .send()
            .unwrap()
    };
    let case: Value = send("k1").json().unwrap();
    expect(1, "create", &app, &mut seen);
    send("k1");
    expect(1, "a replayed create", &app, &mut seen);
    let id = case["id"].as_str().unwrap().to_string();
    app.get(&format!("/api/v1/cases/{id}"), &clerk);
    expect(1, "single read", &app, &mut seen);
    let case = app.step(&clerk, &case, "identity-check", &identity("010190-1234"));
    expect(1, "an action", &app, &mut seen);
    let list: Value = app.get("/api/v1/cases", &clerk).json().unwrap();
    assert!(list["items"][0]["applicant"].get("address").is_none(), "lists carry no address");
    assert!(list["items"][0]["applicant"].get("cpr").is_none());
    app.post("/api/v1/cases/search", &clerk, &json!({"status": ["identity_verified"]}));
    app.get(&format!("/api/v1/cases/{id}/events"), &clerk);
    app.get("/api/v1/reports/overdue", &sup);
    expect(0, "lists, events and reports", &app, &mut seen);
    app.post("/api/v1/cases/search", &clerk, &json!({"cpr": "010190-1234"}));
    expect(1, "search by CPR", &app, &mut seen);
    let res = app.post(
        "/api/v1/exemptions",
        &clerk,
        &json!({"citizen": {"cpr": "150540-2468", "name": "Else"}, "reason": "language", "declaration": "in_person"}),
    );
    let ex: Value = res.json().unwrap();
    expect(1, "register exemption", &app, &mut seen);
    app.get(&format!("/api/v1/exemptions/{}", ex["id"].as_str().unwrap()), &sup);
    expect(1, "exemption read", &app, &mut seen);
    app.post("/api/v1/exemptions/search", &sup, &json!({}));
    expect(0, "exemption list", &app, &mut seen);
    app.post("/api/v1/subject-access", &sup, &json!({"cpr": "010190-1234"}));
    expect(1, "subject access", &app, &mut seen);
    app.post("/api/v1/access-log/search", &sup, &json!({}));
    expect(0, "the access log itself", &app, &mut seen);

    // Searchable by case, person and staff member; supervisors only.
    let by_case: Value = app.post("/api/v1/access-log/search", &sup, &json!({"case_id": id})).json().unwrap();
    let kinds: Vec<&str> =
        by_case["items"].as_array().unwrap().iter().map(|i| i["endpoint"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "POST /api/v1/cases/{id}/identity-check",
            "GET /api/v1/cases/{id}",
            "POST /api/v1/cases",
            "POST /api/v1/cases"
        ]
    );
    let by_person: Value =
        app.post("/api/v1/access-log/search", &sup, &json!({"cpr": "0101901234", "limit": 2})).json().unwrap();
    assert_eq!(by_person["items"].as_array().unwrap().len(), 2);
    assert!(by_person["next_cursor"].is_string());
    let by_staff: Value =
        app.post("/api/v1/access-log/search", &sup, &json!({"actor_sub": "supervisor-1"})).json().unwrap();
    assert_eq!(by_staff["items"].as_array().unwrap().len(), 2, "the exemption read and the subject access");
    crate::common::problem(app.post("/api/v1/access-log/search", &clerk, &json!({})), 403);
    // Append-only.
    use diesel::connection::SimpleConnection;
    assert!(app.db.conn().batch_execute("DELETE FROM access_log").is_err());
    let _ = case;
}

#[test]
fn no_answer_with_personal_data_may_be_cached() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let (clerk, sup) = (Tok::clerk("KBH01"), Tok::supervisor());
    let no_store = |res: reqwest::blocking::Response, what: &str| {
        assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{what}");
        res
    };
    let case: Value = no_store(
        app.post(
            "/api/v1/cases",
            &clerk,
            &json!({"kind": "standard", "applicant": crate::common::cases::applicant("010190-1234")}),
        ),
        "opening",
    )
    .json()
    .unwrap();
    let id = case["id"].as_str().unwrap();
    no_store(app.get(&format!("/api/v1/cases/{id}"), &clerk), "a case");
    no_store(app.act(&clerk, &case, "identity-check", &identity("010190-1234")), "an action");
    no_store(app.get("/api/v1/cases", &clerk), "a list");
    no_store(app.post("/api/v1/cases/search", &clerk, &json!({"cpr": "010190-1234"})), "a search by CPR");
    no_store(app.get(&format!("/api/v1/cases/{id}/events"), &clerk), "the audit trail");
    let ex = no_store(
        app.post(
            "/api/v1/exemptions",
            &clerk,
            &json!({"citizen": {"cpr": "150540-2468", "name": "Else"}, "reason": "language", "declaration": "in_person"}),
        ),
        "an exemption",
    );
    let ex: Value = ex.json().unwrap();
    no_store(app.get(&format!("/api/v1/exemptions/{}", ex["id"].as_str().unwrap()), &sup), "an exemption read");
    no_store(app.post("/api/v1/subject-access", &sup, &json!({"cpr": "010190-1234"})), "subject access");
    no_store(app.post("/api/v1/access-log/search", &sup, &json!({})), "the access log");
    let csv = app.request(reqwest::Method::GET, "/api/v1/reports/overdue").bearer_auth(match &sup {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    });
    no_store(csv.header("accept", "text/csv").send().unwrap(), "CSV");
    no_store(app.get("/api/v1/cases/00000000-0000-0000-0000-000000000000", &clerk), "a problem");
    // The desk's files revalidate by their ETag instead.
    let page = app.client.get(app.url("/")).send().unwrap();
    assert_eq!(page.headers().get("cache-control").unwrap(), "no-cache");
    assert!(page.headers().get("etag").is_some());
}

#[test]
fn subject_access_returns_cases_from_two_offices_and_the_access_records() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    app.office("AAR01", "citizen_service_centre");
    let (kbh, aar, sup) = (Tok::clerk("KBH01"), Tok::clerk("AAR01"), Tok::supervisor());
    let first = app.open_case(&kbh, "010190-1234", "standard");
    app.step(&kbh, &first, "cancel", &json!({"reason": "Moved to Aarhus"}));
    let second = app.open_case(&aar, "010190-1234", "express");
    app.get(&format!("/api/v1/cases/{}", second["id"].as_str().unwrap()), &aar);
    // Someone else's case must not appear.
    app.open_case(&kbh, "020290-1234", "standard");

    let report: Value = app.post("/api/v1/subject-access", &sup, &json!({"cpr": "010190-1234"})).json().unwrap();
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0]["case"]["office_code"], "KBH01");
    assert_eq!(cases[0]["case"]["applicant"]["cpr"], "010190-1234");
    assert_eq!(cases[0]["events"].as_array().unwrap().len(), 2);
    assert_eq!(cases[1]["case"]["office_code"], "AAR01");
    let records = report["access_records"].as_array().unwrap();
    // Two opens, the cancel and the read; the subject access itself comes after.
    assert_eq!(records.len(), 4, "{records:?}");
    assert!(records.iter().any(|r| r["actor"]["office"] == "AAR01" && r["endpoint"] == "GET /api/v1/cases/{id}"));
    // An exemption where the person is the proxy is about them too.
    let res = app.post(
        "/api/v1/exemptions",
        &kbh,
        &json!({"citizen": {"cpr": "150540-2468", "name": "Mor"}, "reason": "cognitive_disability", "declaration": "proxy",
                "proxy": {"name": "Søn", "cpr": "010190-1234", "power_of_attorney_seen": true}}),
    );
    assert_eq!(res.status(), 201);
    let again: Value = app.post("/api/v1/subject-access", &sup, &json!({"cpr": "010190-1234"})).json().unwrap();
    assert_eq!(again["exemptions"].as_array().unwrap().len(), 1, "as proxy");
    assert_eq!(again["access_records"].as_array().unwrap().last().unwrap()["subject_kind"], "subject_access");
    crate::common::problem(app.post("/api/v1/subject-access", &kbh, &json!({"cpr": "010190-1234"})), 403);
}

fn retention(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .arg("retention")
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("CPR_ENCRYPTION_KEYS", crate::common::app::TEST_CPR_KEYS)
        .env("CPR_INDEX_KEY", TEST_CPR_INDEX_KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn retention_anonymises_old_closed_records_and_reports_still_count_them() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let (clerk, sup) = (Tok::clerk("KBH01"), Tok::supervisor());
    let done = app.open_case(&clerk, "170893-4321", "express");
    let done = app.step(&clerk, &done, "identity-check", &identity("170893-4321"));
    let done = app.step(&clerk, &done, "accompanying-holder", &holder("280275-1357", Some("2018-01-01")));
    let done = app.step(&clerk, &done, "issue-in-full", &json!({}));
    let open = app.open_case(&clerk, "030397-4322", "standard");
    let res = app.post(
        "/api/v1/exemptions",
        &clerk,
        &json!({"citizen": {"cpr": "150540-2468", "name": "Else"}, "reason": "other", "note": "Private reasons",
                "declaration": "proxy", "proxy": {"name": "Søn", "cpr": "141285-9753", "power_of_attorney_seen": true}}),
    );
    let ex: Value = res.json().unwrap();
    let ex_id = ex["id"].as_str().unwrap();
    let res =
        crate::common::tokens::auth(app.client.post(app.url(&format!("/api/v1/exemptions/{ex_id}/decision"))), &sup)
            .header("if-match", "\"1\"")
            .json(&json!({"outcome": "refused", "reason": "Uses online banking"}))
            .send()
            .unwrap();
    assert_eq!(res.status(), 200);
    let before: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();

    // Nothing is old enough today.
    assert!(retention(&app, &[]).contains("anonymised 0 cases and 0 exemptions"));
    // Six years on: a dry run tells, then the run does it.
    let later = (chrono::Utc::now() + chrono::Duration::days(6 * 365)).to_rfc3339();
    assert!(retention(&app, &["--dry-run", "--now", &later]).contains("would anonymise 1 cases and 1 exemptions"));
    assert_eq!(app.case(&clerk, &done)["applicant"]["cpr"], "170893-4321", "a dry run changes nothing");
    assert!(retention(&app, &["--now", &later]).contains("anonymised 1 cases and 1 exemptions"));
    assert!(retention(&app, &["--now", &later]).contains("anonymised 0 cases"), "each record once");

    let gone = app.case(&clerk, &done);
    assert!(gone["applicant"].get("cpr").is_none());
    assert_eq!(gone["applicant"]["cpr_masked"], "XXXXXX-XXXX");
    assert_eq!(gone["applicant"]["name"], "-");
    assert!(gone["nemid_number"].is_null());
    assert_eq!(gone["status"], "completed");
    assert_eq!(gone["version"], 5);
    let events = app.events(&clerk, &gone);
    assert_eq!(events.last().unwrap()["action"], "anonymise");
    assert_eq!(events.last().unwrap()["actor"]["role"], "system");
    let trail = serde_json::to_string(&events).unwrap();
    assert!(
        !trail.contains("Helle Holder") && !trail.contains("Anna Andersen") && !trail.contains("P1234567"),
        "{trail}"
    );
    // The open case is untouched.
    assert_eq!(app.case(&clerk, &open)["applicant"]["cpr"], "030397-4322");
    let ex_after: Value = app.get(&format!("/api/v1/exemptions/{ex_id}"), &sup).json().unwrap();
    assert_eq!(ex_after["citizen"]["cpr_masked"], "XXXXXX-XXXX");
    assert!(ex_after["note"].as_str() == Some("-") && ex_after["decision_reason"].is_null());
    assert_eq!(ex_after["status"], "refused");
    // Every report counts the same.
    let after: Value = app.get("/api/v1/reports/status", &sup).json().unwrap();
    assert_eq!(before["totals"], after["totals"]);
    assert_eq!(before["exemptions"], after["exemptions"]);
    let t = nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now());
    let tp: Value = app.get(&format!("/api/v1/reports/throughput?from={t}&to={t}"), &sup).json().unwrap();
    assert_eq!(tp["rows"][0]["completed_express"], 1);
    // A dump now holds neither CPR number of the closed records.
    let out = std::process::Command::new(pg_dump()).arg(&app.db.url).output().unwrap();
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(!dump.contains("Private reasons") && !dump.contains("Uses online banking"));
}
