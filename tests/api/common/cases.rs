//! Helpers for driving cases through the API.

use reqwest::blocking::Response;
use serde_json::{Value, json};

use super::app::TestApp;
use super::tokens::{self, Tok};

pub fn applicant(cpr: &str) -> Value {
    json!({"cpr": cpr, "name": "Anna Andersen",
           "address": {"street": "Vestergade 1", "postal_code": "7100", "city": "Vejle", "country": "DK"}})
}

pub fn photo_id() -> Value {
    json!({"type": "passport", "number": "P1234567", "expires_on": "2099-12-31", "issuing_country": "DK"})
}

pub fn identity(cpr: &str) -> Value {
    json!({"photo_id": photo_id(), "photo_matches": true, "health_card_presented": true, "health_card_cpr": cpr})
}

pub fn holder(cpr: &str, active_since: Option<&str>) -> Value {
    let mut h = json!({"cpr": cpr, "name": "Helle Holder", "photo_id": photo_id(), "nemid_card_presented": true});
    if let Some(d) = active_since {
        h["nemid_active_since"] = json!(d);
    }
    json!({"holder": h})
}

pub fn reason() -> Value {
    json!({"reason": "Requested by the applicant"})
}

/// The secondary-documents route of the identity check: a birth certificate and the health card.
pub fn documents(cpr: &str) -> Value {
    json!({"route": "secondary_documents", "documents": [
        {"type": "birth_certificate", "shows_cpr": false},
        {"type": "health_card", "shows_cpr": true, "cpr": cpr}]})
}

/// A refusal decision's body.
pub fn refusal(reasons: &[&str]) -> Value {
    json!({"reasons": reasons, "explanation": "The applicant could not document their identity"})
}

/// The collection of a held card: photo ID again.
pub fn collection() -> Value {
    json!({"photo_id": photo_id(), "photo_matches": true})
}

/// A valid body for `action`, as far as its shape goes.
pub fn body_for(action: &str, cpr: &str) -> Value {
    match action {
        "identity-check" => identity(cpr),
        // A holder per applicant (same day and number, born 1980), so no holder reaches 3 in 120 days.
        "accompanying-holder" => holder(&format!("{}80-{}", &cpr[..4], &cpr[7..]), Some("2020-01-01")),
        "returned" | "cancel" => reason(),
        "reject" => refusal(&["identity_not_established"]),
        "collect" => collection(),
        "postal-block" => json!({"postal_block": "no_usable_address", "reason": "Letters come back"}),
        _ => json!({}),
    }
}

/// `step`'s body; `identity-check-docs` is the identity check by secondary documents.
pub fn step_of<'a>(step: &'a str, cpr: &str) -> (&'a str, Value) {
    match step {
        "identity-check-docs" => ("identity-check", documents(cpr)),
        s => (s, body_for(s, cpr)),
    }
}

pub const ACTIONS: [&str; 15] = [
    "identity-check",
    "first-half",
    "second-half",
    "returned",
    "activation",
    "accompanying-holder",
    "issue-in-full",
    "card-handout",
    "password-handout",
    "post-both",
    "hold-for-collection",
    "collect",
    "postal-block",
    "reject",
    "cancel",
];

/// The transition table's facts of a case as the API shows it.
pub fn facts_of(case: &Value) -> nemid_desk::domain::case::CaseFacts {
    use nemid_desk::domain::case::{CaseFacts, IdentityRoute, Kind, PostalBlock, Status};
    CaseFacts {
        status: Status::parse(case["status"].as_str().unwrap()).unwrap(),
        kind: Kind::parse(case["kind"].as_str().unwrap()).unwrap(),
        route: case["identity_route"].as_str().map(|r| IdentityRoute::parse(r).unwrap()),
        postal_block: case["postal_block"].as_str().map(|p| PostalBlock::parse(p).unwrap()),
    }
}

impl TestApp {
    /// Opens a case as `tok`; panics unless 201.
    pub fn open_case(&self, tok: &Tok, cpr: &str, kind: &str) -> Value {
        let mut body = json!({"kind": kind, "applicant": applicant(cpr)});
        if let Tok::Raw(t) = tok
            && is_bank(t)
        {
            body["online_banking_agreement"] = json!(true);
        }
        let res = self.post("/api/v1/cases", tok, &body);
        assert_eq!(res.status(), 201, "open case: {}", res.text().unwrap_or_default());
        res.json().unwrap()
    }

    /// `POST /cases/{id}/{action}` with If-Match.
    pub fn act(&self, tok: &Tok, case: &Value, action: &str, body: &Value) -> Response {
        let id = case["id"].as_str().unwrap();
        let version = case["version"].as_i64().unwrap();
        tokens::auth(self.client.post(self.url(&format!("/api/v1/cases/{id}/{action}"))), tok)
            .header("if-match", format!("\"{version}\""))
            .json(body)
            .send()
            .unwrap()
    }

    /// Acts and expects 200; returns the new case.
    pub fn step(&self, tok: &Tok, case: &Value, action: &str, body: &Value) -> Value {
        let res = self.act(tok, case, action, body);
        let status = res.status();
        let text = res.text().unwrap();
        assert_eq!(status, 200, "{action}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Tries `action` on `case`: 200 when the transition table allows it for the case as it
    /// stands (state, kind, identity route, postal block); otherwise 409 with the refusal's kind
    /// (`domain::case::refusal`, or `action_not_allowed`) and the allowed actions, and nothing
    /// changed.
    pub fn try_action(&self, tok: &Tok, case: &Value, action: &str, body: &Value) {
        use nemid_desk::domain::case::{Action, allowed_actions, refusal};
        let facts = facts_of(case);
        let action_v = *Action::ALL.iter().find(|a| a.as_str() == action).expect("an action");
        let allowed: Vec<&str> = allowed_actions(facts).iter().map(|a| a.as_str()).collect();
        let before = self.events(tok, case).len();
        let res = self.act(tok, case, action, body);
        let what = format!("{action} on {facts:?}");
        if allowed.contains(&action) {
            let status = res.status();
            assert_eq!(status, 200, "{what}: {}", res.text().unwrap_or_default());
            return;
        }
        assert_eq!(res.status(), 409, "{what}");
        let p: Value = res.json().unwrap();
        let kind = refusal(facts, action_v).map(|r| r.0).unwrap_or("action_not_allowed");
        assert_eq!(p["kind"], kind, "{what}");
        assert_eq!(p["allowed_actions"], json!(allowed), "{what}");
        let after = self.case(tok, case);
        assert_eq!(after["version"], case["version"], "version changed by a refused {what}");
        assert_eq!(after["status"], case["status"]);
        assert_eq!(self.events(tok, case).len(), before);
    }

    pub fn events(&self, tok: &Tok, case: &Value) -> Vec<Value> {
        let res = self.get(&format!("/api/v1/cases/{}/events", case["id"].as_str().unwrap()), tok);
        assert_eq!(res.status(), 200);
        res.json::<Value>().unwrap()["items"].as_array().unwrap().clone()
    }

    /// A standard case taken to completion: its NemID is active. Returns the NemID's number.
    pub fn active_nemid(&self, tok: &Tok, cpr: &str) -> String {
        let case = self.open_case(tok, cpr, "standard");
        let case = self.step(tok, &case, "identity-check", &identity(cpr));
        let case = self.step(tok, &case, "first-half", &json!({}));
        let case = self.step(tok, &case, "second-half", &json!({}));
        let case = self.step(tok, &case, "activation", &json!({}));
        case["nemid_number"].as_str().expect("a NemID number").to_string()
    }

    /// `GET /nemids/{number}`; panics unless 200.
    pub fn nemid(&self, tok: &Tok, number: &str) -> Value {
        let res = self.get(&format!("/api/v1/nemids/{number}"), tok);
        assert_eq!(res.status(), 200, "GET nemid {number}");
        res.json().unwrap()
    }

    /// `POST /nemids/{number}/{action}` with If-Match `version`.
    pub fn nemid_act(&self, tok: &Tok, number: &str, version: i64, action: &str, body: &Value) -> Response {
        tokens::auth(self.client.post(self.url(&format!("/api/v1/nemids/{number}/{action}"))), tok)
            .header("if-match", format!("\"{version}\""))
            .json(body)
            .send()
            .unwrap()
    }

    pub fn case(&self, tok: &Tok, case: &Value) -> Value {
        let res = self.get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()), tok);
        assert_eq!(res.status(), 200);
        res.json().unwrap()
    }
}

fn is_bank(token: &str) -> bool {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap_or("");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap_or_default();
    serde_json::from_slice::<Value>(&bytes).map(|c| c["role"] == "bank").unwrap_or(false)
}
