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

#[test]
fn the_front_end_is_served_with_a_strict_page_policy() {
    let app = TestApp::spawn();
    let res = app.request(reqwest::Method::GET, "/").send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type").as_deref(), Some("text/html; charset=utf-8"));
    let csp = header(&res, "content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(header(&res, "x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header(&res, "referrer-policy").as_deref(), Some("no-referrer"));
    let etag = header(&res, "etag").unwrap();
    let page = res.text().unwrap();
    assert!(page.contains(r#"<script type="module" src="/ui/js/main.js"></script>"#));

    // Every file the page names is served with its type; unchanged files answer 304.
    for (path, ty) in
        [("/ui/js/main.js", "text/javascript"), ("/ui/app.css", "text/css"), ("/ui/favicon.svg", "image/svg+xml")]
    {
        let res = app.request(reqwest::Method::GET, path).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(header(&res, "content-type").unwrap().starts_with(ty), "{path}");
        assert_eq!(header(&res, "cache-control").as_deref(), Some("no-cache"));
    }
    let res = app.request(reqwest::Method::GET, "/").header("if-none-match", &etag).send().unwrap();
    assert_eq!(res.status(), 304);
    // No path escapes the embedded files.
    // (Encoded slashes: a client removes plain and %2e dot-segments before sending.)
    for path in
        ["/ui/..%2fCargo.toml", "/ui/js%2f..%2f..%2fCargo.toml", "/ui/%2e%2e%2fsrc%2fmain.rs", "/ui/nothing.js", "/ui/"]
    {
        let res = app.request(reqwest::Method::GET, path).send().unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(header(&res, "content-type").as_deref(), Some("application/problem+json"), "{path}");
    }
}

#[test]
fn development_sign_in_issues_working_tokens_and_checks_what_it_is_given() {
    // Development mode with the generated secret (no JWT key configured): the only place it exists.
    let app = TestApp::spawn_with(&[("JWT_SECRET", "")]);
    let sign_in =
        |body: serde_json::Value| app.request(reqwest::Method::POST, "/dev/token").json(&body).send().unwrap();
    let token_of = |res: reqwest::blocking::Response| {
        assert_eq!(res.status(), 200);
        Tok::Raw(res.json::<serde_json::Value>().unwrap()["token"].as_str().unwrap().to_string())
    };
    let admin = token_of(sign_in(serde_json::json!({"role": "admin", "name": "Ada"})));
    for (code, kind) in [("KBH01", "citizen_service_centre"), ("DANSKE-0417", "bank_branch")] {
        let res = app.post("/api/v1/offices", &admin, &crate::common::app::office_body(code, kind));
        assert_eq!(res.status(), 201);
    }
    assert_eq!(app.get("/api/v1/cases", &Tok::clerk("KBH01")).status(), 401, "tokens of other secrets are refused");
    let res = app.request(reqwest::Method::GET, "/dev/offices").send().unwrap();
    assert_eq!(res.status(), 200);
    let offices: serde_json::Value = res.json().unwrap();
    let codes: Vec<&str> = offices["items"].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["DANSKE-0417", "KBH01"]);

    let clerk = token_of(sign_in(serde_json::json!({"role": "clerk", "office": "KBH01", "name": "Karen Jensen"})));
    assert_eq!(app.get("/api/v1/cases", &clerk).status(), 200, "the token works on the API");

    for (body, field) in [
        (serde_json::json!({"role": "root", "name": "X"}), "role"),
        (serde_json::json!({"role": "clerk", "name": "X"}), "office"),
        (serde_json::json!({"role": "clerk", "office": "NOPE", "name": "X"}), "office"),
        (serde_json::json!({"role": "bank", "office": "KBH01", "name": "X"}), "office"),
        (serde_json::json!({"role": "supervisor", "name": "  "}), "name"),
    ] {
        let res = sign_in(body.clone());
        assert_eq!(res.status(), 422, "{body}");
        let problem: serde_json::Value = res.json().unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let res = sign_in(serde_json::json!({"role": "supervisor", "name": "Hanne", "admin": true}));
    assert_eq!(res.status(), 422, "unknown fields are refused");
    // A page on another name pointed at 127.0.0.1 (DNS rebinding) does not get in.
    let res = app
        .request(reqwest::Method::POST, "/dev/token")
        .header("host", "evil.example")
        .json(&serde_json::json!({"role": "supervisor", "name": "Mallory"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = app.request(reqwest::Method::GET, "/dev/offices").header("host", "localhost:8080").send().unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn the_page_learns_how_users_sign_in() {
    let config = |app: &TestApp| -> serde_json::Value {
        let res = app.request(reqwest::Method::GET, "/ui/config.json").send().unwrap();
        assert_eq!(res.status(), 200);
        res.json().unwrap()
    };
    // The test servers have JWT_SECRET: tokens are pasted.
    assert_eq!(config(&TestApp::spawn()), serde_json::json!({"sign_in": "token"}));
    let oidc = TestApp::spawn_with(&[
        ("OIDC_ISSUER", "http://127.0.0.1:9"),
        ("OIDC_CLIENT_ID", "nemid-desk"),
        ("PUBLIC_URL", "http://127.0.0.1:8080"),
        ("OIDC_ROLE_MAP", "desk-clerks=clerk"),
    ]);
    assert_eq!(config(&oidc), serde_json::json!({"sign_in": "identity_provider"}));
}

#[test]
fn the_development_sign_in_does_not_exist_in_production_nor_with_configured_keys() {
    // Production; development with a configured JWT_SECRET (a forgotten APP_ENV must not turn a
    // real deployment into a token mint); development listening on the network.
    let cases: [&[(&str, &str)]; 3] = [
        &[("APP_ENV", "production")],
        &[("APP_ENV", "development")],
        &[("APP_ENV", "development"), ("JWT_SECRET", ""), ("BIND_ADDR", "0.0.0.0:8080")],
    ];
    for env in cases {
        let app = TestApp::spawn_with(env);
        if env.iter().any(|(k, v)| *k == "JWT_SECRET" && v.is_empty()) {
            // Offices cannot be made with the test tokens here; the routes are simply absent.
            for path in ["/dev/offices", "/dev/token"] {
                let res = app.request(reqwest::Method::POST, path).json(&serde_json::json!({})).send().unwrap();
                assert_eq!(res.status(), 404, "{path} in {env:?}");
            }
            continue;
        }
        app.office("KBH01", "citizen_service_centre");
        for (method, path) in [(reqwest::Method::GET, "/dev/offices"), (reqwest::Method::POST, "/dev/token")] {
            let res = app
                .request(method, path)
                .json(&serde_json::json!({"role": "supervisor", "name": "Mallory"}))
                .send()
                .unwrap();
            assert_eq!(res.status(), 404, "{path} in {env:?}");
        }
        // The front end itself is served; it signs in with the identity provider's token instead.
        assert_eq!(app.request(reqwest::Method::GET, "/").send().unwrap().status(), 200);
    }
}

#[test]
fn front_ends_read_the_rules_in_force() {
    let app = TestApp::spawn_with(&[
        ("PHOTO_ID_TYPES", "passport,drivers_licence,eu_id_card"),
        ("POSTING_WINDOW_DAYS", "10"),
        ("SECONDARY_DOCUMENT_TYPES", "birth_certificate,health_card"),
        ("COLLECTION_DAYS", "14"),
    ]);
    app.office("KBH01", "citizen_service_centre");
    let res = app.get("/api/v1/settings", &Tok::clerk("KBH01"));
    assert_eq!(res.status(), 200);
    let s: serde_json::Value = res.json().unwrap();
    assert_eq!(s["photo_id_types"], serde_json::json!(["passport", "drivers_licence", "eu_id_card"]));
    assert_eq!(s["posting_window_days"], 10);
    assert_eq!(s["secondary_document_types"], serde_json::json!(["birth_certificate", "health_card"]));
    assert_eq!(s["collection_days"], 14);
    assert_eq!((s["min_applicant_age"].as_i64(), s["min_holder_age"].as_i64()), (Some(15), Some(18)));
    assert_eq!(s["holder_active_days"], 30);
    assert_eq!(app.get("/api/v1/settings", &Tok::None).status(), 401);
}
