//! Development sign-in for the front end: pick a role and an office, get a token signed with the
//! generated development HS256 secret. These routes are mounted only in development mode with no
//! configured JWT key and a loopback listen address (`commands::serve::state`); anywhere else they
//! do not exist (404). They are
//! not part of the API document. In production the front end takes its token from the
//! municipality's identity provider.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::claims::Claims;
use crate::auth::keys;
use crate::domain::FieldIssue;
use crate::domain::office::OfficeKind;
use crate::domain::role::Role;
use crate::http::context::body::JsonBody;
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store;

/// Tokens handed out here live for one working day.
const TTL_SECS: u64 = 8 * 3600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dev/offices", web::get().to(offices)).route("/dev/token", web::post().to(token));
}

/// The server listens on loopback only (see `commands::serve::state`); a request must also name a
/// loopback host, so a web page elsewhere cannot reach it by re-pointing its own name at
/// 127.0.0.1 (DNS rebinding).
fn local_host(req: &HttpRequest) -> ApiResult<()> {
    let info = req.connection_info();
    let host = info.host();
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let local =
        name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if local { Ok(()) } else { Err(ApiError::not_found("no such resource")) }
}

#[derive(Serialize)]
struct DevOffice {
    code: String,
    name: String,
    kind: OfficeKind,
}

/// Active offices, for the sign-in screen's office picker (a development convenience: no token
/// exists yet to call `/api/v1/offices` with).
async fn offices(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    local_host(&req)?;
    let rows = state.db.run(|conn| Ok(store::offices::page(conn, false, None, 500)?)).await?;
    let items: Vec<DevOffice> =
        rows.into_iter().map(|o| DevOffice { code: o.code, name: o.name, kind: o.kind }).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevTokenBody {
    role: String,
    office: Option<String>,
    name: String,
}

async fn token(state: web::Data<AppState>, req: HttpRequest, body: JsonBody<DevTokenBody>) -> ApiResult<HttpResponse> {
    local_host(&req)?;
    let JsonBody(body, _) = body;
    let secret = state.dev_secret.clone().ok_or_else(|| ApiError::not_found("no such resource"))?;
    let mut errors = Vec::new();
    let role = Role::parse(&body.role);
    if role.is_none() {
        errors.push(FieldIssue::new("role", "must be clerk, bank, supervisor or admin"));
    }
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        errors.push(FieldIssue::new("name", "must be 1 to 200 characters without control characters"));
    }
    let office = match (role.and_then(Role::required_office_kind), body.office.filter(|o| !o.is_empty())) {
        (Some(_), None) => {
            errors.push(FieldIssue::new("office", "is required for this role"));
            None
        }
        (Some(kind), Some(code)) => {
            let code2 = code.clone();
            let row = state.db.run(move |conn| Ok(store::offices::find_by_code(conn, &code2)?)).await?;
            match row {
                Some(o) if o.active && kind.contains(&o.kind) => Some(code),
                Some(_) => {
                    errors.push(FieldIssue::new("office", "is inactive or not of the kind this role works at"));
                    None
                }
                None => {
                    errors.push(FieldIssue::new("office", "no office has this code"));
                    None
                }
            }
        }
        // Supervisors and administrators belong to no office.
        (None, _) => None,
    };
    let Some(role) = role.filter(|_| errors.is_empty()) else { return Err(ApiError::validation(errors)) };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let claims = Claims {
        sub: format!("dev-{}", name.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")),
        name,
        role: role.as_str().to_string(),
        office,
        iss: state.config.auth.issuer.clone(),
        aud: state.config.auth.audience.clone(),
        exp: now + TTL_SECS,
        iat: now,
        nbf: None,
    };
    let token = keys::sign_hs256(&secret, &claims).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "token": token, "expires_in": TTL_SECS })))
}
