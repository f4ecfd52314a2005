//! Every error status of the foundation, each as application/problem+json.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::json;

use crate::common::{TestApp, Tok, problem};

#[test]
fn unknown_route_is_404() {
    let app = TestApp::spawn();
    let body = problem(app.client.get(app.url("/api/v1/nothing-here")).send().unwrap(), 404);
    assert_eq!(body["kind"], "not_found");
    problem(app.client.get(app.url("/nothing-here")).send().unwrap(), 404);
}

#[test]
fn wrong_method_is_405_with_allow() {
    let app = TestApp::spawn();
    let res = app.request(Method::DELETE, "/healthz").send().unwrap();
    assert_eq!(res.headers().get("allow").unwrap(), "GET");
    problem(res, 405);
    let res = app.request(Method::PUT, "/api/v1/offices/0190f1c4-aaaa-7000-8000-000000000000").send().unwrap();
    assert_eq!(res.headers().get("allow").unwrap(), "GET, PATCH");
    problem(res, 405);
}

#[test]
fn malformed_json_is_400_naming_line_and_column() {
    let app = TestApp::spawn();
    let res = app
        .request(Method::POST, "/api/v1/offices")
        .bearer_auth(match Tok::admin() {
            Tok::Raw(t) => t,
            Tok::None => unreachable!(),
        })
        .header("content-type", "application/json")
        .body("{\n  \"code\": \"KBH01\",\n  \"name\": }")
        .send()
        .unwrap();
    let body = problem(res, 400);
    assert_eq!(body["kind"], "malformed_json");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("line 3 column 11"), "{detail}");
}

#[test]
fn wrong_shape_is_422_naming_the_field() {
    let app = TestApp::spawn();
    let res = app.post(
        "/api/v1/offices",
        &Tok::admin(),
        &json!({"code": "KBH01", "name": "x", "kind": "citizen_service_centre",
                "address": {"street": "a", "postal_code": 7100, "city": "c", "country": "DK"}}),
    );
    let body = problem(res, 422);
    assert_eq!(body["errors"][0]["field"], "address.postal_code");
    // A nested object given as an array (or a scalar) is the same: 422 naming it, nothing stored.
    app.office("KBH01", "citizen_service_centre");
    for address in [json!([]), json!(["Vestergade 1", "7100", "Vejle", "DK"]), json!("Vestergade 1")] {
        let res = app.post(
            "/api/v1/cases",
            &Tok::clerk("KBH01"),
            &json!({"kind": "standard", "applicant": {"cpr": "010190-1234", "name": "A", "address": address}}),
        );
        let body = problem(res, 422);
        assert_eq!(body["errors"][0]["field"], "applicant.address", "{body}");
    }
    let list: serde_json::Value = app.get("/api/v1/cases", &Tok::clerk("KBH01")).json().unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[test]
fn body_over_the_limit_is_413() {
    let app = TestApp::spawn_with(&[("REQUEST_BODY_LIMIT", "2KiB")]);
    let big = json!({"code": "KBH01", "name": "x".repeat(4096), "kind": "citizen_service_centre",
                     "address": {"street": "a", "postal_code": "7100", "city": "c", "country": "DK"}});
    let body = problem(app.post("/api/v1/offices", &Tok::admin(), &big), 413);
    assert!(body["detail"].as_str().unwrap().contains("2048"));
    // Also when the length is not declared up front (chunked).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"{\"name\":\"".to_vec()), Ok(vec![b'x'; 4096]), Ok(b"\"}".to_vec())];
    let res = app
        .request(Method::POST, "/api/v1/offices")
        .bearer_auth(match Tok::admin() {
            Tok::Raw(t) => t,
            Tok::None => unreachable!(),
        })
        .header("content-type", "application/json")
        .body(reqwest::blocking::Body::new(ChunkReader(chunks.into_iter().flatten().flatten().collect(), 0)))
        .send()
        .unwrap();
    problem(res, 413);
}

/// A reader of unknown length, so reqwest sends the body chunked.
struct ChunkReader(Vec<u8>, usize);

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(512).min(self.0.len() - self.1);
        buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
        self.1 += n;
        Ok(n)
    }
}

#[test]
fn non_json_body_is_415() {
    let app = TestApp::spawn();
    let res = app
        .request(Method::POST, "/api/v1/offices")
        .bearer_auth(match Tok::admin() {
            Tok::Raw(t) => t,
            Tok::None => unreachable!(),
        })
        .header("content-type", "text/plain")
        .body("code=KBH01")
        .send()
        .unwrap();
    problem(res, 415);
}

#[test]
fn database_unavailable_is_503_with_retry_after_not_a_hang() {
    let app = TestApp::spawn_with(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
        ("DB_CONNECT_TIMEOUT_MS", "500"),
    ]);
    // The client's own timeout (30 s) would turn a hang into a failed request.
    let res = app.get("/api/v1/offices", &Tok::admin());
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
    let body = problem(res, 503);
    assert_eq!(body["kind"], "database_unavailable");
}

#[test]
fn unexpected_failure_is_500_without_internals() {
    let app = TestApp::spawn();
    // The server's webhook worker reads offices meanwhile; a DROP … CASCADE that meets it in the
    // other lock order is chosen as the deadlock victim, and is simply tried again.
    let mut conn = app.db.conn();
    let dropped = (0..10).any(|_| {
        conn.batch_execute("DROP TABLE offices CASCADE").is_ok() || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            false
        }
    });
    assert!(dropped, "could not drop the offices table");
    let res = app.get("/api/v1/offices", &Tok::admin());
    let text_status = res.status().as_u16();
    let body = problem(res, text_status);
    assert_eq!(text_status, 500);
    let all = body.to_string();
    assert!(!all.contains("offices") && !all.contains("relation"), "internals leaked: {all}");
    assert_eq!(body["kind"], "internal_error");
}

#[test]
fn request_id_is_echoed_or_generated() {
    let app = TestApp::spawn();
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "desk-7.42_a:b").send().unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), "desk-7.42_a:b");
    // An id with characters that could forge log lines is replaced by a generated one.
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "evil id\"").send().unwrap();
    let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    assert_ne!(id, "evil id\"");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let res = app.client.get(app.url("/healthz")).send().unwrap();
    assert!(uuid::Uuid::parse_str(res.headers().get("x-request-id").unwrap().to_str().unwrap()).is_ok());
    // Errors carry it too.
    let res = app.client.get(app.url("/nope")).header("x-request-id", "r-404").send().unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), "r-404");
    // A client's own UUID is kept even with a run of digits in it (a quarter of random ones)…
    let uuid = "5f3a9c2e-8b41-4d07-9e16-204817365290";
    let res = app.client.get(app.url("/healthz")).header("x-request-id", uuid).send().unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), uuid);
    let logged = crate::common::logs::text()
        .lines()
        .any(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v["span"]["request_id"] == uuid));
    assert!(logged, "the request's log line carries the caller's UUID");
    // …while other shapes with six digits in a row, which could carry a CPR number, are replaced.
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "cpr-0101901234").send().unwrap();
    let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok() && !id.contains("0101901234"), "{id}");
}

#[test]
fn a_clients_malformed_request_is_a_warning_not_an_error() {
    use std::io::{Read, Write};
    let app = TestApp::spawn();
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut statuses = Vec::new();
    for raw in [
        &b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad\x01Header: y\r\n\r\n"[..],
        b"GET /a b c HTTP/1.1\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ] {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let mut answer = [0u8; 64];
        let n = s.read(&mut answer).unwrap_or(0);
        statuses.push(String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or("").to_string());
    }
    assert!(statuses.iter().all(|s| s.starts_with("HTTP/1.1 400")), "{statuses:?}");
    // The library's report of it reaches the log as a warning, never as an error.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut log = String::new();
    while std::time::Instant::now() < deadline {
        log = crate::common::logs::text();
        if log.contains("invalid HTTP version") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let lines: Vec<serde_json::Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(
        lines.iter().any(|v| v["level"] == "WARN" && v["target"] == "nemid_desk::http::client_error"),
        "the malformed requests are logged as warnings"
    );
    let errors: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|v| v["level"] == "ERROR" && v["target"].as_str().is_some_and(|t| t.starts_with("actix_http")))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
