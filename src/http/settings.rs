//! The rules in force at this installation, for front ends that check input before sending it
//! (the desk offers exactly the photo ID and secondary document types the server accepts).

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::role::Role;
use crate::domain::rules;
use crate::http::context::caller::Caller;
use crate::http::error::ApiResult;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeskSettings {
    /// Photo ID types accepted at identity checks (`PHOTO_ID_TYPES`).
    #[schema(example = json!(["passport", "drivers_licence"]))]
    pub photo_id_types: Vec<String>,
    /// Secondary documents accepted without photo ID (`SECONDARY_DOCUMENT_TYPES`).
    #[schema(example = json!(["birth_certificate", "baptism_certificate", "name_certificate", "health_card", "tax_assessment"]))]
    pub secondary_document_types: Vec<String>,
    /// Days a card is held for collection (`COLLECTION_DAYS`).
    #[schema(example = 30)]
    pub collection_days: u32,
    /// Days a posted code card takes to arrive (`POSTING_WINDOW_DAYS`).
    #[schema(example = 14)]
    pub posting_window_days: u32,
    /// Applicants must be this old (docs/DOMAIN.md rule 0).
    #[schema(example = 15)]
    pub min_applicant_age: i32,
    /// Accompanying holders must be this old.
    #[schema(example = 18)]
    pub min_holder_age: i32,
    /// A holder's NemID must have been active this many days.
    #[schema(example = 30)]
    pub holder_active_days: u64,
}

/// The rules in force.
#[utoipa::path(
    description = "Roles: any signed-in user. The configurable rules front ends need to check input as the server will.",
    responses(
        (status = 200, description = "The rules in force", body = DeskSettings),
    )
)]
#[get("/settings")]
pub async fn get_settings(caller: Caller) -> ApiResult<HttpResponse> {
    // The office check of every /api/v1 call holds here too.
    caller.run(Role::ALL, |_, _, _| Ok(())).await?;
    let d = &caller.state.config.domain;
    Ok(HttpResponse::Ok().json(DeskSettings {
        photo_id_types: d.photo_id_types.clone(),
        secondary_document_types: d.secondary_document_types.clone(),
        collection_days: d.collection_days,
        posting_window_days: d.posting_window_days,
        min_applicant_age: rules::MIN_APPLICANT_AGE,
        min_holder_age: rules::MIN_HOLDER_AGE,
        holder_active_days: rules::HOLDER_ACTIVE_DAYS,
    }))
}
