//! The delivery worker: runs inside every server process, claims due deliveries from the outbox
//! (`store::webhooks::claim`, `FOR UPDATE SKIP LOCKED` with a lease, so several instances never
//! send one delivery at the same time), POSTs them signed, and records each attempt.
//!
//! Delivery is at least once: a process that dies between sending and recording leaves the lease
//! to run out, and the delivery is sent again with the same `Webhook-Id`, which receivers use to
//! de-duplicate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::future::join_all;
use rand::Rng;

use crate::config::WebhookConfig;
use crate::http::context::database::Db;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::feed::view::{FeedItem, cursor_after};
use crate::http::webhooks::view::{WebhookEvent, WebhookPayload};
use crate::store::webhooks::{self as store, AttemptRow, DeliveryRow, Outcome};
use crate::store::{feed, webhooks::WebhookRow};
use crate::vault::CprVault;
use crate::webhooks::resolver::{ExternalOnly, internal_literal};
use crate::webhooks::signature;

/// A claimed delivery, ready to send.
struct Job {
    delivery: DeliveryRow,
    url: String,
    keys: Vec<Vec<u8>>,
    body: Vec<u8>,
}

/// What sending came to.
struct Sent {
    status_code: Option<u16>,
    error: Option<String>,
    duration: Duration,
}

/// Runs until the actix system it was spawned on stops.
/// `production`: receivers' names must not resolve to this host or its link (`resolver`).
pub async fn run(db: Db, vault: Arc<CprVault>, cfg: WebhookConfig, production: bool) {
    let mut builder = reqwest::Client::builder();
    if production {
        // Names through the checking resolver; and no proxy from the environment, which would
        // resolve receivers' names itself and so bypass the check.
        builder = builder.dns_resolver(Arc::new(ExternalOnly)).no_proxy();
    }
    let client = match builder
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        // A receiver answers; it does not send us elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("nemid-desk-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker not started: cannot build an HTTP client");
            return;
        }
    };
    // Long enough that a send (bounded by the timeout) always ends before another instance may
    // take the delivery over.
    let lease = cfg.timeout.as_secs_f64() + 30.0;
    loop {
        let (v, limit) = (vault.clone(), cfg.concurrency as i64);
        let claimed = db.run(move |conn| claim(conn, &v, limit, lease)).await;
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                let results = join_all(jobs.into_iter().map(|job| {
                    let client = client.clone();
                    async move {
                        let sent = send(&client, &job, production).await;
                        (job.delivery, sent)
                    }
                }))
                .await;
                for (delivery, sent) in results {
                    record(&db, &cfg, delivery, sent).await;
                }
            }
            Ok(_) => actix_web::rt::time::sleep(cfg.poll_interval).await,
            Err(e) => {
                tracing::warn!(error = %e, "webhook worker: cannot claim deliveries");
                actix_web::rt::time::sleep(cfg.poll_interval.max(Duration::from_secs(1))).await;
            }
        }
    }
}

fn claim(conn: &mut diesel::PgConnection, vault: &CprVault, limit: i64, lease: f64) -> ApiResult<Vec<Job>> {
    let now = Utc::now();
    let mut jobs = Vec::new();
    for delivery in store::claim(conn, limit, lease)? {
        // Each delivery on its own: one that cannot be prepared is ended with the reason, so it
        // neither holds up its subscription's queue nor the others claimed with it.
        match prepare(conn, vault, &delivery, now)? {
            Ok((url, keys, body)) => jobs.push(Job { delivery, url, keys, body }),
            Err(why) => {
                tracing::warn!(delivery.id = %delivery.id, reason = why, "webhook delivery given up");
                if let Some(token) = delivery.lease_token {
                    store::give_up(conn, delivery.id, token, why, now)?;
                }
            }
        }
    }
    Ok(jobs)
}

/// The URL, signing keys and body of a delivery, or why it cannot be sent.
type Prepared = Result<(String, Vec<Vec<u8>>, Vec<u8>), &'static str>;

fn prepare(
    conn: &mut diesel::PgConnection,
    vault: &CprVault,
    delivery: &DeliveryRow,
    now: chrono::DateTime<Utc>,
) -> ApiResult<Prepared> {
    let Some(hook) = store::find(conn, delivery.webhook_id)? else {
        return Ok(Err("the webhook was deleted"));
    };
    let Some(event) = feed::at(conn, delivery.feed_position)? else {
        return Ok(Err("the event no longer exists"));
    };
    let Ok(keys) = signing_keys(vault, &hook, now) else {
        return Ok(Err("the signing secret cannot be opened with the configured keys"));
    };
    let payload = WebhookPayload {
        kind: format!("{}.{}", event.kind, event.action),
        timestamp: event.occurred_at,
        data: WebhookEvent { cursor: cursor_after(event.position), event: FeedItem::from(event) },
    };
    let body = serde_json::to_vec(&payload).map_err(ApiError::internal)?;
    Ok(Ok((hook.url, keys, body)))
}

/// The current secret's key, and the previous one's while it is still valid.
fn signing_keys(vault: &CprVault, hook: &WebhookRow, now: chrono::DateTime<Utc>) -> ApiResult<Vec<Vec<u8>>> {
    let open = |sealed: &[u8]| -> ApiResult<Vec<u8>> {
        let secret = vault.open(sealed)?;
        signature::key_of(&secret).ok_or_else(|| ApiError::internal("stored secret is malformed"))
    };
    let mut keys = vec![open(&hook.secret_sealed)?];
    if let (Some(prev), Some(until)) = (&hook.previous_secret_sealed, hook.previous_secret_expires_at)
        && until > now
    {
        keys.push(open(prev)?);
    }
    Ok(keys)
}

async fn send(client: &reqwest::Client, job: &Job, production: bool) -> Sent {
    let id = job.delivery.id.to_string();
    let timestamp = Utc::now().timestamp();
    let started = Instant::now();
    // Address literals skip name resolution, so the resolver's rule is applied to them here
    // (subscriptions registered before the rule, or in development, are judged again).
    if production && internal_literal(&job.url) {
        return Sent {
            status_code: None,
            error: Some("the receiver's address is loopback, link-local or unspecified".into()),
            duration: started.elapsed(),
        };
    }
    let result = client
        .post(&job.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature::header(&job.keys, &id, timestamp, &job.body))
        .body(job.body.clone())
        .send()
        .await;
    let duration = started.elapsed();
    match result {
        Ok(res) if res.status().is_success() => {
            Sent { status_code: Some(res.status().as_u16()), error: None, duration }
        }
        Ok(res) => Sent {
            status_code: Some(res.status().as_u16()),
            error: Some(format!("the receiver answered {}", res.status())),
            duration,
        },
        Err(e) => {
            let why = if e.is_timeout() {
                "no answer within the timeout".to_string()
            } else if e.is_connect() {
                "could not connect".to_string()
            } else {
                e.without_url().to_string()
            };
            Sent { status_code: None, error: Some(why.chars().take(500).collect()), duration }
        }
    }
}

async fn record(db: &Db, cfg: &WebhookConfig, delivery: DeliveryRow, sent: Sent) {
    let now = Utc::now();
    let delivered = sent.error.is_none();
    let (retry, jitter, queued_at) = (cfg.retry, rand::rng().random::<f64>(), delivery.created_at);
    // The backoff counts the failures since the delivery was queued or last redelivered, so a
    // redelivery after a long outage starts again at the base delay.
    let outcome_of = move |failures: u32| {
        let delay = retry.delay(failures.max(1), jitter);
        let age = (now - queued_at).to_std().unwrap_or_default();
        if retry.retry_allowed(age, delay) {
            Outcome::Retry(now + chrono::Duration::from_std(delay).unwrap_or_default())
        } else {
            Outcome::Failed
        }
    };
    let attempt = AttemptRow {
        delivery_id: delivery.id,
        attempt: delivery.attempts,
        attempted_at: now,
        status_code: sent.status_code.map(i32::from),
        error: sent.error,
        duration_ms: sent.duration.as_millis().min(i32::MAX as u128) as i32,
    };
    let disable_after = cfg.disable_after;
    let id = delivery.id;
    let Some(token) = delivery.lease_token else { return };
    let result = db
        .run(move |conn| {
            use diesel::Connection;
            Ok(conn.transaction(|conn| {
                let outcome = if delivered {
                    Outcome::Delivered
                } else {
                    // This attempt is not stored yet: one more than those found.
                    let before = store::attempts_since(conn, attempt.delivery_id, queued_at)?;
                    outcome_of(u32::try_from(before + 1).unwrap_or(u32::MAX))
                };
                store::record_attempt(conn, &attempt, token, outcome, disable_after)
            })?)
        })
        .await;
    match result {
        Ok(true) => tracing::info!(delivery.id = %id, delivery.delivered = delivered, "webhook attempt recorded"),
        Ok(false) => tracing::warn!(delivery.id = %id, "webhook attempt not recorded: the delivery changed meanwhile"),
        Err(e) => tracing::warn!(delivery.id = %id, error = %e, "webhook attempt not recorded; its lease will run out"),
    }
}
