//! The access log as the API shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::views::Actor;
use crate::store::access::AccessRow;

/// One access to personal data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessView {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    /// `case`, `exemption`, `cpr_search` or `subject_access`.
    pub subject_kind: String,
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    /// `METHOD /route`.
    pub endpoint: String,
    pub request_id: String,
}

impl From<AccessRow> for AccessView {
    fn from(r: AccessRow) -> Self {
        AccessView {
            id: r.id,
            occurred_at: r.occurred_at,
            actor: Actor { sub: r.actor_sub, name: r.actor_name, role: r.actor_role, office: r.actor_office },
            subject_kind: r.subject_kind,
            case_id: r.case_id,
            exemption_id: r.exemption_id,
            endpoint: r.endpoint,
            request_id: r.request_id,
        }
    }
}
