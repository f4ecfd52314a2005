//! A subscription's deliveries: what was sent, how each attempt went, and redelivery.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::domain::role::WEBHOOK_MANAGERS;
use crate::domain::webhook::DeliveryStatus;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::webhooks::access::load_visible;
use crate::http::webhooks::view::{DeliveryPage, DeliveryView};
use crate::store::webhooks::{self as store, AttemptRow, DeliveryRow};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListDeliveriesQuery {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// Page size, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

fn with_attempts(conn: &mut diesel::PgConnection, rows: Vec<DeliveryRow>) -> ApiResult<Vec<DeliveryView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut attempts = store::attempts_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<AttemptRow>, Vec<AttemptRow>) =
                std::mem::take(&mut attempts).into_iter().partition(|a| a.delivery_id == r.id);
            attempts = rest;
            DeliveryView::new(r, mine)
        })
        .collect())
}

/// List a webhook's deliveries.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's webhooks), supervisor (all). Newest event first, with every \
                   attempt, its status and the next attempt.",
    params(("id" = Uuid, Path, description = "Webhook id"), ListDeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<ListDeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            pagination::decode(c, "delivery")?
                .parse::<i64>()
                .map_err(|_| ApiError::bad_parameter("cursor", "is not a cursor returned by this endpoint"))
        })
        .transpose()?;
    let status = q.status;
    let page = caller
        .run(WEBHOOK_MANAGERS, move |conn, who, _moment| {
            load_visible(conn, who, id, false)?;
            let (rows, next_cursor) =
                pagination::page(store::deliveries(conn, id, status, before, limit)?, limit, |r| {
                    pagination::encode(&format!("delivery:{}", r.feed_position))
                });
            Ok(DeliveryPage { items: with_attempts(conn, rows)?, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a delivery again.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's webhooks), supervisor (all). Queues the delivery again, due \
                   now, with the same `Webhook-Id` and a fresh retry window; it is sent before later queued events. \
                   A pending delivery is made due now. Repeating it queues it once.",
    params(("id" = Uuid, Path, description = "Webhook id"), ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(caller: Caller, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let view = caller
        .transaction(WEBHOOK_MANAGERS, move |conn, who, moment| {
            load_visible(conn, who, id, false)?;
            let row =
                store::find_delivery(conn, id, delivery)?.ok_or_else(|| ApiError::not_found("no such delivery"))?;
            let row = if row.status == DeliveryStatus::Pending && row.lease_until.is_some_and(|l| l > moment.now) {
                row // being sent right now
            } else {
                store::redeliver(conn, delivery, moment.now)?
            };
            tracing::info!(webhook.id = %id, delivery.id = %delivery, "delivery queued again");
            let mut views = with_attempts(conn, vec![row])?;
            views.pop().ok_or_else(|| ApiError::internal("delivery vanished"))
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}
