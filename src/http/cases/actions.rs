//! The lifecycle actions, one route each: `POST /api/v1/cases/{id}/<action>`. Each requires
//! `If-Match` (missing → 428, stale → 412), accepts `Idempotency-Key`, and answers the new case.

use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use crate::http::cases::perform::{Cases, Evidence};
use crate::http::cases::view::{
    AccompanyingHolderBody, CaseView, CollectBody, EmptyBody, IdentityCheckBody, PostalBlockBody, RejectBody,
    SecondHalfBody,
};
use crate::http::context::body::JsonBody;
use crate::http::context::command::{Act, execute};
use crate::http::context::headers::{IdempotencyKey, IfMatch};
use crate::http::error::ApiResult;
use crate::http::responses::ActionErrors;
use crate::http::views::ReasonBody;

/// Runs `evidence`'s action on case `id` (`context::command::execute`).
async fn run(act: Act, id: web::Path<Uuid>, evidence: Evidence, digest: String) -> ApiResult<HttpResponse> {
    execute::<Cases>(act.command(id.into_inner(), evidence.action(), evidence, digest)?).await
}

/// A case action's success answer; its errors are `ActionErrors`. For the document only.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum CaseChanged {
    /// The case after the action.
    #[response(status = 200, headers(
        ("ETag" = String, description = "Entity tag of the new version"),
        ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key")))]
    Changed(CaseView),
}

/// Record the identity check.
#[utoipa::path(
    description = "Roles: clerk, bank. By route: `photo_id` (the default) — valid photo ID of an allowed type \
                   (not expired today) that shows the applicant, and the yellow health card with the applicant's CPR \
                   number; `secondary_documents` — at least two documents of the configured types, each once, at \
                   least one showing the applicant's CPR number. After secondary documents nothing is handed out at \
                   the desk: the next step is `post-both` (or `second-half` for a replacement card); express and \
                   new-password cases refuse that route (422 on `route`).",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = IdentityCheckBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/identity-check")]
pub async fn identity_check(
    act: Act,
    id: web::Path<Uuid>,
    body: JsonBody<IdentityCheckBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::IdentityCheck(body), digest).await
}

/// Hand out the first half (standard cases).
#[utoipa::path(
    description = "Roles: clerk, bank. Assigns the 9-digit NemID number.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/first-half")]
pub async fn first_half(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::FirstHalf, body.1).await
}

/// Post the second half (the code card), or a replacement card.
#[utoipa::path(
    description = "Roles: clerk, bank. Standard cases after the first half; `replacement_card` cases after the \
                   identity check (a new card in transit). Posts to the \
                   address on file, or to a corrected `address` (which then replaces it). Sets `second_half_expected_by` \
                   to the posting day plus POSTING_WINDOW_DAYS.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = SecondHalfBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/second-half")]
pub async fn second_half(act: Act, id: web::Path<Uuid>, body: JsonBody<SecondHalfBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::SecondHalf(body), digest).await
}

/// Record that the posted code card came back undeliverable.
#[utoipa::path(
    description = "Roles: clerk, bank. The case can then be re-posted or cancelled.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = ReasonBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/returned")]
pub async fn returned(act: Act, id: web::Path<Uuid>, body: JsonBody<ReasonBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::Returned(body.reason), digest).await
}

/// Confirm activation: the citizen received the code card and activated NemID.
#[utoipa::path(
    description = "Roles: clerk, bank. The citizen received the code card and activated NemID.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/activation")]
pub async fn activation(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::Activation, body.1).await
}

/// Verify the accompanying NemID holder (express cases).
#[utoipa::path(
    description = "Roles: clerk, bank. The holder: 18 or over, not \
                   the applicant, valid photo ID, NemID code card presented, NemID active for at least 30 days \
                   (`nemid_active_since`, or known from a case completed here), and at most 3 accompaniments in any \
                   120 days across all offices. A refusal names the first day the holder qualifies or a slot frees up.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = AccompanyingHolderBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/accompanying-holder")]
pub async fn accompanying_holder(
    act: Act,
    id: web::Path<Uuid>,
    body: JsonBody<AccompanyingHolderBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::AccompanyingHolder(body.holder), digest).await
}

/// Hand out both halves at once (express cases).
#[utoipa::path(
    description = "Roles: clerk, bank. Assigns the 9-digit NemID number.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/issue-in-full")]
pub async fn issue_in_full(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::IssueInFull, body.1).await
}

/// Hand out a replacement code card at the desk (`replacement_card` cases).
#[utoipa::path(
    description = "Roles: clerk, bank. The new card is active at once and the card it replaces is revoked; the \
                   case completes. Refused (409 `nemid_revoked`) when the NemID was revoked since the case was opened.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/card-handout")]
pub async fn card_handout(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::CardHandout, body.1).await
}

/// Hand out a new temporary password at the desk (`new_password` cases).
#[utoipa::path(
    description = "Roles: clerk, bank. The NemID, blocked since the case was opened, is active again; the case \
                   completes. Refused (409 `nemid_revoked`) when the NemID was revoked since the case was opened.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/password-handout")]
pub async fn password_handout(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::PasswordHandout, body.1).await
}

/// Post both halves (identity proven with secondary documents).
#[utoipa::path(
    description = "Roles: clerk, bank. Standard cases whose identity was proven with secondary documents: the NemID \
                   number and the code card go by post together (a pending NemID in the register, its card in \
                   transit); after a returned letter, the same card is re-posted. Posts to the address on file or to a \
                   corrected `address`. Sets `second_half_expected_by` to the posting day plus POSTING_WINDOW_DAYS. \
                   Refused (409 `postal_blocked`) when post cannot reach the applicant.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = SecondHalfBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/post-both")]
pub async fn post_both(act: Act, id: web::Path<Uuid>, body: JsonBody<SecondHalfBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::PostBoth(body), digest).await
}

/// Hold the code card for collection at the desk (post cannot reach the applicant).
#[utoipa::path(
    description = "Roles: clerk, bank. For an applicant with name and address protection or without a usable postal \
                   address (`postal_block`), instead of every posting action: the card (both halves after secondary \
                   documents, a replacement card for `replacement_card` cases) waits at the office until `collect_by` \
                   = today + COLLECTION_DAYS (default 30). Refused (409 `post_reaches_applicant`) without a postal block.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = EmptyBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/hold-for-collection")]
pub async fn hold_for_collection(act: Act, id: web::Path<Uuid>, body: JsonBody<EmptyBody>) -> ApiResult<HttpResponse> {
    run(act, id, Evidence::HoldForCollection, body.1).await
}

/// The held card is collected: photo ID checked again.
#[utoipa::path(
    description = "Roles: clerk, bank. Valid photo ID of an allowed type that shows the person collecting. The card is \
                   active from now (a first issuance's NemID active since today; a replacement card replaces the old \
                   one); the case completes.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = CollectBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/collect")]
pub async fn collect(act: Act, id: web::Path<Uuid>, body: JsonBody<CollectBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::Collect(body), digest).await
}

/// Correct whether post can reach the applicant.
#[utoipa::path(
    description = "Roles: clerk, bank. Standard and replacement-card cases, in any open state: sets (`name_address_protection`, \
                   `no_usable_address`) or clears (`null`) the postal block, with what the correction rests on. The \
                   case's state stays; which posting or collection step is offered follows from it.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = PostalBlockBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/postal-block")]
pub async fn postal_block(act: Act, id: web::Path<Uuid>, body: JsonBody<PostalBlockBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::PostalBlock(body), digest).await
}

/// Refuse NemID: an administrative decision.
#[utoipa::path(
    description = "Roles: clerk, bank. From `opened` or `identity_verified`. The decision records the `reasons` \
                   (each with the rule it rests on), the `explanation` (required with `other`), the appeal guidance in \
                   force (APPEAL_GUIDANCE_DA, APPEAL_GUIDANCE_EN), who decided and when; the case's `refusal` shows it. \
                   With `cannot_use_nemid_alone` the decision advises exemption from Digital Post \
                   (`exemption_advised`, `POST /api/v1/exemptions`).",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = RejectBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/reject")]
pub async fn reject(act: Act, id: web::Path<Uuid>, body: JsonBody<RejectBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::Reject(body), digest).await
}

/// Cancel the case.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (any office). With a reason. A first issuance's \
                   NemID, if one was made, is revoked; a `new_password` case unblocks its NemID; a `replacement_card` \
                   case revokes a replacement card still on its way (a lost or stolen old card stays revoked).",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        IfMatch,
        IdempotencyKey
    ),
    request_body(content = ReasonBody, content_type = "application/json"),
    responses(CaseChanged, ActionErrors)
)]
#[post("/cases/{id}/cancel")]
pub async fn cancel(act: Act, id: web::Path<Uuid>, body: JsonBody<ReasonBody>) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    run(act, id, Evidence::Cancel(body.reason), digest).await
}
