//! The database as handlers and workers use it: blocking diesel work off the actix worker
//! threads, and fast 503s while the database is unreachable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;
use diesel::Connection;
use diesel::pg::PgConnection;

use crate::db;
use crate::db::DbPool;
use crate::http::error::{ApiError, ApiResult};

/// Runs blocking diesel work off the actix worker threads. Pool checkout blocks too, so it
/// happens inside the closure; the request's tracing span follows the work onto the thread.
///
/// Once a request has found the database unreachable (no connection could be made), every
/// request answers 503 at once instead of waiting out the connect timeout, and a probe
/// (`probe`, started by the server) tries a connection every 200 ms until the database answers
/// again; bench/faults measures both.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    /// For replacing a dead connection (`db::repair`): the pool's own URL and session settings.
    url: Arc<str>,
    statement_timeout_ms: u128,
    /// The database was unreachable at the last look.
    down: Arc<AtomicBool>,
    /// Until when (milliseconds on `clock()`) every checked-out connection is tested first: set
    /// when a request met a dead connection, because its idle siblings in the pool were most
    /// likely cut off with it (a database restart, `pg_terminate_backend`), and a connection
    /// nobody used meanwhile would otherwise fail the first request that takes it.
    suspect_until: Arc<AtomicU64>,
}

/// How long checkouts are tested after a dead connection was met.
const SUSPECT_FOR: Duration = Duration::from_secs(10);

/// Milliseconds since the first call: a monotonic clock that fits an atomic.
fn clock() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64
}

/// How often the probe looks for an unreachable database's return.
const PROBE_INTERVAL: Duration = Duration::from_millis(200);

impl Db {
    pub fn new(pool: DbPool, url: &str, statement_timeout_ms: u128) -> Self {
        Self { pool, url: Arc::from(url), statement_timeout_ms, down: Arc::default(), suspect_until: Arc::default() }
    }

    /// Whether the database was unreachable at the last look (then requests answer 503 at once).
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    fn mark_down(down: &AtomicBool) {
        if !down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                target: "nemid_desk::db",
                "the database is unreachable: requests answer 503 at once until it answers again"
            );
        }
    }

    /// Watches for an unreachable database's return; runs for the life of the server.
    pub async fn probe(self) {
        loop {
            actix_web::rt::time::sleep(PROBE_INTERVAL).await;
            if !self.is_down() {
                continue;
            }
            let url = self.url.clone();
            let reachable = web::block(move || PgConnection::establish(&url).is_ok()).await.unwrap_or(false);
            if reachable && self.down.swap(false, Ordering::AcqRel) {
                tracing::info!(target: "nemid_desk::db", "the database answers again: serving requests");
            }
        }
    }

    /// A connection of its own, outside the pool, with the pool's session settings (for a
    /// long-lived worker that must not take a request's connection).
    pub fn connect(&self) -> ApiResult<PgConnection> {
        let mut conn = PgConnection::establish(&self.url).map_err(|e| {
            Db::mark_down(&self.down);
            ApiError::unavailable(e)
        })?;
        db::prepare_session(&mut conn, self.statement_timeout_ms).map_err(ApiError::unavailable)?;
        Ok(conn)
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Replaces `conn` if it is dead (see `db::repair`); notes an unreachable database.
    pub fn repair(&self, conn: &mut PgConnection) {
        if !db::repair(conn, &self.url, self.statement_timeout_ms) {
            Db::mark_down(&self.down);
        }
    }

    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.is_down() {
            return Err(ApiError::unavailable("the database was unreachable at the last look"));
        }
        let pool = self.pool.clone();
        let (url, timeout, down) = (self.url.clone(), self.statement_timeout_ms, self.down.clone());
        let suspect_until = self.suspect_until.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(|e| {
                // With a cause, no connection could be made; without one, every connection
                // was busy (load, not an outage).
                if e.to_string() != "timed out waiting for connection" {
                    Db::mark_down(&down);
                }
                ApiError::from(e)
            })?;
            if clock() < suspect_until.load(Ordering::Acquire) && !db::repair(&mut conn, &url, timeout) {
                Db::mark_down(&down);
                return Err(ApiError::unavailable("no database connection could be made"));
            }
            let result = f(&mut conn);
            if result.as_ref().is_err_and(|e| e.kind() == "database_unavailable") {
                suspect_until.store(clock() + SUSPECT_FOR.as_millis() as u64, Ordering::Release);
                if !db::repair(&mut conn, &url, timeout) {
                    Db::mark_down(&down);
                }
            }
            result
        })
        .await?
    }
}
