//! A real OpenID provider for the sign-in tests (tests/oidc: the certified `oidc-provider`
//! package under Node, pinned by its lock file), and a browser-like agent that keeps cookies and
//! follows the sign-in through the provider's own login page.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use super::app::tempdir::TempDir;

pub const DESK_CLIENT: &str = "nemid-desk";
pub const DESK_SECRET: &str = "desk-client-secret-for-tests";
pub const API_RESOURCE: &str = "https://nemid-desk.test/api";
pub const ROLE_MAP: &str = "desk-clerks=clerk,desk-bank=bank,desk-supervisors=supervisor,desk-admins=admin";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

static INSTALL: Mutex<()> = Mutex::new(());

/// `npm ci` in tests/oidc when its packages are missing or older than the lock file; once, also
/// across test processes (a directory made atomically is the lock).
fn ensure_installed() {
    let _held = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = provider_dir();
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = || {
        let lock = std::fs::metadata(dir.join("package-lock.json")).and_then(|m| m.modified()).ok();
        let inst = std::fs::metadata(&installed).and_then(|m| m.modified()).ok();
        matches!((lock, inst), (Some(l), Some(i)) if i >= l) && dir.join("node_modules/oidc-provider").is_dir()
    };
    if fresh() {
        return;
    }
    let lock_dir = dir.join(".npm-install.lock");
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::fs::create_dir(&lock_dir).is_err() {
        assert!(
            Instant::now() < deadline,
            "waited 5 minutes for another test process's npm ci ({})",
            lock_dir.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let result = if fresh() {
        None
    } else {
        Some(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dir).status())
    };
    let _ = std::fs::remove_dir(&lock_dir);
    if let Some(status) = result {
        let status = status.expect("npm (Node.js) is needed for the sign-in tests: apt-get install nodejs npm");
        assert!(status.success(), "npm ci in tests/oidc failed");
    }
}

/// One provider process; killed on drop.
pub struct Idp {
    pub issuer: String,
    child: Child,
    client: Client,
    _dir: TempDir,
}

/// The users of the provider's login page: login → (name, groups, office).
pub fn user(name: &str, groups: &[&str], office: Option<&str>) -> Value {
    json!({"name": name, "groups": groups, "office": office})
}

impl Idp {
    /// A provider whose desk client may come back to `desk` (the desk's origin).
    pub fn start(desk: &str, users: Value, integrators: Value) -> Idp {
        Self::start_on("127.0.0.1", desk, users, integrators)
    }

    pub fn start_on(host: &str, desk: &str, users: Value, integrators: Value) -> Idp {
        ensure_installed();
        let dir = TempDir::new();
        let config = json!({
            "host": host,
            "desk": {
                "client_id": DESK_CLIENT,
                "client_secret": DESK_SECRET,
                "redirect_uris": [format!("{desk}/auth/callback")],
                "post_logout_redirect_uris": [format!("{desk}/")],
            },
            "users": users,
            "integrators": integrators,
            "resource": API_RESOURCE,
            "keys": [{"kid": "k1", "alg": "RS256"}],
        });
        let path = format!("{}/provider.json", dir.path());
        std::fs::write(&path, config.to_string()).unwrap();
        let mut child = Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js) is needed for the sign-in tests: apt-get install nodejs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("provider output");
        let started: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("provider did not start: {e}: {line}"));
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Idp { issuer: started["issuer"].as_str().unwrap().to_string(), child, client, _dir: dir }
    }

    /// Publishes `keys` (kid, alg) from now on; the first of each algorithm signs.
    pub fn rotate(&self, keys: &[(&str, &str)]) {
        let keys: Vec<Value> = keys.iter().map(|(kid, alg)| json!({"kid": kid, "alg": alg})).collect();
        let res = self.client.post(format!("{}/__test/keys", self.issuer)).json(&json!({"keys": keys})).send().unwrap();
        assert_eq!(res.status(), 204);
    }

    /// How often the key set has been read.
    pub fn jwks_reads(&self) -> u64 {
        let v: Value = self.client.get(format!("{}/__test/stats", self.issuer)).send().unwrap().json().unwrap();
        v["jwks_reads"].as_u64().unwrap()
    }

    /// An access token for the API from the client credentials grant of `client`.
    pub fn client_token(&self, client: &str, secret: &str) -> String {
        let res = self
            .client
            .post(format!("{}/token", self.issuer))
            .basic_auth(client, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "api"), ("resource", API_RESOURCE)])
            .send()
            .unwrap();
        let status = res.status();
        let body: Value = res.json().unwrap();
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// Exchanges the code of `callback` as the desk would, with the PKCE verifier sealed in the
    /// desk's sign-in cookie (opened with the test keys); returns the ID token.
    pub fn exchange_as_desk(&self, callback: &str, login_cookie: &str, desk: &str) -> String {
        use base64::Engine;
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(login_cookie).unwrap();
        let pending: Value = serde_json::from_slice(&super::app::test_vault().open_bytes(&sealed).unwrap()).unwrap();
        let code =
            reqwest::Url::parse(callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
        let redirect_uri = format!("{desk}/auth/callback");
        let res = self
            .client
            .post(format!("{}/token", self.issuer))
            .basic_auth(DESK_CLIENT, Some(DESK_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect_uri.as_str()),
                ("code_verifier", pending["verifier"].as_str().unwrap()),
            ])
            .send()
            .unwrap();
        let body: Value = res.json().unwrap();
        body["id_token"].as_str().unwrap_or_else(|| panic!("no id_token: {body}")).to_string()
    }

    /// Stops the provider (it cannot be reached any more).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The settings a desk server needs to sign in through this provider.
    pub fn desk_env(&self, desk: &str) -> Vec<(String, String)> {
        [
            ("OIDC_ISSUER", self.issuer.as_str()),
            ("OIDC_CLIENT_ID", DESK_CLIENT),
            ("OIDC_CLIENT_SECRET", DESK_SECRET),
            ("PUBLIC_URL", desk),
            ("OIDC_SCOPES", "openid profile groups office"),
            ("OIDC_ROLES_CLAIM", "groups"),
            ("OIDC_ROLE_MAP", ROLE_MAP),
            ("OIDC_OFFICE_CLAIM", "office"),
            ("OIDC_API_AUDIENCE", API_RESOURCE),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A cookie-keeping client that does not follow redirects: each step of a sign-in is seen.
pub struct Agent {
    pub client: Client,
    /// origin → cookie name → value.
    pub jar: HashMap<String, HashMap<String, String>>,
}

fn origin(url: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    u.origin().ascii_serialization()
}

impl Default for Agent {
    fn default() -> Self {
        Agent {
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            jar: HashMap::new(),
        }
    }
}

impl Agent {
    pub fn send(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
        headers: &[(&str, &str)],
    ) -> Response {
        let o = origin(url);
        let mut rb = self.client.request(method, url);
        if let Some(cookies) = self.jar.get(&o).filter(|c| !c.is_empty()) {
            let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            rb = rb.header("cookie", header.join("; "));
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(f) = form {
            rb = rb.form(f);
        }
        let res = rb.send().expect("request");
        for sc in res.headers().get_all("set-cookie") {
            let sc = sc.to_str().unwrap();
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let gone = attrs.to_ascii_lowercase().contains("max-age=0") || attrs.contains("1970");
            let cookies = self.jar.entry(o.clone()).or_default();
            if gone || value.is_empty() {
                cookies.remove(name.trim());
            } else {
                cookies.insert(name.trim().to_string(), value.to_string());
            }
        }
        res
    }

    pub fn get(&mut self, url: &str) -> Response {
        self.send(Method::GET, url, None, &[])
    }

    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.jar.get(&origin(url)).and_then(|c| c.get(name)).cloned()
    }

    /// Starts a sign-in at the desk; returns the provider's authorization URL.
    pub fn start_sign_in(&mut self, desk: &str) -> String {
        let res = self.get(&format!("{desk}/auth/login?return_to=%23/queue"));
        assert_eq!(res.status(), 303, "GET /auth/login");
        location(&res, desk)
    }

    /// Signs `login` in on the provider's login page, starting at `authorize`; returns the URL
    /// the provider sends the browser back to (the desk's callback).
    pub fn provider_login(&mut self, authorize: &str, login: &str) -> String {
        let mut url = authorize.to_string();
        for _ in 0..10 {
            let res = self.get(&url);
            match res.status().as_u16() {
                302 | 303 => {
                    let next = location(&res, &url);
                    if next.contains("/auth/callback") {
                        return next;
                    }
                    url = next;
                }
                200 => {
                    let html = res.text().unwrap();
                    assert!(html.contains("name=\"login\""), "the provider's login page: {html}");
                    let action = html.split("action=\"").nth(1).and_then(|r| r.split('"').next()).expect("form action");
                    let post = location_join(&url, action);
                    let res = self.send(
                        Method::POST,
                        &post,
                        Some(&[("prompt", "login"), ("login", login), ("password", "any")]),
                        &[],
                    );
                    assert!(matches!(res.status().as_u16(), 302 | 303), "login POST: {}", res.status());
                    url = location(&res, &post);
                }
                s => panic!("the provider answered {s} at {url}: {}", res.text().unwrap_or_default()),
            }
        }
        panic!("the sign-in did not come back to the desk");
    }

    /// Comes back to the desk's callback; returns where the desk sends the browser.
    pub fn finish_sign_in(&mut self, callback: &str) -> String {
        let res = self.get(callback);
        assert_eq!(res.status(), 303, "the callback redirects");
        location(&res, callback)
    }

    /// The whole sign-in; returns where the desk sends the browser afterwards.
    pub fn sign_in(&mut self, desk: &str, login: &str) -> String {
        let authorize = self.start_sign_in(desk);
        let callback = self.provider_login(&authorize, login);
        self.finish_sign_in(&callback)
    }
}

pub fn location(res: &Response, base: &str) -> String {
    let l = res.headers().get("location").expect("Location").to_str().unwrap();
    location_join(base, l)
}

fn location_join(base: &str, l: &str) -> String {
    reqwest::Url::parse(base).unwrap().join(l).unwrap().to_string()
}
