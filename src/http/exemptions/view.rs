//! Exemptions as the API shows them, and the bodies it accepts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr;
use crate::domain::exemption::{Declaration, ExemptionReason, ExemptionStatus, Outcome, allowed_actions};
use crate::store::exemptions::ExemptionRow;
use crate::vault::CprVault;
use crate::vault::VaultError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CitizenView {
    /// Full CPR number: only on the single read of an exemption.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "010150-1234")]
    pub cpr: Option<String>,
    #[schema(example = "010150-XXXX")]
    pub cpr_masked: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProxyView {
    pub name: String,
    pub cpr_masked: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExemptionView {
    pub id: Uuid,
    pub office_id: Uuid,
    pub office_code: String,
    pub status: ExemptionStatus,
    /// `decision` (pending) or `revoke` (granted).
    pub allowed_actions: Vec<String>,
    pub citizen: CitizenView,
    pub reason: ExemptionReason,
    pub note: Option<String>,
    pub declaration: Declaration,
    pub proxy: Option<ProxyView>,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    /// Equals the number of events; the ETag is this number, quoted.
    pub version: i32,
}

impl ExemptionView {
    pub fn new(
        r: ExemptionRow,
        office_code: String,
        full_cpr: bool,
        vault: &CprVault,
    ) -> Result<ExemptionView, VaultError> {
        let status = r.status;
        // After retention no CPR number is left to show.
        let anonymised = r.anonymised_at.is_some();
        let digits = if anonymised { None } else { Some(vault.open(&r.citizen_cpr_sealed)?) };
        let proxy_digits = match (&r.proxy_cpr_sealed, anonymised) {
            (Some(p), false) => Some(vault.open(p)?),
            (Some(_), true) => Some(String::new()),
            (None, _) => None,
        };
        Ok(ExemptionView {
            id: r.id,
            office_id: r.office_id,
            office_code,
            status,
            allowed_actions: allowed_actions(status).into_iter().map(str::to_string).collect(),
            citizen: CitizenView {
                cpr: digits.as_deref().filter(|_| full_cpr).map(cpr::format_digits),
                cpr_masked: digits.as_deref().map(cpr::mask_digits).unwrap_or_else(|| "XXXXXX-XXXX".into()),
                name: r.citizen_name,
            },
            reason: r.reason,
            note: r.note,
            declaration: r.declaration,
            proxy: match (r.proxy_name, proxy_digits) {
                (Some(name), Some(c)) => Some(ProxyView {
                    name,
                    cpr_masked: if c.is_empty() { "XXXXXX-XXXX".into() } else { cpr::mask_digits(&c) },
                }),
                _ => None,
            },
            registered_at: r.registered_at,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
            revoked_at: r.revoked_at,
            revoke_reason: r.revoke_reason,
            version: r.version,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExemptionPage {
    pub items: Vec<ExemptionView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenBody {
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010150-1234")]
    pub cpr: String,
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200,
        example = "Else Hansen"
    )]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyBody {
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")]
    pub cpr: String,
    /// The clerk saw the power of attorney; must be true.
    pub power_of_attorney_seen: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"citizen": {"cpr": "010150-1234", "name": "Else Hansen"}, "reason": "language",
    "declaration": "in_person"}))]
pub struct NewExemptionBody {
    pub citizen: CitizenBody,
    pub reason: ExemptionReason,
    /// Required when the reason is `other`.
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 1000
    )]
    pub note: Option<String>,
    pub declaration: Declaration,
    /// Required for `proxy` declarations, absent otherwise.
    #[serde(default)]
    pub proxy: Option<ProxyBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "refused", "reason": "The citizen uses online banking daily"}))]
pub struct DecisionBody {
    pub outcome: Outcome,
    /// Required when refused.
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 500
    )]
    pub reason: Option<String>,
}
