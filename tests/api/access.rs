//! Every endpoint, with every kind of caller: the authorization table of docs/API.md, executed.

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

struct Fixture<'a> {
    app: &'a TestApp,
    kbh: Value,
    /// A case of KBH01, opened by its clerk.
    case: Value,
    /// An exemption request registered at KBH01.
    exemption: Value,
    /// A webhook of KBH01, and one delivery of it.
    webhook: Value,
    delivery: String,
    /// An active NemID issued at KBH01.
    nemid: String,
}

impl Fixture<'_> {
    /// A fresh case of KBH01, for actions that change it.
    fn fresh_case(&self) -> Value {
        let n = FRESH.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.app.open_case(&Tok::clerk("KBH01"), &format!("{:02}0280-{:04}", n % 28 + 1, n), "standard")
    }
}

/// A NemID made by a completed first issuance is at this version (create, card posted, activate).
const ACTIVE_NEMID_VERSION: i64 = 3;

impl Fixture<'_> {
    /// A fresh active NemID issued at KBH01, for actions that change it; and its holder's CPR.
    fn fresh_nemid(&self) -> (String, String) {
        let n = FRESH.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let cpr = format!("{:02}0370-{:04}", n % 28 + 1, n);
        (self.app.active_nemid(&Tok::clerk("KBH01"), &cpr), cpr)
    }

    /// A fresh blocked NemID (one version further), and its holder's CPR.
    fn fresh_blocked_nemid(&self) -> (String, String) {
        let (number, cpr) = self.fresh_nemid();
        let res = self.app.nemid_act(
            &Tok::supervisor(),
            &number,
            ACTIVE_NEMID_VERSION,
            "block",
            &json!({"reason": "holder_request"}),
        );
        assert_eq!(res.status(), 200);
        (number, cpr)
    }
}

thread_local! {
    /// The holder of the NemID the current `path` made, for the body that goes with it.
    static HOLDER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Register readers: clerks and bank staff (any office's NemID: the person in front of them) and
/// supervisors; administrators 403.
fn nemid_reader(c: Caller, ok: u16) -> u16 {
    gate(c).unwrap_or(if c == Caller::Admin { 403 } else { ok })
}

impl Fixture<'_> {
    /// A fresh exemption request of KBH01, pending, for deciding.
    fn fresh_exemption(&self) -> Value {
        let n = FRESH.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let body = json!({"citizen": {"cpr": format!("{:02}0545-{:04}", n % 28 + 1, n), "name": "Else"},
                          "reason": "language", "declaration": "in_person"});
        let res = self.app.post("/api/v1/exemptions", &Tok::clerk("KBH01"), &body);
        assert_eq!(res.status(), 201);
        res.json().unwrap()
    }
}

/// A case action that a fresh case (opened) does not allow: who may act gets 409.
fn not_yet(c: Caller) -> u16 {
    match case_worker(c) {
        200 => 409,
        other => other,
    }
}

/// Exemption readers: the clerk of its office and supervisors; another office's clerk 404.
fn exemption_reader(c: Caller, ok: u16) -> u16 {
    gate(c).unwrap_or(match c {
        Caller::Clerk | Caller::Supervisor => ok,
        Caller::ClerkOfAnotherOffice => 404,
        _ => 403,
    })
}

impl Fixture<'_> {
    /// A fresh webhook of KBH01, for deleting.
    fn fresh_webhook(&self) -> Value {
        let res = self.app.post("/api/v1/webhooks", &Tok::clerk("KBH01"), &json!({"url": DEAD_RECEIVER}));
        assert_eq!(res.status(), 201);
        res.json().unwrap()
    }

    fn webhook_path(&self, suffix: &str) -> String {
        format!("/api/v1/webhooks/{}{suffix}", self.webhook["id"].as_str().unwrap())
    }
}

/// Nothing listens there: deliveries fail and are retried, which these tests do not look at.
const DEAD_RECEIVER: &str = "http://127.0.0.1:9/hooks";

/// Webhooks: clerks and bank users of the webhook's office, supervisors all; other offices get
/// 404 as for one that does not exist; administrators 403.
fn webhook_manager(c: Caller, ok: u16) -> u16 {
    gate(c).unwrap_or(match c {
        Caller::Admin => 403,
        Caller::Clerk | Caller::Supervisor => ok,
        _ => 404,
    })
}

static FRESH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

fn case_path(f: &Fixture, suffix: &str) -> String {
    format!("/api/v1/cases/{}{suffix}", f.case["id"].as_str().unwrap())
}

/// Case endpoints: clerks and bank users of the case's office, supervisors everywhere; other
/// offices get 404 as for a case that does not exist; administrators 403.
fn case_reader(c: Caller) -> u16 {
    gate(c).unwrap_or(match c {
        Caller::Admin => 403,
        Caller::Clerk | Caller::Supervisor => 200,
        _ => 404,
    })
}

/// Actions other than cancel: only the case's own office's clerks and bank users.
fn case_worker(c: Caller) -> u16 {
    gate(c).unwrap_or(match c {
        Caller::Admin | Caller::Supervisor => 403,
        Caller::Clerk => 200,
        _ => 404,
    })
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
            name: "get_settings",
            method: Method::GET,
            path: |_| "/api/v1/settings".into(),
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
        Endpoint {
            name: "create_case",
            method: Method::POST,
            path: |_| "/api/v1/cases".into(),
            body: |_, n| {
                Some(json!({"kind": "standard", "online_banking_agreement": null,
                    "applicant": {"cpr": format!("{:02}0390-{:04}", n % 28 + 1, n), "name": "A",
                        "address": {"street": "Torvet 1", "postal_code": "8000", "city": "Aarhus C", "country": "DK"}}}))
            },
            expect: |c| {
                gate(c).unwrap_or(match c {
                    Caller::Clerk | Caller::ClerkOfAnotherOffice => 201,
                    // A bank must state the online banking agreement; this body does not.
                    Caller::Bank => 422,
                    _ => 403,
                })
            },
        },
        Endpoint {
            name: "search_cases",
            method: Method::POST,
            path: |_| "/api/v1/cases/search".into(),
            body: |_, _| Some(json!({})),
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "list_cases",
            method: Method::GET,
            path: |_| "/api/v1/cases".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "get_case",
            method: Method::GET,
            path: |f| case_path(f, ""),
            body: |_, _| None,
            expect: case_reader,
        },
        Endpoint {
            name: "list_case_events",
            method: Method::GET,
            path: |f| case_path(f, "/events"),
            body: |_, _| None,
            expect: case_reader,
        },
        Endpoint {
            name: "identity_check",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/identity-check", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| {
                Some(
                    json!({"photo_id": {"type": "passport", "number": "P1", "expires_on": "2099-01-01", "issuing_country": "DK"},
                "photo_matches": true, "health_card_presented": true, "health_card_cpr": "0000000000"}),
                )
            },
            // The health card CPR is no CPR number: whoever may act on cases at all hears so (the
            // body is judged before the case is looked up, so another office's clerk too, as for
            // an id that does not exist).
            expect: |c| match case_worker(c) {
                200 | 404 => 422,
                other => other,
            },
        },
        Endpoint {
            name: "cancel",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/cancel", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"reason": "Test"})),
            expect: |c| {
                gate(c).unwrap_or(match c {
                    Caller::Admin => 403,
                    Caller::Clerk | Caller::Supervisor => 200,
                    _ => 404,
                })
            },
        },
        Endpoint {
            name: "first_half",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/first-half", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "second_half",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/second-half", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "returned",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/returned", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"reason": "Addressee unknown"})),
            expect: not_yet,
        },
        Endpoint {
            name: "activation",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/activation", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "accompanying_holder",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/accompanying-holder", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(crate::common::cases::holder("121285-1234", Some("2020-01-01"))),
            expect: not_yet,
        },
        Endpoint {
            name: "issue_in_full",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/issue-in-full", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "card_handout",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/card-handout", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "password_handout",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/password-handout", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "post_both",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/post-both", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "hold_for_collection",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/hold-for-collection", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({})),
            expect: not_yet,
        },
        Endpoint {
            name: "collect",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/collect", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(crate::common::cases::collection()),
            expect: not_yet,
        },
        Endpoint {
            name: "postal_block",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/postal-block", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"postal_block": "name_address_protection", "reason": "Seen in the CPR register"})),
            expect: case_worker,
        },
        Endpoint {
            name: "reject",
            method: Method::POST,
            path: |f| format!("/api/v1/cases/{}/reject", f.fresh_case()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"reasons": ["identity_not_established"]})),
            expect: case_worker,
        },
        Endpoint {
            name: "refusals_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/refusals?from=2026-01-01&to=2026-01-31".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "case_document",
            method: Method::GET,
            path: |f| {
                let case = f.fresh_case();
                let case = f.app.step(&Tok::clerk("KBH01"), &case, "reject", &json!({"reasons": ["under_age"]}));
                format!("/api/v1/cases/{}/documents/refusal", case["id"].as_str().unwrap())
            },
            body: |_, _| None,
            expect: case_reader,
        },
        Endpoint {
            name: "online_orders_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/online-orders?from=2026-01-01&to=2026-01-31".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Supervisor { 200 } else { 403 }),
        },
        // Public: any token, none or a bad one, is the same order.
        Endpoint {
            name: "order_online",
            method: Method::POST,
            path: |_| "/api/v1/online-orders".into(),
            body: |_, n| {
                Some(
                    json!({"cpr": format!("{:02}0385-{:04}", n % 28 + 1, n), "document": {"type": "passport", "number": "AB1234567"}}),
                )
            },
            expect: |_| 202,
        },
        Endpoint {
            name: "throughput_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/throughput?from=2026-01-01&to=2026-01-31".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "durations_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/durations?from=2026-01-01&to=2026-01-31".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "decide_exemption",
            method: Method::POST,
            path: |f| format!("/api/v1/exemptions/{}/decision", f.fresh_exemption()["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"outcome": "granted"})),
            expect: |c| gate(c).unwrap_or(if c == Caller::Supervisor { 200 } else { 403 }),
        },
        Endpoint {
            name: "exemption_document",
            method: Method::GET,
            path: |f| {
                let ex = f.fresh_exemption();
                let id = ex["id"].as_str().unwrap().to_string();
                let res = tokens::auth(
                    f.app.request(Method::POST, &format!("/api/v1/exemptions/{id}/decision")),
                    &Tok::supervisor(),
                )
                .header("if-match", "\"1\"")
                .json(&json!({"outcome": "granted"}))
                .send()
                .unwrap();
                assert_eq!(res.status(), 200);
                format!("/api/v1/exemptions/{id}/documents/decision")
            },
            body: |_, _| None,
            expect: |c| exemption_reader(c, 200),
        },
        Endpoint {
            name: "revoke_exemption",
            method: Method::POST,
            path: |f| format!("/api/v1/exemptions/{}/revoke", f.exemption["id"].as_str().unwrap()),
            body: |_, _| Some(json!({"reason": "Enrolled in Digital Post"})),
            // The fixture's request is pending: whoever may revoke hears that it cannot be yet.
            expect: |c| exemption_reader(c, 409),
        },
        Endpoint {
            name: "list_exemption_events",
            method: Method::GET,
            path: |f| format!("/api/v1/exemptions/{}/events", f.exemption["id"].as_str().unwrap()),
            body: |_, _| None,
            expect: |c| exemption_reader(c, 200),
        },
        Endpoint {
            name: "status_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/status".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "overdue_report",
            method: Method::GET,
            path: |_| "/api/v1/reports/overdue".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "create_exemption",
            method: Method::POST,
            path: |_| "/api/v1/exemptions".into(),
            body: |_, n| {
                Some(json!({"citizen": {"cpr": format!("{:02}0460-{:04}", n % 28 + 1, n), "name": "A"},
                    "reason": "language", "declaration": "in_person"}))
            },
            expect: |c| {
                gate(c).unwrap_or(match c {
                    Caller::Clerk | Caller::ClerkOfAnotherOffice => 201,
                    _ => 403,
                })
            },
        },
        Endpoint {
            name: "get_exemption",
            method: Method::GET,
            path: |f| format!("/api/v1/exemptions/{}", f.exemption["id"].as_str().unwrap()),
            body: |_, _| None,
            expect: |c| {
                gate(c).unwrap_or(match c {
                    Caller::Clerk | Caller::Supervisor => 200,
                    Caller::ClerkOfAnotherOffice => 404,
                    _ => 403,
                })
            },
        },
        Endpoint {
            name: "change_feed",
            method: Method::GET,
            path: |_| "/api/v1/events".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "create_webhook",
            method: Method::POST,
            path: |_| "/api/v1/webhooks".into(),
            body: |_, _| Some(json!({"url": DEAD_RECEIVER})),
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 201 }),
        },
        Endpoint {
            name: "list_webhooks",
            method: Method::GET,
            path: |_| "/api/v1/webhooks".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(if c == Caller::Admin { 403 } else { 200 }),
        },
        Endpoint {
            name: "get_webhook",
            method: Method::GET,
            path: |f| f.webhook_path(""),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 200),
        },
        Endpoint {
            name: "list_webhook_deliveries",
            method: Method::GET,
            path: |f| f.webhook_path("/deliveries"),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 200),
        },
        Endpoint {
            name: "redeliver_webhook_delivery",
            method: Method::POST,
            path: |f| f.webhook_path(&format!("/deliveries/{}/redeliver", f.delivery)),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 202),
        },
        Endpoint {
            name: "rotate_webhook_secret",
            method: Method::POST,
            path: |f| f.webhook_path("/rotate-secret"),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 200),
        },
        Endpoint {
            name: "disable_webhook",
            method: Method::POST,
            path: |f| f.webhook_path("/disable"),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 200),
        },
        Endpoint {
            name: "enable_webhook",
            method: Method::POST,
            path: |f| f.webhook_path("/enable"),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 200),
        },
        Endpoint {
            name: "delete_webhook",
            method: Method::DELETE,
            path: |f| format!("/api/v1/webhooks/{}", f.fresh_webhook()["id"].as_str().unwrap()),
            body: |_, _| None,
            expect: |c| webhook_manager(c, 204),
        },
        Endpoint {
            name: "search_access_log",
            method: Method::POST,
            path: |_| "/api/v1/access-log/search".into(),
            body: |_, _| Some(json!({})),
            expect: |c| gate(c).unwrap_or(if c == Caller::Supervisor { 200 } else { 403 }),
        },
        Endpoint {
            name: "subject_access",
            method: Method::POST,
            path: |_| "/api/v1/subject-access".into(),
            body: |_, _| Some(json!({"cpr": "010150-1234"})),
            expect: |c| gate(c).unwrap_or(if c == Caller::Supervisor { 200 } else { 403 }),
        },
        Endpoint {
            name: "get_nemid",
            method: Method::GET,
            path: |f| format!("/api/v1/nemids/{}", f.nemid),
            body: |_, _| None,
            expect: |c| nemid_reader(c, 200),
        },
        Endpoint {
            name: "list_nemid_events",
            method: Method::GET,
            path: |f| format!("/api/v1/nemids/{}/events", f.nemid),
            body: |_, _| None,
            expect: |c| nemid_reader(c, 200),
        },
        Endpoint {
            name: "search_nemids",
            method: Method::POST,
            path: |_| "/api/v1/nemids/search".into(),
            body: |_, _| Some(json!({"cpr": "010190-1234"})),
            expect: |c| nemid_reader(c, 200),
        },
        Endpoint {
            name: "block_nemid",
            method: Method::POST,
            path: |f| format!("/api/v1/nemids/{}/block", f.fresh_nemid().0),
            body: |_, _| Some(json!({"reason": "holder_request"})),
            expect: |c| nemid_reader(c, 200),
        },
        Endpoint {
            name: "revoke_nemid",
            method: Method::POST,
            path: |f| format!("/api/v1/nemids/{}/revoke", f.fresh_nemid().0),
            body: |_, _| Some(json!({"reason": "Holder request"})),
            expect: |c| nemid_reader(c, 200),
        },
        Endpoint {
            name: "unblock_nemid",
            method: Method::POST,
            path: |f| {
                let (number, cpr) = f.fresh_blocked_nemid();
                HOLDER.with(|h| *h.borrow_mut() = cpr);
                format!("/api/v1/nemids/{number}/unblock")
            },
            body: |_, _| Some(crate::common::cases::identity(&HOLDER.with(|h| h.borrow().clone()))),
            expect: |c| match nemid_reader(c, 200) {
                200 if c == Caller::Supervisor => 403,
                other => other,
            },
        },
        Endpoint {
            name: "me",
            method: Method::GET,
            path: |_| "/api/v1/me".into(),
            body: |_, _| None,
            expect: |c| gate(c).unwrap_or(200),
        },
        Endpoint {
            name: "search_exemptions",
            method: Method::POST,
            path: |_| "/api/v1/exemptions/search".into(),
            body: |_, _| Some(json!({})),
            expect: |c| {
                gate(c).unwrap_or(match c {
                    Caller::Clerk | Caller::Supervisor | Caller::ClerkOfAnotherOffice => 200,
                    _ => 403,
                })
            },
        },
    ]
}

#[test]
fn every_endpoint_with_every_caller() {
    // The public order's abuse limits are not what this table is about.
    let app = TestApp::spawn_with(&[("ONLINE_LIMIT_CLIENT_PER_HOUR", "1000"), ("ONLINE_LIMIT_CLIENT_PER_DAY", "1000")]);
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
    let res = app.post("/api/v1/webhooks", &Tok::clerk("KBH01"), &json!({"url": DEAD_RECEIVER}));
    assert_eq!(res.status(), 201);
    let webhook: Value = res.json().unwrap();
    let case = app.open_case(&Tok::clerk("KBH01"), "010190-1234", "standard");
    let res = app.post(
        "/api/v1/exemptions",
        &Tok::clerk("KBH01"),
        &json!({"citizen": {"cpr": "010150-1234", "name": "Else"}, "reason": "language", "declaration": "in_person"}),
    );
    assert_eq!(res.status(), 201);
    let exemption: Value = res.json().unwrap();
    let res =
        app.get(&format!("/api/v1/webhooks/{}/deliveries", webhook["id"].as_str().unwrap()), &Tok::clerk("KBH01"));
    assert_eq!(res.status(), 200);
    let delivery = res.json::<Value>().unwrap()["items"][0]["id"].as_str().expect("a queued delivery").to_string();
    let nemid = app.active_nemid(&Tok::clerk("KBH01"), "170893-4321");
    let fixture = Fixture { app: &app, kbh, case, exemption, webhook, delivery, nemid };

    let mut n = 0;
    let mut failures = Vec::new();
    for ep in endpoints() {
        for caller in CALLERS {
            n += 1;
            let path = (ep.path)(&fixture);
            let mut rb = tokens::auth(app.request(ep.method.clone(), &path), &token(caller));
            if ep.method == Method::POST
                && (path.contains("/cases/") || path.contains("/exemptions/"))
                && !path.ends_with("/search")
            {
                rb = rb.header("if-match", "\"1\"");
            }
            if ep.method == Method::POST && path.contains("/nemids/") && !path.ends_with("/search") {
                let version = if path.ends_with("/unblock") { ACTIVE_NEMID_VERSION + 1 } else { ACTIVE_NEMID_VERSION };
                rb = rb.header("if-match", format!("\"{version}\""));
            }
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

/// Every operation of the document that needs a caller is in the table above: a new endpoint
/// without its row fails here.
#[test]
fn the_table_covers_every_authenticated_operation() {
    let doc = nemid_desk::http::routes::document();
    let covered: Vec<&str> = endpoints().iter().map(|e| e.name).collect();
    let mut missing = Vec::new();
    for (path, item) in &doc.paths.paths {
        for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete].into_iter().flatten() {
            let public =
                op.security.as_ref().is_some_and(|s| s.iter().any(|r| serde_json::to_value(r).unwrap() == json!({})));
            let id = op.operation_id.clone().unwrap_or_default();
            if !public && !covered.contains(&id.as_str()) {
                missing.push(format!("{id} ({path})"));
            }
        }
    }
    assert!(missing.is_empty(), "operations missing from the authorization table: {missing:?}");
}
