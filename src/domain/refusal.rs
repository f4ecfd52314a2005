//! Refusals are decisions (docs/DOMAIN.md "Refusals are decisions"): the grounds from a fixed
//! list, the rule each rests on, the appeal guidance in force, who decided and when. Pure: the
//! time and the guidance are arguments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldIssue;
use crate::domain::office::check_text;

text_enum! {
    /// The grounds of a refusal (docs/DOMAIN.md "Refusals are decisions").
    RefusalReason {
        IdentityNotEstablished = "identity_not_established",
        DocumentsInvalid = "documents_invalid",
        UnderAge = "under_age",
        CannotUseNemidAlone = "cannot_use_nemid_alone",
        AlreadyHasNemid = "already_has_nemid",
        Other = "other",
    }
}

impl RefusalReason {
    /// The rule the reason rests on, as the decision states it (docs/DOMAIN.md), in Danish and
    /// English.
    pub fn rule(self) -> Localised {
        let (da, en) = match self {
            RefusalReason::IdentityNotEstablished => (
                "Regel 2: Identiteten dokumenteres ved personligt fremmøde med gyldig billedlegitimation og det gule \
                 sundhedskort, eller med to sekundære dokumenter, hvoraf ét viser CPR-nummeret.",
                "Rule 2: identity is proven in person with valid photo ID and the yellow health card, or with two \
                 secondary documents of which one shows the CPR number.",
            ),
            RefusalReason::DocumentsInvalid => (
                "Regel 2: De foreviste dokumenter skal være gyldige, ikke udløbne, af en godkendt type og vise ansøgeren.",
                "Rule 2: the documents shown must be valid, unexpired and of an accepted type, and show the applicant.",
            ),
            RefusalReason::UnderAge => (
                "Regel 0: NemID udstedes til personer på 15 år eller derover med et CPR-nummer.",
                "Rule 0: NemID is issued to persons aged 15 or over with a CPR number.",
            ),
            RefusalReason::CannotUseNemidAlone => (
                "NemID er personligt og bruges kun af indehaveren selv; en person, der ikke kan bruge det selv, kan \
                 fritages for Digital Post.",
                "NemID is personal and used by its holder alone; a person who cannot use it on their own may be \
                 exempted from Digital Post.",
            ),
            RefusalReason::AlreadyHasNemid => (
                "En person har ét NemID: en ny udstedelse afslås, så længe personen har et NemID, der ikke er spærret \
                 permanent.",
                "A person has one NemID: a first issuance is refused while they have a NemID that is not revoked.",
            ),
            RefusalReason::Other => ("Den begrundelse, afgørelsen angiver.", "The reason stated in the decision."),
        };
        Localised { da: da.to_string(), en: en.to_string() }
    }
}

/// A text in Danish and English: a rule, or the appeal guidance as the installation words it
/// (`APPEAL_GUIDANCE_DA`, `APPEAL_GUIDANCE_EN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Localised {
    pub da: String,
    pub en: String,
}

/// One ground of a refusal and the rule it rests on (as worded when decided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RefusalGround {
    pub reason: RefusalReason,
    pub rule: Localised,
}

/// Who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DecidedBy {
    pub name: String,
    pub role: String,
    #[schema(example = "KBH01")]
    pub office: Option<String>,
}

/// A refusal as recorded on the case when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Jsonb)]
#[schema(as = RefusalDecision)]
pub struct Refusal {
    pub grounds: Vec<RefusalGround>,
    /// The clerk's own words; required with `other`. Removed by retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    pub appeal_guidance: Localised,
    pub decided_by: DecidedBy,
    pub decided_at: DateTime<Utc>,
    /// `cannot_use_nemid_alone`: the person may be exempted from Digital Post instead
    /// (`POST /api/v1/exemptions`).
    pub exemption_advised: bool,
}

impl Refusal {
    pub fn reasons(&self) -> Vec<RefusalReason> {
        self.grounds.iter().map(|g| g.reason).collect()
    }
}

/// The grounds as given: one or more, each once; `other` needs an explanation.
pub fn check(reasons: &[RefusalReason], explanation: Option<&str>, issues: &mut Vec<FieldIssue>) {
    if reasons.is_empty() {
        issues.push(FieldIssue::new("reasons", "at least one reason is required"));
    }
    for (i, r) in reasons.iter().enumerate() {
        if reasons[..i].contains(r) {
            issues.push(FieldIssue::new(format!("reasons[{i}]"), "each reason is given once"));
        }
    }
    match explanation {
        Some(e) => check_text("explanation", e, 500, issues),
        None if reasons.contains(&RefusalReason::Other) => {
            issues.push(FieldIssue::new("explanation", "is required when a reason is `other`"))
        }
        None => {}
    }
}

/// The decision made now on `reasons` (checked with `check`).
pub fn decide(
    reasons: &[RefusalReason],
    explanation: Option<&str>,
    appeal_guidance: &Localised,
    decided_by: DecidedBy,
    decided_at: DateTime<Utc>,
) -> Refusal {
    Refusal {
        grounds: reasons.iter().map(|&reason| RefusalGround { reason, rule: reason.rule() }).collect(),
        explanation: explanation.map(|e| e.trim().to_string()),
        appeal_guidance: appeal_guidance.clone(),
        decided_by,
        decided_at,
        exemption_advised: reasons.contains(&RefusalReason::CannotUseNemidAlone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RefusalReason as R;

    #[test]
    fn grounds_are_checked_and_recorded_with_their_rules() {
        let fields = |reasons: &[RefusalReason], e: Option<&str>| {
            let mut issues = Vec::new();
            check(reasons, e, &mut issues);
            issues.into_iter().map(|i| i.field).collect::<Vec<_>>()
        };
        assert!(fields(&[R::UnderAge], None).is_empty());
        assert_eq!(fields(&[], None), ["reasons"]);
        assert_eq!(fields(&[R::UnderAge, R::UnderAge], None), ["reasons[1]"]);
        assert_eq!(fields(&[R::Other], None), ["explanation"]);
        assert!(fields(&[R::Other], Some("Withdrawn")).is_empty());
        assert_eq!(fields(&[R::Other], Some(" ")), ["explanation"]);
        let g = Localised { da: "Klag".into(), en: "Appeal".into() };
        let by = DecidedBy { name: "Kim".into(), role: "clerk".into(), office: Some("KBH01".into()) };
        let d = decide(&[R::CannotUseNemidAlone, R::Other], Some(" x "), &g, by, Utc::now());
        assert!(d.exemption_advised);
        assert_eq!(d.reasons(), [R::CannotUseNemidAlone, R::Other]);
        assert_eq!(d.grounds[0].rule, R::CannotUseNemidAlone.rule());
        assert_eq!(d.explanation.as_deref(), Some("x"));
        for r in RefusalReason::ALL {
            assert!(!r.rule().da.is_empty() && !r.rule().en.is_empty());
        }
        let back: Refusal = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
