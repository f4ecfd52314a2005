//! Finding a PostgreSQL to talk to when no `DATABASE_URL` is configured.
//!
//! Order: the server answering on 127.0.0.1:5432 (as user `postgres`; `LOCAL_POSTGRES_ADDR`),
//! else a private cluster in a directory of its own, initialised and started with the installed
//! PostgreSQL binaries. The run command (`<DATA_DIR>/postgres`, durable: fsync on) and the test
//! harness (`.data/test-postgres`, fsync off: test data is thrown away) share this code, so both
//! need nothing but PostgreSQL's binaries on the machine.
//!
//! A cluster that a process started is that process's to stop (`Server::started`): the server
//! stops it when it exits; the test harness keeps its own running between runs.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_query;

pub const DEFAULT_DB_NAME: &str = "nemid_desk";

/// Where to look for PostgreSQL and how to keep a private cluster.
#[derive(Debug, Clone)]
pub struct Options {
    /// A local server to use if it answers; `None`: go straight to the private cluster.
    pub local_server: Option<SocketAddr>,
    /// The private cluster's directory.
    pub cluster_dir: PathBuf,
    /// `true`: fsync on, committed transactions survive a power cut. `false` only for throw-away
    /// data (tests, the explicit development switch).
    pub fsync: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error(
        "no local PostgreSQL answers and no PostgreSQL binaries (initdb, pg_ctl) were found \
         on PATH or under /usr/lib/postgresql/*/bin. Install PostgreSQL (Debian: apt-get install postgresql) \
         or set DATABASE_URL to a reachable server."
    )]
    NoBinaries,
    #[error("the private PostgreSQL cluster in {dir} could not be {step}: {detail}")]
    Cluster { dir: String, step: &'static str, detail: String },
    #[error("PostgreSQL at {server} refused the connection as user `postgres`: {detail}. Set DATABASE_URL.")]
    Refused { server: String, detail: String },
}

/// Where a server lives: a base URL without a database name, e.g. `postgres://postgres@127.0.0.1:5432`.
#[derive(Debug, Clone)]
pub struct Server {
    pub base_url: String,
    /// Where it came from, for the start-up log line.
    pub origin: String,
    /// The private cluster's directory, when this call started it (and so should stop it).
    pub started: Option<PathBuf>,
}

impl Server {
    pub fn database_url(&self, db: &str) -> String {
        format!("{}/{}", self.base_url, db)
    }
}

/// Finds or starts a server, as described in the module doc.
pub fn find_server(opts: &Options) -> Result<Server, LocateError> {
    if let Some(local) = opts.local_server
        && answers(&local.to_string())
    {
        let base_url = format!("postgres://postgres@{local}");
        // Make sure we may log in before choosing this server over a private cluster.
        PgConnection::establish(&format!("{base_url}/postgres?connect_timeout=3"))
            .map_err(|e| LocateError::Refused { server: local.to_string(), detail: e.to_string() })?;
        return Ok(Server { base_url, origin: format!("local server on {local}"), started: None });
    }
    let dir = &opts.cluster_dir;
    let (port, started) = private_cluster(dir)?;
    let base_url = format!("postgres://postgres@127.0.0.1:{port}");
    let server = Server {
        base_url,
        origin: format!("private cluster in {} (127.0.0.1:{port})", dir.display()),
        started: started.then(|| dir.clone()),
    };
    if let Err(e) = set_fsync(&server, opts.fsync) {
        if let Some(d) = &server.started {
            let _ = stop_cluster(d);
        }
        return Err(LocateError::Cluster { dir: dir.display().to_string(), step: "configured", detail: e });
    }
    Ok(server)
}

/// Makes the cluster's durability what `fsync` says, also for a cluster initialised by an older
/// version (which wrote `fsync = off`) or already running: `ALTER SYSTEM` overrides
/// postgresql.conf, and fsync takes effect on a reload.
fn set_fsync(server: &Server, fsync: bool) -> Result<(), String> {
    let mut conn = PgConnection::establish(&format!("{}/postgres?connect_timeout=5", server.base_url))
        .map_err(|e| e.to_string())?;
    let value = if fsync { "on" } else { "off" };
    // Two statements, not one batch: ALTER SYSTEM refuses to run in the batch's implicit transaction.
    use diesel::connection::SimpleConnection;
    conn.batch_execute(&format!("ALTER SYSTEM SET fsync = {value}")).map_err(|e| e.to_string())?;
    conn.batch_execute("SELECT pg_reload_conf()").map_err(|e| e.to_string())
}

/// What `nemid-desk db status` tells about a private cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterStatus {
    NotInitialised,
    Stopped { port: u16 },
    Running { port: u16 },
}

pub fn cluster_status(dir: &Path) -> ClusterStatus {
    if !dir.join("PG_VERSION").exists() {
        return ClusterStatus::NotInitialised;
    }
    match read_port(dir) {
        Some(port) if answers(&format!("127.0.0.1:{port}")) => ClusterStatus::Running { port },
        Some(port) => ClusterStatus::Stopped { port },
        None => ClusterStatus::NotInitialised,
    }
}

/// Stops the private cluster in `dir` (fast shutdown: open sessions are ended, committed work
/// is kept). `Ok(false)` when it was not running.
pub fn stop_cluster(dir: &Path) -> Result<bool, LocateError> {
    if !matches!(cluster_status(dir), ClusterStatus::Running { .. }) {
        return Ok(false);
    }
    let bin = find_bin_dir().ok_or(LocateError::NoBinaries)?;
    run(&cluster_owner(), &bin.join("pg_ctl"), &["-D", &dir.to_string_lossy(), "-m", "fast", "-w", "-t", "60", "stop"])
        .map_err(|detail| LocateError::Cluster { dir: dir.display().to_string(), step: "stopped", detail })?;
    Ok(true)
}

fn port_file(dir: &Path) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "postgres".into());
    dir.with_file_name(format!("{name}.port"))
}

fn read_port(dir: &Path) -> Option<u16> {
    fs::read_to_string(port_file(dir)).ok().and_then(|s| s.trim().parse().ok())
}

/// Creates `name` on the server unless it exists. Safe when several processes race.
pub fn ensure_database(server: &Server, name: &str) -> Result<(), diesel::result::Error> {
    let mut conn = PgConnection::establish(&format!("{}/postgres?connect_timeout=5", server.base_url))
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    let exists = sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_results::<Found>(&mut conn)?;
    if exists.is_empty() {
        // The name is ours (a constant or generated), never user input; quoted all the same.
        match sql_query(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""))).execute(&mut conn) {
            Ok(_) => {}
            // Another instance created it between our check and our CREATE.
            Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("already exists") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn answers(addr: &str) -> bool {
    let addr: SocketAddr = match addr.parse() {
        Ok(a) => a,
        Err(_) => return false,
    };
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Initialises (once) and starts (if stopped) the cluster in `dir`; returns its port, and
/// whether this call started it.
fn private_cluster(dir: &Path) -> Result<(u16, bool), LocateError> {
    let bin = find_bin_dir().ok_or(LocateError::NoBinaries)?;
    let fail =
        |step: &'static str, detail: String| LocateError::Cluster { dir: dir.display().to_string(), step, detail };
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| fail("created", e.to_string()))?;
    // Several processes (parallel tests, two instances) may get here at once: one initialises.
    let lock_path = port_file(dir).with_extension("lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| fail("locked", e.to_string()))?;
    lock.lock().map_err(|e| fail("locked", e.to_string()))?;

    let run_as = cluster_owner();
    let port_path = port_file(dir);
    if !dir.join("PG_VERSION").exists() {
        if dir.exists() {
            // A half-initialised directory from an interrupted run: start over.
            fs::remove_dir_all(dir).map_err(|e| fail("reset", e.to_string()))?;
        }
        fs::create_dir_all(dir).map_err(|e| fail("created", e.to_string()))?;
        if let Some((uid, gid)) = run_as.as_ref().map(|o| (o.uid, o.gid)) {
            std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(|e| fail("created", e.to_string()))?;
        }
        run(
            &run_as,
            &bin.join("initdb"),
            &["-D", &dir.to_string_lossy(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
        )
        .map_err(|e| fail("initialised", e))?;
        let port = free_port().map_err(|e| fail("configured", e.to_string()))?;
        let mut conf = fs::OpenOptions::new()
            .append(true)
            .open(dir.join("postgresql.conf"))
            .map_err(|e| fail("configured", e.to_string()))?;
        // No Unix socket: its path could exceed the 107-byte limit in a deep checkout. Durability
        // (fsync) is set by `find_server` each time, with ALTER SYSTEM.
        writeln!(
            conf,
            "\n# nemid-desk private cluster\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\nmax_connections = 200\n"
        )
        .map_err(|e| fail("configured", e.to_string()))?;
        fs::write(&port_path, port.to_string()).map_err(|e| fail("configured", e.to_string()))?;
    }
    let port: u16 = fs::read_to_string(&port_path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| fail("read", format!("{} is missing or invalid", port_path.display())))?;

    let mut started_here = false;
    if !answers(&format!("127.0.0.1:{port}")) {
        let log = dir.join("server.log");
        let started = run(
            &run_as,
            &bin.join("pg_ctl"),
            &["-D", &dir.to_string_lossy(), "-l", &log.to_string_lossy(), "-w", "-t", "60", "start"],
        );
        if let Err(e) = started {
            let mut tail = String::new();
            if let Ok(mut f) = fs::File::open(&log) {
                let _ = f.read_to_string(&mut tail);
            }
            let tail: String = tail.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
            return Err(fail("started", format!("{e}; server log: {tail}")));
        }
        started_here = true;
    }
    drop(lock);
    Ok((port, started_here))
}

struct Owner {
    name: &'static str,
    uid: u32,
    gid: u32,
}

/// initdb refuses to run as root; then the cluster belongs to the `postgres` system user.
fn cluster_owner() -> Option<Owner> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() > 3 && f[0] == "postgres" {
            Some(Owner { name: "postgres", uid: f[2].parse().ok()?, gid: f[3].parse().ok()? })
        } else {
            None
        }
    })
}

fn run(owner: &Option<Owner>, program: &Path, args: &[&str]) -> Result<(), String> {
    let mut cmd = match owner {
        Some(o) => {
            let mut c = Command::new("runuser");
            c.args(["-u", o.name, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    let out = cmd
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{} could not run: {e}", program.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        Err(format!(
            "{} exited with {}: {} {}",
            program.display(),
            out.status,
            stderr.trim(),
            stdout.lines().last().unwrap_or("")
        ))
    }
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for p in std::env::split_paths(&path) {
            if p.join("initdb").is_file() && p.join("pg_ctl").is_file() {
                return Some(p);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
