//! Cases as the API shows them, and the bodies the API accepts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::case;
use crate::domain::case::{Action, Channel, Kind, ReplacementReason, Status};
use crate::domain::cpr;
use crate::domain::exemption::ExemptionStatus;
use crate::domain::nemid;
use crate::domain::office::Address;
use crate::domain::rules::{self, PhotoId};
use crate::store::cases::CaseRow;
use crate::vault::CprVault;
use crate::vault::VaultError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicantView {
    /// The full CPR number: only on the single read of a case, for someone allowed to act on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "010190-1234")]
    pub cpr: Option<String>,
    #[schema(example = "010190-XXXX")]
    pub cpr_masked: String,
    pub name: String,
    /// On single reads and action answers only (like the full CPR number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    /// UUID v7.
    pub id: Uuid,
    #[schema(example = "KBH01-2026-000042")]
    pub case_number: String,
    pub office_id: Uuid,
    #[schema(example = "KBH01")]
    pub office_code: String,
    pub channel: Channel,
    pub kind: Kind,
    pub status: Status,
    /// Actions the case's state allows now.
    pub allowed_actions: Vec<Action>,
    pub applicant: ApplicantView,
    /// Bank cases: the applicant has an online banking agreement with the bank.
    pub online_banking_agreement: bool,
    /// The 9-digit NemID number: once the first half (or both halves) were issued, and from the
    /// start for service cases.
    #[schema(example = json!(null))]
    pub nemid_number: Option<String>,
    /// `replacement_card` cases: why a new card is wanted.
    #[schema(example = json!(null))]
    pub replacement_reason: Option<ReplacementReason>,
    pub opened_at: DateTime<Utc>,
    pub identity_verified_at: Option<DateTime<Utc>>,
    pub first_half_issued_at: Option<DateTime<Utc>>,
    pub second_half_posted_at: Option<DateTime<Utc>>,
    /// Posting day plus the posting window (Copenhagen days).
    pub second_half_expected_by: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    /// Posted, and the expected day has passed (derived when read).
    pub overdue: bool,
    /// `granted` when the case is completed and the applicant holds a granted exemption from
    /// Digital Post, so the clerk can offer to revoke it; on single reads and action answers.
    #[schema(example = json!(null))]
    pub digital_post_exemption: Option<ExemptionStatus>,
    /// Equals the number of events; the ETag is this number, quoted.
    pub version: i32,
}

impl CaseView {
    /// `full_cpr`: whether this answer may carry the full CPR number (single reads and actions).
    pub fn new(
        row: CaseRow,
        office_code: String,
        today: NaiveDate,
        full_cpr: bool,
        vault: &CprVault,
    ) -> Result<CaseView, VaultError> {
        // After retention no CPR number is left to show.
        let digits = match row.anonymised_at {
            Some(_) => None,
            None => Some(vault.open(&row.applicant_cpr_sealed)?),
        };
        let (status, kind) = (row.status, row.kind);
        Ok(CaseView {
            id: row.id,
            case_number: row.case_number,
            office_id: row.office_id,
            office_code,
            channel: row.channel,
            kind,
            status,
            allowed_actions: case::allowed_actions(status, kind),
            applicant: ApplicantView {
                cpr: digits.as_deref().filter(|_| full_cpr).map(cpr::format_digits),
                cpr_masked: digits.as_deref().map(cpr::mask_digits).unwrap_or_else(|| "XXXXXX-XXXX".into()),
                name: row.applicant_name,
                address: full_cpr.then_some(Address {
                    street: row.street,
                    postal_code: row.postal_code,
                    city: row.city,
                    country: row.country,
                }),
            },
            online_banking_agreement: row.online_banking_agreement,
            nemid_number: row.nemid_number,
            replacement_reason: row.replacement_reason,
            opened_at: row.opened_at,
            identity_verified_at: row.identity_verified_at,
            first_half_issued_at: row.first_half_issued_at,
            second_half_posted_at: row.second_half_posted_at,
            second_half_expected_by: row.second_half_expected_by,
            completed_at: row.completed_at,
            closed_at: row.closed_at,
            close_reason: row.close_reason,
            overdue: status == Status::SecondHalfPosted && rules::is_overdue(row.second_half_expected_by, today),
            digital_post_exemption: None,
            version: row.version,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CasePage {
    /// Newest first; applicants carry `cpr_masked` only.
    pub items: Vec<CaseView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

// ---- request bodies ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantBody {
    /// `DDMMYY-SSSS` or `DDMMYYSSSS`.
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010190-1234")]
    pub cpr: String,
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200,
        example = "Anna Andersen"
    )]
    pub name: String,
    pub address: Address,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "standard",
    "applicant": {"cpr": "010190-1234", "name": "Anna Andersen",
        "address": {"street": "Vestergade 1", "postal_code": "7100", "city": "Vejle", "country": "DK"}}
}))]
pub struct NewCaseBody {
    pub kind: Kind,
    pub applicant: ApplicantBody,
    /// Required and `true` for bank branches; absent at citizen service centres.
    #[serde(default)]
    pub online_banking_agreement: Option<bool>,
    /// Service cases (`replacement_card`, `new_password`): the applicant's NemID. Absent for
    /// first issuance.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{9}$", example = json!(null))]
    pub nemid_number: Option<String>,
    /// `replacement_card` cases only: why a new card is wanted.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub reason: Option<ReplacementReason>,
}

impl NewCaseBody {
    /// The service-case fields: present exactly where the kind needs them.
    pub fn check_service_fields(&self, issues: &mut Vec<FieldIssue>) {
        let kind = self.kind;
        match (&self.nemid_number, kind.is_service()) {
            (None, true) => issues.push(FieldIssue::new("nemid_number", "is required for a service case")),
            (Some(n), true) if !nemid::is_number(n) => {
                issues.push(FieldIssue::new("nemid_number", "must be the nine digits of a NemID number"))
            }
            (Some(_), false) => issues.push(FieldIssue::new(
                "nemid_number",
                "only service cases (replacement_card, new_password) name a NemID; a first issuance makes one",
            )),
            _ => {}
        }
        match (&self.reason, kind) {
            (None, Kind::ReplacementCard) => {
                issues.push(FieldIssue::new("reason", "is required: one of lost, stolen, damaged, used_up"))
            }
            (Some(_), k) if k != Kind::ReplacementCard => {
                issues.push(FieldIssue::new("reason", "only replacement_card cases have a reason"))
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoIdBody {
    /// One of the configured types (`passport`, `drivers_licence` by default).
    #[serde(rename = "type")]
    #[schema(example = "passport", max_length = 40)]
    pub kind: String,
    #[schema(
        pattern = "^[A-Za-z0-9 -]*[A-Za-z0-9-][A-Za-z0-9 -]*$",
        min_length = 1,
        max_length = 40,
        example = "P1234567"
    )]
    pub number: String,
    /// Valid through this day.
    pub expires_on: NaiveDate,
    #[schema(pattern = "^[A-Z]{2}$", example = "DK")]
    pub issuing_country: String,
}

impl PhotoIdBody {
    /// The photo ID as an event records it.
    pub fn evidence(&self) -> serde_json::Value {
        serde_json::json!({"type": self.kind, "number": self.number.trim(), "expires_on": self.expires_on,
                           "issuing_country": self.issuing_country})
    }
}

impl From<&PhotoIdBody> for PhotoId {
    fn from(b: &PhotoIdBody) -> Self {
        PhotoId {
            kind: b.kind.clone(),
            number: b.number.clone(),
            expires_on: b.expires_on,
            issuing_country: b.issuing_country.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "photo_id": {"type": "passport", "number": "P1234567", "expires_on": "2030-01-31", "issuing_country": "DK"},
    "photo_matches": true, "health_card_presented": true, "health_card_cpr": "010190-1234"
}))]
pub struct IdentityCheckBody {
    pub photo_id: PhotoIdBody,
    /// The photo shows the applicant.
    pub photo_matches: bool,
    /// The yellow health card was presented.
    pub health_card_presented: bool,
    /// The CPR number on the health card.
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010190-1234")]
    pub health_card_cpr: String,
}

impl From<&IdentityCheckBody> for crate::domain::rules::IdentityEvidence {
    fn from(b: &IdentityCheckBody) -> Self {
        crate::domain::rules::IdentityEvidence {
            photo_id: (&b.photo_id).into(),
            photo_matches: b.photo_matches,
            health_card_presented: b.health_card_presented,
            health_card_cpr: b.health_card_cpr.clone(),
        }
    }
}

/// An action that records nothing but itself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct EmptyBody {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct SecondHalfBody {
    /// A corrected address to post to; the applicant's address on file otherwise (and from now on).
    #[serde(default)]
    pub address: Option<Address>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderBody {
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "020280-1111")]
    pub cpr: String,
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200,
        example = "Helle Holder"
    )]
    pub name: String,
    pub photo_id: PhotoIdBody,
    /// The holder's NemID code card was presented.
    pub nemid_card_presented: bool,
    /// Since when the holder's NemID is active; may be left out when their NemID was issued here.
    #[serde(default)]
    pub nemid_active_since: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "holder": {"cpr": "020280-1111", "name": "Helle Holder",
        "photo_id": {"type": "drivers_licence", "number": "12345678", "expires_on": "2031-05-01", "issuing_country": "DK"},
        "nemid_card_presented": true, "nemid_active_since": "2019-03-01"}
}))]
pub struct AccompanyingHolderBody {
    pub holder: HolderBody,
}
