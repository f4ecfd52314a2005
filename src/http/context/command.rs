//! The one way to change a versioned record (a case, an exemption): a handler builds a
//! `Command` — who, what, which record, which version, the evidence, the idempotency key — and
//! hands it to `execute`, which checks the evidence that needs no record, then runs the
//! resource's `apply` once, in one transaction with its idempotency record, for the caller
//! authorized in that transaction, and answers the new version with its ETag.
//!
//! A resource says how its actions run by implementing `Versioned`; docs/ARCHITECTURE.md has the
//! recipe for adding an action.

use futures_util::future::LocalBoxFuture;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::pg::PgConnection;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::role::Role;
use crate::http::context::caller::Caller;
use crate::http::context::headers::{IdempotencyKey, IfMatch, etag};
use crate::http::context::idempotency::{self, Answer, Replay, Request};
use crate::http::error::ApiError;
use crate::http::error::ApiResult;

/// One change to one record, as a request asks for it.
pub struct Command<A, E> {
    pub caller: Caller,
    /// Which record.
    pub id: Uuid,
    /// The version the client acted upon (`If-Match`).
    pub version: i32,
    pub action: A,
    pub evidence: E,
    pub key: IdempotencyKey,
    /// SHA-256 of the body, for the idempotency fingerprint.
    pub digest: String,
}

/// What every action request carries besides its path and body: the caller, the moment, the
/// required `If-Match` and the optional `Idempotency-Key`, taken from the request together.
/// A missing or malformed `If-Match` is reported when the command is built, i.e. after the
/// body was read: a client hears about its token and its Idempotency-Key first, then the path
/// (404) and its body, then If-Match.
pub struct Act {
    caller: Caller,
    version: ApiResult<IfMatch>,
    key: IdempotencyKey,
}

impl FromRequest for Act {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let key = IdempotencyKey::from_request(req, payload).into_inner();
        let version = IfMatch::from_request(req, payload).into_inner();
        Box::pin(async move {
            let caller = caller.await?;
            Ok(Act { caller, version, key: key? })
        })
    }
}

impl Act {
    /// The command for `action` on record `id` with `evidence` and its body's `digest`.
    pub fn command<A, E>(self, id: Uuid, action: A, evidence: E, digest: String) -> ApiResult<Command<A, E>> {
        Ok(Command { caller: self.caller, id, version: self.version?.0, action, evidence, key: self.key, digest })
    }
}

/// A kind of versioned record whose actions go through `execute`.
pub trait Versioned: 'static {
    type Action: Copy + Send + 'static;
    type Evidence: Send + 'static;
    type View: Serialize;

    /// The record's URL, for the idempotency fingerprint: `/api/v1/cases/{id}`.
    fn url(id: Uuid) -> String;
    /// The action's path segment: `identity-check`.
    fn segment(action: Self::Action) -> &'static str;
    /// Who may take the action.
    fn roles(action: Self::Action) -> &'static [Role];
    /// Checks of the evidence that need no record (free text, the rules of a photo ID, a CPR
    /// number that is one), with the settings and the day of `caller`; run once the caller is
    /// authorized, before any record is read: a bad body is 422 whatever its If-Match.
    fn precheck(action: Self::Action, evidence: &Self::Evidence, caller: &Caller) -> ApiResult<()>;
    /// Carries out the action inside the transaction: lock, version check, transition, the
    /// change, its event and its access record. Answers the record as it is now.
    /// The application's state (settings, vault) is `command.caller.state`.
    fn apply(
        conn: &mut PgConnection,
        who: &Principal,
        command: Command<Self::Action, Self::Evidence>,
    ) -> ApiResult<Self::View>;
    /// The version the view shows (its ETag).
    fn version_of(view: &Self::View) -> i32;
    /// How a replayed answer re-checks visibility and records the access.
    const REPLAY: Replay;
}

/// Runs a command on a record of kind `R`: 200 with the new version and its ETag, or the
/// refusal (nothing changed).
pub async fn execute<R: Versioned>(command: Command<R::Action, R::Evidence>) -> ApiResult<HttpResponse> {
    let request = Request {
        caller: command.caller.clone(),
        roles: R::roles(command.action),
        key: command.key.clone(),
        fingerprint: format!(
            "POST {}/{} {} {}",
            R::url(command.id),
            R::segment(command.action),
            command.version,
            command.digest
        ),
        replay: R::REPLAY,
    };
    // The caller is authorized (role and office) first; then the evidence is judged on its own,
    // before any record is read or locked: a bad body is 422 whatever its If-Match.
    idempotency::run(request, move |conn, who, _| {
        R::precheck(command.action, &command.evidence, &command.caller)?;
        let view = R::apply(conn, who, command)?;
        let version = R::version_of(&view);
        Answer::json(StatusCode::OK, &view, Some(etag(version)), None)
    })
    .await
}
