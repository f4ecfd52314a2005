//! A real server on an ephemeral port, in-process, over a test database; tests speak HTTP to it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;

use nemid_desk::config::Config;
use nemid_desk::{commands, db};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

use super::db::TestDb;
use super::tokens::{self, Tok};

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// Fixed CPR keys for tests (key id `t1`), so a test can open what a server sealed.
pub const TEST_CPR_KEYS: &str = "t1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
pub const TEST_CPR_INDEX_KEY: &str = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";

pub fn test_vault() -> nemid_desk::vault::CprVault {
    nemid_desk::vault::CprVault::new(TEST_CPR_KEYS, TEST_CPR_INDEX_KEY).expect("test keys")
}

/// Settings every test server gets; `extra` overrides or adds.
pub fn env(db_url: &str, data_dir: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = [
        ("DATABASE_URL", db_url),
        ("JWT_SECRET", TEST_SECRET),
        ("CPR_ENCRYPTION_KEYS", TEST_CPR_KEYS),
        ("CPR_INDEX_KEY", TEST_CPR_INDEX_KEY),
        ("DATA_DIR", data_dir),
        ("HTTP_WORKERS", "2"),
        ("DB_POOL_SIZE", "4"),
        ("DB_CONNECT_TIMEOUT_MS", "1500"),
        ("SHUTDOWN_TIMEOUT_SECS", "5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        m.insert(k.to_string(), v.to_string());
    }
    m
}

/// A loopback address no one listens on right now.
pub fn free_addr() -> String {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string()
}

/// One running server (in-process, its own actix system on a thread); stopped on drop.
pub struct Server {
    pub base: String,
    handle: Option<actix_web::dev::ServerHandle>,
    thread: Option<JoinHandle<()>>,
    _data_dir: tempdir::TempDir,
}

impl Server {
    pub fn start(db_url: &str, extra: &[(&str, &str)]) -> Server {
        super::logs::install();
        let data_dir = tempdir::TempDir::new();
        let url =
            extra.iter().find(|(k, _)| *k == "DATABASE_URL").map(|(_, v)| v.to_string()).unwrap_or(db_url.to_string());
        let config = Config::from_source(&env(&url, &data_dir.path(), extra)).expect("test config");
        let pool = db::build_pool(&url, &config.db);
        let state = commands::serve::state(config, pool, &url).expect("test state");
        // A test that must know the address before the server starts (a provider's redirect
        // URI) reserves one with `free_addr` and passes it as BIND_ADDR.
        let bind = extra.iter().find(|(k, _)| *k == "BIND_ADDR").map(|(_, v)| v.to_string());
        let listener = TcpListener::bind(bind.as_deref().unwrap_or("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let server = commands::serve::build(state, listener).expect("server");
                tx.send(server.handle()).expect("send handle");
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("server started");
        Server { base: format!("http://{addr}"), handle: Some(handle), thread: Some(thread), _data_dir: data_dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // The stop future only talks to the server over channels; any executor will do.
            actix_web::rt::System::new().block_on(handle.stop(true));
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The `nemid-desk` binary serving on an ephemeral port; killed on drop.
pub struct ServerProcess {
    pub base: String,
    child: std::process::Child,
}

impl ServerProcess {
    pub fn start(db_url: &str) -> ServerProcess {
        Self::start_with(db_url, &[])
    }

    /// With extra environment variables.
    pub fn start_with(db_url: &str, extra: &[(&str, &str)]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nemid-desk"))
            .arg("serve")
            .env("DATABASE_URL", db_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", TEST_SECRET)
            .env("CPR_ENCRYPTION_KEYS", TEST_CPR_KEYS)
            .env("CPR_INDEX_KEY", TEST_CPR_INDEX_KEY)
            .env("DB_POOL_SIZE", "4")
            .env("HTTP_WORKERS", "2")
            .envs(extra.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the binary");
        let base = format!("http://127.0.0.1:{port}");
        let client = Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if client.get(format!("{base}/readyz")).send().is_ok_and(|r| r.status() == 200) {
                return ServerProcess { base, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the second server process did not become ready");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server over a database of its own, and a client for it. Fields drop in order: the server
/// stops before its database is dropped.
pub struct TestApp {
    pub server: Server,
    pub db: TestDb,
    pub base: String,
    pub client: Client,
}

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(&[])
    }

    pub fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let db = TestDb::new();
        let server = Server::start(&db.url, extra);
        TestApp {
            base: server.base.clone(),
            server,
            db,
            client: Client::builder().timeout(std::time::Duration::from_secs(30)).build().expect("client"),
        }
    }

    /// A second server: the real binary in its own process, on the same database.
    pub fn another_process(&self) -> ServerProcess {
        ServerProcess::start(&self.db.url)
    }

    /// A second server process with extra environment variables.
    pub fn another_process_with(&self, extra: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::start_with(&self.db.url, extra)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str, tok: &Tok) -> Response {
        tokens::auth(self.client.get(self.url(path)), tok).send().expect("request")
    }

    pub fn post(&self, path: &str, tok: &Tok, body: &Value) -> Response {
        tokens::auth(self.client.post(self.url(path)), tok).json(body).send().expect("request")
    }

    pub fn patch(&self, path: &str, tok: &Tok, body: &Value) -> Response {
        tokens::auth(self.client.patch(self.url(path)), tok).json(body).send().expect("request")
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Creates an office as an administrator; returns its JSON.
    pub fn office(&self, code: &str, kind: &str) -> Value {
        let res = self.post("/api/v1/offices", &Tok::admin(), &office_body(code, kind));
        assert_eq!(res.status(), 201, "creating office {code}");
        res.json().expect("office json")
    }
}

/// A temporary directory removed on drop (no extra crate needed for this much).
pub mod tempdir {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static N: AtomicUsize = AtomicUsize::new(0);

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            let p = std::env::temp_dir().join(format!(
                "nemid-desk-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&p).expect("temp dir");
            TempDir(p)
        }

        pub fn path(&self) -> String {
            self.0.to_string_lossy().to_string()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A valid new office of `kind`.
pub fn office_body(code: &str, kind: &str) -> Value {
    let mut body = json!({
        "code": code,
        "name": format!("Office {code}"),
        "kind": kind,
        "address": {"street": "Vestergade 1", "postal_code": "7100", "city": "Vejle", "country": "DK"}
    });
    if kind == "bank_branch" {
        body["bank_name"] = json!("Danske Bank");
    }
    body
}
