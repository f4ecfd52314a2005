use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::cpr::Cpr;
use crate::domain::online::{OrderOutcome, Recent, normalise_document_number, retry_after};
use crate::http::context::body::JsonBody;
use crate::http::context::moment::Moment;
use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::online::view::{OnlineOrderBody, OnlineOrderReceived};
use crate::store::online::{self as store, NewOrder};

/// Order NemID online.
#[utoipa::path(
    description = "No authentication: anyone may order. With a Danish passport or driving licence and an address \
                   in the CPR register, both halves of NemID are posted in two letters to that address. A malformed \
                   order is 422 per field. Every well-formed order is 202 with the same body, whether or not the \
                   details match, and the same register look-ups are made either way (after the answer: the order \
                   is decided in the background). Abuse limits per client address and per CPR number \
                   (`ONLINE_LIMIT_*`) answer 429 with `Retry-After`. 503 when online ordering is off here.",
    request_body(content = OnlineOrderBody, content_type = "application/json"),
    responses(
        (status = 202, description = "Received; letters follow if the details match", body = OnlineOrderReceived),
        (status = 429, description = "Too many orders from this address or for this CPR number", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds until another order is allowed"))),
        (status = 503, description = "Online ordering is off here, or the database is not reachable", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    ),
    security(())
)]
#[post("/online-orders")]
pub async fn order_online(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<OnlineOrderBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(body, _) = body;
    let mut issues = Vec::new();
    let cpr = Cpr::parse(&body.cpr).map_err(|e| issues.push(FieldIssue::new("cpr", e))).ok();
    let number = normalise_document_number(&body.document.number)
        .map_err(|e| issues.push(FieldIssue::new("document.number", e)))
        .ok();
    let (Some(cpr), Some(number), true) = (cpr, number, issues.is_empty()) else {
        return Err(issues.into());
    };
    let Some(online) = state.online.clone() else { return Err(ApiError::online_ordering_off()) };
    let moment = Moment::of(&req);
    let client = client_address(&req, online.config.trust_forwarded_for);
    let vault = state.vault.clone();
    // A keyed hash: the fraud record can tell a client's orders apart without keeping its address.
    let client_hash = vault.blind(&format!("online-order-client:{client}"));
    let cpr_index = vault.blind(&cpr.digits());
    let (per_client, per_cpr) = (online.config.per_client, online.config.per_cpr);
    let document_type = body.document.kind;
    let now = moment.now;
    state
        .db
        .run(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                // Client first, then the CPR number: every order takes the two in this order.
                let mut wait = None;
                for (key, by_client, limits) in [(&client_hash, true, per_client), (&cpr_index, false, per_cpr)] {
                    store::lock_key(conn, key)?;
                    let times = store::recent(conn, by_client, key, now - Duration::days(1))?;
                    wait = wait.max(retry_after(&Recent { times: &times }, limits, now));
                }
                let limited = wait.is_some();
                let (cpr_sealed, number_sealed) = if limited {
                    (None, None)
                } else {
                    (Some(vault.seal(&cpr.digits())), Some(vault.seal_bytes(number.as_bytes())))
                };
                store::insert(
                    conn,
                    &NewOrder {
                        id: Uuid::now_v7(),
                        received_at: now,
                        cpr_index: &cpr_index,
                        document_type,
                        client_hash: &client_hash,
                        outcome: limited.then_some(OrderOutcome::RateLimited),
                        cpr_sealed: cpr_sealed.as_deref(),
                        document_number_sealed: number_sealed.as_deref(),
                        next_attempt_at: (!limited).then_some(now),
                        decided_at: limited.then_some(now),
                    },
                )?;
                Ok::<_, ApiError>(wait)
            })
        })
        .await
        .and_then(|wait| match wait {
            Some(d) => Err(ApiError::too_many_requests(
                d.num_seconds(),
                "too many orders from this address or for this CPR number; try again later",
            )),
            None => Ok(()),
        })?;
    online.wake.notify_one();
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(OnlineOrderReceived::new(online.config.posting_days)))
}

/// The client's address: the connection's peer, or — behind a trusted proxy
/// (`TRUST_FORWARDED_FOR`) — the last `X-Forwarded-For` entry, the one that proxy added.
fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
        && let Ok(ip) = last.parse::<std::net::IpAddr>()
    {
        return ip.to_string();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}
