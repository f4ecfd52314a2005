//! Offices: the rules for codes, kinds and addresses. Pure; no I/O.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldIssue;

text_enum! {
    OfficeKind {
        /// A Borgerservice (citizen service centre).
        CitizenServiceCentre = "citizen_service_centre",
        /// A bank branch.
        BankBranch = "bank_branch",
        /// The online service's central office: online orders become its cases (docs/DOMAIN.md
        /// "Online order"); it has no desk.
        OnlineService = "online_service",
    }
}

/// `KBH01`, `DANSKE-0417`: 2–32 characters of A–Z, 0–9 and `-`, not starting with `-`.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = (2..=32).contains(&code.len())
        && !code.starts_with('-')
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(()) } else { Err("must be 2 to 32 characters of A-Z, 0-9 or '-', not starting with '-'") }
}

/// A postal address as used for offices and applicants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 200,
        example = "Sjællandsgade 40"
    )]
    pub street: String,
    #[schema(
        pattern = "^[A-Za-z0-9 -]*[A-Za-z0-9-][A-Za-z0-9 -]*$",
        min_length = 1,
        max_length = 16,
        example = "7100"
    )]
    pub postal_code: String,
    #[schema(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        min_length = 1,
        max_length = 100,
        example = "Vejle"
    )]
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$", example = "DK")]
    pub country: String,
}

impl Address {
    /// Checks every part; issues are reported under `prefix` (e.g. `address`).
    pub fn check(&self, prefix: &str, issues: &mut Vec<FieldIssue>) {
        check_text(&format!("{prefix}.street"), &self.street, 200, issues);
        check_text(&format!("{prefix}.city"), &self.city, 100, issues);
        let pc = self.postal_code.trim();
        if pc.is_empty()
            || self.postal_code.len() > 16
            || !self.postal_code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            issues.push(FieldIssue::new(
                format!("{prefix}.postal_code"),
                "must be 1 to 16 letters, digits, spaces or '-'",
            ));
        } else if self.country == "DK" && !(pc.len() == 4 && pc.bytes().all(|b| b.is_ascii_digit())) {
            issues.push(FieldIssue::new(format!("{prefix}.postal_code"), "a Danish postal code has 4 digits"));
        }
        if !(self.country.len() == 2 && self.country.bytes().all(|b| b.is_ascii_uppercase())) {
            issues.push(FieldIssue::new(
                format!("{prefix}.country"),
                "must be an ISO 3166-1 alpha-2 code in capitals, e.g. DK",
            ));
        }
    }
}

/// Free text: not blank, at most `max` characters, no control characters.
pub fn check_text(field: &str, value: &str, max: usize, issues: &mut Vec<FieldIssue>) {
    if value.trim().is_empty() {
        issues.push(FieldIssue::new(field, "must not be blank"));
    } else if value.chars().count() > max {
        issues.push(FieldIssue::new(field, format!("must be at most {max} characters")));
    } else if value.chars().any(char::is_control) {
        issues.push(FieldIssue::new(field, "must not contain control characters"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(pc: &str, country: &str) -> Address {
        Address { street: "Vestergade 1".into(), postal_code: pc.into(), city: "Vejle".into(), country: country.into() }
    }

    #[test]
    fn codes() {
        for ok in ["KBH01", "DANSKE-0417", "AB", &"A".repeat(32)] {
            assert!(check_code(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "kbh01", "-AB", "KBH 01", "KBH_01", &"A".repeat(33), "ÆRØ1"] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in [OfficeKind::CitizenServiceCentre, OfficeKind::BankBranch] {
            assert_eq!(OfficeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OfficeKind::parse("bank"), None);
    }

    #[test]
    fn addresses() {
        let mut issues = Vec::new();
        addr("7100", "DK").check("address", &mut issues);
        addr("SW1A 1AA", "GB").check("address", &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        addr("710", "DK").check("address", &mut issues);
        addr("7100", "dk").check("a", &mut issues);
        addr("", "DE").check("a", &mut issues);
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["address.postal_code", "a.country", "a.postal_code"]);
        let mut issues = Vec::new();
        check_text("name", "  ", 10, &mut issues);
        check_text("name", "abcdefghijk", 10, &mut issues);
        check_text("name", "a\u{0}b", 10, &mut issues);
        check_text("name", "Åse Ørsted", 10, &mut issues);
        assert_eq!(issues.len(), 3);
    }
}
