//! What the online order accepts and answers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::online::DocumentType;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineOrderBody {
    /// The orderer's CPR number: ten digits, with or without the hyphen.
    #[schema(example = "010190-1234", max_length = 11)]
    pub cpr: String,
    pub document: OrderDocumentBody,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderDocumentBody {
    #[serde(rename = "type")]
    pub kind: DocumentType,
    /// The passport's or driving licence's number: 6 to 12 letters and digits (spaces ignored).
    #[schema(example = "AB1234567", max_length = 20)]
    pub number: String,
}

/// The answer to every well-formed order, matching or not: it says what happens if the details
/// match, never whether they did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnlineOrderReceived {
    /// Always `received`.
    #[schema(example = "received")]
    pub status: &'static str,
    /// The letters are expected within this many days (`ONLINE_POSTING_DAYS`).
    #[schema(example = 10)]
    pub posting_days: u32,
    /// In Danish.
    pub message_da: String,
    /// In English.
    pub message_en: String,
}

impl OnlineOrderReceived {
    pub fn new(posting_days: u32) -> Self {
        OnlineOrderReceived {
            status: "received",
            posting_days,
            message_da: format!(
                "Tak for din bestilling. Hvis oplysningerne stemmer, sender vi to breve til din adresse i \
                 CPR-registret inden for {posting_days} dage: det ene med dit bruger-id og din midlertidige \
                 adgangskode, det andet med dit nøglekort."
            ),
            message_en: format!(
                "Thank you for your order. If the details match, two letters will be posted to your address in \
                 the CPR register within {posting_days} days: one with your user ID and temporary password, the \
                 other with your code card."
            ),
        }
    }
}
