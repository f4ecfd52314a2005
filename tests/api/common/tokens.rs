//! Test tokens: HS256 with the test secret, or signed by the fixture keys.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

use super::app::TEST_SECRET;

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Tok {
    None,
    Raw(String),
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Standard claims for `role` at `office`, valid for an hour.
pub fn claims(role: &str, office: Option<&str>) -> Value {
    let mut c = json!({
        "sub": format!("{role}-1"),
        "name": format!("Test {role}"),
        "role": role,
        "iss": "nemid-desk",
        "aud": "nemid-desk",
        "iat": now(),
        "exp": now() + 3600,
    });
    if let Some(o) = office {
        c["office"] = json!(o);
    }
    c
}

pub fn hs256(claims: &Value) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(TEST_SECRET.as_bytes())).unwrap()
}

impl Tok {
    pub fn of(role: &str, office: Option<&str>) -> Tok {
        Tok::Raw(hs256(&claims(role, office)))
    }
    pub fn admin() -> Tok {
        Tok::of("admin", None)
    }
    pub fn supervisor() -> Tok {
        Tok::of("supervisor", None)
    }
    pub fn clerk(office: &str) -> Tok {
        Tok::of("clerk", Some(office))
    }
    pub fn bank(office: &str) -> Tok {
        Tok::of("bank", Some(office))
    }
}

pub fn auth(rb: RequestBuilder, tok: &Tok) -> RequestBuilder {
    match tok {
        Tok::None => rb,
        Tok::Raw(t) => rb.bearer_auth(t),
    }
}
