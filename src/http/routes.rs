//! Every route of the service, on one screen. The same function builds the server's app, the
//! test servers' app and the OpenAPI document.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, middleware, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::http::context::body;
use crate::http::context::state::AppState;
use crate::http::error::ApiError;
use crate::http::middleware::request_context;
use crate::http::openapi::{self, ApiDoc};
use crate::http::{
    cases, dev_sign_in, exemptions, feed, health, nemids, offices, online, privacy, reports, settings, sign_in, ui,
    webhooks,
};

fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(openapi::openapi_document)
        .service(scope::scope("/api/v1").configure(api_v1));
}

fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(offices::create_office)
        .service(offices::list_offices)
        .service(offices::get_office)
        .service(offices::update_office)
        // `/cases/search` before `/cases/{id}`-shaped routes of the same method.
        .service(cases::search_cases)
        .service(cases::create_case)
        .service(cases::list_cases)
        .service(cases::get_case)
        .service(cases::list_case_events)
        .service(cases::case_document)
        .service(cases::identity_check)
        .service(cases::first_half)
        .service(cases::second_half)
        .service(cases::returned)
        .service(cases::activation)
        .service(cases::accompanying_holder)
        .service(cases::issue_in_full)
        .service(cases::card_handout)
        .service(cases::password_handout)
        .service(cases::post_both)
        .service(cases::hold_for_collection)
        .service(cases::collect)
        .service(cases::postal_block)
        .service(cases::reject)
        .service(cases::cancel)
        .service(exemptions::search_exemptions)
        .service(exemptions::create_exemption)
        .service(exemptions::get_exemption)
        .service(exemptions::decide_exemption)
        .service(exemptions::revoke_exemption)
        .service(exemptions::list_exemption_events)
        .service(exemptions::exemption_document)
        // `/nemids/search` before `/nemids/{number}`-shaped routes of the same method.
        .service(nemids::search_nemids)
        .service(nemids::get_nemid)
        .service(nemids::list_nemid_events)
        .service(nemids::block_nemid)
        .service(nemids::unblock_nemid)
        .service(nemids::revoke_nemid)
        .service(feed::change_feed)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::disable_webhook)
        .service(webhooks::enable_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(webhooks::redeliver_webhook_delivery)
        .service(online::order_online)
        .service(privacy::search_access_log)
        .service(privacy::subject_access)
        .service(reports::status_report)
        .service(reports::overdue_report)
        .service(reports::refusals_report)
        .service(reports::online_orders_report)
        .service(reports::throughput_report)
        .service(reports::durations_report)
        .service(settings::get_settings)
        .service(sign_in::me);
}

/// The OpenAPI document of exactly the routes `app` serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut api =
        App::new().into_utoipa_app().openapi(openapi::BaseDoc::openapi()).configure(routes).split_for_parts().1;
    openapi::add_conventions(&mut api);
    openapi::add_transitions(&mut api);
    openapi::add_links(&mut api);
    api
}

/// The application: routes, shared state, request context, and problem answers for the rest.
pub fn app(
    state: web::Data<AppState>,
    doc: web::Data<ApiDoc>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let origins = state.config.http.cors_allowed_origins.clone();
    let dev_sign_in = state.dev_secret.is_some();
    let oidc_sign_in = state.verifier.oidc.is_some();
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi(openapi::BaseDoc::openapi())
        .app_data(state)
        .app_data(doc)
        // A path segment that is no id: no such record; unless the path is another route's, for
        // other methods (GET /exemptions/search reaches GET /exemptions/{id}): then 405 + Allow.
        .app_data(web::PathConfig::default().error_handler(|_, req| {
            let methods = req.app_data::<web::Data<ApiDoc>>().and_then(|d| d.allowed_methods(req.path()));
            match methods {
                Some(m) if !m.contains(&req.method().as_str()) => ApiError::method_not_allowed(&m).into(),
                _ => ApiError::not_found("no such resource").into(),
            }
        }))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            let msg = e.to_string();
            let msg = msg.strip_prefix("Query deserialize error: ").unwrap_or(&msg);
            // Redacted like body errors: a wrongly placed CPR number must not be echoed.
            ApiError::bad_parameter("query", body::strip_position(msg)).into()
        }))
        .configure(routes)
        .default_service(web::to(fallback))
        .split_for_parts();
    // The front end and both sign-ins (the identity provider's, the development one) are
    // outside the API document.
    let app = app.configure(ui::configure).configure(|cfg| {
        if dev_sign_in {
            dev_sign_in::configure(cfg)
        }
        if oidc_sign_in {
            sign_in::configure(cfg)
        }
    });
    app.wrap(middleware::from_fn(request_context))
        .wrap(middleware::Condition::new(!origins.is_empty(), cors(&origins)))
        .wrap(security_headers())
}

/// Headers every answer carries unless it sets its own: no MIME sniffing, no referrer, a policy
/// that lets a JSON answer load nothing and be framed nowhere (pages of a front end set their
/// own), and `Cache-Control: no-store`, so no browser or proxy cache keeps an answer with
/// personal data (OWASP REST security; the desk's static files set `no-cache` with an ETag).
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
        .add(("Cache-Control", "no-store"))
}

/// CORS for the configured origins only (none by default, and then no CORS headers at all, so
/// browsers keep other origins out). Requests from other origins are not blocked by the server;
/// they simply get no permission to read the answer.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut c = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("idempotency-replayed"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(600)
        .block_on_origin_mismatch(false);
    for o in origins {
        c = c.allowed_origin(o);
    }
    c
}

/// No route matched: 405 with `Allow` when the path exists for other methods, else 404.
async fn fallback(req: HttpRequest, doc: web::Data<ApiDoc>) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match doc.allowed_methods(req.path()) {
        Some(methods) => ApiError::method_not_allowed(&methods),
        None => ApiError::not_found("no such resource"),
    })
}
