//! Signing in through a real OpenID provider (tests/oidc, `oidc-provider`): the desk session
//! (code flow + PKCE, state, nonce, the cookie, Origin checks, idle and lifetime limits,
//! sign-out here and at the provider), the provider's bearer tokens for integrators, the role
//! mapping, and the provider's keys (rotation, forged key ids, the provider away).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::app::free_addr;
use crate::common::cases::applicant;
use crate::common::oidc::{Agent, Idp, user};
use crate::common::{TestApp, Tok, problem};

const SESSION: &str = "__Host-nemid-desk-session";
const LOGIN: &str = "__Host-nemid-desk-login";

struct Desk {
    app: TestApp,
    idp: Idp,
    base: String,
}

fn users() -> Value {
    json!({
        "karen": user("Karen Clerk", &["staff", "desk-clerks"], Some("KBH01")),
        "sofie": user("Sofie Supervisor", &["desk-supervisors"], None),
        "visitor": user("Vera Visitor", &["staff"], Some("KBH01")),
        "twohats": user("Two Hats", &["desk-clerks", "desk-supervisors"], Some("KBH01")),
        "nooffice": user("Nils No-Office", &["desk-clerks"], None),
    })
}

fn integrators() -> Value {
    json!({
        "bank-system": {"client_secret": "bank-secret", "groups": ["desk-bank"], "office": "DB01"},
        "no-role-system": {"client_secret": "other-secret", "groups": ["staff"]},
    })
}

/// A desk server signing in through its own provider, with offices KBH01 and DB01.
fn desk(extra: &[(&str, &str)]) -> Desk {
    let addr = free_addr();
    let base = format!("http://{addr}");
    let idp = Idp::start(&base, users(), integrators());
    let mut env: Vec<(String, String)> = idp.desk_env(&base);
    env.push(("BIND_ADDR".into(), addr));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&pairs);
    wait_ready(&app);
    app.office("KBH01", "citizen_service_centre");
    app.office("DB01", "bank_branch");
    Desk { app, idp, base }
}

fn wait_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/readyz", &Tok::None).status() != 200 {
        assert!(Instant::now() < deadline, "the desk did not load the provider's keys");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn me(agent: &mut Agent, base: &str) -> reqwest::blocking::Response {
    agent.get(&format!("{base}/api/v1/me"))
}

#[test]
fn a_clerk_signs_in_works_a_case_and_signs_out() {
    let d = desk(&[]);
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    // The code flow with PKCE (S256), state and nonce, to this desk's callback.
    let q: std::collections::HashMap<String, String> =
        reqwest::Url::parse(&authorize).unwrap().query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert!(authorize.starts_with(&d.idp.issuer));
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["redirect_uri"], format!("{}/auth/callback", d.base));
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43 && q["code_challenge"].len() == 43);
    assert!(agent.cookie(&d.base, LOGIN).is_some(), "the sign-in cookie");

    let callback = agent.provider_login(&authorize, "karen");
    let res = agent.get(&callback);
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/#/queue");
    let set: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = set.iter().find(|c| c.starts_with(&format!("{SESSION}="))).expect("a session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attr), "{session} lacks {attr}");
    }
    assert!(!session.contains("Domain"), "{session}");
    // The session cookie is all the browser gets: no token in the answer or its cookies.
    assert!(set.iter().all(|c| !c.contains("eyJ")), "{set:?}");
    assert!(agent.cookie(&d.base, LOGIN).is_none(), "the sign-in cookie is cleared");

    let who: Value = me(&mut agent, &d.base).json().unwrap();
    assert_eq!(
        (who["role"].as_str(), who["office"]["code"].as_str(), who["name"].as_str()),
        (Some("clerk"), Some("KBH01"), Some("Karen Clerk"))
    );

    // State-changing requests with the session must come from the desk's own origin.
    let url = format!("{}/api/v1/cases", d.base);
    let body = json!({"kind": "standard", "applicant": applicant("170893-4321")});
    let post = |agent: &mut Agent, origin: Option<&str>| {
        let mut rb = agent.client.post(&url).json(&body);
        let cookie = agent.cookie(&d.base, SESSION).unwrap();
        rb = rb.header("cookie", format!("{SESSION}={cookie}"));
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        rb.send().unwrap()
    };
    assert_eq!(problem(post(&mut agent, None), 403)["kind"], "cross_origin_request");
    assert_eq!(problem(post(&mut agent, Some("https://evil.example")), 403)["kind"], "cross_origin_request");
    let res = post(&mut agent, Some(&d.base));
    assert_eq!(res.status(), 201);
    let case: Value = res.json().unwrap();
    assert_eq!(case["office_code"], "KBH01");
    let events: Value =
        agent.get(&format!("{}/api/v1/cases/{}/events", d.base, case["id"].as_str().unwrap())).json().unwrap();
    assert_eq!(events["items"][0]["actor"]["sub"], "karen", "{events}");

    // Sign-out: the session ends here, and the browser goes on to the provider's sign-out.
    let res = agent.send(Method::POST, &format!("{}/auth/logout", d.base), None, &[("origin", &d.base)]);
    assert_eq!(res.status(), 200);
    let next: Value = res.json().unwrap();
    let next = next["redirect"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}/session/end?", d.idp.issuer)), "{next}");
    assert!(next.contains("id_token_hint=") && next.contains("post_logout_redirect_uri="), "{next}");
    assert!(agent.cookie(&d.base, SESSION).is_none(), "the cookie is cleared");
    let ended = d.app.db.query_one("SELECT count(*) FROM staff_sessions WHERE ended_at IS NOT NULL");
    assert_eq!(ended, 1);
    // The old cookie value, replayed, is refused.
    let res = d
        .app
        .client
        .get(format!("{}/api/v1/me", d.base))
        .header("cookie", format!("{SESSION}={}", "x"))
        .send()
        .unwrap();
    problem(res, 401);
}

#[test]
fn a_session_cookie_replayed_after_sign_out_is_refused() {
    let d = desk(&[]);
    let mut agent = Agent::default();
    agent.sign_in(&d.base, "sofie");
    let cookie = agent.cookie(&d.base, SESSION).unwrap();
    assert_eq!(me(&mut agent, &d.base).status(), 200);
    agent.send(Method::POST, &format!("{}/auth/logout", d.base), None, &[("origin", &d.base)]);
    let res = d
        .app
        .client
        .get(format!("{}/api/v1/me", d.base))
        .header("cookie", format!("{SESSION}={cookie}"))
        .send()
        .unwrap();
    assert!(problem(res, 401)["detail"].as_str().unwrap().contains("sign in again"));
}

fn error_of(to: &str) -> &str {
    to.split("error=").nth(1).unwrap_or("")
}

#[test]
fn a_wrong_nonce_a_replayed_code_and_a_foreign_state_make_no_session() {
    let d = desk(&[]);

    // The provider issues an ID token for another nonce than the sign-in's.
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let mut url = reqwest::Url::parse(&authorize).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.to_string(), if k == "nonce" { "another-nonce".to_string() } else { v.to_string() }))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = agent.provider_login(url.as_str(), "karen");
    assert_eq!(error_of(&agent.finish_sign_in(&callback)), "nonce_mismatch");
    assert!(agent.cookie(&d.base, SESSION).is_none());

    // A code used once: replayed with the same sign-in cookie, the provider refuses it.
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let login_cookie = agent.cookie(&d.base, LOGIN).unwrap();
    let callback = agent.provider_login(&authorize, "karen");
    assert_eq!(agent.finish_sign_in(&callback), format!("{}/#/queue", d.base));
    let mut replay = Agent::default();
    replay.jar.entry(url_origin(&d.base)).or_default().insert(LOGIN.into(), login_cookie.clone());
    assert_eq!(error_of(&replay.finish_sign_in(&callback)), "refused");
    assert!(replay.cookie(&d.base, SESSION).is_none());

    // An answer for another browser's sign-in (its state), or with no sign-in cookie at all.
    let mut other = Agent::default();
    other.start_sign_in(&d.base);
    assert_eq!(error_of(&other.finish_sign_in(&callback)), "state_mismatch");
    let mut none = Agent::default();
    assert_eq!(error_of(&none.finish_sign_in(&callback)), "login_expired");
    // A forged sign-in cookie is not one the server sealed.
    let mut forged = Agent::default();
    forged.jar.entry(url_origin(&d.base)).or_default().insert(LOGIN.into(), login_cookie.replace('A', "B"));
    assert_eq!(error_of(&forged.finish_sign_in(&callback)), "login_expired");
    // Only the one good sign-in made a session.
    assert_eq!(d.app.db.query_one("SELECT count(*) FROM staff_sessions"), 1);
}

fn url_origin(u: &str) -> String {
    reqwest::Url::parse(u).unwrap().origin().ascii_serialization()
}

#[test]
fn sessions_end_when_idle_and_at_their_lifetime() {
    let d = desk(&[("SESSION_IDLE_TIMEOUT_SECS", "1")]);
    let mut agent = Agent::default();
    agent.sign_in(&d.base, "karen");
    assert_eq!(me(&mut agent, &d.base).status(), 200);
    std::thread::sleep(Duration::from_millis(2200));
    let body = problem(me(&mut agent, &d.base), 401);
    assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");

    // Used all along, a session still ends at its lifetime.
    let d = desk(&[("SESSION_LIFETIME_SECS", "3"), ("SESSION_IDLE_TIMEOUT_SECS", "3")]);
    let mut agent = Agent::default();
    agent.sign_in(&d.base, "karen");
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        assert_eq!(me(&mut agent, &d.base).status(), 200);
        std::thread::sleep(Duration::from_millis(400));
    }
    std::thread::sleep(Duration::from_millis(800));
    problem(me(&mut agent, &d.base), 401);
}

#[test]
fn users_without_a_mapped_role_or_office_get_no_session_and_tokens_without_one_are_403() {
    let d = desk(&[]);
    for (login, kind) in [("visitor", "no_role"), ("twohats", "no_role"), ("nooffice", "no_role")] {
        let mut agent = Agent::default();
        assert_eq!(error_of(&agent.sign_in(&d.base, login)), kind, "{login}");
        assert!(agent.cookie(&d.base, SESSION).is_none(), "{login}");
    }
    assert_eq!(d.app.db.query_one("SELECT count(*) FROM staff_sessions"), 0);

    // Integrators: the provider's access tokens for this API, mapped the same way.
    let bank = d.idp.client_token("bank-system", "bank-secret");
    let who: Value = d.app.get("/api/v1/me", &Tok::Raw(bank)).json().unwrap();
    assert_eq!((who["role"].as_str(), who["office"]["code"].as_str()), (Some("bank"), Some("DB01")));
    let none = d.idp.client_token("no-role-system", "other-secret");
    let body = problem(d.app.get("/api/v1/offices", &Tok::Raw(none)), 403);
    assert_eq!(body["kind"], "no_role");
    assert!(body["detail"].as_str().unwrap().contains("`groups`"), "{body}");

    // An ID token is no access token: its audience is the desk's client, not the API.
    let mut agent = Agent::default();
    agent.sign_in(&d.base, "karen");
    let row = d.app.db.query_bytes("SELECT id_token_sealed FROM staff_sessions");
    let id_token = String::from_utf8(crate::common::app::test_vault().open_bytes(&row).unwrap()).unwrap();
    assert!(
        problem(d.app.get("/api/v1/me", &Tok::Raw(id_token)), 401)["detail"].as_str().unwrap().contains("audience")
    );
    // Static tokens keep working beside the provider.
    assert_eq!(d.app.get("/api/v1/me", &Tok::supervisor()).status(), 200);
}

#[test]
fn a_key_rotation_at_the_provider_needs_no_restart() {
    let d = desk(&[("OIDC_JWKS_REFRESH_SECS", "1"), ("OIDC_JWKS_MIN_INTERVAL_MS", "100")]);
    let old = d.idp.client_token("bank-system", "bank-secret");
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(old.clone())).status(), 200);

    // The new key published beside the old one, and signing: new tokens work at once (their key
    // id is unknown here, so the key set is read again), old ones still do.
    d.idp.rotate(&[("k2", "RS256"), ("k1", "RS256")]);
    let new = d.idp.client_token("bank-system", "bank-secret");
    assert_ne!(kid(&new), kid(&old));
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(new.clone())).status(), 200);
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(old.clone())).status(), 200);

    // The rotation window over: the old key withdrawn, old tokens are refused after the next read.
    d.idp.rotate(&[("k2", "RS256")]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = d.app.get("/api/v1/me", &Tok::Raw(old.clone()));
        if res.status() == 401 {
            assert!(problem(res, 401)["detail"].as_str().unwrap().contains("key id"));
            break;
        }
        assert!(Instant::now() < deadline, "the withdrawn key is still accepted");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(new)).status(), 200);
    // Sign-in keeps working with the new key (the ID token is signed by k2).
    let mut agent = Agent::default();
    assert_eq!(agent.sign_in(&d.base, "karen"), format!("{}/#/queue", d.base));
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[test]
fn forged_key_ids_cost_the_provider_one_read_and_cached_keys_outlive_an_outage() {
    let mut d = desk(&[("OIDC_JWKS_REFRESH_SECS", "1")]);
    let good = d.idp.client_token("bank-system", "bank-secret");
    let before = d.idp.jwks_reads();
    // Fifty tokens naming keys nobody has: at most one extra read of the key set.
    let (header, rest) = good.split_once('.').unwrap();
    let _ = header;
    for i in 0..50 {
        let h = base64_url(&json!({"alg": "RS256", "typ": "JWT", "kid": format!("forged-{i}")}).to_string());
        let res = d.app.get("/api/v1/me", &Tok::Raw(format!("{h}.{rest}")));
        assert!(problem(res, 401)["detail"].as_str().unwrap().contains("key id"));
    }
    let reads = d.idp.jwks_reads() - before;
    // One for the first forged kid, and at most two periodic refreshes (1 s) while this ran.
    assert!(reads <= 3, "{reads} reads of the key set for 50 forged key ids");

    // The provider away: tokens verify on the cached keys; a sign-in cannot start or finish.
    d.idp.stop();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(good)).status(), 200);
    assert_eq!(d.app.get("/readyz", &Tok::None).status(), 200, "ready on the cached keys");
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    assert!(agent.client.get(&authorize).send().is_err(), "the provider is down");
}

#[test]
fn without_the_provider_at_start_the_server_is_not_ready_and_says_why() {
    let addr = free_addr();
    let nowhere = format!("http://{}", free_addr());
    let base = format!("http://{addr}");
    let app = TestApp::spawn_with(&[
        ("BIND_ADDR", &addr),
        ("OIDC_ISSUER", &nowhere),
        ("OIDC_CLIENT_ID", "nemid-desk"),
        ("PUBLIC_URL", &base),
        ("OIDC_ROLE_MAP", "desk-clerks=clerk"),
        ("OIDC_API_AUDIENCE", "https://nemid-desk.test/api"),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    let body = problem(app.get("/readyz", &Tok::None), 503);
    assert_eq!(body["kind"], "identity_provider_unavailable");
    assert_eq!(problem(app.get("/auth/login", &Tok::None), 503)["kind"], "identity_provider_unavailable");
    // A token for an unknown key cannot be checked yet: 503, not 401.
    let token = format!("{}.e30.sig", base64_url(r#"{"alg":"RS256","kid":"k9"}"#));
    assert_eq!(problem(app.get("/api/v1/me", &Tok::Raw(token)), 503)["kind"], "identity_provider_unavailable");
    // Static tokens do not depend on the provider.
    assert_eq!(app.get("/api/v1/me", &Tok::admin()).status(), 200);
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}
