//! Shared application state, handed to handlers as `web::Data<AppState>`.

use std::sync::Arc;

use actix_web::web;
use diesel::pg::PgConnection;

use crate::auth::KeySet;
use crate::config::Config;
use crate::db;
use crate::db::DbPool;
use crate::http::context::offices::OfficeCache;
use crate::http::error::{ApiError, ApiResult};
use crate::vault::CprVault;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub keys: KeySet,
    /// Seals and opens CPR numbers; cloned into database closures.
    pub vault: Arc<CprVault>,
    /// Offices as authorization last read them (see `OfficeCache`).
    pub offices: Arc<OfficeCache>,
    /// The HS256 secret the development sign-in signs with; `None` in production, and then the
    /// sign-in routes are not mounted.
    pub dev_secret: Option<String>,
}

/// Runs blocking diesel work off the actix worker threads. Pool checkout blocks too, so it
/// happens inside the closure; the request's tracing span follows the work onto the thread.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    /// For replacing a dead connection (`db::repair`): the pool's own URL and session settings.
    url: Arc<str>,
    statement_timeout_ms: u128,
}

impl Db {
    pub fn new(pool: DbPool, url: &str, statement_timeout_ms: u128) -> Self {
        Self { pool, url: Arc::from(url), statement_timeout_ms }
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Replaces `conn` if it is dead (see `db::repair`).
    pub fn repair(&self, conn: &mut PgConnection) {
        db::repair(conn, &self.url, self.statement_timeout_ms);
    }

    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let (url, timeout) = (self.url.clone(), self.statement_timeout_ms);
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(ApiError::from)?;
            let result = f(&mut conn);
            if result.as_ref().is_err_and(|e| e.status() == actix_web::http::StatusCode::SERVICE_UNAVAILABLE) {
                db::repair(&mut conn, &url, timeout);
            }
            result
        })
        .await?
    }
}
