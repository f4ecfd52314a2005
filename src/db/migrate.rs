//! Embedded migrations, applied under an advisory lock so several instances may start at once.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Arbitrary but fixed: the key of the session-level advisory lock that serialises migrators.
const MIGRATION_LOCK_KEY: i64 = 0x6e65_6d69_645f_6d31; // "nemid_m1"

/// Applies pending migrations; returns how many ran.
pub fn run(url: &str) -> Result<usize, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| format!("cannot connect to the database: {e}"))?;
    run_on(&mut conn)
}

pub fn run_on(conn: &mut PgConnection) -> Result<usize, String> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        .map_err(|e| format!("cannot take the migration lock: {e}"))?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| format!("migration failed: {e}"))
        // A database restored into another server starts at smaller transaction ids than its
        // feed positions: lift the feed's base above them before anything is served.
        .and_then(|n| {
            conn.batch_execute("SELECT feed_align()").map_err(|e| format!("aligning the change feed failed: {e}"))?;
            Ok(n)
        });
    // Released explicitly; the lock would also go with the session.
    let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
    result
}
