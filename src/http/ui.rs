//! The desk's browser front end: plain HTML, CSS and JavaScript modules from `ui/`, embedded in
//! the binary at compile time so that one binary serves API and pages (no build step, no
//! separate server). The front end uses only the public API. `/bestil` is the public order page.

use crate::http::context::state::AppState;
use crate::http::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// Pages may load scripts, styles and images from this origin only and talk to this origin only:
/// no inline script or style, no framing, no plugins, forms submit nowhere else.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $ct:literal),* $(,)?) => {
        &[$(Asset { path: $path, content_type: $ct, body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/", $path)) }),*]
    };
}

/// Every file of the front end. A file missing here is not served (and a listed file missing
/// on disk fails the build).
const ASSETS: &[Asset] = assets! {
    "index.html" => "text/html; charset=utf-8",
    "order.html" => "text/html; charset=utf-8",
    "js/order.js" => "text/javascript; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "js/main.js" => "text/javascript; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/i18n.js" => "text/javascript; charset=utf-8",
    "js/cpr.js" => "text/javascript; charset=utf-8",
    "js/chart.js" => "text/javascript; charset=utf-8",
    "js/forms.js" => "text/javascript; charset=utf-8",
    "js/actions.js" => "text/javascript; charset=utf-8",
    "js/evidence.js" => "text/javascript; charset=utf-8",
    "js/documents.js" => "text/javascript; charset=utf-8",
    "js/views/signin.js" => "text/javascript; charset=utf-8",
    "js/views/queue.js" => "text/javascript; charset=utf-8",
    "js/views/new_case.js" => "text/javascript; charset=utf-8",
    "js/views/case.js" => "text/javascript; charset=utf-8",
    "js/views/supervisor.js" => "text/javascript; charset=utf-8",
    "js/views/case_search.js" => "text/javascript; charset=utf-8",
    "js/views/exemptions.js" => "text/javascript; charset=utf-8",
    "js/views/offices.js" => "text/javascript; charset=utf-8",
    "js/views/nemid.js" => "text/javascript; charset=utf-8",
};

/// Routes of the front end: `/` and `/ui/...`. They are not part of the API document.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/bestil", web::get().to(order_page))
        .route("/ui/config.json", web::get().to(config))
        .route("/ui/{path:.*}", web::get().to(asset));
}

/// What the page needs before anyone has signed in: how users sign in here. `identity_provider`:
/// through `/auth/login` into a session; `development`: the development sign-in; `token`: a
/// pasted bearer token (static keys only). Nothing else is in it.
async fn config(state: web::Data<AppState>) -> HttpResponse {
    let sign_in = if state.verifier.oidc.is_some() {
        "identity_provider"
    } else if state.dev_secret.is_some() {
        "development"
    } else {
        "token"
    };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .json(serde_json::json!({ "sign_in": sign_in }))
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

/// The public order page (docs/DOMAIN.md "Online order"): no sign-in, Danish and English.
async fn order_page(req: HttpRequest) -> HttpResponse {
    serve(&req, "order.html")
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &path)
}

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(a) = ASSETS.iter().find(|a| a.path == path) else {
        return actix_web::ResponseError::error_response(&ApiError::not_found("no such file"));
    };
    let etag = format!("\"{:016x}\"", fnv1a(a.body));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    let mut res = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    res.insert_header((header::ETAG, etag))
        // Revalidated on every load: a new release is picked up at once, unchanged files cost a 304.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP));
    if fresh {
        return res.finish();
    }
    res.content_type(a.content_type).body(a.body)
}

/// A content hash for the ETag: stable for a build, changes with the file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_front_end_imports_is_embedded() {
        // Each `import … from './x.js'` must name an embedded file, or the page breaks in a browser.
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".js")) {
            let text = std::str::from_utf8(a.body).unwrap();
            let dir = a.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let spec = line.rsplit_once(" from ").map(|(_, s)| s).unwrap_or(line.trim_start_matches("import "));
                let spec = spec.trim().trim_end_matches(';').trim_matches(|c| c == '\'' || c == '"');
                let mut parts: Vec<&str> = if dir.is_empty() { vec![] } else { dir.split('/').collect() };
                for seg in spec.split('/') {
                    match seg {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                let target = parts.join("/");
                assert!(ASSETS.iter().any(|x| x.path == target), "{} imports {spec}, which is not embedded", a.path);
            }
        }
    }

    #[test]
    fn the_page_policy_allows_no_inline_script() {
        assert!(!PAGE_CSP.contains("unsafe-inline") && !PAGE_CSP.contains("unsafe-eval"));
        let index = std::str::from_utf8(ASSETS[0].body).unwrap();
        assert!(!index.contains("<script>") && !index.contains(" style=") && !index.contains("onclick"));
    }
}
