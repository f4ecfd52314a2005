//! The register's own actions: block, unblock, revoke. Same guarantees as case actions:
//! `If-Match` required, one transaction for the change and its event, `Idempotency-Key`.

use actix_web::{HttpResponse, post, web};
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::case::Kind;
use crate::domain::cpr::Cpr;
use crate::domain::nemid::{BlockReason, NemidAction, allowed_actions, transition};
use crate::domain::office::check_text;
use crate::domain::role::Role;
use crate::domain::rules::{self, IdentityEvidence};
use crate::http::cases::view::PhotoIdentityBody;
use crate::http::context::audit::{self, Subject};
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::command::{Act, Command, Versioned, execute};
use crate::http::context::headers::{IdempotencyKey, IfMatch};
use crate::http::context::idempotency::Replay;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::access::{load_for_update, replay};
use crate::http::nemids::register::{self, Step};
use crate::http::nemids::view::{BlockBody, NemidView};
use crate::http::responses::ActionErrors;
use crate::http::views::ReasonBody;
use crate::store::{cases, nemids};

/// An action's success answer; its errors are `ActionErrors`. For the document only.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum NemidChanged {
    /// The NemID after the change.
    #[response(status = 200, headers(
        ("ETag" = String, description = "Entity tag of the new version"),
        ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key")))]
    Changed(NemidView),
}

/// What each action brings: the action is the variant.
pub enum NemidEvidence {
    Block(BlockReason),
    /// The holder's identity, checked at the desk as in an identity check.
    Unblock(Box<PhotoIdentityBody>),
    Revoke(String),
}

/// NemIDs as versioned records: their actions run through `context::command::execute`.
pub struct Nemids;

impl Versioned for Nemids {
    type Action = NemidAction;
    type Evidence = NemidEvidence;
    type View = NemidView;
    const REPLAY: Replay = replay;

    fn url(id: Uuid) -> String {
        format!("/api/v1/nemids/{}", nemids::number_of(id))
    }

    fn segment(action: NemidAction) -> &'static str {
        action.as_str()
    }

    fn roles(action: NemidAction) -> &'static [Role] {
        action.roles()
    }

    fn precheck(_: NemidAction, evidence: &NemidEvidence, caller: &Caller) -> ApiResult<()> {
        let (types, today) = (&caller.state.config.domain.photo_id_types, caller.moment.today);
        let mut issues = Vec::new();
        match evidence {
            NemidEvidence::Revoke(r) => check_text("reason", r, 500, &mut issues),
            NemidEvidence::Unblock(b) => {
                issues.extend(rules::check_identity_alone(&IdentityEvidence::from(b.as_ref()), types, today))
            }
            NemidEvidence::Block(_) => {}
        }
        if issues.is_empty() { Ok(()) } else { Err(issues.into()) }
    }

    fn version_of(view: &NemidView) -> i32 {
        view.version
    }

    fn apply(
        conn: &mut PgConnection,
        who: &Principal,
        command: Command<NemidAction, NemidEvidence>,
    ) -> ApiResult<NemidView> {
        let Command { id, version: expected, action, evidence: input, caller, .. } = command;
        let Caller { state, moment, .. } = caller;
        let number = nemids::number_of(id);
        let row = load_for_update(conn, &number)?;
        if row.version != expected {
            return Err(ApiError::precondition_failed(format!(
                "the NemID has changed since the ETag you sent; it is now at version {}",
                row.version
            )));
        }
        let Some(to) = transition(row.state, action) else {
            return Err(ApiError::conflict(
                "action_not_allowed",
                format!("`{}` is not allowed on a NemID that is {}", action.as_str(), row.state.as_str()),
            )
            .with_allowed_actions(allowed_actions(row.state).iter().map(|a| a.as_str().to_string()).collect()));
        };
        // A new-password case keeps its NemID blocked until the password is handed out.
        if action == NemidAction::Unblock && cases::open_service_case(conn, &number, Kind::NewPassword)? {
            return Err(ApiError::conflict(
                "service_case_open",
                "a new-password case is open for this NemID: hand out the password or cancel that case",
            ));
        }
        let evidence = match &input {
            NemidEvidence::Block(reason) => json!({"reason": reason.as_str()}),
            NemidEvidence::Unblock(b) => {
                let holder = Cpr::parse(&state.vault.open(&row.holder_cpr_sealed)?).map_err(ApiError::internal)?;
                let issues = rules::check_identity(
                    &IdentityEvidence::from(b.as_ref()),
                    &holder,
                    &state.config.domain.photo_id_types,
                    moment.today,
                );
                if !issues.is_empty() {
                    return Err(issues.into());
                }
                json!({
                    "photo_id": b.photo_id.evidence(),
                    "photo_matches": true,
                    "health_card_presented": true,
                    "health_card_shows_holder": true,
                })
            }
            NemidEvidence::Revoke(r) => json!({"reason": r.trim()}),
        };
        let updated = register::change(
            conn,
            who,
            &moment,
            &row,
            Step { change: action.change(), to, active_since: row.active_since, evidence: &evidence },
        )?;
        audit::record(conn, who, &moment, Subject::Nemid { id, cpr_index: &updated.holder_cpr_index })?;
        let cards = nemids::cards(conn, id)?;
        NemidView::new(updated, cards, true, &state.vault)
    }
}

/// The command for `action` on the NemID `number`; an impossible number is 404 like an unknown one.
fn command(
    act: Act,
    number: &str,
    evidence: NemidEvidence,
    action: NemidAction,
    digest: String,
) -> ApiResult<Command<NemidAction, NemidEvidence>> {
    let id = nemids::id_of(number).ok_or_else(|| ApiError::not_found("no such NemID"))?;
    act.command(id, action, evidence, digest)
}

/// Block a NemID.
#[utoipa::path(
    description = "Roles: clerk, bank (for the holder in front of them), supervisor (any). active → blocked, with a \
                   `reason`: `holder_request`, `suspected_misuse` or `lost_card`. Requires If-Match; accepts \
                   Idempotency-Key.",
    params(("number" = String, Path, description = "NemID number (nine digits)"), IfMatch, IdempotencyKey),
    request_body(content = BlockBody, content_type = "application/json"),
    responses(NemidChanged, ActionErrors)
)]
#[post("/nemids/{number}/block")]
pub async fn block_nemid(act: Act, number: web::Path<String>, body: JsonBody<BlockBody>) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    execute::<Nemids>(command(act, &number, NemidEvidence::Block(b.reason), NemidAction::Block, digest)?).await
}

/// Unblock a NemID after checking its holder's identity.
#[utoipa::path(
    description = "Roles: clerk, bank: the holder's identity is checked at the desk (photo ID and yellow health \
                   card, as in a case's identity check; the health card must show the holder's CPR number). \
                   blocked → active. Refused (409 `service_case_open`) while a new-password case holds the NemID \
                   blocked. Requires If-Match; accepts Idempotency-Key.",
    params(("number" = String, Path, description = "NemID number (nine digits)"), IfMatch, IdempotencyKey),
    request_body(content = PhotoIdentityBody, content_type = "application/json"),
    responses(NemidChanged, ActionErrors)
)]
#[post("/nemids/{number}/unblock")]
pub async fn unblock_nemid(
    act: Act,
    number: web::Path<String>,
    body: JsonBody<PhotoIdentityBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    execute::<Nemids>(command(act, &number, NemidEvidence::Unblock(Box::new(b)), NemidAction::Unblock, digest)?).await
}

/// Revoke a NemID (final).
#[utoipa::path(
    description = "Roles: clerk, bank (for the holder in front of them), supervisor (any). pending, active or \
                   blocked → revoked, with a `reason`; final: its cards are revoked too, and the person may then be \
                   issued a new NemID. Requires If-Match; accepts Idempotency-Key.",
    params(("number" = String, Path, description = "NemID number (nine digits)"), IfMatch, IdempotencyKey),
    request_body(content = ReasonBody, content_type = "application/json"),
    responses(NemidChanged, ActionErrors)
)]
#[post("/nemids/{number}/revoke")]
pub async fn revoke_nemid(act: Act, number: web::Path<String>, body: JsonBody<ReasonBody>) -> ApiResult<HttpResponse> {
    let JsonBody(b, digest) = body;
    execute::<Nemids>(command(act, &number, NemidEvidence::Revoke(b.reason), NemidAction::Revoke, digest)?).await
}
