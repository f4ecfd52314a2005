//! What browsers rely on: security headers on every answer, and CORS only for configured origins.

use crate::common::{TestApp, Tok};

fn header(res: &reqwest::blocking::Response, name: &str) -> Option<String> {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase())
}

#[test]
fn every_answer_carries_the_security_headers_and_no_cors_by_default() {
    let app = TestApp::spawn();
    for res in [
        app.get("/api/v1/offices", &Tok::admin()),
        app.request(reqwest::Method::GET, "/api/v1/nothing").send().unwrap(),
        app.request(reqwest::Method::GET, "/healthz").send().unwrap(),
    ] {
        assert_eq!(header(&res, "x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header(&res, "referrer-policy").as_deref(), Some("no-referrer"));
        assert!(header(&res, "content-security-policy").unwrap().contains("default-src 'none'"));
    }
    // No origins configured: no CORS permission for anyone, and preflights are not answered.
    let res = app
        .request(reqwest::Method::GET, "/api/v1/offices")
        .bearer_auth(match Tok::admin() {
            Tok::Raw(t) => t,
            Tok::None => unreachable!(),
        })
        .header("origin", "https://desk.example")
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "access-control-allow-origin").is_none());
    let res = app
        .request(reqwest::Method::OPTIONS, "/api/v1/cases")
        .header("origin", "https://desk.example")
        .header("access-control-request-method", "POST")
        .send()
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(header(&res, "access-control-allow-origin").is_none());
}

#[test]
fn configured_origins_get_preflights_and_the_headers_they_need() {
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", "https://desk.example, http://localhost:5173")]);
    app.office("KBH01", "citizen_service_centre");
    let res = app
        .request(reqwest::Method::OPTIONS, "/api/v1/cases/0190f1c4-aaaa-7000-8000-000000000000/identity-check")
        .header("origin", "https://desk.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type, if-match, idempotency-key")
        .send()
        .unwrap();
    assert!(res.status().is_success(), "preflight: {}", res.status());
    assert_eq!(header(&res, "access-control-allow-origin").as_deref(), Some("https://desk.example"));
    assert!(header(&res, "access-control-allow-methods").unwrap().contains("post"));
    let allowed = header(&res, "access-control-allow-headers").unwrap();
    for h in ["authorization", "content-type", "if-match", "idempotency-key"] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }

    let clerk = match Tok::clerk("KBH01") {
        Tok::Raw(t) => t,
        Tok::None => unreachable!(),
    };
    let res = app
        .request(reqwest::Method::POST, "/api/v1/cases")
        .bearer_auth(&clerk)
        .header("origin", "http://localhost:5173")
        .json(&serde_json::json!({"kind": "standard", "applicant": crate::common::cases::applicant("010190-1234")}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "access-control-allow-origin").as_deref(), Some("http://localhost:5173"));
    let exposed = header(&res, "access-control-expose-headers").unwrap();
    for h in ["etag", "location", "retry-after"] {
        assert!(exposed.contains(h), "{h} exposed: {exposed}");
    }
    // Another origin is served (the server is not the browser) but gets no permission to read.
    let res = app.request(reqwest::Method::GET, "/healthz").header("origin", "https://evil.example").send().unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "access-control-allow-origin").is_none());
}
