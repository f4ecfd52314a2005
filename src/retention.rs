//! Retention: closed cases and refused or revoked exemptions older than `RETENTION_DAYS` are
//! anonymised by the database function `anonymise_closed` (see its migration): personal data goes,
//! ids, states, dates and offices stay, and the anonymising is an event.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};

use crate::db::DbPool;
use crate::store::idempotency;
use crate::store::webhooks;

/// Arbitrary but fixed: only one instance runs the daily task at a time.
const RETENTION_LOCK_KEY: i64 = 0x6e65_6d69_645f_7231; // "nemid_r1"

#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Anonymised {
    #[diesel(sql_type = BigInt)]
    pub cases_done: i64,
    #[diesel(sql_type = BigInt)]
    pub exemptions_done: i64,
}

/// Records per transaction: every anonymised record writes an event, and an open transaction that
/// has written events holds the change feed back until it ends (`store::feed`), so a run goes in
/// short transactions rather than one long one.
const BATCH: i32 = 200;

/// Anonymises (or with `dry_run` counts) what closed more than `days` before `now`.
pub fn run(conn: &mut PgConnection, now: DateTime<Utc>, days: u32, dry_run: bool) -> QueryResult<Anonymised> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let step = |conn: &mut PgConnection, limit: i32| -> QueryResult<Anonymised> {
        conn.transaction(|conn| {
            diesel::sql_query("SELECT cases_done, exemptions_done FROM anonymise_closed($1, $2, $3, $4)")
                .bind::<Timestamptz, _>(cutoff)
                .bind::<Timestamptz, _>(now)
                .bind::<Bool, _>(dry_run)
                .bind::<diesel::sql_types::Integer, _>(limit)
                .get_result(conn)
        })
    };
    if dry_run {
        return step(conn, i32::MAX);
    }
    let mut total = Anonymised { cases_done: 0, exemptions_done: 0 };
    loop {
        let done = step(conn, BATCH)?;
        total.cases_done += done.cases_done;
        total.exemptions_done += done.exemptions_done;
        if done.cases_done < i64::from(BATCH) && done.exemptions_done < i64::from(BATCH) {
            return Ok(total);
        }
    }
}

/// Online orders: those still waiting after `retry_window` are given up (their sealed CPR and
/// document numbers removed, whether or not a worker runs anywhere), and decided ones (the
/// fraud-review record: blind indexes, a keyed client hash, the outcome) received more than
/// `days` before `now` are deleted. Returns (given up, deleted).
pub fn purge_online_orders(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    days: u32,
    retry_window: Duration,
) -> QueryResult<(usize, usize)> {
    let window = chrono::Duration::from_std(retry_window).unwrap_or(chrono::Duration::days(7));
    let given_up = crate::store::online::give_up_waiting_before(conn, now - window, now)?;
    let deleted = crate::store::online::purge_decided_before(conn, now - chrono::Duration::days(i64::from(days)))?;
    Ok((given_up, deleted))
}

/// Finished webhook deliveries are kept this long for troubleshooting.
const WEBHOOK_HISTORY_DAYS: i64 = 30;

/// Runs retention once a day in the background, on one instance at a time.
pub fn spawn_daily(pool: DbPool, days: u32, online_order_days: u32, online_retry_window: Duration) {
    std::thread::Builder::new()
        .name("retention".into())
        .spawn(move || {
            // Give start-up a moment; then daily.
            std::thread::sleep(Duration::from_secs(60));
            loop {
                match pool.get() {
                    Ok(mut conn) => {
                        #[derive(QueryableByName)]
                        struct Locked {
                            #[diesel(sql_type = Bool)]
                            got: bool,
                        }
                        // Another instance running it already is enough: skip, don't wait.
                        let locked =
                            diesel::sql_query(format!("SELECT pg_try_advisory_lock({RETENTION_LOCK_KEY}) AS got"))
                                .get_result::<Locked>(&mut conn)
                                .is_ok_and(|l| l.got);
                        if locked {
                            let _ = idempotency::purge_expired(&mut conn);
                            let month_ago = Utc::now() - chrono::Duration::days(WEBHOOK_HISTORY_DAYS);
                            let _ = webhooks::purge_deleted(&mut conn, Utc::now() - chrono::Duration::days(1));
                            match webhooks::purge_finished(&mut conn, month_ago) {
                                Ok(n) => {
                                    tracing::info!(webhook_deliveries.purged = n, "old webhook deliveries removed")
                                }
                                Err(e) => tracing::warn!(error = %e, "could not remove old webhook deliveries"),
                            }
                            match purge_online_orders(&mut conn, Utc::now(), online_order_days, online_retry_window) {
                                Ok((given_up, n)) => tracing::info!(
                                    online_orders.given_up = given_up,
                                    online_orders.purged = n,
                                    "old online orders given up and removed"
                                ),
                                Err(e) => tracing::warn!(error = %e, "could not remove old online orders"),
                            }
                            match run(&mut conn, Utc::now(), days, false) {
                                Ok(a) => tracing::info!(
                                    retention.cases = a.cases_done,
                                    retention.exemptions = a.exemptions_done,
                                    "retention run finished"
                                ),
                                Err(e) => tracing::error!(error = %e, "retention run failed"),
                            }
                            let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({RETENTION_LOCK_KEY})"));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "retention run skipped: no database connection"),
                }
                std::thread::sleep(Duration::from_secs(24 * 3600));
            }
        })
        .ok();
}
