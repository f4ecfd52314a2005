//! The offices authorization last read, per server: every clerk and bank request resolves its
//! token's office, and the cache saves that database round trip (bench/README.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::domain::office::OfficeKind;
use crate::http::error::ApiResult;
use crate::store;

/// What authorization needs of an office.
#[derive(Clone)]
pub struct CachedOffice {
    pub id: Uuid,
    pub code: String,
    pub kind: OfficeKind,
    pub active: bool,
    fetched: Instant,
}

/// Every clerk and bank request resolves its token's office; caching it per server saves a
/// database round trip per request (bench/README.md). An office changed through this server is
/// dropped from its cache at once (`forget`); on other instances a change takes effect within
/// `OFFICE_CACHE_TTL`.
#[derive(Default)]
pub struct OfficeCache(Mutex<HashMap<String, CachedOffice>>, AtomicU64);

const OFFICE_CACHE_TTL: Duration = Duration::from_secs(5);

impl OfficeCache {
    pub fn forget(&self, code: &str) {
        // Bumped first: a lookup that read the office before this change will not store it.
        self.1.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.0.lock() {
            c.remove(code);
        }
    }

    pub fn get(&self, conn: &mut PgConnection, code: &str) -> ApiResult<Option<CachedOffice>> {
        let hit = self.0.lock().ok().and_then(|c| c.get(code).cloned());
        if let Some(o) = hit.filter(|o| o.fetched.elapsed() < OFFICE_CACHE_TTL) {
            return Ok(Some(o));
        }
        let generation = self.1.load(Ordering::SeqCst);
        let Some(row) = store::offices::find_by_code(conn, code)? else { return Ok(None) };
        let o =
            CachedOffice { id: row.id, code: row.code, kind: row.kind, active: row.active, fetched: Instant::now() };
        if let Ok(mut c) = self.0.lock()
            && self.1.load(Ordering::SeqCst) == generation
        {
            if c.len() > 10_000 {
                c.clear(); // offices number in the hundreds; the bound keeps odd tokens from growing it
            }
            c.insert(code.to_string(), o.clone());
        }
        Ok(Some(o))
    }
}
