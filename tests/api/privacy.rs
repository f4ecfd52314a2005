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

    let out = std::process::Command::new(pg_dump()).arg(&app.db.url).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(dump.contains("KBH01-"), "the dump has the cases");
    for cpr in ["170893-4321", "030397-4322", "280275-1357", "150540-2468", "141285-9753"] {
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
