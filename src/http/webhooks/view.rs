//! Webhook subscriptions and deliveries as the API shows them, the body it accepts, and the
//! payload receivers get.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::webhook::DeliveryStatus;
use crate::http::feed::view;
use crate::http::feed::view::FeedItem;
use crate::store::webhooks::{AttemptRow, DeliveryRow, WebhookRow};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Where events are POSTed: `https` (plain `http` only in development mode).
    #[schema(
        example = "https://integration.bank.example/nemid/events",
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://\S+$",
        max_length = 2048
    )]
    pub url: String,
    /// What the subscription is for (optional).
    #[schema(example = "Core banking: NemID case updates", pattern = r"^[^\x00-\x1f\x7f-\x9f]*$", max_length = 500)]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    /// The office whose events it receives; `null`: every office's (registered by a supervisor).
    pub office_id: Option<Uuid>,
    #[schema(example = "https://integration.bank.example/nemid/events")]
    pub url: String,
    pub description: String,
    /// `false` once disabled (by hand, or after too many consecutive failed attempts); a
    /// disabled subscription is sent nothing and queues nothing.
    pub active: bool,
    #[schema(example = json!(null))]
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    /// Until then the previous secret still signs too (after a rotation).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl From<WebhookRow> for WebhookView {
    fn from(r: WebhookRow) -> Self {
        let now = Utc::now();
        WebhookView {
            id: r.id,
            office_id: r.office_id,
            url: r.url,
            description: r.description,
            active: r.active,
            disabled_reason: r.disabled_reason,
            consecutive_failures: r.consecutive_failures,
            previous_secret_expires_at: r.previous_secret_expires_at.filter(|t| *t > now),
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}

/// A subscription with its signing secret: shown once, when created or rotated.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// Standard Webhooks secret (`whsec_` + base64 key); keep it, it is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwC3mZ7hS4Gmg=")]
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookPage {
    pub items: Vec<WebhookView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when no answer came (timeout, refused connection).
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        AttemptView {
            attempt: a.attempt,
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// Also the `Webhook-Id` header: the same on every attempt, for de-duplication.
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The change feed cursor right after this event.
    pub cursor: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When it is tried next (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every attempt made, oldest first.
    pub attempt_log: Vec<AttemptView>,
}

impl DeliveryView {
    pub fn new(d: DeliveryRow, attempts: Vec<AttemptRow>) -> Self {
        let status = d.status;
        DeliveryView {
            id: d.id,
            webhook_id: d.webhook_id,
            cursor: view::cursor_after(d.feed_position),
            status,
            attempts: d.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            attempt_log: attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// What a receiver gets: a JSON POST with headers `Webhook-Id` (the delivery id, the same on
/// every attempt), `Webhook-Timestamp` (Unix seconds of the attempt) and `Webhook-Signature`
/// (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the decoded secret; two
/// space-separated signatures while a rotated secret is still valid). Answer 2xx within 5 s;
/// anything else is retried with exponential backoff for 24 h. One subscription gets its
/// events one at a time, in feed order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookPayload {
    /// `{kind}.{action}`, such as `case.open`, `case.first-half` or `exemption.grant`.
    #[serde(rename = "type")]
    #[schema(example = "case.identity-check")]
    pub kind: String,
    /// When the event happened.
    pub timestamp: DateTime<Utc>,
    pub data: WebhookEvent,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    #[serde(flatten)]
    pub event: FeedItem,
    /// The change feed cursor right after this event: a receiver that missed deliveries can
    /// read the feed from any cursor it saved.
    pub cursor: String,
}
