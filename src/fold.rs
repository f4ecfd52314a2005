//! The background fold of the report summaries' deltas (migration 20): every change appends
//! delta rows instead of updating a shared summary row, and this loop merges them into the
//! summaries once a second, so reports read few rows. Reports are exact without it (they add the
//! deltas not yet folded); it only keeps the delta tables short. Runs in every server process;
//! the SQL function lets one fold at a time and the others skip.

use std::time::Duration;

use crate::http::context::database::Db;
use crate::store;

/// How often the deltas are folded.
pub const EVERY: Duration = Duration::from_secs(1);

/// Runs until the actix system it was spawned on stops.
pub async fn run(db: Db) {
    loop {
        actix_web::rt::time::sleep(EVERY).await;
        if db.is_down() {
            continue;
        }
        match db.run(|conn| Ok(store::reports::fold_deltas(conn)?)).await {
            Ok(n) if n > 0 => tracing::debug!(report_deltas.folded = n, "report deltas folded"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not fold the report deltas"),
        }
    }
}
