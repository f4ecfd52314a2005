//! The office as the API shows it, and the bodies the API accepts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::office::{Address, OfficeKind};
use crate::store::offices::OfficeRow;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficeView {
    pub id: Uuid,
    #[schema(example = "KBH01")]
    pub code: String,
    #[schema(example = "Borgerservice København")]
    pub name: String,
    pub kind: OfficeKind,
    /// The bank, for bank branches; `null` for citizen service centres.
    #[schema(example = json!(null))]
    pub bank_name: Option<String>,
    pub address: Address,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Staff id (`sub`) of the administrator who registered the office.
    pub created_by: String,
    /// Staff id (`sub`) of the administrator who changed it last.
    pub updated_by: String,
}

impl From<OfficeRow> for OfficeView {
    fn from(r: OfficeRow) -> Self {
        OfficeView {
            id: r.id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            bank_name: r.bank_name,
            address: Address { street: r.street, postal_code: r.postal_code, city: r.city, country: r.country },
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            created_by: r.created_by,
            updated_by: r.updated_by,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficePage {
    pub items: Vec<OfficeView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "KBH01", "name": "Borgerservice København", "kind": "citizen_service_centre",
    "address": {"street": "Sjællandsgade 40", "postal_code": "2200", "city": "København N", "country": "DK"}
}))]
pub struct NewOfficeBody {
    /// Unique; 2–32 characters of A–Z, 0–9 and `-`. Never changes.
    #[schema(pattern = "^[A-Z0-9][A-Z0-9-]{1,31}$", example = "KBH01")]
    pub code: String,
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// Never changes.
    pub kind: OfficeKind,
    /// Required for bank branches, absent for citizen service centres.
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200
    )]
    pub bank_name: Option<String>,
    pub address: Address,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct OfficeChangesBody {
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub active: Option<bool>,
}
