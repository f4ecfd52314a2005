//! Changing a subscription: delete, rotate its secret, disable and enable it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, post, web};
use uuid::Uuid;

use crate::domain::role::WEBHOOK_MANAGERS;
use crate::http::context::caller::Caller;
use crate::http::context::headers::IdempotencyKey;
use crate::http::context::idempotency::{self, Answer, Request};
use crate::http::error::ApiResult;
use crate::http::webhooks::access::load_visible;
use crate::http::webhooks::access::replay;
use crate::http::webhooks::view::{WebhookView, WebhookWithSecret};
use crate::store::webhooks as store;
use crate::webhooks::signature;

/// How long the previous secret keeps signing after a rotation: a receiver has a day to deploy
/// the new one without rejecting a delivery.
const PREVIOUS_SECRET_GRACE_HOURS: i64 = 24;

/// Delete a webhook.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). Deletes the subscription with its queued \
                   and past deliveries; nothing more is queued or sent (a delivery already on its way completes).",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(caller: Caller, path: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    caller
        .transaction(WEBHOOK_MANAGERS, move |conn, who, _| {
            load_visible(conn, who, id, true)?;
            store::delete(conn, id, &who.sub, chrono::Utc::now())?;
            tracing::info!(webhook.id = %id, "webhook deleted");
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook's signing secret.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). Answers once with the new secret; for 24 h \
                   deliveries carry signatures by both the new and the previous secret. Accepts `Idempotency-Key`.",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        IdempotencyKey),
    responses(
        (status = 200, description = "The new secret; shown only now", body = WebhookWithSecret, headers(
            ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key"))),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let vault = caller.state.vault.clone();
    let fingerprint = format!("POST /api/v1/webhooks/{id}/rotate-secret");
    let request = Request { caller, roles: WEBHOOK_MANAGERS, key, fingerprint, replay };
    idempotency::run(request, move |conn, who, moment| {
        let row = load_visible(conn, who, id, true)?;
        let secret = signature::generate_secret();
        let row = store::rotate_secret(
            conn,
            id,
            &vault.seal_bytes(secret.as_bytes()),
            &row.secret_sealed,
            moment.now + chrono::Duration::hours(PREVIOUS_SECRET_GRACE_HOURS),
            &who.sub,
            moment.now,
        )?;
        tracing::info!(webhook.id = %id, "webhook secret rotated");
        Answer::json(StatusCode::OK, &WebhookWithSecret { webhook: WebhookView::from(row), secret }, None, None)
    })
    .await
}

/// Disable a webhook.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). A disabled webhook is sent nothing, and \
                   events while it is disabled are not queued for it (read them from the change feed). Repeating it \
                   changes nothing.",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Disabled", body = WebhookView),
    )
)]
#[post("/webhooks/{id}/disable")]
pub async fn disable_webhook(caller: Caller, path: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    set_active(caller, path.into_inner(), false).await
}

/// Enable a webhook.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). Sends again what is still queued, and queues \
                   new events; the failure count starts afresh. Repeating it changes nothing.",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Enabled", body = WebhookView),
    )
)]
#[post("/webhooks/{id}/enable")]
pub async fn enable_webhook(caller: Caller, path: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    set_active(caller, path.into_inner(), true).await
}

async fn set_active(caller: Caller, id: Uuid, active: bool) -> ApiResult<HttpResponse> {
    let row = caller
        .transaction(WEBHOOK_MANAGERS, move |conn, who, moment| {
            let row = load_visible(conn, who, id, true)?;
            if row.active == active {
                return Ok(row);
            }
            let reason = (!active).then_some("disabled by hand (see updated_by)");
            let row = store::set_active(conn, id, active, reason, &who.sub, moment.now)?;
            tracing::info!(webhook.id = %id, webhook.active = active, "webhook changed");
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(row)))
}
