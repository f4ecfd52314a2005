//! Views and bodies that more than one resource shows or accepts: the audit trail's events and
//! actors (cases, exemptions, the access log) and a reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::events::EventRow;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    pub sub: String,
    pub name: String,
    pub role: String,
    /// Office code, for clerks and bank users.
    pub office: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// 1, 2, 3… per case.
    pub seq: i32,
    /// `open` or the action's name.
    pub action: String,
    /// The state before (a case's, an exemption's or a NemID's); `null` for the first event.
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: Actor,
    /// What was recorded; never a CPR number, in any form.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub request_id: String,
    pub occurred_at: DateTime<Utc>,
}

impl From<EventRow> for EventView {
    fn from(r: EventRow) -> Self {
        EventView {
            seq: r.seq,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            actor: Actor { sub: r.actor_sub, name: r.actor_name, role: r.actor_role, office: r.actor_office },
            evidence: r.evidence,
            request_id: r.request_id,
            occurred_at: r.occurred_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventList {
    /// Oldest first.
    pub items: Vec<EventView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Addressee unknown"}))]
pub struct ReasonBody {
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 500
    )]
    pub reason: String,
}
