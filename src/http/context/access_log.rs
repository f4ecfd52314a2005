//! The access-log writer for reads: the records of every read waiting at one moment go into the
//! log in one statement (one transaction, one commit), and each read's answer is released only
//! after that commit, so a revealing read is still on record before anyone sees it, but
//! concurrent reads share a commit instead of paying one each (issue 23; bench/README.md).
//!
//! `WRITERS` threads, each with a connection of its own, take turns at the queue: while one waits for its commit, the next gathers
//! what arrived meanwhile. A failed write fails every read of its batch (503 when the database
//! is unreachable), and nothing is answered without its record.

use std::sync::{Arc, Mutex};

use diesel::pg::PgConnection;
use tokio::sync::{mpsc, oneshot};

use crate::http::context::audit::AccessRecord;
use crate::http::context::database::Db;
use crate::http::error::{ApiError, ApiResult};
use crate::store;

/// Writer threads; two, so that gathering the next batch overlaps the commit of the last.
const WRITERS: usize = 2;
/// The most records one statement inserts (11 parameters each, well below PostgreSQL's 65,535).
const MAX_BATCH: usize = 1000;

struct Pending {
    records: Vec<AccessRecord>,
    done: oneshot::Sender<ApiResult<()>>,
}

/// The writer's queue. Cloning shares it.
#[derive(Clone)]
pub struct AccessLog {
    queue: mpsc::UnboundedSender<Pending>,
}

impl AccessLog {
    /// Starts the writer threads on `db`'s pool; they stop when the last `AccessLog` is dropped.
    pub fn start(db: Db) -> AccessLog {
        let (queue, rx) = mpsc::unbounded_channel::<Pending>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..WRITERS {
            let (rx, db) = (rx.clone(), db.clone());
            std::thread::Builder::new()
                .name(format!("access-log-{i}"))
                .spawn(move || write_loop(&rx, &db))
                .expect("spawn the access-log writer");
        }
        AccessLog { queue }
    }

    /// Puts `records` on record; returns once they are committed.
    pub async fn write(&self, records: Vec<AccessRecord>) -> ApiResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { records, done })
            .map_err(|_| ApiError::internal("the access-log writer has stopped"))?;
        answer.await.map_err(|_| ApiError::internal("the access-log writer dropped a batch"))?
    }
}

fn write_loop(rx: &Mutex<mpsc::UnboundedReceiver<Pending>>, db: &Db) {
    // Each writer has a connection of its own: reads never wait for the pool behind it, nor it
    // behind them. Dropped after a failure, made again for the next batch.
    let mut conn: Option<PgConnection> = None;
    loop {
        let batch = {
            let Ok(mut rx) = rx.lock() else { return };
            let Some(first) = rx.blocking_recv() else { return };
            let mut size = first.records.len();
            let mut batch = vec![first];
            while size < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => {
                        size += p.records.len();
                        batch.push(p);
                    }
                    Err(_) => break,
                }
            }
            batch
        };
        let outcome = write_batch(db, &mut conn, &batch);
        for p in batch {
            // Each read answers (and logs, in its own request's span) the batch's failure.
            let _ = p.done.send(match &outcome {
                Ok(()) => Ok(()),
                Err(e) => {
                    let cause =
                        format!("the access log could not be written: {}", e.cause().unwrap_or_else(|| e.kind()));
                    Err(if e.status() == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
                        ApiError::unavailable(cause)
                    } else {
                        ApiError::internal(cause)
                    })
                }
            });
        }
    }
}

fn write_batch(db: &Db, conn: &mut Option<PgConnection>, batch: &[Pending]) -> ApiResult<()> {
    if db.is_down() {
        return Err(ApiError::unavailable("the database was unreachable at the last look"));
    }
    let c = match conn {
        Some(c) => c,
        None => conn.insert(db.connect()?),
    };
    let rows: Vec<_> = batch.iter().flat_map(|p| p.records.iter().map(AccessRecord::as_new)).collect();
    let result = store::access::record_many(c, &rows).map(|_| ()).map_err(ApiError::from);
    if result.is_err() {
        // Whatever went wrong, the next batch starts on a fresh connection.
        *conn = None;
    }
    result
}
