//! Letters and receipts, read as a reader reads them: the PDF's text (pdftotext) holds the facts
//! and no full CPR number; each kind is rendered to a picture (pdftoppm); the same case version
//! gives the same bytes; reading one is scoped and logged like reading the case.

use std::process::Command;

use serde_json::{Value, json};

use crate::common::cases::{applicant, collection, identity, refusal};
use crate::common::{TestApp, Tok, problem};

const CPR: &str = "170893-4321";

fn document(app: &TestApp, tok: &Tok, case: &Value, kind: &str, lang: Option<&str>) -> reqwest::blocking::Response {
    let id = case["id"].as_str().unwrap();
    let q = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
    app.get(&format!("/api/v1/cases/{id}/documents/{kind}{q}"), tok)
}

fn pdf(app: &TestApp, tok: &Tok, case: &Value, kind: &str, lang: Option<&str>) -> Vec<u8> {
    let res = document(app, tok, case, kind, lang);
    assert_eq!(res.status(), 200, "{kind}: {}", res.text().unwrap_or_default());
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let cd = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("inline; filename=\"") && cd.contains(kind), "{cd}");
    let bytes = res.bytes().unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    bytes
}

/// The text a reader's tool extracts (poppler's pdftotext, reading order as laid out).
pub fn text_of(bytes: &[u8], name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("nemid-documents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian: apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {name}");
    // And a picture of the first page, for the documentation (SCREENSHOT_DIR) or just to prove it renders.
    let shots = std::env::var("SCREENSHOT_DIR").unwrap_or_else(|_| dir.to_string_lossy().to_string());
    let png = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&file)
        .arg(format!("{shots}/document-{name}"))
        .status()
        .expect("pdftoppm");
    assert!(png.success(), "pdftoppm failed on {name}");
    conforms(&file, name);
    String::from_utf8(out.stdout).unwrap()
}

/// What can be checked of the PDF/A-2a claim with poppler (veraPDF is in no package registry
/// here): tagged, the PDF/A identification in the XMP metadata, every font embedded, the title
/// and language set.
fn conforms(file: &std::path::Path, name: &str) {
    let run = |args: &[&str]| {
        let out = Command::new(args[0]).args(&args[1..]).arg(file).output().expect(args[0]);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let info = run(&["pdfinfo"]);
    assert!(info.lines().any(|l| l.starts_with("Tagged:") && l.ends_with("yes")), "{name} is not tagged: {info}");
    assert!(info.lines().any(|l| l.starts_with("Title:") && l.len() > 20), "{name} has no title: {info}");
    let meta = run(&["pdfinfo", "-meta"]);
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance>"), "{name}: {meta}");
    assert!(meta.contains("<dc:language><rdf:Bag><rdf:li>"), "{name} names no language");
    let fonts = run(&["pdffonts"]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name}: no fonts");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [type] encoding emb sub uni object id
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "{name}: a font not embedded: {row}");
    }
}

fn no_full_cpr(text: &str) {
    assert!(!text.contains("170893-4321") && !text.contains("1708934321"), "a full CPR number in: {text}");
}

/// Words as extracted, whatever the line breaks.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_receipt_states_the_handout_and_the_post_and_is_fixed_by_the_version() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    app.office("AAR01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, CPR, "standard");
    // Nothing handed out yet: no receipt.
    let p = problem(document(&app, &clerk, &case, "receipt", None), 404);
    assert!(p["detail"].as_str().unwrap().contains("receipt"));
    let case = app.step(&clerk, &case, "identity-check", &identity(CPR));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let before = app.db.query_one("SELECT count(*) FROM access_log WHERE subject_kind = 'case'");
    let first = pdf(&app, &clerk, &case, "receipt", None);
    assert_eq!(first, pdf(&app, &clerk, &case, "receipt", None), "the same version gives the same bytes");
    assert_eq!(app.db.query_one("SELECT count(*) FROM access_log WHERE subject_kind = 'case'"), before + 2);
    let text = words(&text_of(&first, "receipt"));
    no_full_cpr(&text);
    let nemid = case["nemid_number"].as_str().unwrap();
    for fact in [
        "Kvittering for NemID",
        case["case_number"].as_str().unwrap(),
        "170893-XXXX",
        "Anna Andersen",
        "Office KBH01",
        nemid,
        "Første halvdel af NemID",
        "Nøglekortet sendes med posten",
        "version 3",
    ] {
        assert!(text.contains(fact), "{fact} in: {text}");
    }
    // Posted: a new version, a new receipt that says by when.
    let case = app.step(&clerk, &case, "second-half", &json!({}));
    let second = words(&text_of(&pdf(&app, &clerk, &case, "receipt", None), "receipt-posted"));
    assert!(second.contains("version 4"), "{second}");
    assert!(second.contains("er fremme senest"), "{second}");
    // In English.
    let english = words(&text_of(&pdf(&app, &clerk, &case, "receipt", Some("en")), "receipt-en"));
    assert!(english.contains("NemID receipt") && english.contains("arrives by"), "{english}");
    // Scoped like the case; unknown documents and languages are refused.
    assert_eq!(document(&app, &Tok::clerk("AAR01"), &case, "receipt", None).status(), 404);
    assert_eq!(document(&app, &Tok::supervisor(), &case, "receipt", None).status(), 200);
    assert_eq!(document(&app, &Tok::admin(), &case, "receipt", None).status(), 403);
    assert_eq!(document(&app, &clerk, &case, "letter-of-marque", None).status(), 404);
    assert_eq!(document(&app, &clerk, &case, "refusal", None).status(), 404);
    problem(document(&app, &clerk, &case, "receipt", Some("de")), 400);
}

#[test]
fn a_refusal_decision_states_grounds_rules_appeal_and_who_decided() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let case = app.open_case(&clerk, CPR, "standard");
    let case = app.step(&clerk, &case, "reject", &refusal(&["identity_not_established", "cannot_use_nemid_alone"]));
    let text = words(&text_of(&pdf(&app, &clerk, &case, "refusal", None), "refusal"));
    no_full_cpr(&text);
    for fact in [
        "Afgørelse: afslag på NemID",
        "Identiteten kunne ikke fastslås",
        "Regel 2",
        "Klagevejledning",
        "Du kan klage over afgørelsen",
        "Uddybning: The applicant could not document their identity",
        "fritagelse for Digital Post",
        "Vestergade 1",
    ] {
        assert!(text.contains(fact), "{fact} in: {text}");
    }
    assert_eq!(document(&app, &clerk, &case, "receipt", None).status(), 404);
}

#[test]
fn a_held_card_has_a_collection_notice_and_its_collection_a_receipt() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let res = app.post(
        "/api/v1/cases",
        &clerk,
        &json!({"kind": "standard", "applicant": applicant(CPR), "postal_block": "name_address_protection"}),
    );
    assert_eq!(res.status(), 201);
    let case: Value = res.json().unwrap();
    let case = app.step(&clerk, &case, "identity-check", &identity(CPR));
    let case = app.step(&clerk, &case, "first-half", &json!({}));
    let case = app.step(&clerk, &case, "hold-for-collection", &json!({}));
    let text = words(&text_of(&pdf(&app, &clerk, &case, "collection-notice", None), "collection-notice"));
    no_full_cpr(&text);
    assert!(text.contains("ligger klar til afhentning") && text.contains("Office KBH01"), "{text}");
    assert!(text.contains("billedlegitimation"), "{text}");
    let case = app.step(&clerk, &case, "collect", &collection());
    let receipt = words(&text_of(&pdf(&app, &clerk, &case, "receipt", None), "receipt-collected"));
    assert!(receipt.contains("Nøglekortet, hentet på kontoret"), "{receipt}");
}

#[test]
fn an_exemption_decision_and_its_revocation_are_letters() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let res = app.post(
        "/api/v1/exemptions",
        &clerk,
        &json!({"citizen": {"cpr": CPR, "name": "Else Ørsted"}, "reason": "language", "declaration": "in_person"}),
    );
    assert_eq!(res.status(), 201);
    let ex: Value = res.json().unwrap();
    let id = ex["id"].as_str().unwrap();
    let get =
        |kind: &str, lang: &str| app.get(&format!("/api/v1/exemptions/{id}/documents/{kind}?lang={lang}"), &clerk);
    assert_eq!(get("decision", "da").status(), 404, "not decided yet");
    let act = |path: &str, version: i64, body: Value, tok: &Tok| {
        crate::common::tokens::auth(app.request(reqwest::Method::POST, &format!("/api/v1/exemptions/{id}/{path}")), tok)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send()
            .unwrap()
    };
    let res = act("decision", 1, json!({"outcome": "granted"}), &Tok::supervisor());
    assert_eq!(res.status(), 200);
    let res = get("decision", "da");
    assert_eq!(res.status(), 200);
    let text = words(&text_of(&res.bytes().unwrap(), "exemption-decision"));
    no_full_cpr(&text);
    for fact in [
        "Afgørelse: fritagelse for Digital Post",
        "Else Ørsted",
        "170893-XXXX",
        "Sprog",
        "Klagevejledning",
        "version 2",
    ] {
        assert!(text.contains(fact), "{fact} in: {text}");
    }
    assert_eq!(get("revocation", "da").status(), 404);
    let res = act("revoke", 2, json!({"reason": "Enrolled in Digital Post"}), &clerk);
    assert_eq!(res.status(), 200);
    let res = get("revocation", "en");
    assert_eq!(res.status(), 200);
    let text = words(&text_of(&res.bytes().unwrap(), "exemption-revocation"));
    assert!(
        text.contains("Revocation of exemption from Digital Post") && text.contains("Enrolled in Digital Post"),
        "{text}"
    );
    // The decision stays readable after the revocation.
    assert_eq!(get("decision", "en").status(), 200);
}
