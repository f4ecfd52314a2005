//! The change feed's items as the API (and every webhook delivery) shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::context::pagination;
use crate::store::feed::FeedRow;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedItem {
    /// `case`, `exemption` or `nemid` (the NemID register: from_status/to_status are the NemID's
    /// states).
    pub kind: String,
    /// The event's id within its kind.
    pub event_id: i64,
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub nemid_id: Option<Uuid>,
    /// The NemID number, for `nemid` events.
    pub nemid_number: Option<String>,
    /// The office the record belongs to (for a NemID: the registration unit that issued it).
    pub office_id: Uuid,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_role: String,
    pub actor_office: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass as `after` next time; the same cursor when the page is empty.
    pub next_cursor: Option<String>,
}

impl From<FeedRow> for FeedItem {
    fn from(r: FeedRow) -> Self {
        FeedItem {
            case_id: (r.kind == "case").then_some(r.subject_id),
            exemption_id: (r.kind == "exemption").then_some(r.subject_id),
            nemid_id: (r.kind == "nemid").then_some(r.subject_id),
            nemid_number: r.nemid_number,
            kind: r.kind,
            event_id: r.id,
            case_number: r.case_number,
            office_id: r.office_id,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            occurred_at: r.occurred_at,
            actor_role: r.actor_role,
            actor_office: r.actor_office,
        }
    }
}

/// The feed cursor that resumes right after the event at `position`.
pub fn cursor_after(position: i64) -> String {
    pagination::encode(&format!("feed:{position}"))
}
