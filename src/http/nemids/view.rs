//! The register as the API shows it and what its actions accept.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr;
use crate::domain::nemid::{BlockReason, CardIssue, CardState, NemidAction, NemidState, allowed_actions};
use crate::http::error::ApiResult;
use crate::store::nemids::{CardRow, NemidRow};
use crate::vault::CprVault;

#[derive(Debug, Serialize, ToSchema)]
pub struct NemidHolder {
    /// The full CPR number: only on the single read of a NemID and its action answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "010190-1234")]
    pub cpr: Option<String>,
    #[schema(example = "010190-XXXX")]
    pub cpr_masked: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardView {
    #[schema(example = "10000001")]
    pub serial: String,
    pub state: CardState,
    pub issued_how: CardIssue,
    pub issued_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

impl From<CardRow> for CardView {
    fn from(c: CardRow) -> Self {
        CardView {
            serial: c.serial,
            state: c.state,
            issued_how: c.issued_how,
            issued_at: c.issued_at,
            changed_at: c.changed_at,
        }
    }
}

/// A NemID in the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct NemidView {
    /// The number as a UUID (what idempotent replays and links key on); address NemIDs by `number`.
    pub id: Uuid,
    /// The NemID number (user id), nine digits.
    #[schema(example = "000000042")]
    pub number: String,
    pub state: NemidState,
    /// The Copenhagen day it became active.
    pub active_since: Option<NaiveDate>,
    pub holder: NemidHolder,
    /// Oldest first.
    pub cards: Vec<CardView>,
    /// The registration unit that issued it.
    pub office_id: Uuid,
    /// The first-issuance case that made it.
    pub case_id: Option<Uuid>,
    /// What `POST /nemids/{number}/<action>` may do now.
    pub allowed_actions: Vec<NemidAction>,
    /// Also the ETag.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl NemidView {
    /// The view of `row`; `full_cpr` on single reads and action answers only.
    pub fn new(row: NemidRow, cards: Vec<CardRow>, full_cpr: bool, vault: &CprVault) -> ApiResult<NemidView> {
        let digits = vault.open(&row.holder_cpr_sealed)?;
        Ok(NemidView {
            holder: NemidHolder {
                cpr: full_cpr.then(|| cpr::format_digits(&digits)),
                cpr_masked: cpr::mask_digits(&digits),
                name: row.holder_name,
            },
            allowed_actions: allowed_actions(row.state),
            id: row.id,
            number: row.number,
            state: row.state,
            active_since: row.active_since,
            cards: cards.into_iter().map(CardView::from).collect(),
            office_id: row.office_id,
            case_id: row.case_id,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NemidList {
    /// Newest first: the person's NemID that is not revoked, and any revoked ones before it.
    pub items: Vec<NemidView>,
}

/// A look-up by CPR number, which stays out of URLs and logs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cpr": "010190-1234"}))]
pub struct NemidSearchBody {
    #[schema(pattern = "^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$", example = "010190-1234")]
    pub cpr: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "holder_request"}))]
pub struct BlockBody {
    pub reason: BlockReason,
}
