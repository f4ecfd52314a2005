use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::role::Role;
use crate::http::context::caller::Caller;
use crate::http::error::ApiResult;

/// Who the caller is signed in as.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The user's id at the identity provider (or the token's `sub`).
    pub sub: String,
    pub name: String,
    pub role: Role,
    /// The office a clerk or bank user works at; `null` for supervisors and administrators.
    pub office: Option<MeOffice>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOffice {
    pub id: Uuid,
    pub code: String,
}

/// Who am I.
#[utoipa::path(
    description = "Roles: any signed-in user, with a bearer token or the desk session. The user, their role and \
        their office as nemid-desk sees them: after the role mapping of the identity provider's claims and \
        with the office checked to exist and be active.",
    responses((status = 200, description = "The signed-in user", body = MeView))
)]
#[get("/me")]
pub async fn me(caller: Caller) -> ApiResult<HttpResponse> {
    let view = caller
        .run(Role::ALL, |_, who, _| {
            Ok(MeView {
                sub: who.sub.clone(),
                name: who.name.clone(),
                role: who.role,
                office: who.office.as_ref().map(|o| MeOffice { id: o.id, code: o.code.clone() }),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
