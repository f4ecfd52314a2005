use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::domain::role::Role;
use crate::domain::role::WEBHOOK_MANAGERS;
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::ApiResult;
use crate::http::webhooks::access::load_visible;
use crate::http::webhooks::view::{WebhookPage, WebhookView};
use crate::store::webhooks as store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListWebhooksQuery {
    /// Page size, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List webhooks.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). Newest first; secrets are never listed.",
    params(ListWebhooksQuery),
    responses(
        (status = 200, description = "A page of webhooks", body = WebhookPage),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(caller: Caller, query: web::Query<ListWebhooksQuery>) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = q.cursor.as_deref().map(|c| pagination::decode_time_id(c, "webhook")).transpose()?;
    let page = caller
        .run(WEBHOOK_MANAGERS, move |conn, who, _moment| {
            let office = if who.role == Role::Supervisor { None } else { who.office.as_ref().map(|o| o.id) };
            let (rows, next_cursor) = pagination::page(store::page(conn, office, before, limit)?, limit, |r| {
                pagination::encode_time_id("webhook", r.created_at, r.id)
            });
            Ok(WebhookPage { items: rows.into_iter().map(WebhookView::from).collect(), next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a webhook.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's), supervisor (all). Another office's webhook is 404.",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook (without its secret)", body = WebhookView),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(caller: Caller, path: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let row = caller.run(WEBHOOK_MANAGERS, move |conn, who, _moment| load_visible(conn, who, id, false)).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(row)))
}
