use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use uuid::Uuid;

use crate::config::AppEnv;
use crate::domain::FieldIssue;
use crate::domain::role::Role;
use crate::domain::role::WEBHOOK_MANAGERS;
use crate::domain::webhook::{MAX_DESCRIPTION_LEN, check_url};
use crate::http::context::body::JsonBody;
use crate::http::context::caller::Caller;
use crate::http::context::headers::IdempotencyKey;
use crate::http::context::idempotency::{self, Answer, Request};
use crate::http::error::{ApiError, ApiResult};
use crate::http::webhooks::access::replay;
use crate::http::webhooks::view::{NewWebhookBody, WebhookView, WebhookWithSecret};
use crate::store::webhooks::{self as store, NewWebhook};
use crate::webhooks::signature;

/// Register a webhook.
#[utoipa::path(
    description = "Roles: clerk, bank (for their office's events), supervisor (for every office's). Answers once with \
                   the signing secret. `url` must be `https` in production. Accepts `Idempotency-Key`.",
    params(IdempotencyKey),
    request_body(content = NewWebhookBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered; the secret is shown only now", body = WebhookWithSecret, headers(
            ("Location" = String, description = "URL of the webhook"),
            ("Idempotency-Replayed" = String, description = "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key"))),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    key: IdempotencyKey,
    body: JsonBody<NewWebhookBody>,
) -> ApiResult<HttpResponse> {
    let JsonBody(body, digest) = body;
    let mut issues = Vec::new();
    check_url("url", &body.url, caller.state.config.app_env == AppEnv::Production, &mut issues);
    // Checked as sent (the document's limits), stored trimmed; blank means none.
    let raw = body.description.as_deref().unwrap_or_default();
    if raw.chars().count() > MAX_DESCRIPTION_LEN {
        issues.push(FieldIssue::new("description", format!("must be at most {MAX_DESCRIPTION_LEN} characters")));
    } else if raw.chars().any(char::is_control) {
        issues.push(FieldIssue::new("description", "must not contain control characters"));
    }
    let description = raw.trim().to_string();
    if !issues.is_empty() {
        return Err(issues.into());
    }
    let fingerprint = format!("POST /api/v1/webhooks {digest}");
    let vault = caller.state.vault.clone();
    let request = Request { caller, roles: WEBHOOK_MANAGERS, key, fingerprint, replay };
    idempotency::run(request, move |conn, who, moment| {
        let office_id = match who.role {
            Role::Supervisor => None,
            _ => Some(who.office.as_ref().ok_or_else(|| ApiError::internal("office role without office"))?.id),
        };
        let secret = signature::generate_secret();
        let row = store::insert(
            conn,
            &NewWebhook {
                id: Uuid::now_v7(),
                office_id,
                url: &body.url,
                description: &description,
                secret_sealed: &vault.seal_bytes(secret.as_bytes()),
                created_at: moment.now,
                created_by: &who.sub,
                updated_at: moment.now,
                updated_by: &who.sub,
            },
        )?;
        tracing::info!(webhook.id = %row.id, "webhook registered");
        let location = format!("/api/v1/webhooks/{}", row.id);
        let view = WebhookWithSecret { webhook: WebhookView::from(row), secret };
        Answer::json(StatusCode::CREATED, &view, None, Some(location))
    })
    .await
}
