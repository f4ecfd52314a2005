//! Database plumbing: locating a server, the connection pool, embedded migrations.
//!
//! Store code (`crate::store`) takes `&mut PgConnection` and returns `QueryResult`; only the HTTP
//! layer turns those into HTTP errors.

pub mod locate;
pub mod migrate;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

use crate::config::{Config, DbConfig};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

/// Resolves the database URL: `DATABASE_URL` as given, or a local/private server with the
/// `nemid_desk` database created on first use. A private cluster this call started comes back
/// with it, to be stopped when the process is done (`StartedCluster`).
pub fn resolve(config: &Config) -> Result<(String, StartedCluster), String> {
    if let Some(url) = &config.db.url {
        return Ok((url.clone(), StartedCluster(None)));
    }
    let server = locate::find_server(&locate_options(config)).map_err(|e| e.to_string())?;
    let started = StartedCluster(server.started.clone());
    locate::ensure_database(&server, locate::DEFAULT_DB_NAME)
        .map_err(|e| format!("could not create database `{}`: {e}", locate::DEFAULT_DB_NAME))?;
    tracing::info!(db.origin = %server.origin, "using PostgreSQL from {}", server.origin);
    Ok((server.database_url(locate::DEFAULT_DB_NAME), started))
}

/// Where this configuration looks for PostgreSQL, and how it keeps a private cluster.
pub fn locate_options(config: &Config) -> locate::Options {
    locate::Options {
        local_server: config.db.local_server,
        cluster_dir: config.data_dir.join("postgres"),
        fsync: config.db.private_cluster_fsync,
    }
}

/// A private cluster this process started: stopped when dropped, so no cluster outlives the
/// server (or command) that started it. A cluster that was already running is left alone.
#[must_use = "dropping it stops the cluster"]
pub struct StartedCluster(Option<PathBuf>);

impl Drop for StartedCluster {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            match locate::stop_cluster(&dir) {
                Ok(_) => {
                    tracing::info!(db.cluster = %dir.display(), "stopped the private PostgreSQL cluster this process started")
                }
                Err(e) => tracing::warn!(error = %e, "could not stop the private PostgreSQL cluster"),
            }
        }
    }
}

/// Adds libpq connection parameters the operator did not set: a connect timeout, and TCP
/// keepalives / user timeout so a dropped peer cannot hang a connection (diesel#3016).
pub fn harden_url(url: &str, cfg: &DbConfig) -> String {
    let secs = cfg.connect_timeout.as_secs().max(2);
    let mut out = url.to_string();
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (key, value) in [
        ("connect_timeout", secs.to_string()),
        ("keepalives", "1".to_string()),
        ("keepalives_idle", "30".to_string()),
        ("tcp_user_timeout", (cfg.statement_timeout.as_millis() as u64 + 5_000).to_string()),
    ] {
        if !url.contains(&format!("{key}=")) {
            out.push(sep);
            out.push_str(&format!("{key}={value}"));
            sep = '&';
        }
    }
    out
}

#[derive(Debug)]
struct SessionSettings {
    statement_timeout_ms: u128,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        prepare_session(conn, self.statement_timeout_ms).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Every session is bounded and named, so a runaway query is cut off and pg_stat_activity tells
/// which service holds a connection. Times are stored in UTC. 16 MB of work_mem lets report
/// aggregates hash and sort in memory instead of spilling to disk (the default 4 MB does not);
/// at most pool size × that, and only while reporting.
pub fn prepare_session(conn: &mut PgConnection, statement_timeout_ms: u128) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!(
        "SET statement_timeout = {statement_timeout_ms}; SET application_name = 'nemid-desk'; SET TIME ZONE 'UTC'; SET work_mem = '16MB';"
    ))
}

/// After a request failed for want of the database: whether `conn` itself is dead (killed by
/// `pg_terminate_backend`, or the server restarted). Then it is replaced by a fresh connection,
/// or, while the database is still down, left for the next request to try again. This runs
/// only after a failure, so healthy requests pay no "test on checkout" round trip. `false`:
/// the database could not be reached at all.
pub fn repair(conn: &mut PgConnection, url: &str, statement_timeout_ms: u128) -> bool {
    use diesel::{Connection, RunQueryDsl};
    if diesel::sql_query("SELECT 1").execute(conn).is_ok() {
        return true;
    }
    match PgConnection::establish(url) {
        Ok(mut fresh) => {
            if prepare_session(&mut fresh, statement_timeout_ms).is_ok() {
                *conn = fresh;
                tracing::info!("replaced a dead database connection");
            }
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "a dead database connection could not be replaced yet");
            false
        }
    }
}

/// Builds the pool without waiting for connections: a database that is down at start-up shows as
/// 503 on requests and on `/readyz`, not as a hang (`Pool::build` would block for the timeout).
pub fn build_pool(url: &str, cfg: &DbConfig) -> DbPool {
    Pool::builder()
        .max_size(cfg.pool_size)
        .min_idle(Some(cfg.pool_size.min(2)))
        .connection_timeout(cfg.connect_timeout)
        // No `SELECT 1` before every use: a dead connection is found by the request that fails
        // on it and repaired then (`repair`, called by `http::context::database::Db::run`).
        .test_on_check_out(false)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connection_customizer(Box::new(SessionSettings { statement_timeout_ms: cfg.statement_timeout.as_millis() }))
        .build_unchecked(ConnectionManager::new(harden_url(url, cfg)))
}
