//! Webhook subscriptions, their outbox of deliveries and the attempts made: diesel queries only.
//! Deliveries are queued by triggers on the event tables (migration `…_webhooks`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::webhook::DeliveryStatus;
use crate::schema::{webhook_attempts, webhook_deliveries, webhooks};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct WebhookRow {
    pub id: Uuid,
    pub office_id: Option<Uuid>,
    pub url: String,
    pub description: String,
    pub secret_sealed: Vec<u8>,
    pub previous_secret_sealed: Option<Vec<u8>>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook<'a> {
    pub id: Uuid,
    pub office_id: Option<Uuid>,
    pub url: &'a str,
    pub description: &'a str,
    pub secret_sealed: &'a [u8],
    pub created_at: DateTime<Utc>,
    pub created_by: &'a str,
    pub updated_at: DateTime<Utc>,
    pub updated_by: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub feed_position: i64,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The token of the claim that holds the lease (see `claim`).
    pub lease_token: Option<Uuid>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

pub fn insert(conn: &mut PgConnection, new: &NewWebhook<'_>) -> QueryResult<WebhookRow> {
    diesel::insert_into(webhooks::table).values(new).returning(WebhookRow::as_returning()).get_result(conn)
}

/// A subscription that has not been deleted.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .filter(webhooks::deleted_at.is_null())
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the row for a change (rotation, enabling, deletion) so two changes never interleave.
/// `FOR NO KEY UPDATE`: the foreign-key checks of event transactions queueing deliveries for
/// it (`FOR KEY SHARE`) do not wait for it.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .filter(webhooks::deleted_at.is_null())
        .select(WebhookRow::as_select())
        .for_no_key_update()
        .first(conn)
        .optional()
}

/// Subscriptions newest first; `office` limits to one office's (`None`: all, incl. all-office ones).
pub fn page(
    conn: &mut PgConnection,
    office: Option<Uuid>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut q = webhooks::table.filter(webhooks::deleted_at.is_null()).select(WebhookRow::as_select()).into_boxed();
    if let Some(o) = office {
        q = q.filter(webhooks::office_id.eq(o));
    }
    if let Some((at, id)) = before {
        q = q.filter(webhooks::created_at.lt(at).or(webhooks::created_at.eq(at).and(webhooks::id.lt(id))));
    }
    q.order((webhooks::created_at.desc(), webhooks::id.desc())).limit(limit + 1).load(conn)
}

/// Deletes a subscription: marked deleted (and inactive) at once, removed with its deliveries
/// by `purge_deleted` a day later (see migration `…_webhooks_soft_delete` for why).
pub fn delete(conn: &mut PgConnection, id: Uuid, by: &str, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(webhooks::table.find(id).filter(webhooks::deleted_at.is_null()))
        .set((
            webhooks::deleted_at.eq(Some(at)),
            webhooks::active.eq(false),
            webhooks::updated_at.eq(at),
            webhooks::updated_by.eq(by),
        ))
        .execute(conn)
}

/// Removes subscriptions deleted before `before`, with their deliveries and attempts.
pub fn purge_deleted(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(webhooks::table.filter(webhooks::deleted_at.lt(before))).execute(conn)
}

/// Ends a claimed delivery that cannot be sent at all (its subscription was deleted, or its
/// secret cannot be opened): failed, with the reason, lease released.
pub fn give_up(conn: &mut PgConnection, id: Uuid, token: Uuid, why: &str, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id).filter(webhook_deliveries::lease_token.eq(token)))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Failed),
            webhook_deliveries::lease_until.eq(None::<DateTime<Utc>>),
            webhook_deliveries::lease_token.eq(None::<Uuid>),
            webhook_deliveries::last_attempt_at.eq(Some(at)),
            webhook_deliveries::last_error.eq(Some(why)),
        ))
        .execute(conn)
}

/// Replaces the secret; the old one keeps signing until `previous_expires_at`.
pub fn rotate_secret(
    conn: &mut PgConnection,
    id: Uuid,
    sealed: &[u8],
    previous_sealed: &[u8],
    previous_expires_at: DateTime<Utc>,
    by: &str,
    at: DateTime<Utc>,
) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::secret_sealed.eq(sealed),
            webhooks::previous_secret_sealed.eq(Some(previous_sealed)),
            webhooks::previous_secret_expires_at.eq(Some(previous_expires_at)),
            webhooks::updated_at.eq(at),
            webhooks::updated_by.eq(by),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

/// Enables (counting failures afresh) or disables a subscription.
pub fn set_active(
    conn: &mut PgConnection,
    id: Uuid,
    active: bool,
    reason: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::active.eq(active),
            webhooks::disabled_reason.eq(reason),
            webhooks::consecutive_failures.eq(0),
            webhooks::updated_at.eq(at),
            webhooks::updated_by.eq(by),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
}

/// A subscription's deliveries, newest event first, optionally of one status.
pub fn deliveries(
    conn: &mut PgConnection,
    webhook: Uuid,
    status: Option<DeliveryStatus>,
    before_position: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s));
    }
    if let Some(p) = before_position {
        q = q.filter(webhook_deliveries::feed_position.lt(p));
    }
    q.order(webhook_deliveries::feed_position.desc()).limit(limit + 1).load(conn)
}

pub fn attempts_of(conn: &mut PgConnection, deliveries: &[Uuid]) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(deliveries))
        .select(AttemptRow::as_select())
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .load(conn)
}

pub fn find_delivery(conn: &mut PgConnection, webhook: Uuid, id: Uuid) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook).and(webhook_deliveries::id.eq(id)))
        .select(DeliveryRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Queues a delivery again, due now. One being sent right now keeps its lease.
pub fn redeliver(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<DeliveryRow> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Pending),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::delivered_at.eq(None::<DateTime<Utc>>),
            // Counted from now: a redelivery gets a full retry window of its own.
            webhook_deliveries::created_at.eq(now),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
}

/// Claims up to `limit` due deliveries for sending, with a lease of `lease_secs`.
///
/// Only the head of each subscription's queue (its pending delivery with the smallest feed
/// position) is ever due, so one subscription receives its events in feed order, one at a time.
/// A head is only taken below `feed_horizon()` (see `store::feed`): a delivery of a transaction
/// that commits later can then never belong before one already sent.
/// The heads are found per subscription (one probe of the queue index each), so a long queue
/// behind a failing receiver costs nothing per poll. `FOR UPDATE … SKIP LOCKED` lets several
/// server instances claim at once without waiting on, or taking, each other's rows; a row
/// another instance just leased is re-checked after its lock and dropped, because its
/// `lease_until` no longer qualifies.
pub fn claim(conn: &mut PgConnection, limit: i64, lease_secs: f64) -> QueryResult<Vec<DeliveryRow>> {
    diesel::sql_query(
        "WITH heads AS (
             SELECT h.id, h.next_attempt_at, h.feed_position FROM webhooks w
             CROSS JOIN LATERAL (
                 SELECT d.id, d.next_attempt_at, d.lease_until, d.feed_position FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.feed_position < feed_horizon()
                 ORDER BY d.feed_position LIMIT 1) h
             WHERE w.active AND w.deleted_at IS NULL
               AND (w.office_id IS NULL OR EXISTS (SELECT 1 FROM offices o WHERE o.id = w.office_id AND o.active))
               AND h.next_attempt_at <= now() AND (h.lease_until IS NULL OR h.lease_until < now())
             ORDER BY h.next_attempt_at, h.feed_position
             LIMIT $1),
         due AS (
             SELECT d.id FROM webhook_deliveries d JOIN heads ON heads.id = d.id
             WHERE d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < now())
             FOR UPDATE OF d SKIP LOCKED)
         UPDATE webhook_deliveries d
         SET lease_until = now() + make_interval(secs => $2), lease_token = gen_random_uuid(),
             attempts = d.attempts + 1
         FROM due WHERE d.id = due.id
         RETURNING d.*",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(lease_secs)
    .load(conn)
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again at the given time.
    Retry(DateTime<Utc>),
    /// Given up: the retry window is over.
    Failed,
}

/// Records an attempt and its consequence, and keeps the subscription's failure count; after
/// `disable_after` consecutive failures the subscription is disabled. Only a delivery still
/// held by the claim with `token` (pending, same lease token) is updated; returns whether it was.
/// Attempts made for `delivery` since `since` (its queueing, or its last redelivery).
pub fn attempts_since(conn: &mut PgConnection, delivery: Uuid, since: DateTime<Utc>) -> QueryResult<i64> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery))
        .filter(webhook_attempts::attempted_at.ge(since))
        .count()
        .get_result(conn)
}

pub fn record_attempt(
    conn: &mut PgConnection,
    attempt: &AttemptRow,
    token: Uuid,
    outcome: Outcome,
    disable_after: i32,
) -> QueryResult<bool> {
    let (status, next, delivered_at) = match outcome {
        Outcome::Delivered => (DeliveryStatus::Delivered, None, Some(attempt.attempted_at)),
        Outcome::Retry(at) => (DeliveryStatus::Pending, Some(at), None),
        Outcome::Failed => (DeliveryStatus::Failed, None, None),
    };
    let updated: Option<Uuid> = diesel::sql_query(
        "UPDATE webhook_deliveries SET status = $2, next_attempt_at = coalesce($3, next_attempt_at),
             lease_until = NULL, lease_token = NULL, last_attempt_at = $4, last_status_code = $5, last_error = $6,
             delivered_at = $7
         WHERE id = $1 AND status = 'pending' AND lease_token = $8
         RETURNING webhook_id",
    )
    .bind::<SqlUuid, _>(attempt.delivery_id)
    .bind::<Text, _>(status)
    .bind::<Nullable<Timestamptz>, _>(next)
    .bind::<Timestamptz, _>(attempt.attempted_at)
    .bind::<Nullable<Integer>, _>(attempt.status_code)
    .bind::<Nullable<Text>, _>(attempt.error.as_deref())
    .bind::<Nullable<Timestamptz>, _>(delivered_at)
    .bind::<SqlUuid, _>(token)
    .get_result::<WebhookIdRow>(conn)
    .optional()?
    .map(|r| r.webhook_id);
    let Some(webhook) = updated else { return Ok(false) };
    diesel::insert_into(webhook_attempts::table).values(attempt).on_conflict_do_nothing().execute(conn)?;
    if status == DeliveryStatus::Delivered {
        diesel::update(webhooks::table.find(webhook)).set(webhooks::consecutive_failures.eq(0)).execute(conn)?;
    } else {
        diesel::sql_query(
            "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,
                 active = active AND consecutive_failures + 1 < $2,
                 disabled_reason = CASE WHEN active AND consecutive_failures + 1 >= $2
                     THEN $2 || ' consecutive failed attempts' ELSE disabled_reason END,
                 updated_at = CASE WHEN active AND consecutive_failures + 1 >= $2 THEN $3 ELSE updated_at END,
                 updated_by = CASE WHEN active AND consecutive_failures + 1 >= $2 THEN 'system' ELSE updated_by END
             WHERE id = $1",
        )
        .bind::<SqlUuid, _>(webhook)
        .bind::<Integer, _>(disable_after)
        .bind::<Timestamptz, _>(attempt.attempted_at)
        .execute(conn)?;
    }
    Ok(true)
}

#[derive(QueryableByName)]
struct WebhookIdRow {
    #[diesel(sql_type = SqlUuid)]
    webhook_id: Uuid,
}

/// Removes finished deliveries (and their attempts) last touched before `before`: the history
/// of deliveries is for troubleshooting, the events themselves stay in the feed.
pub fn purge_finished(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table.filter(
            webhook_deliveries::status
                .ne(DeliveryStatus::Pending)
                .and(webhook_deliveries::last_attempt_at.lt(before).or(webhook_deliveries::last_attempt_at.is_null())),
        ),
    )
    .execute(conn)
}
