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
    wait_keys(&base);
    app.office("KBH01", "citizen_service_centre");
    app.office("DB01", "bank_branch");
    Desk { app, idp, base }
}

/// Until the desk has read the provider's keys, a sign-in cannot start (503).
fn wait_keys(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut agent = Agent::default();
    while agent.get(&format!("{base}/auth/login")).status() != 303 {
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
    assert!(next.contains("client_id=nemid-desk") && next.contains("post_logout_redirect_uri="), "{next}");
    // The ID token stays on the server: a URL is kept in history and the provider's logs.
    assert!(!next.contains("id_token_hint") && !next.contains("eyJ"), "{next}");
    assert!(agent.cookie(&d.base, SESSION).is_none(), "the cookie is cleared");
    let ended = d.app.db.query_one("SELECT count(*) FROM staff_sessions WHERE ended_at IS NOT NULL");
    assert_eq!(ended, 1);
    // A sign-out without Origin is refused like any change.
    problem(agent.send(Method::POST, &format!("{}/auth/logout", d.base), None, &[]), 403);
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
    let callback = agent.provider_login(&with_param(&authorize, "nonce", "another-nonce"), "karen");
    assert_eq!(error_of(&agent.finish_sign_in(&callback)), "nonce_mismatch");
    assert!(agent.cookie(&d.base, SESSION).is_none());

    // PKCE: a code issued for another challenge cannot be exchanged with this sign-in's verifier
    // (a code intercepted on its way back is useless without the verifier).
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let callback = agent.provider_login(
        &with_param(&authorize, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        "karen",
    );
    assert_eq!(error_of(&agent.finish_sign_in(&callback)), "refused");
    assert!(agent.cookie(&d.base, SESSION).is_none());

    // A code used once: replayed with the same sign-in cookie, the provider refuses it.
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let login_cookie = agent.cookie(&d.base, LOGIN).unwrap();
    let callback = agent.provider_login(&authorize, "karen");
    assert_eq!(agent.finish_sign_in(&callback), format!("{}/#/queue", d.base));
    let mut replay = Agent::default();
    replay.jar.entry(url_origin(&d.base)).or_default().insert(LOGIN.into(), login_cookie.clone());
    let reads = d.idp.jwks_reads();
    assert_eq!(error_of(&replay.finish_sign_in(&callback)), "replayed");
    assert!(replay.cookie(&d.base, SESSION).is_none());
    assert_eq!(d.idp.jwks_reads(), reads);

    // An answer naming another issuer (RFC 9207: a mix-up), or the user cancelling at the provider.
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let callback = agent.provider_login(&authorize, "karen");
    let login_cookie = agent.cookie(&d.base, LOGIN).unwrap();
    assert_eq!(error_of(&agent.finish_sign_in(&with_param(&callback, "iss", "https://evil.example"))), "wrong_issuer");
    let state =
        reqwest::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let cancelled = format!("{}/auth/callback?error=access_denied&state={state}&iss={}", d.base, d.idp.issuer);
    let mut again = Agent::default();
    again.jar.entry(url_origin(&d.base)).or_default().insert(LOGIN.into(), login_cookie.clone());
    assert_eq!(error_of(&again.finish_sign_in(&cancelled)), "cancelled");

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

/// `url` with the query parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.to_string(), if k == name { value.to_string() } else { v.to_string() }))
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.into()
}

fn url_origin(u: &str) -> String {
    reqwest::Url::parse(u).unwrap().origin().ascii_serialization()
}

#[test]
fn sessions_end_when_idle_and_at_their_lifetime_and_use_keeps_them_alive_until_then() {
    // Idle 2 s, lifetime 5 s: used every 300 ms, the session outlives its idle timeout...
    let d = desk(&[("SESSION_IDLE_TIMEOUT_SECS", "2"), ("SESSION_LIFETIME_SECS", "5")]);
    let mut agent = Agent::default();
    let started = Instant::now();
    agent.sign_in(&d.base, "karen");
    while started.elapsed() < Duration::from_millis(3500) {
        assert_eq!(me(&mut agent, &d.base).status(), 200, "in use at {:?}", started.elapsed());
        std::thread::sleep(Duration::from_millis(300));
    }
    // ...and still ends at its lifetime, however busy.
    while started.elapsed() < Duration::from_millis(6200) {
        std::thread::sleep(Duration::from_millis(300));
        me(&mut agent, &d.base);
    }
    let body = problem(me(&mut agent, &d.base), 401);
    assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");

    // Left alone past its idle timeout, it ends.
    let mut agent = Agent::default();
    agent.sign_in(&d.base, "karen");
    assert_eq!(me(&mut agent, &d.base).status(), 200);
    std::thread::sleep(Duration::from_millis(2600));
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
    // (The test plays the desk's part: the sign-in cookie, opened with the test keys, holds the
    // PKCE verifier.)
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let callback = agent.provider_login(&authorize, "karen");
    let id_token = d.idp.exchange_as_desk(&callback, &agent.cookie(&d.base, LOGIN).unwrap(), &d.base);
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
fn forged_key_ids_at_once_cost_the_provider_one_read_and_algorithms_stay_bound_to_keys() {
    // The interval outlasts the burst however slowly a loaded machine sends it (with 100 ms, a
    // burst spread over more than that made a second read), and the wait before it outlasts the
    // interval since the read at start.
    let d = desk(&[("OIDC_JWKS_MIN_INTERVAL_MS", "3000")]);
    let good = d.idp.client_token("bank-system", "bank-secret");
    let (_, rest) = good.split_once('.').unwrap();
    std::thread::sleep(Duration::from_millis(3200));
    let before = d.idp.jwks_reads();
    // Fifty tokens naming keys nobody has, sent at once: one extra read of the key set.
    let base = d.base.clone();
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let h = base64_url(&json!({"alg": "RS256", "typ": "JWT", "kid": format!("forged-{i}")}).to_string());
            let (token, url) = (format!("{h}.{rest}"), format!("{base}/api/v1/me"));
            std::thread::spawn(move || {
                reqwest::blocking::Client::new().get(url).bearer_auth(token).send().unwrap().status()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 401);
    }
    assert_eq!(d.idp.jwks_reads() - before, 1, "reads of the key set for 50 forged key ids");

    // The provider's key k1 is RS256: a token naming it with another algorithm is refused,
    // `none` and HMAC "signed" with the public key's modulus included.
    let jwks: Value = reqwest::blocking::get(format!("{}/jwks", d.idp.issuer)).unwrap().json().unwrap();
    let n = jwks["keys"][0]["n"].as_str().unwrap().to_string();
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&good).unwrap().claims;
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = Some("k1".into());
    let confused = jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(n.as_bytes())).unwrap();
    let (_, sig) = good.rsplit_once('.').unwrap();
    let payload = rest.split_once('.').unwrap().0;
    for (token, why) in [
        (confused, "algorithm"),
        (format!("{}.{payload}.", base64_url(r#"{"alg":"none","kid":"k1"}"#)), "malformed"),
        (format!("{}.{payload}.{sig}", base64_url(r#"{"alg":"PS256","kid":"k1"}"#)), "algorithm"),
        (format!("{}.{payload}.{sig}", base64_url(r#"{"alg":"RS384","kid":"k1"}"#)), "algorithm"),
    ] {
        let body = problem(d.app.get("/api/v1/me", &Tok::Raw(token)), 401);
        assert!(body["detail"].as_str().unwrap().contains(why), "{why}: {body}");
    }
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(good)).status(), 200);
}

#[test]
fn while_the_provider_is_away_tokens_verify_on_cached_keys_and_sign_ins_say_so() {
    let mut d = desk(&[("OIDC_JWKS_REFRESH_SECS", "1")]);
    let good = d.idp.client_token("bank-system", "bank-secret");
    let mut agent = Agent::default();
    let authorize = agent.start_sign_in(&d.base);
    let callback = agent.provider_login(&authorize, "karen");
    d.idp.stop();
    // Refreshes fail meanwhile; the cached keys stay in use.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(d.app.get("/api/v1/me", &Tok::Raw(good)).status(), 200);
    assert_eq!(d.app.get("/readyz", &Tok::None).status(), 200);
    // The code cannot be exchanged: the browser is told, and no session is made.
    assert_eq!(error_of(&agent.finish_sign_in(&callback)), "provider_unavailable");
    assert_eq!(d.app.db.query_one("SELECT count(*) FROM staff_sessions"), 0);
}

#[test]
fn without_the_provider_at_start_sign_ins_and_its_tokens_wait_but_static_tokens_work() {
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
    // Ready: the database answers, and static tokens and sessions need no provider.
    assert_eq!(app.get("/readyz", &Tok::None).status(), 200);
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
