//! Cases as the API shows them, and the bodies the API accepts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::case;
use crate::domain::case::{Action, CaseFacts, Channel, IdentityRoute, Kind, PostalBlock, ReplacementReason, Status};
use crate::domain::cpr;
use crate::domain::exemption::ExemptionStatus;
use crate::domain::nemid;
use crate::domain::office::Address;
use crate::domain::refusal::{Refusal, RefusalReason};
use crate::domain::rules::{self, IdentityEvidence, PhotoId, SecondaryDocument};
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
    /// How identity was proven, once it was.
    #[schema(example = json!(null))]
    pub identity_route: Option<IdentityRoute>,
    /// Why post cannot reach the applicant (`null`: it can). Nothing is posted then; the card is
    /// held for collection at the office.
    #[schema(example = json!(null))]
    pub postal_block: Option<PostalBlock>,
    /// When the card was held for collection, and the day it is to be collected by.
    pub held_at: Option<DateTime<Utc>>,
    pub collect_by: Option<NaiveDate>,
    /// Posted (one half or both), and the expected day has passed (derived when read).
    pub overdue: bool,
    /// Held for collection, and the collection day has passed (derived when read).
    pub uncollected: bool,
    /// The refusal decision of a rejected case.
    #[schema(example = json!(null))]
    pub refusal: Option<Refusal>,
    /// `granted` when the case is completed and the applicant holds a granted exemption from
    /// Digital Post, so the clerk can offer to revoke it; on single reads and action answers.
    #[schema(example = json!(null))]
    pub digital_post_exemption: Option<ExemptionStatus>,
    /// The documents the case has now (`GET /api/v1/cases/{id}/documents/{kind}`); in the
    /// single-case view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<CaseDocument>>,
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
        let facts = CaseFacts { status, kind, route: row.identity_route, postal_block: row.postal_block };
        Ok(CaseView {
            id: row.id,
            case_number: row.case_number,
            office_id: row.office_id,
            office_code,
            channel: row.channel,
            kind,
            status,
            allowed_actions: case::allowed_actions(facts),
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
            identity_route: row.identity_route,
            postal_block: row.postal_block,
            held_at: row.held_at,
            collect_by: row.collect_by,
            overdue: matches!(status, Status::SecondHalfPosted | Status::BothHalvesPosted)
                && rules::is_overdue(row.second_half_expected_by, today),
            uncollected: status == Status::AwaitingCollection && rules::is_overdue(row.collect_by, today),
            refusal: row.refusal,
            digital_post_exemption: None,
            documents: None,
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
    /// Post cannot reach the applicant (name and address protection, or no usable address): the
    /// code card will be held for collection at this office. Absent or `null`: it can.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub postal_block: Option<PostalBlock>,
}

impl NewCaseBody {
    /// The service-case fields: present exactly where the kind needs them.
    pub fn check_service_fields(&self, issues: &mut Vec<FieldIssue>) {
        let kind = self.kind;
        if kind == Kind::Online {
            issues.push(FieldIssue::new(
                "kind",
                "online cases are made by online orders (POST /api/v1/online-orders), not opened by staff",
            ));
        }
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

/// An identity check with photo ID and the yellow health card (unblocking a NemID).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "photo_id": {"type": "passport", "number": "P1234567", "expires_on": "2030-01-31", "issuing_country": "DK"},
    "photo_matches": true, "health_card_presented": true, "health_card_cpr": "010190-1234"
}))]
pub struct PhotoIdentityBody {
    pub photo_id: PhotoIdBody,
    /// The photo shows the person.
    pub photo_matches: bool,
    /// The yellow health card was presented.
    pub health_card_presented: bool,
    /// The CPR number on the health card.
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010190-1234")]
    pub health_card_cpr: String,
}

impl From<&PhotoIdentityBody> for IdentityEvidence {
    fn from(b: &PhotoIdentityBody) -> Self {
        IdentityEvidence {
            photo_id: (&b.photo_id).into(),
            photo_matches: b.photo_matches,
            health_card_presented: b.health_card_presented,
            health_card_cpr: b.health_card_cpr.clone(),
        }
    }
}

/// A secondary document seen at the desk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondaryDocumentBody {
    /// One of the configured types (`SECONDARY_DOCUMENT_TYPES`: `birth_certificate`,
    /// `baptism_certificate`, `name_certificate`, `health_card`, `tax_assessment` by default).
    #[serde(rename = "type")]
    #[schema(example = "birth_certificate", max_length = 40)]
    pub kind: String,
    /// The document shows a CPR number.
    pub shows_cpr: bool,
    /// The CPR number it shows: required when `shows_cpr`, absent otherwise.
    #[serde(default)]
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = json!(null))]
    pub cpr: Option<String>,
}

/// The identity check, by one of two routes. `photo_id` (the default when `route` is absent):
/// `photo_id`, `photo_matches`, `health_card_presented` and `health_card_cpr`, as before.
/// `secondary_documents`: `documents` only — at least two, each type once, at least one showing
/// the applicant's CPR number; nothing is handed out at the desk then (the next step is
/// `post-both`), and express and new-password cases refuse the route (422). A field of the other
/// route is refused (422).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "photo_id": {"type": "passport", "number": "P1234567", "expires_on": "2030-01-31", "issuing_country": "DK"},
    "photo_matches": true, "health_card_presented": true, "health_card_cpr": "010190-1234"
}))]
pub struct IdentityCheckBody {
    /// `photo_id` when absent.
    #[serde(default)]
    pub route: Option<IdentityRoute>,
    /// Photo-ID route: the photo ID shown.
    #[serde(default)]
    pub photo_id: Option<PhotoIdBody>,
    /// Photo-ID route: the photo shows the applicant.
    #[serde(default)]
    pub photo_matches: Option<bool>,
    /// Photo-ID route: the yellow health card was presented.
    #[serde(default)]
    pub health_card_presented: Option<bool>,
    /// Photo-ID route: the CPR number on the health card.
    #[serde(default)]
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010190-1234")]
    pub health_card_cpr: Option<String>,
    /// Secondary-documents route: exactly the documents seen.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub documents: Option<Vec<SecondaryDocumentBody>>,
}

/// What an identity check rests on, by route.
pub enum Identity {
    PhotoId(IdentityEvidence),
    Documents(Vec<SecondaryDocument>),
}

impl IdentityCheckBody {
    pub fn chosen_route(&self) -> IdentityRoute {
        self.route.unwrap_or(IdentityRoute::PhotoId)
    }

    /// The evidence of the body's route, or what is missing or misplaced for it.
    pub fn identity(&self) -> Result<Identity, Vec<FieldIssue>> {
        let mut issues = Vec::new();
        match self.chosen_route() {
            IdentityRoute::PhotoId => {
                let need = |present: bool, field: &str, issues: &mut Vec<FieldIssue>| {
                    if !present {
                        issues.push(FieldIssue::new(field, "is required for the photo_id route"));
                    }
                };
                need(self.photo_id.is_some(), "photo_id", &mut issues);
                need(self.photo_matches.is_some(), "photo_matches", &mut issues);
                need(self.health_card_presented.is_some(), "health_card_presented", &mut issues);
                need(self.health_card_cpr.is_some(), "health_card_cpr", &mut issues);
                if self.documents.is_some() {
                    issues.push(FieldIssue::new("documents", "belongs to the secondary_documents route"));
                }
                match (&self.photo_id, self.photo_matches, self.health_card_presented, &self.health_card_cpr) {
                    (Some(p), Some(m), Some(h), Some(c)) if issues.is_empty() => {
                        Ok(Identity::PhotoId(IdentityEvidence {
                            photo_id: p.into(),
                            photo_matches: m,
                            health_card_presented: h,
                            health_card_cpr: c.clone(),
                        }))
                    }
                    _ => Err(issues),
                }
            }
            IdentityRoute::SecondaryDocuments => {
                for (present, field) in [
                    (self.photo_id.is_some(), "photo_id"),
                    (self.photo_matches.is_some(), "photo_matches"),
                    (self.health_card_presented.is_some(), "health_card_presented"),
                    (self.health_card_cpr.is_some(), "health_card_cpr"),
                ] {
                    if present {
                        issues.push(FieldIssue::new(
                            field,
                            "belongs to the photo_id route; secondary documents are listed in `documents`",
                        ));
                    }
                }
                match &self.documents {
                    None => issues.push(FieldIssue::new("documents", "is required for the secondary_documents route")),
                    Some(_) if !issues.is_empty() => {}
                    Some(docs) => {
                        return Ok(Identity::Documents(
                            docs.iter()
                                .map(|d| SecondaryDocument {
                                    kind: d.kind.clone(),
                                    shows_cpr: d.shows_cpr,
                                    cpr: d.cpr.clone(),
                                })
                                .collect(),
                        ));
                    }
                }
                Err(issues)
            }
        }
    }
}

/// Collecting a held card: the photo ID is checked again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "photo_id": {"type": "passport", "number": "P1234567", "expires_on": "2030-01-31", "issuing_country": "DK"},
    "photo_matches": true
}))]
pub struct CollectBody {
    pub photo_id: PhotoIdBody,
    /// The photo shows the applicant.
    pub photo_matches: bool,
}

/// A correction of whether post can reach the applicant, with what it rests on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"postal_block": "name_address_protection", "reason": "The CPR register shows name and address protection"}))]
pub struct PostalBlockBody {
    /// `null` (or absent): post reaches the applicant.
    #[serde(default)]
    pub postal_block: Option<PostalBlock>,
    /// What the correction rests on (what was seen or said).
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 500
    )]
    pub reason: String,
}

/// A refusal: its grounds from the fixed list, and the clerk's explanation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reasons": ["identity_not_established"], "explanation": "No photo ID and only one document"}))]
pub struct RejectBody {
    /// One or more, each once.
    #[schema(min_items = 1, max_items = 6)]
    pub reasons: Vec<RefusalReason>,
    /// Required with `other`.
    #[serde(default)]
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 500
    )]
    pub explanation: Option<String>,
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

/// The documents a case can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaseDocument {
    /// What was handed out at the desk and when, what comes by post (or where to collect it).
    Receipt,
    /// A refused case's decision: grounds, rules, appeal guidance, who decided and when.
    Refusal,
    /// A card held for collection at the office, and by when.
    CollectionNotice,
    /// An online order's first letter: the NemID number (user id); the temporary password is
    /// printed by the posting service.
    #[serde(rename = "online-letter-1")]
    OnlineLetter1,
    /// An online order's second letter: the code card.
    #[serde(rename = "online-letter-2")]
    OnlineLetter2,
}

impl CaseDocument {
    pub const ALL: [CaseDocument; 5] = [
        CaseDocument::Receipt,
        CaseDocument::Refusal,
        CaseDocument::CollectionNotice,
        CaseDocument::OnlineLetter1,
        CaseDocument::OnlineLetter2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseDocument::Receipt => "receipt",
            CaseDocument::Refusal => "refusal",
            CaseDocument::CollectionNotice => "collection-notice",
            CaseDocument::OnlineLetter1 => "online-letter-1",
            CaseDocument::OnlineLetter2 => "online-letter-2",
        }
    }
}

/// What is handed out at the desk: the events after which a case has a receipt.
pub const HANDOUTS: [&str; 5] = ["first-half", "issue-in-full", "card-handout", "password-handout", "collect"];

/// The documents `row` has now; `handed_out`: it has one of the `HANDOUTS` events.
pub fn available(row: &CaseRow, handed_out: bool) -> Vec<CaseDocument> {
    CaseDocument::ALL
        .into_iter()
        .filter(|d| match d {
            CaseDocument::Receipt => handed_out,
            CaseDocument::Refusal => row.refusal.is_some(),
            CaseDocument::CollectionNotice => row.held_at.is_some() && row.collect_by.is_some(),
            CaseDocument::OnlineLetter1 | CaseDocument::OnlineLetter2 => {
                row.kind == Kind::Online && row.nemid_number.is_some()
            }
        })
        .collect()
}
