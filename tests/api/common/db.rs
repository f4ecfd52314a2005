//! A fresh database per test, cloned from a migrated template.
//!
//! The server is found like the run command finds it: `TEST_DATABASE_URL` (any database on the
//! server; others are created beside it), else the local server on 5432, else the harness's own
//! private cluster under `.data/test-postgres` (fsync off; left running between runs). The template's name carries a hash of the migrations, so a changed
//! migration gets a new template. Test databases are named `ndt_<pid>_<n>`; those of processes
//! that no longer run are swept at start.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;

struct Server {
    base: String,
    params: String,
    template: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

fn split_url(url: &str) -> (String, String) {
    let (without_params, params) = match url.split_once('?') {
        Some((a, b)) => (a.to_string(), format!("?{b}")),
        None => (url.to_string(), String::new()),
    };
    let scheme_end = without_params.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match without_params[scheme_end..].find('/') {
        Some(i) => without_params[..scheme_end + i].to_string(),
        None => without_params,
    };
    (base, params)
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let (base, params) = match std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
            Some(url) => split_url(&url),
            None => {
                // The harness's own cluster, apart from the run command's: test data is thrown away,
                // so fsync is off, and the cluster keeps running between runs (stop it with
                // `pg_ctl -D .data/test-postgres stop`).
                let opts = nemid_desk::db::locate::Options {
                    local_server: Some("127.0.0.1:5432".parse().unwrap()),
                    cluster_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join(".data/test-postgres"),
                    fsync: false,
                };
                let s = nemid_desk::db::locate::find_server(&opts)
                    .unwrap_or_else(|e| panic!("no PostgreSQL for tests: {e}"));
                (s.base_url, String::new())
            }
        };
        let mut admin = PgConnection::establish(&format!("{base}/postgres{params}"))
            .unwrap_or_else(|e| panic!("cannot connect to the test server's `postgres` database: {e}"));
        sweep(&mut admin);
        let template = ensure_template(&mut admin, &base, &params);
        Server { base, params, template }
    })
}

/// Drops test databases whose process is gone (a crashed or killed run).
fn sweep(admin: &mut PgConnection) {
    let names: Vec<Name> =
        sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'ndt\\_%'").load(admin).unwrap_or_default();
    for n in names {
        let pid = n.datname.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", n.datname));
        }
    }
}

fn migrations_hash() -> u64 {
    let mut files: Vec<_> = walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"));
    files.sort();
    let mut h = DefaultHasher::new();
    for f in files {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    h.finish()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// Creates the migrated template once per migration set, under an advisory lock so parallel
/// test processes do not race.
fn ensure_template(admin: &mut PgConnection, base: &str, params: &str) -> String {
    let name = format!("ndtpl_{:016x}", migrations_hash());
    admin.batch_execute("SELECT pg_advisory_lock(7265001)").expect("template lock");
    let exists: Vec<Name> = sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&name)
        .load(admin)
        .expect("look up template");
    if exists.is_empty() {
        let building = format!("{name}_building");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"))
            .expect("drop half-built template");
        admin.batch_execute(&format!("CREATE DATABASE \"{building}\"")).expect("create template");
        {
            let mut conn = PgConnection::establish(&format!("{base}/{building}{params}")).expect("connect to template");
            nemid_desk::db::migrate::run_on(&mut conn).expect("migrate template");
        }
        // Renamed only once complete, so a template that exists is always fully migrated.
        admin.batch_execute(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).expect("publish template");
    }
    // Templates of earlier migration sets are of no further use; nobody connects to them.
    let stale: Vec<Name> =
        sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'ndtpl\\_%' AND datname <> $1")
            .bind::<Text, _>(&name)
            .load(admin)
            .unwrap_or_default();
    for t in stale {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\"", t.datname));
    }
    admin.batch_execute("SELECT pg_advisory_unlock(7265001)").expect("template unlock");
    name
}

/// A database of this test's own, dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let s = server();
        let name = format!("ndt_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let mut admin = PgConnection::establish(&format!("{}/postgres{}", s.base, s.params)).expect("admin connection");
        // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template;
        // nobody connects to it after it is built, but retry briefly all the same.
        let mut last = None;
        for _ in 0..20 {
            match admin.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{}\"", s.template)) {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
        if let Some(e) = last {
            panic!("cannot create test database: {e}");
        }
        TestDb { url: format!("{}/{}{}", s.base, name, s.params), name }
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to test database")
    }

    /// The one `bigint` the query answers (a count).
    pub fn query_one(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct One {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let sql = sql.replacen("count(*)", "count(*) AS count", 1);
        diesel::RunQueryDsl::get_result::<One>(diesel::sql_query(sql), &mut self.conn()).expect("query").count
    }

    /// Waits (at most 20 s) until the server's background fold has merged every report delta
    /// into the summaries; panics if it does not.
    pub fn wait_for_fold(&self) {
        const DELTAS: &str =
            "SELECT (SELECT count(*) FROM case_status_deltas) + (SELECT count(*) FROM daily_activity_deltas)
                              + (SELECT count(*) FROM daily_duration_deltas) AS count";
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.query_one(DELTAS) > 0 {
            assert!(std::time::Instant::now() < deadline, "the fold did not run within 20 s");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Drops the database now (connections are terminated), e.g. to make the service lose it.
    pub fn drop_now(&self) {
        let s = server();
        let mut admin = PgConnection::establish(&format!("{}/postgres{}", s.base, s.params)).expect("admin connection");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .expect("drop test database");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let s = server();
        if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres{}", s.base, s.params)) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}
