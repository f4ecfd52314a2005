//! The document and the routes agree: the committed file is what the code generates, every
//! documented operation is routed, and every route is documented.

use nemid_desk::http::openapi::ApiDoc;
use nemid_desk::http::routes;
use reqwest::Method;

use crate::common::TestApp;

fn generated() -> String {
    ApiDoc::new(&routes::document()).yaml
}

#[test]
fn committed_document_is_the_generated_one() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    assert!(committed == generated(), "openapi.yaml is stale: run `cargo run -- openapi > openapi.yaml` and commit it");
    assert!(committed.starts_with("openapi: 3.1"), "OpenAPI 3.1");
}

#[test]
fn the_served_document_is_the_generated_one() {
    let app = TestApp::spawn();
    let res = app.client.get(app.url("/openapi.yaml")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().unwrap(), generated());
}

#[test]
fn every_documented_operation_is_routed() {
    let app = TestApp::spawn();
    let doc = routes::document();
    let mut ops = 0;
    for (path, item) in &doc.paths.paths {
        let concrete = path.replace("{id}", "0190f1c4-aaaa-7000-8000-000000000000");
        for (method, op) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            if op.is_none() {
                continue;
            }
            ops += 1;
            let res = app.request(method.clone(), &concrete).send().unwrap();
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().unwrap_or_default();
            let unrouted =
                body["kind"] == "method_not_allowed" || (status == 404 && body["detail"] == "no such resource");
            assert!(!unrouted, "{method} {path} is documented but not routed ({status})");
            // A public operation without a body is refused for the body; the rest want a token.
            let public = op
                .as_ref()
                .and_then(|o| o.security.as_ref())
                .is_some_and(|s| s.iter().any(|r| serde_json::to_value(r).unwrap() == serde_json::json!({})));
            let fine = status == 200 || status == 401 || (public && method == Method::POST && status == 415);
            assert!(fine, "{method} {path} without a token gave {status}");
        }
    }
    assert!(ops >= 7, "only {ops} operations documented");
}

/// Route modules that are not part of the API: the desk's pages and the development sign-in.
const OUTSIDE_THE_API: [&str; 3] = ["src/http/ui.rs", "src/http/dev_sign_in.rs", "src/http/sign_in/flow.rs"];

/// Routes are registered only through `service(handler)` with a method macro, which is what
/// utoipa-actix-web collects; so each method macro must be one documented operation.
#[test]
fn every_route_is_documented() {
    fn rs_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                rs_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    rs_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut macros = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // The front end's files and both sign-ins' browser routes are deliberately outside the
        // API document; they may register plain routes, but never under /api.
        if OUTSIDE_THE_API.iter().any(|x| f.ends_with(x)) {
            assert!(!text.contains("\"/api"), "{} registers an /api route outside the document", f.display());
            continue;
        }
        for needle in ["#[get(", "#[post(", "#[put(", "#[patch(", "#[delete(", "#[route("] {
            macros += text.matches(needle).count();
        }
        for forbidden in [".route(", "web::resource(", ".to(handler"] {
            assert!(
                !text.contains(forbidden),
                "{} registers a route with `{forbidden}`, which the document cannot see",
                f.display()
            );
        }
        let paths = text.matches("#[utoipa::path(").count();
        let routes = ["#[get(", "#[post(", "#[put(", "#[patch(", "#[delete("]
            .iter()
            .map(|n| text.matches(n).count())
            .sum::<usize>();
        assert_eq!(paths, routes, "{}: each route macro needs its #[utoipa::path]", f.display());
    }
    let doc = routes::document();
    let documented: usize = doc
        .paths
        .paths
        .values()
        .map(|i| [&i.get, &i.post, &i.put, &i.patch, &i.delete].iter().filter(|o| o.is_some()).count())
        .sum();
    assert_eq!(macros, documented, "route macros in src/ vs operations in the document");
}

/// Every `$ref` of the document names a schema the document has (a type used only as a path
/// parameter is not collected by the derive: the fuzzer could not load the document once).
#[test]
fn every_reference_resolves() {
    let doc = generated();
    let defined: Vec<&str> = doc
        .split("\n  schemas:\n")
        .nth(1)
        .expect("components.schemas")
        .lines()
        .filter_map(|l| l.strip_prefix("    ").filter(|r| !r.starts_with(' ')).and_then(|r| r.strip_suffix(':')))
        .collect();
    assert!(defined.len() > 20, "{} schemas", defined.len());
    let mut missing = Vec::new();
    for part in doc.split("$ref: '#/components/schemas/").skip(1) {
        let name = part.split('\'').next().unwrap_or_default();
        if !defined.contains(&name) && !missing.contains(&name) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "references to schemas the document does not have: {missing:?}");
}
