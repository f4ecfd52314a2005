//! The test harness: a database per test, a real server per test, tokens.
#![allow(dead_code)]

pub mod app;
pub mod cases;
pub mod db;
pub mod logs;
pub mod oidc;
pub mod receiver;
pub mod tokens;

pub use app::TestApp;
pub use tokens::Tok;

use serde_json::Value;

/// Asserts a problem+json answer with `status`; returns the body.
pub fn problem(res: reqwest::blocking::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(ct.starts_with("application/problem+json"), "content-type was {ct}");
    let body: Value = res.json().expect("problem body");
    assert_eq!(body["status"], status, "problem status member");
    assert!(body["type"].as_str().unwrap().starts_with("urn:nemid-desk:problem:"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}
