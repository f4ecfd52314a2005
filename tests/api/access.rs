//! Every endpoint, with every kind of caller: the authorization table of the README, executed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::tokens::{self, claims, hs256, now};
use crate::common::{TestApp, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoToken,
    Expired,
    Admin,
    Supervisor,
    Clerk,
    Bank,
    ClerkOfAnotherOffice,
    ClerkOfUnknownOffice,
    ClerkOfInactiveOffice,
    BankAtCitizenServiceCentre,
    ClerkAtBankBranch,
}

const CALLERS: [Caller; 11] = [
    Caller::NoToken,
    Caller::Expired,
    Caller::Admin,
    Caller::Supervisor,
    Caller::Clerk,
    Caller::Bank,
    Caller::ClerkOfAnotherOffice,
    Caller::ClerkOfUnknownOffice,
    Caller::ClerkOfInactiveOffice,
    Caller::BankAtCitizenServiceCentre,
    Caller::ClerkAtBankBranch,
];

fn token(c: Caller) -> Tok {
    match c {
        Caller::NoToken => Tok::None,
        Caller::Expired => {
            let mut cl = claims("admin", None);
            cl["exp"] = json!(now() - 300);
            Tok::Raw(hs256(&cl))
        }
        Caller::Admin => Tok::admin(),
        Caller::Supervisor => Tok::supervisor(),
        Caller::Clerk => Tok::clerk("KBH01"),
        Caller::Bank => Tok::bank("DANSKE-0417"),
        Caller::ClerkOfAnotherOffice => Tok::clerk("AAR01"),
        Caller::ClerkOfUnknownOffice => Tok::clerk("NOPE99"),
        Caller::ClerkOfInactiveOffice => Tok::clerk("OLD01"),
        Caller::BankAtCitizenServiceCentre => Tok::bank("KBH01"),
        Caller::ClerkAtBankBranch => Tok::clerk("DANSKE-0417"),
    }
}

/// What a caller gets whose token is fine but whose office binding is not: the same for every
/// `/api/v1` endpoint.
fn gate(c: Caller) -> Option<u16> {
    match c {
        Caller::NoToken | Caller::Expired => Some(401),
        Caller::ClerkOfUnknownOffice
        | Caller::ClerkOfInactiveOffice
        | Caller::BankAtCitizenServiceCentre
        | Caller::ClerkAtBankBranch => Some(403),
        _ => None,
    }
}

struct Endpoint {
    name: &'static str,
    method: Method,
    path: fn(&Fixture) -> String,
    body: fn(&Fixture, usize) -> Option<Value>,
    expect: fn(Caller) -> u16,
}

struct Fixture {
    kbh: Value,
}

fn admin_only(c: Caller, ok: u16) -> u16 {
    gate(c).unwrap_or(if c == Caller::Admin { ok } else { 403 })
}

fn anyone(c: Caller, ok: u16) -> u16 {
    gate(c).unwrap_or(ok)
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            name: "healthz",
            method: Method::GET,
            path: |_| "/healthz".into(),
            body: |_, _| None,
            expect: |_| 200,
        },
        Endpoint {
            name: "readyz",
            method: Method::GET,
            path: |_| "/readyz".into(),
            body: |_, _| None,
            expect: |_| 200,
        },
        Endpoint {
            name: "openapi",
            method: Method::GET,
            path: |_| "/openapi.yaml".into(),
            body: |_, _| None,
            expect: |_| 200,
        },
        Endpoint {
            name: "create_office",
            method: Method::POST,
            path: |_| "/api/v1/offices".into(),
            body: |_, n| {
                Some(json!({"code": format!("NEW{n}"), "name": "New office", "kind": "citizen_service_centre",
                    "address": {"street": "Torvet 1", "postal_code": "8000", "city": "Aarhus C", "country": "DK"}}))
            },
            expect: |c| admin_only(c, 201),
        },
        Endpoint {
            name: "list_offices",
            method: Method::GET,
            path: |_| "/api/v1/offices".into(),
            body: |_, _| None,
            expect: |c| anyone(c, 200),
        },
        Endpoint {
            name: "get_office",
            method: Method::GET,
            path: |f| format!("/api/v1/offices/{}", f.kbh["id"].as_str().unwrap()),
            body: |_, _| None,
            expect: |c| anyone(c, 200),
        },
        Endpoint {
            name: "update_office",
            method: Method::PATCH,
            path: |f| format!("/api/v1/offices/{}", f.kbh["id"].as_str().unwrap()),
            body: |_, n| Some(json!({"name": format!("Borgerservice København {n}")})),
            expect: |c| admin_only(c, 200),
        },
    ]
}

#[test]
fn every_endpoint_with_every_caller() {
    let app = TestApp::spawn();
    let kbh = app.office("KBH01", "citizen_service_centre");
    app.office("AAR01", "citizen_service_centre");
    app.office("DANSKE-0417", "bank_branch");
    let old = app.office("OLD01", "citizen_service_centre");
    let res = app.patch(
        &format!("/api/v1/offices/{}", old["id"].as_str().unwrap()),
        &Tok::admin(),
        &json!({"active": false}),
    );
    assert_eq!(res.status(), 200);
    let fixture = Fixture { kbh };

    let mut n = 0;
    let mut failures = Vec::new();
    for ep in endpoints() {
        for caller in CALLERS {
            n += 1;
            let mut rb = tokens::auth(app.request(ep.method.clone(), &(ep.path)(&fixture)), &token(caller));
            if let Some(b) = (ep.body)(&fixture, n) {
                rb = rb.json(&b);
            }
            let got = rb.send().unwrap().status().as_u16();
            let want = (ep.expect)(caller);
            if got != want {
                failures.push(format!("{} as {caller:?}: got {got}, want {want}", ep.name));
            }
        }
    }
    assert!(failures.is_empty(), "authorization table violated:\n{}", failures.join("\n"));
}
