//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations as they are
//! registered in `routes`, so a route cannot exist undocumented. The committed `openapi.yaml`
//! is pinned to it by a test (`cargo run -- openapi > openapi.yaml` refreshes it).

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::domain::FieldIssue;
use crate::domain::case::{Action, CaseFacts, IdentityRoute, Kind, Status, allowed_actions, transition};
use crate::http::error::Problem;
use crate::http::responses::{
    BodyErrors, CommonErrors, IdempotencyErrors, IdempotentBodyErrors, NotFound, ParameterErrors,
};
use crate::http::webhooks::view::{WebhookEvent, WebhookPayload};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "nemid-desk",
        description = "Case management for issuing NemID at Borgerservice desks and bank branches.\n\n\
            Every `/api/v1` operation needs `Authorization: Bearer <JWT>` (a token from the municipality's \
            identity provider, or one signed with a configured static key) or, for the desk in the browser, \
            its session cookie; each operation's description names the roles allowed. Errors are RFC 9457 \
            `application/problem+json`.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server")),
    // Every operation needs the bearer token or the desk session unless it says `security(())`
    // (health, this document).
    security(("bearer" = []), ("session" = [])),
    components(schemas(Problem, FieldIssue, WebhookPayload, WebhookEvent)),
    modifiers(&BearerScheme, &WebhookDelivery),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "meta", description = "This document, the settings in force, who the caller is"),
        (name = "offices", description = "Citizen service centres and bank branches"),
        (name = "cases", description = "NemID cases: opening, reading, the lifecycle actions, the audit trail"),
        (name = "exemptions", description = "Exemption from Digital Post: register, decide, revoke"),
        (name = "nemids", description = "The NemID register: look-ups, the history, block, unblock, revoke"),
        (name = "feed", description = "The change feed for integrations"),
        (name = "webhooks", description = "Signed event deliveries to integrations, and their history"),
        (name = "privacy", description = "The access log and subject access (GDPR art. 15)"),
        (name = "online", description = "Ordering NemID online (public: no sign-in)"),
        (name = "reports", description = "Status, overdue posts, throughput, durations, refusals and online orders (JSON or CSV)")
    )
)]
pub struct BaseDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT: an access token of the municipality's identity provider for this API \
                         (`aud` = OIDC_API_AUDIENCE, keys from its JWKS; roles and office from the claims \
                         OIDC_ROLES_CLAIM, OIDC_ROLE_MAP and OIDC_OFFICE_CLAIM name), or a token signed with a \
                         static key (JWT_PUBLIC_KEYS by `kid`, JWT_SECRET without one) carrying `role` and `office`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-nemid-desk-session",
                "The desk's session, made by signing in through the identity provider at `/auth/login` \
                 (authorization code flow with PKCE; the server keeps the tokens). HttpOnly, Secure, \
                 SameSite=Strict; state-changing requests with it must send the desk's own `Origin`.",
            ))),
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

/// What every operation shares, stated once instead of in each `#[utoipa::path]`: its tag
/// (from its path), and the answers common to every operation that needs the bearer token
/// (`CommonErrors`: 401, 403, 503), to every one that addresses a record (`NotFound`: 404), has
/// query or header parameters (`ParameterErrors`: 400), a JSON body (`BodyErrors`: 400, 413,
/// 415, 422) or an `Idempotency-Key` (`IdempotencyErrors`: 409, 422).
/// Applied to the finished document, like the links.
pub fn add_conventions(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::IntoResponses;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    for (path, item) in api.paths.paths.iter_mut() {
        let tag = tag_of(path);
        for op in [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete].into_iter().flatten() {
            op.tags.get_or_insert_with(|| vec![tag.to_string()]);
            // `security(())` marks the public operations; the others inherit the bearer scheme. A
            // public operation with a body can still be refused for the body.
            if op.security.is_some() {
                if op.request_body.is_some() {
                    for (status, answer) in BodyErrors::responses() {
                        op.responses.responses.entry(status).or_insert(answer);
                    }
                }
                continue;
            }
            // Later sets win over earlier ones; what the operation states itself wins over all.
            let mut common = CommonErrors::responses();
            let parameters = op.parameters.as_deref().unwrap_or_default();
            // A malformed path segment finds no record (404); a query or header can be malformed.
            if parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in != ParameterIn::Path)) {
                common.extend(ParameterErrors::responses());
            }
            if op.request_body.is_some() {
                common.extend(BodyErrors::responses());
            }
            if parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key")) {
                common.extend(IdempotencyErrors::responses());
                if op.request_body.is_some() {
                    common.extend(IdempotentBodyErrors::responses());
                }
            }
            if path.contains('{') {
                common.extend(NotFound::responses());
            }
            for (status, answer) in common {
                op.responses.responses.entry(status).or_insert(answer);
            }
        }
    }
}

/// Each case action's transitions, read off the table in `domain::case` and appended to the
/// operation's description, so the document cannot disagree with the rules: "**Transition:**
/// first_half_issued, returned → second_half_posted (standard cases)."
pub fn add_transitions(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        let Some(op) = item.post.as_mut() else { continue };
        let Some(action) = Action::ALL.into_iter().find(|a| op.operation_id.as_deref() == Some(&operation_name(*a)))
        else {
            continue;
        };
        let text = transitions_of(action);
        let description = op.description.get_or_insert_with(String::new);
        description.push_str(&format!(" **Transition:** {text}."));
    }
}

/// The operation that carries out `action`: its handler's name.
fn operation_name(action: Action) -> String {
    action.as_str().replace('-', "_")
}

/// `opened, identity_verified → cancelled (all cases)`: one clause per set of cases that make
/// the same moves, in table order; a clause names the kinds, and the route or postal block when
/// only some cases of those kinds make it.
fn transitions_of(action: Action) -> String {
    type Moves = Vec<(Status, Status)>;
    // (moves, kinds, qualifier)
    let mut clauses: Vec<(Moves, Vec<Kind>, &str)> = Vec::new();
    for &kind in Kind::ALL {
        let moves_of = |which: &dyn Fn(&CaseFacts) -> bool| -> Moves {
            let mut moves = Vec::new();
            for &from in Status::ALL {
                for facts in CaseFacts::situations(from, kind).into_iter().filter(|f| which(f)) {
                    if let Some(to) = transition(facts, action)
                        && !moves.contains(&(from, to))
                    {
                        moves.push((from, to));
                    }
                }
            }
            moves
        };
        let photo = |f: &CaseFacts| f.route == Some(IdentityRoute::PhotoId);
        let docs = |f: &CaseFacts| f.route == Some(IdentityRoute::SecondaryDocuments);
        let post = |f: &CaseFacts| f.postal_block.is_none();
        let blocked = |f: &CaseFacts| f.postal_block.is_some();
        let every = moves_of(&|_| true);
        let variants: Vec<(Moves, &str)> = if every.is_empty() {
            vec![]
        } else if moves_of(&photo) == moves_of(&docs) && moves_of(&post) == moves_of(&blocked) {
            vec![(every, "")]
        } else if moves_of(&post) == moves_of(&blocked) {
            vec![(moves_of(&photo), ", photo ID"), (moves_of(&docs), ", secondary documents")]
        } else if moves_of(&photo) == moves_of(&docs) {
            vec![(moves_of(&post), ", no postal block"), (moves_of(&blocked), ", postal block")]
        } else {
            let both = |r: &dyn Fn(&CaseFacts) -> bool, p: &dyn Fn(&CaseFacts) -> bool| moves_of(&|f| r(f) && p(f));
            vec![
                (both(&photo, &post), ", photo ID, no postal block"),
                (both(&photo, &blocked), ", photo ID, postal block"),
                (both(&docs, &post), ", secondary documents, no postal block"),
                (both(&docs, &blocked), ", secondary documents, postal block"),
            ]
        };
        for (moves, qualifier) in variants.into_iter().filter(|v| !v.0.is_empty()) {
            match clauses.iter_mut().find(|(m, _, q)| *m == moves && *q == qualifier) {
                Some((_, kinds, _)) => kinds.push(kind),
                None => clauses.push((moves, vec![kind], qualifier)),
            }
        }
    }
    clauses
        .iter()
        .map(|(moves, kinds, qualifier)| {
            let which = if kinds.len() == Kind::ALL.len() {
                "all".to_string()
            } else {
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                    _ => names.join(""),
                }
            };
            let froms: Vec<&str> = moves.iter().map(|m| m.0.as_str()).collect();
            if moves.iter().all(|(from, to)| from == to) {
                format!("{}: the state stays ({which} cases{qualifier})", froms.join(", "))
            } else {
                format!("{} → {} ({which} cases{qualifier})", froms.join(", "), moves[0].1.as_str())
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The tag of an operation, by the first segment of its path below `/api/v1`.
fn tag_of(path: &str) -> &'static str {
    let first = path.trim_start_matches("/api/v1").trim_start_matches('/').split(['/', '.']).next().unwrap_or("");
    match first {
        "healthz" | "readyz" => "health",
        "openapi" | "settings" | "me" => "meta",
        "cases" => "cases",
        "nemids" => "nemids",
        "exemptions" => "exemptions",
        "events" => "feed",
        "webhooks" => "webhooks",
        "access-log" | "subject-access" => "privacy",
        "reports" => "reports",
        "offices" => "offices",
        "online-orders" => "online",
        _ => "other",
    }
}

/// Operations an answer links to, and whether the link passes the ETag as If-Match.
type Links = Vec<(String, bool)>;

/// OpenAPI links: how a created resource's id (and ETag) feed the operations on it, so clients
/// and stateful fuzzers (scripts/fuzz-api) can walk real journeys: open a case, check identity,
/// hand out the first half, post the second, and so on. Applied to the finished document (the
/// routes' operations exist only then).
pub fn add_links(api: &mut utoipa::openapi::OpenApi) {
    use serde_json::json;
    use utoipa::openapi::link::LinkBuilder;
    let link = |target: &str, etag: bool| {
        // The register's operations take the NemID's number: from a NemID's answer, or from a
        // case's answer that names one.
        let mut l = match target {
            "get_nemid" => LinkBuilder::new().operation_id(target).parameter("number", "$response.body#/nemid_number"),
            t if t.ends_with("_nemid") || t == "list_nemid_events" => {
                LinkBuilder::new().operation_id(target).parameter("number", "$response.body#/number")
            }
            _ => LinkBuilder::new().operation_id(target).parameter("id", "$response.body#/id"),
        };
        if etag {
            l = l.parameter("If-Match", "$response.header.ETag");
        }
        // What a desk would see in a real journey: the applicant's own health card, photo ID
        // of an accepted type that has not expired, a holder with an active NemID.
        let photo_id = json!({"type": "passport", "expires_on": "2099-12-31"});
        match target {
            "identity_check" => {
                l = l.request_body(Some(json!({
                    "health_card_cpr": "$response.body#/applicant/cpr",
                    "photo_id": photo_id,
                    "photo_matches": true,
                    "health_card_presented": true
                })));
            }
            // Unblocking checks the holder's identity: their own health card.
            "unblock_nemid" => {
                l = l.request_body(Some(json!({
                    "health_card_cpr": "$response.body#/holder/cpr",
                    "photo_id": photo_id,
                    "photo_matches": true,
                    "health_card_presented": true
                })));
            }
            // Collecting a held card: the photo ID again.
            "collect" => {
                l = l.request_body(Some(json!({"photo_id": photo_id, "photo_matches": true})));
            }
            "accompanying_holder" => {
                l = l.request_body(Some(json!({"holder": {
                    "photo_id": photo_id,
                    "nemid_card_presented": true,
                    "nemid_active_since": "2020-01-01"
                }})));
            }
            _ => {}
        }
        l.build()
    };
    // From each step of a case's lifecycle to the steps its new state allows, read off the
    // transition table (domain::case), so a walk through the links is a journey a desk could
    // make. Cancelling is possible in every open state but linked only from the start, so
    // walks go deep instead of ending early; reads are linked from the final states.
    let operation = operation_name;
    let after = |state: Status, from_start: bool| -> Links {
        if state.is_final() {
            return vec![("get_case".into(), false), ("list_case_events".into(), false)];
        }
        let mut next: Vec<Action> = Vec::new();
        for &kind in Kind::ALL {
            for facts in CaseFacts::situations(state, kind) {
                for a in allowed_actions(facts) {
                    // Correcting the postal block leaves the state as it is: not a step forward.
                    if (from_start || a != Action::Cancel) && a != Action::PostalBlock && !next.contains(&a) {
                        next.push(a);
                    }
                }
            }
        }
        next.sort_by_key(|a| Action::ALL.iter().position(|x| x == a));
        next.into_iter().map(|a| (operation(a), true)).collect()
    };
    let mut case_sources: Vec<(String, &str, Links)> = vec![("create_case".into(), "201", after(Status::Opened, true))];
    for action in Action::ALL {
        // The state an action leads to is the same for every kind it applies to.
        let to = Status::ALL
            .iter()
            .flat_map(|&s| Kind::ALL.iter().flat_map(move |&k| CaseFacts::situations(s, k)))
            .find_map(|f| transition(f, action));
        if action == Action::PostalBlock {
            continue;
        }
        if let Some(to) = to {
            case_sources.push((operation(action), "200", after(to, false)));
        }
    }
    let exemption_targets = [
        ("get_exemption", false),
        ("decide_exemption", true),
        ("revoke_exemption", true),
        ("list_exemption_events", false),
    ];
    let webhook_targets = [
        ("get_webhook", false),
        ("list_webhook_deliveries", false),
        ("rotate_webhook_secret", false),
        ("disable_webhook", false),
        ("enable_webhook", false),
        ("delete_webhook", false),
    ];
    // (source operation, its success status, the operations its answer links to)
    let owned = |targets: &[(&str, bool)]| -> Links { targets.iter().map(|(t, e)| (t.to_string(), *e)).collect() };
    // A case answer that names a NemID leads to it; a NemID's answer to what may be done to it.
    let nemid_targets =
        [("block_nemid", true), ("unblock_nemid", true), ("revoke_nemid", true), ("list_nemid_events", false)];
    let mut sources = case_sources;
    for source in
        [Action::FirstHalf, Action::IssueInFull, Action::Activation, Action::CardHandout, Action::PasswordHandout]
    {
        if let Some((_, _, targets)) = sources.iter_mut().find(|(s, _, _)| *s == operation(source)) {
            targets.push(("get_nemid".into(), false));
        }
    }
    for source in ["get_nemid", "block_nemid", "unblock_nemid", "revoke_nemid"] {
        sources.push((source.into(), "200", owned(&nemid_targets)));
    }
    sources.push(("create_exemption".into(), "201", owned(&exemption_targets)));
    sources.push(("decide_exemption".into(), "200", owned(&exemption_targets)));
    sources.push(("create_webhook".into(), "201", owned(&webhook_targets)));
    for item in api.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete].into_iter().flatten() {
            let Some(id) = op.operation_id.clone() else { continue };
            for (source, status, targets) in &sources {
                if *source != id {
                    continue;
                }
                if let Some(utoipa::openapi::RefOr::T(response)) = op.responses.responses.get_mut(*status) {
                    for (target, etag) in targets {
                        response.links.insert(target.clone(), link(target, *etag).into());
                    }
                }
            }
        }
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
    /// When several templates match, the most specific wins: `/exemptions/search` is that
    /// route's, not `/exemptions/{id}`'s with `search` for an id.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let given: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let is_param = |t: &str| t.starts_with('{') && t.ends_with('}');
        let mut found: Option<(usize, Vec<&'static str>)> = None;
        for (segments, methods) in &self.routes {
            let matches =
                segments.len() == given.len() && segments.iter().zip(&given).all(|(t, g)| is_param(t) || t == g);
            if !matches {
                continue;
            }
            let literal = segments.iter().filter(|t| !is_param(t)).count();
            match &mut found {
                Some((best, m)) if *best == literal => m.extend(methods.iter().copied()),
                Some((best, _)) if *best > literal => {}
                _ => found = Some((literal, methods.clone())),
            }
        }
        found.map(|(_, m)| m)
    }
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    description = "The OpenAPI document of this API, in YAML. No authentication.",
    responses((status = 200, description = "The document", body = String, content_type = "application/yaml")),
    security(())
)]
#[get("/openapi.yaml")]
pub async fn openapi_document(doc: web::Data<ApiDoc>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/yaml").body(doc.yaml.clone())
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
        // A literal route is not also an id of its neighbour.
        assert_eq!(doc.allowed_methods("/api/v1/exemptions/search"), Some(vec!["POST"]));
        assert_eq!(doc.allowed_methods("/api/v1/exemptions/0190f1c4-aaaa-7000-8000-000000000000"), Some(vec!["GET"]));
    }

    #[test]
    fn every_link_leads_to_an_operation_and_every_case_action_states_its_transition() {
        let api = crate::http::routes::document();
        let ops: Vec<&utoipa::openapi::path::Operation> = api
            .paths
            .paths
            .values()
            .flat_map(|i| [&i.get, &i.post, &i.patch, &i.delete].into_iter().flatten())
            .collect();
        let ids: Vec<&str> = ops.iter().filter_map(|o| o.operation_id.as_deref()).collect();
        let mut links = 0;
        for op in &ops {
            for answer in op.responses.responses.values() {
                let utoipa::openapi::RefOr::T(answer) = answer else { continue };
                for link in answer.links.values() {
                    let value = serde_json::to_value(link).unwrap();
                    let target = value["operationId"].as_str().unwrap_or_default().to_string();
                    assert!(ids.contains(&target.as_str()), "a link to `{target}`, which is no operation");
                    links += 1;
                }
            }
        }
        assert!(links > 20, "{links} links");
        // A case that names a NemID leads to it by number, and the NemID to its actions.
        let links_of = |id: &str| -> serde_json::Value {
            let op = ops.iter().find(|o| o.operation_id.as_deref() == Some(id)).unwrap();
            let utoipa::openapi::RefOr::T(ok) = &op.responses.responses["200"] else { panic!("{id}: no 200") };
            serde_json::to_value(&ok.links).unwrap()
        };
        assert_eq!(links_of("activation")["get_nemid"]["parameters"]["number"], "$response.body#/nemid_number");
        let from_nemid = links_of("get_nemid");
        assert_eq!(from_nemid["block_nemid"]["parameters"]["number"], "$response.body#/number");
        assert_eq!(from_nemid["unblock_nemid"]["requestBody"]["health_card_cpr"], "$response.body#/holder/cpr");
        for action in Action::ALL {
            let op = ops.iter().find(|o| o.operation_id.as_deref() == Some(&operation_name(action))).unwrap();
            let text = op.description.as_deref().unwrap_or_default();
            assert!(text.contains("**Transition:**"), "{action:?}: {text}");
        }
        assert_eq!(
            transitions_of(Action::SecondHalf),
            "first_half_issued, returned → second_half_posted (standard cases, photo ID, no postal block); \
             identity_verified, returned → second_half_posted (replacement_card cases, no postal block)"
        );
        assert_eq!(transitions_of(Action::Reject), "opened, identity_verified → rejected (all cases)");
        assert_eq!(
            transitions_of(Action::Activation),
            "second_half_posted, both_halves_posted → completed (standard cases); \
             second_half_posted → completed (replacement_card cases); both_halves_posted → completed (online cases)"
        );
        assert_eq!(
            transitions_of(Action::PostBoth),
            "identity_verified, returned → both_halves_posted (standard cases, secondary documents, no postal block); \
             returned → both_halves_posted (online cases)"
        );
        assert!(transitions_of(Action::PostalBlock).ends_with("the state stays (standard and replacement_card cases)"));
    }
}
