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
            // Each writer has a connection of its own: reads never wait for the pool behind it,
            // nor it behind them. Dropped after a failure, made again for the next batch.
            let mut conn: Option<PgConnection> = None;
            std::thread::Builder::new()
                .name(format!("access-log-{i}"))
                .spawn(move || write_loop(&rx, |batch| write_batch(&db, &mut conn, batch)))
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

/// Takes batches off the queue and answers each of their reads with `write`'s outcome, until
/// the last `AccessLog` is gone. A panic in `write` fails its batch (500) and the loop goes on:
/// the writers must outlive any one bad batch, or every later read would fail.
fn write_loop(rx: &Mutex<mpsc::UnboundedReceiver<Pending>>, mut write: impl FnMut(&[Pending]) -> ApiResult<()>) {
    loop {
        let batch = {
            // Nothing panics while the lock is held, but a poisoned lock must not stop the writer.
            let mut rx = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(&batch)))
            .unwrap_or_else(|_| Err(ApiError::internal("the access-log writer failed (panic)")));
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
    // Taken out for the write and put back only after a success: whatever goes wrong (an error,
    // or a panic unwinding through here), the next batch starts on a fresh connection.
    let mut c = match conn.take() {
        Some(c) => c,
        None => db.connect()?,
    };
    let rows: Vec<_> = batch.iter().flat_map(|p| p.records.iter().map(AccessRecord::as_new)).collect();
    store::access::record_many(&mut c, &rows).map_err(ApiError::from)?;
    *conn = Some(c);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> (Pending, oneshot::Receiver<ApiResult<()>>) {
        let (done, answer) = oneshot::channel();
        (Pending { records: Vec::new(), done }, answer)
    }

    #[test]
    fn a_panicking_write_fails_its_batch_and_the_writer_goes_on() {
        let (queue, rx) = mpsc::unbounded_channel::<Pending>();
        let (first, first_answer) = pending();
        queue.send(first).unwrap();
        let rx = Mutex::new(rx);
        let mut calls = 0;
        let writer = std::thread::spawn(move || {
            write_loop(&rx, |_| {
                calls += 1;
                if calls == 1 { panic!("a bug in the first batch") } else { Ok(()) }
            })
        });
        let failed = first_answer.blocking_recv().expect("the first batch is answered, not dropped");
        assert_eq!(
            failed.expect_err("the panicking batch fails").status(),
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let (second, second_answer) = pending();
        queue.send(second).unwrap();
        assert!(second_answer.blocking_recv().expect("the writer is still there").is_ok());
        drop(queue);
        writer.join().expect("the writer stops when the queue is gone, without a panic");
    }
}
