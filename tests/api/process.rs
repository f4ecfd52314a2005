//! The binary as an operator runs it: zero configuration, bad configuration, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};

use crate::common::Tok;
use crate::common::db::TestDb;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nemid-desk"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    c
}

/// Polls `/readyz` until 200 or the deadline; the deadline only bounds a broken start.
fn wait_ready(client: &reqwest::blocking::Client, base: &str, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(r) = client.get(format!("{base}/readyz")).send()
            && r.status() == 200
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn sigterm(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
}

fn stderr_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

#[test]
fn runs_with_no_configuration_and_restarts_on_the_same_database() {
    let client = reqwest::blocking::Client::new();
    let mut origins = Vec::new();
    for _ in 0..2 {
        let port = free_port();
        let mut child = bin().env("BIND_ADDR", format!("127.0.0.1:{port}")).stderr(Stdio::piped()).spawn().unwrap();
        let lines = stderr_lines(&mut child);
        let ready = wait_ready(&client, &format!("http://127.0.0.1:{port}"), &mut child);
        sigterm(&child);
        let status = child.wait().unwrap();
        let log: Vec<String> = lines.try_iter().collect();
        assert!(ready, "not ready; log:\n{}", log.join("\n"));
        assert!(status.success(), "exit {status:?}; log:\n{}", log.join("\n"));
        let origin = log.iter().find(|l| l.contains("using PostgreSQL from")).cloned().unwrap_or_default();
        origins.push(origin.split("using PostgreSQL from ").nth(1).unwrap_or("").to_string());
    }
    assert!(!origins[0].is_empty(), "start-up names where the database is");
    assert_eq!(origins[0], origins[1], "the second start reuses the same server");
}

#[test]
fn bad_configuration_exits_2_naming_the_variable() {
    for (var, value) in [("DB_POOL_SIZE", "lots"), ("LOG_FORMAT", "xml"), ("BIND_ADDR", "nowhere")] {
        let out = bin().env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn migrate_command_applies_migrations_alone() {
    let db = TestDb::new();
    let out = bin().env("DATABASE_URL", &db.url).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    let db = TestDb::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = bin()
        .env("DATABASE_URL", &db.url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", crate::common::app::TEST_SECRET)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    assert!(wait_ready(&client, &base, &mut child), "server did not start");

    // Make a request slow: hold a lock on the table it reads.
    let mut locker = diesel::PgConnection::establish(&db.url).unwrap();
    locker.batch_execute("BEGIN; LOCK TABLE offices IN ACCESS EXCLUSIVE MODE;").unwrap();
    let token = match Tok::admin() {
        Tok::Raw(t) => t,
        Tok::None => unreachable!(),
    };
    let slow = {
        let client = client.clone();
        let url = format!("{base}/api/v1/offices");
        std::thread::spawn(move || client.get(url).bearer_auth(token).send().map(|r| r.status().as_u16()))
    };
    // Wait until the request is really waiting on the lock.
    let mut waiting = false;
    let mut probe = diesel::PgConnection::establish(&db.url).unwrap();
    for _ in 0..200 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: Vec<N> = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .load(&mut probe)
        .unwrap();
        if n[0].n > 0 {
            waiting = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(waiting, "the request never reached the database");
    sigterm(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "exited with a request in flight");
    locker.batch_execute("COMMIT").unwrap();
    assert_eq!(slow.join().unwrap().unwrap(), 200, "the in-flight request finished");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `nemid-desk db …` with the same environment as the server.
fn db_command(data_dir: &std::path::Path, action: &str) -> (i32, String) {
    let out = bin().env("DATA_DIR", data_dir).env("LOCAL_POSTGRES_ADDR", "off").args(["db", action]).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string())
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_ok()
}

#[test]
fn a_private_cluster_is_durable_and_stops_with_the_server_that_started_it() {
    let data_dir = std::env::temp_dir().join(format!("nd-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let client = reqwest::blocking::Client::new();
    let start = || {
        let port = free_port();
        let mut child = bin()
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("DATA_DIR", &data_dir)
            .env("LOCAL_POSTGRES_ADDR", "off")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = stderr_lines(&mut child);
        let ready = wait_ready(&client, &format!("http://127.0.0.1:{port}"), &mut child);
        assert!(ready, "not ready; log:\n{}", lines.try_iter().collect::<Vec<_>>().join("\n"));
        child
    };

    // Started by the server: durable, and running while the server runs.
    let child = start();
    let pg_port: u16 = std::fs::read_to_string(data_dir.join("postgres.port")).unwrap().trim().parse().unwrap();
    let mut conn =
        diesel::PgConnection::establish(&format!("postgres://postgres@127.0.0.1:{pg_port}/postgres")).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        fsync: String,
    }
    let s: Setting = diesel::sql_query("SHOW fsync").get_result(&mut conn).unwrap();
    assert_eq!(s.fsync, "on", "the default cluster keeps fsync on");
    drop(conn);
    let (code, out) = db_command(&data_dir, "status");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("running"), "{out}");

    // SIGTERM: the server stops, and so does the cluster it started.
    let mut child = child;
    sigterm(&child);
    assert!(child.wait().unwrap().success());
    assert!(!answers(pg_port), "the cluster outlived the server that started it");
    let (code, out) = db_command(&data_dir, "status");
    assert_eq!((code, out.contains("stopped")), (3, true), "{out}");

    // A server killed outright cannot stop it; `db stop` does.
    let mut child = start();
    assert!(answers(pg_port));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answers(pg_port), "kill -9 leaves the cluster running");
    let (code, out) = db_command(&data_dir, "stop");
    assert_eq!(code, 0, "{out}");
    assert!(!answers(pg_port), "db stop stopped it");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn registers_import_checks_every_entry_and_loads_all_or_nothing() {
    let db = TestDb::new();
    let dir = crate::common::app::tempdir::TempDir::new();
    let run = |file: &str| {
        bin()
            .env("DATABASE_URL", &db.url)
            .env("DATA_DIR", dir.path())
            .args(["registers", "import", file])
            .output()
            .unwrap()
    };
    let bad = format!("{}/bad.json", dir.path());
    std::fs::write(
        &bad,
        r#"{"persons": [{"cpr": "010190-1234", "name": "Anne"}, {"cpr": "311399-1234", "name": ""}],
            "passports": [{"number": "AB-1", "cpr": "010190-1234", "expires_on": "2035-01-01"}]}"#,
    )
    .unwrap();
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for problem in ["persons[1].cpr", "persons[1].name", "passports[0].number", "nothing was imported"] {
        assert!(stderr.contains(problem), "{problem} in {stderr}");
    }
    assert!(!stderr.contains("311399"), "no CPR number in the report: {stderr}");
    assert_eq!(db.query_one("SELECT count(*) FROM dev_cpr_register"), 0);
    let out = run("docs/examples/registers.json");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 5 persons, 5 passports and 2 driving licences"));
    // Again: replaced, not doubled.
    assert!(run("docs/examples/registers.json").status.success());
    assert_eq!(db.query_one("SELECT count(*) FROM dev_cpr_register"), 5);
    assert_eq!(db.query_one("SELECT count(*) FROM dev_identity_documents"), 7);
    // Production reads the national registers: the import is refused.
    let out = bin()
        .env("DATABASE_URL", &db.url)
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "0123456789abcdef0123456789abcdef")
        .env("CPR_ENCRYPTION_KEYS", crate::common::app::TEST_CPR_KEYS)
        .env("CPR_INDEX_KEY", crate::common::app::TEST_CPR_INDEX_KEY)
        .args(["registers", "import", "docs/examples/registers.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
