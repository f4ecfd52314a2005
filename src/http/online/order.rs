use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use std::net::IpAddr;

use chrono::Duration;
use uuid::Uuid;

use crate::domain::FieldIssue;
use crate::domain::cpr::Cpr;
use crate::domain::online::{OrderOutcome, normalise_document_number, retry_after};
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
        (status = 503, description = "Online ordering is off here (`online_ordering_unavailable`, no Retry-After), or \
            the database is not reachable", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "When the database is not reachable: seconds to wait before retrying"))),
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
                    wait = wait.max(retry_after(&times, limits, now));
                }
                let limited = wait.is_some();
                if limited && store::add_rate_limited(conn, &client_hash, &cpr_index, now - Duration::minutes(1))? {
                    return Ok::<_, ApiError>(wait);
                }
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
                        attempts: i32::from(limited),
                    },
                )?;
                Ok::<_, ApiError>(wait)
            })
        })
        .await
        .and_then(|wait| match wait {
            // Rounded up: a client that waits exactly as told is not refused again.
            Some(d) => Err(ApiError::too_many_requests(
                (d.num_milliseconds() + 999) / 1000,
                "too many orders from this address or for this CPR number; try again later",
            )),
            None => Ok(()),
        })?;
    online.wake.notify_one();
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(OnlineOrderReceived::new(online.config.posting_days)))
}

/// The client the limits count: the connection's peer, or — behind a trusted proxy
/// (`TRUST_FORWARDED_FOR`) — the last `X-Forwarded-For` entry, the one that proxy added. An
/// IPv6 client is its /64 (one host commonly has all of it), an IPv4-mapped address its IPv4.
fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let forwarded = || {
        req.headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
            .and_then(|v| v.parse::<IpAddr>().ok())
    };
    let ip = if trust_forwarded_for { forwarded() } else { None }.or_else(|| req.peer_addr().map(|a| a.ip()));
    match ip {
        Some(ip) => client_key(ip),
        None => "unknown".into(),
    }
}

fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_prefix() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }
}
