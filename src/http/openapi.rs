//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations as they are
//! registered in `routes`, so a route cannot exist undocumented. The committed `openapi.yaml`
//! is pinned to it by a test (`cargo run -- openapi > openapi.yaml` refreshes it).

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::{FieldError, Problem};
use super::state::AppState;
use super::webhooks::view::{WebhookEvent, WebhookPayload};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "nemid-desk",
        description = "Case management for issuing NemID at Borgerservice desks and bank branches.\n\n\
            Every `/api/v1` operation needs `Authorization: Bearer <JWT>`; each operation's description \
            names the roles allowed. Errors are RFC 9457 `application/problem+json`.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server")),
    components(schemas(Problem, FieldError, WebhookPayload, WebhookEvent)),
    modifiers(&BearerScheme, &WebhookDelivery),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "meta", description = "This document"),
        (name = "offices", description = "Citizen service centres and bank branches"),
        (name = "cases", description = "NemID cases: opening, reading, the lifecycle actions, the audit trail"),
        (name = "exemptions", description = "Exemption from Digital Post: register, decide, revoke"),
        (name = "feed", description = "The change feed for integrations"),
        (name = "webhooks", description = "Signed event deliveries to integrations, and their history"),
        (name = "privacy", description = "The access log and subject access (GDPR art. 15)"),
        (name = "reports", description = "Status, overdue posts, throughput and durations (JSON or CSV)")
    )
)]
pub struct BaseDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        api.components.get_or_insert_with(Default::default).add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        api.info.version = env!("CARGO_PKG_VERSION").to_string();
    }
}

/// What a subscriber's endpoint receives, as an OpenAPI 3.1 `webhooks` entry.
struct WebhookDelivery;

impl Modify for WebhookDelivery {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder, ResponsesBuilder};
        let header = |name: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(utoipa::openapi::schema::Object::with_type(utoipa::openapi::schema::Type::String)))
                .build()
        };
        let operation = OperationBuilder::new()
            .operation_id(Some("receive_event"))
            .tag("webhooks")
            .summary(Some("An event, POSTed to a registered webhook URL"))
            .description(Some(
                "Sent by nemid-desk to the subscriber: one event per request, one at a time per subscription, in \
                 change-feed order. Verify `Webhook-Signature` (Standard Webhooks: `v1,` + base64 HMAC-SHA256 of \
                 `{Webhook-Id}.{Webhook-Timestamp}.{body}` keyed with the base64-decoded part of the `whsec_` \
                 secret; during a secret rotation two space-separated signatures), reject stale timestamps, and \
                 de-duplicate on `Webhook-Id`. Answer 2xx within 5 s; anything else is retried with exponential \
                 backoff for 24 h.",
            ))
            .parameter(header("Webhook-Id", "The delivery's id: the same on every attempt"))
            .parameter(header("Webhook-Timestamp", "Unix seconds of this attempt"))
            .parameter(header("Webhook-Signature", "`v1,<base64>` signatures, space-separated"))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("WebhookPayload"))).build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ))
            .responses(
                ResponsesBuilder::new()
                    .response("2XX", ResponseBuilder::new().description("Received; not sent again").build())
                    .response("default", ResponseBuilder::new().description("Not received; retried later").build())
                    .build(),
            )
            .build();
        let mut paths = utoipa::openapi::Paths::new();
        paths.paths.insert("event".to_string(), PathItem::new(HttpMethod::Post, operation));
        api.webhooks = Some(paths);
    }
}

/// The document rendered once at start-up, and the route templates for 404-vs-405 answers.
pub struct ApiDoc {
    pub yaml: String,
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl ApiDoc {
    pub fn new(api: &utoipa::openapi::OpenApi) -> Self {
        let yaml = api.to_yaml().unwrap_or_default();
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
                let mut methods = Vec::new();
                for (m, op) in [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ] {
                    if op.is_some() {
                        methods.push(m);
                    }
                }
                (segments, methods)
            })
            .collect();
        ApiDoc { yaml, routes }
    }

    /// The methods documented for the route matching `path`, if any route matches.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let given: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut found: Option<Vec<&'static str>> = None;
        for (segments, methods) in &self.routes {
            let matches = segments.len() == given.len()
                && segments.iter().zip(&given).all(|(t, g)| (t.starts_with('{') && t.ends_with('}')) || t == g);
            if matches {
                found.get_or_insert_with(Vec::new).extend(methods.iter().copied());
            }
        }
        found
    }
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    operation_id = "openapi_document",
    tag = "meta",
    description = "The OpenAPI document of this API, in YAML. No authentication.",
    responses((status = 200, description = "The document", body = String, content_type = "application/yaml")),
    security(())
)]
#[get("/openapi.yaml")]
pub async fn openapi_yaml(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/yaml").body(state.api_doc.yaml.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_match_concrete_paths() {
        let doc = ApiDoc::new(&crate::http::routes::document());
        assert_eq!(doc.allowed_methods("/healthz"), Some(vec!["GET"]));
        assert_eq!(
            doc.allowed_methods("/api/v1/offices/0190f1c4-aaaa-7000-8000-000000000000"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(doc.allowed_methods("/api/v1/nothing"), None);
        assert_eq!(doc.allowed_methods("/api/v1/offices/x/y"), None);
    }
}
