//! Token verification: each refusal, and key rotation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::common::tokens::{claims, hs256, now};
use crate::common::{TestApp, Tok, problem};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn signed(alg: Algorithm, kid: &str, private_pem: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(private_pem)).unwrap();
    let key = match alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .unwrap();
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    encode(&h, claims, &key).unwrap()
}

fn keys_env(entries: &[(&str, &str, &str)]) -> String {
    entries.iter().map(|(kid, alg, f)| format!("{kid}={alg}:{}", fixture(f))).collect::<Vec<_>>().join(",")
}

/// Asserts 401 with the bearer challenge; returns the problem's detail.
fn refused(app: &TestApp, token: String) -> String {
    let res = app.get("/api/v1/offices", &Tok::Raw(token.clone()));
    let challenge = res.headers().get("www-authenticate").expect("WWW-Authenticate").to_str().unwrap().to_string();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
    let body = problem(res, 401);
    let detail = body["detail"].as_str().unwrap().to_string();
    assert!(!body.to_string().contains(&token), "the token is echoed");
    detail
}

#[test]
fn missing_and_malformed_tokens_are_401() {
    let app = TestApp::spawn();
    let res = app.get("/api/v1/offices", &Tok::None);
    assert!(res.headers().get("www-authenticate").is_some());
    problem(res, 401);
    let res = app.client.get(app.url("/api/v1/offices")).header("authorization", "Basic YTpi").send().unwrap();
    problem(res, 401);
    assert!(refused(&app, "not.a.jwt".into()).contains("malformed"));
}

#[test]
fn each_bad_token_is_refused_with_its_reason() {
    let app = TestApp::spawn_with(&[(
        "JWT_PUBLIC_KEYS",
        &keys_env(&[("rsa1", "RS256", "rsa1-public.pem"), ("ed1", "EdDSA", "ed1-public.pem")]),
    )]);
    let good = claims("admin", None);
    assert_eq!(app.get("/api/v1/offices", &Tok::Raw(hs256(&good))).status(), 200);
    assert_eq!(
        app.get("/api/v1/offices", &Tok::Raw(signed(Algorithm::RS256, "rsa1", "rsa1-private.pem", &good))).status(),
        200
    );

    // alg: none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    refused(&app, format!("{header}.{payload}."));

    // Algorithm confusion: HS256 "signed" with the RSA public key's PEM, naming the RSA key.
    let pem = std::fs::read(fixture("rsa1-public.pem")).unwrap();
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("rsa1".into());
    let confused = encode(&h, &good, &EncodingKey::from_secret(&pem)).unwrap();
    assert!(refused(&app, confused).contains("algorithm"));
    // ... and without a kid it is checked against the HS secret, where it fails as a bad signature.
    let confused = encode(&Header::new(Algorithm::HS256), &good, &EncodingKey::from_secret(&pem)).unwrap();
    assert!(refused(&app, confused).contains("signature"));

    assert!(refused(&app, signed(Algorithm::RS256, "nope", "rsa1-private.pem", &good)).contains("key id"));

    let mut c = good.clone();
    c["iss"] = json!("someone-else");
    assert!(refused(&app, hs256(&c)).contains("issuer"));

    let mut c = good.clone();
    c["aud"] = json!("another-service");
    assert!(refused(&app, hs256(&c)).contains("audience"));

    let mut c = good.clone();
    c["exp"] = json!(now() - 120);
    assert!(refused(&app, hs256(&c)).contains("expired"));

    let mut c = good.clone();
    c["exp"] = json!((now() + 3600).to_string());
    refused(&app, hs256(&c));

    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("exp");
    refused(&app, hs256(&c));

    let mut c = good.clone();
    c["nbf"] = json!(now() + 600);
    assert!(refused(&app, hs256(&c)).contains("not valid yet"));

    // Tampered payload: a clerk's token whose role was edited to admin.
    let clerk = hs256(&claims("clerk", Some("KBH01")));
    let parts: Vec<&str> = clerk.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
    assert!(refused(&app, tampered).contains("signature"));

    // Genuine, but no role of nemid-desk (or no office for a role that works at one): 403,
    // never a default role.
    let mut c = good.clone();
    c["role"] = json!("root");
    let body = problem(app.get("/api/v1/offices", &Tok::Raw(hs256(&c))), 403);
    assert_eq!(body["kind"], "no_role");
    assert!(body["detail"].as_str().unwrap().contains("`role`"), "{body}");

    let c = claims("clerk", None);
    let body = problem(app.get("/api/v1/offices", &Tok::Raw(hs256(&c))), 403);
    assert!(body["detail"].as_str().unwrap().contains("office"), "{body}");
}

#[test]
fn a_token_for_an_inactive_office_is_403() {
    let app = TestApp::spawn();
    let office = app.office("KBH01", "citizen_service_centre");
    assert_eq!(app.get("/api/v1/offices", &Tok::clerk("KBH01")).status(), 200);
    let res = app.patch(
        &format!("/api/v1/offices/{}", office["id"].as_str().unwrap()),
        &Tok::admin(),
        &json!({"active": false}),
    );
    assert_eq!(res.status(), 200);
    let body = problem(app.get("/api/v1/offices", &Tok::clerk("KBH01")), 403);
    assert!(body["detail"].as_str().unwrap().contains("not active"));
}

#[test]
fn key_rotation_accepts_both_keys_then_drops_the_removed_one() {
    let both = keys_env(&[("2026-a", "RS256", "rsa1-public.pem"), ("2026-b", "ES256", "ec1-public.pem")]);
    let c = claims("supervisor", None);
    let old = signed(Algorithm::RS256, "2026-a", "rsa1-private.pem", &c);
    let new = signed(Algorithm::ES256, "2026-b", "ec1-private.pem", &c);
    {
        let app = TestApp::spawn_with(&[("JWT_PUBLIC_KEYS", &both)]);
        assert_eq!(app.get("/api/v1/offices", &Tok::Raw(old.clone())).status(), 200);
        assert_eq!(app.get("/api/v1/offices", &Tok::Raw(new.clone())).status(), 200);
    }
    let only_new = keys_env(&[("2026-b", "ES256", "ec1-public.pem")]);
    let app = TestApp::spawn_with(&[("JWT_PUBLIC_KEYS", &only_new)]);
    assert_eq!(app.get("/api/v1/offices", &Tok::Raw(new)).status(), 200);
    assert!(refused(&app, old).contains("key id"));
}

#[test]
fn the_token_command_mints_a_working_token() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .args(["token", "--role", "clerk", "--office", "KBH01", "--name", "Karen Clerk", "--ttl", "1h"])
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(app.get("/api/v1/offices", &Tok::Raw(token)).status(), 200);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
        .args(["token", "--role", "clerk", "--name", "No Office"])
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--office"));
}
