//! Exemption from Digital Post (docs/DOMAIN.md): registered at a citizen service centre, decided by a
//! supervisor (the assessing authority), revocable once granted.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldIssue;
use crate::domain::cpr::Cpr;
use crate::domain::office::check_text;

text_enum! {
    ExemptionStatus { Pending = "pending", Granted = "granted", Refused = "refused", Revoked = "revoked" }
}

text_enum! {
    /// Why the citizen cannot use digital self-service.
    ExemptionReason {
        Language = "language",
        CognitiveDisability = "cognitive_disability",
        PhysicalDisability = "physical_disability",
        NoDigitalAccess = "no_digital_access",
        Other = "other",
    }
}

text_enum! {
    /// Whether the citizen asked in person or through a proxy with power of attorney.
    Declaration { InPerson = "in_person", Proxy = "proxy" }
}

text_enum! {
    /// The authority's decision.
    Outcome { Granted = "granted", Refused = "refused" }
}

/// The changes an exemption can undergo after registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExemptionAction {
    Decide(Outcome),
    Revoke,
}

impl ExemptionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionAction::Decide(Outcome::Granted) => "grant",
            ExemptionAction::Decide(Outcome::Refused) => "refuse",
            ExemptionAction::Revoke => "revoke",
        }
    }
}

/// pending → granted | refused; granted → revoked. Nothing else.
pub fn transition(status: ExemptionStatus, action: ExemptionAction) -> Option<ExemptionStatus> {
    use ExemptionStatus as S;
    match (status, action) {
        (S::Pending, ExemptionAction::Decide(Outcome::Granted)) => Some(S::Granted),
        (S::Pending, ExemptionAction::Decide(Outcome::Refused)) => Some(S::Refused),
        (S::Granted, ExemptionAction::Revoke) => Some(S::Revoked),
        _ => None,
    }
}

/// The actions `status` allows, by their URL names.
pub fn allowed_actions(status: ExemptionStatus) -> Vec<&'static str> {
    match status {
        ExemptionStatus::Pending => vec!["decision"],
        ExemptionStatus::Granted => vec!["revoke"],
        _ => vec![],
    }
}

/// A registration request, as far as it can be checked without the database.
pub struct Registration<'a> {
    pub citizen_cpr: &'a str,
    pub citizen_name: &'a str,
    pub reason: ExemptionReason,
    pub note: Option<&'a str>,
    pub declaration: Declaration,
    /// (name, cpr, power_of_attorney_seen)
    pub proxy: Option<(&'a str, &'a str, bool)>,
}

/// Every rule the registration breaks; the parsed citizen and proxy CPR numbers when none.
pub fn check_registration(r: &Registration<'_>) -> Result<(Cpr, Option<Cpr>), Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let citizen = Cpr::parse(r.citizen_cpr).map_err(|e| issues.push(FieldIssue::new("citizen.cpr", e))).ok();
    check_text("citizen.name", r.citizen_name, 200, &mut issues);
    match (r.reason, r.note) {
        (ExemptionReason::Other, None) => issues.push(FieldIssue::new("note", "is required when the reason is other")),
        (_, Some(n)) => check_text("note", n, 1000, &mut issues),
        _ => {}
    }
    let mut proxy_cpr = None;
    match (r.declaration, r.proxy) {
        (Declaration::Proxy, None) => issues.push(FieldIssue::new("proxy", "is required for a declaration by proxy")),
        (Declaration::InPerson, Some(_)) => {
            issues.push(FieldIssue::new("proxy", "must be absent when the citizen declares in person"))
        }
        (Declaration::Proxy, Some((name, cpr, seen))) => {
            check_text("proxy.name", name, 200, &mut issues);
            match Cpr::parse(cpr) {
                Err(e) => issues.push(FieldIssue::new("proxy.cpr", e)),
                Ok(p) if citizen.as_ref() == Some(&p) => {
                    issues.push(FieldIssue::new("proxy.cpr", "the proxy cannot be the citizen"))
                }
                Ok(p) => proxy_cpr = Some(p),
            }
            if !seen {
                issues
                    .push(FieldIssue::new("proxy.power_of_attorney_seen", "the power of attorney must have been seen"));
            }
        }
        (Declaration::InPerson, None) => {}
    }
    match citizen {
        Some(c) if issues.is_empty() => Ok((c, proxy_cpr)),
        _ => Err(issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExemptionStatus as S;

    #[test]
    fn transitions() {
        let decide_g = ExemptionAction::Decide(Outcome::Granted);
        let decide_r = ExemptionAction::Decide(Outcome::Refused);
        for &s in S::ALL {
            for a in [decide_g, decide_r, ExemptionAction::Revoke] {
                let want = match (s, a) {
                    (S::Pending, x) if x == decide_g => Some(S::Granted),
                    (S::Pending, x) if x == decide_r => Some(S::Refused),
                    (S::Granted, ExemptionAction::Revoke) => Some(S::Revoked),
                    _ => None,
                };
                assert_eq!(transition(s, a), want, "{s:?} {a:?}");
            }
        }
        assert_eq!(allowed_actions(S::Pending), ["decision"]);
        assert_eq!(allowed_actions(S::Granted), ["revoke"]);
        assert!(allowed_actions(S::Revoked).is_empty() && allowed_actions(S::Refused).is_empty());
    }

    fn reg<'a>(
        reason: ExemptionReason,
        note: Option<&'a str>,
        proxy: Option<(&'a str, &'a str, bool)>,
    ) -> Registration<'a> {
        Registration {
            citizen_cpr: "010150-1234",
            citizen_name: "Else Hansen",
            reason,
            note,
            declaration: if proxy.is_some() { Declaration::Proxy } else { Declaration::InPerson },
            proxy,
        }
    }

    fn fields(r: Result<(Cpr, Option<Cpr>), Vec<FieldIssue>>) -> Vec<String> {
        r.err().unwrap_or_default().into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn registrations() {
        assert!(check_registration(&reg(ExemptionReason::Language, None, None)).is_ok());
        assert_eq!(fields(check_registration(&reg(ExemptionReason::Other, None, None))), ["note"]);
        assert!(check_registration(&reg(ExemptionReason::Other, Some("Lives without internet"), None)).is_ok());
        let ok = check_registration(&reg(
            ExemptionReason::CognitiveDisability,
            None,
            Some(("Søn Hansen", "020275-1234", true)),
        ));
        assert!(ok.unwrap().1.is_some());
        assert_eq!(
            fields(check_registration(&reg(ExemptionReason::Language, None, Some(("Søn", "020275-1234", false))))),
            ["proxy.power_of_attorney_seen"]
        );
        assert_eq!(
            fields(check_registration(&reg(ExemptionReason::Language, None, Some(("Søn", "010150-1234", true))))),
            ["proxy.cpr"]
        );
        let mut r = reg(ExemptionReason::Language, None, None);
        r.declaration = Declaration::Proxy;
        assert_eq!(fields(check_registration(&r)), ["proxy"]);
        let mut r = reg(ExemptionReason::Language, None, None);
        r.citizen_cpr = "nope";
        assert_eq!(fields(check_registration(&r)), ["citizen.cpr"]);
    }
}
