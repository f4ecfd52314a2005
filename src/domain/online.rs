//! The online order (docs/DOMAIN.md "Online order"): who may order NemID online, what the
//! registers must say for an order to become a case, and the abuse limits. Pure; the registers'
//! answers, the counts and "now" are arguments.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::office::Address;
use crate::domain::rules::{MIN_APPLICANT_AGE, birthday};

text_enum! {
    /// The Danish document an online order is made with, checked against its register.
    DocumentType { Passport = "passport", DriversLicence = "drivers_licence" }
}

text_enum! {
    /// What became of an order: a case, a refusal nobody is told about (with its reason, for
    /// fraud review and the report), the abuse limit, or registers that stayed unreachable.
    OrderOutcome {
        CaseMade = "case_made",
        RateLimited = "rate_limited",
        PersonNotFound = "person_not_found",
        NotAlive = "not_alive",
        UnderAge = "under_age",
        NoPostalAddress = "no_postal_address",
        NameAddressProtection = "name_address_protection",
        DocumentNotFound = "document_not_found",
        DocumentNotPersons = "document_not_persons",
        DocumentExpired = "document_expired",
        NemidExists = "nemid_exists",
        OpenCase = "open_case",
        RegistersUnavailable = "registers_unavailable",
    }
}

impl OrderOutcome {
    /// The refusals: every outcome but a case, the limit and the registers' failure.
    pub fn is_refusal(self) -> bool {
        !matches!(self, OrderOutcome::CaseMade | OrderOutcome::RateLimited | OrderOutcome::RegistersUnavailable)
    }
}

/// A document number as the registers write it: 6 to 12 letters A–Z and digits. Spaces and
/// lower case are tolerated on input and normalised here.
pub fn normalise_document_number(raw: &str) -> Result<String, &'static str> {
    let n: String = raw.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
    if (6..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        Ok(n)
    } else {
        Err("must be the document's number: 6 to 12 letters and digits")
    }
}

/// What the CPR register says about a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub birth_date: NaiveDate,
    pub alive: bool,
    /// `None`: no address post can be sent to.
    pub address: Option<Address>,
    pub name_address_protection: bool,
}

/// What the passport or driving-licence register says about a document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// The blind index of the holder's CPR number.
    pub holder_cpr_index: String,
    pub expires_on: NaiveDate,
}

/// Everything an order is judged on, read in the order's transaction.
pub struct OrderFacts<'a> {
    pub cpr_index: &'a str,
    pub person: Option<&'a Person>,
    pub document: Option<&'a DocumentRecord>,
    /// The person has a NemID that is not revoked.
    pub has_live_nemid: bool,
    pub has_open_case: bool,
    pub today: NaiveDate,
}

/// The first check an order fails, or `CaseMade` when it passes them all. The person's checks
/// come before the document's: a document is only ever judged for a person who exists.
pub fn decide(f: &OrderFacts) -> OrderOutcome {
    use OrderOutcome as O;
    let Some(person) = f.person else { return O::PersonNotFound };
    if !person.alive {
        return O::NotAlive;
    }
    if f.today < birthday(person.birth_date, MIN_APPLICANT_AGE) {
        return O::UnderAge;
    }
    if person.name_address_protection {
        return O::NameAddressProtection;
    }
    if person.address.is_none() {
        return O::NoPostalAddress;
    }
    let Some(document) = f.document else { return O::DocumentNotFound };
    if document.holder_cpr_index != f.cpr_index {
        return O::DocumentNotPersons;
    }
    if document.expires_on < f.today {
        return O::DocumentExpired;
    }
    // An open case first: while one is under way its NemID (pending) exists too.
    if f.has_open_case {
        return O::OpenCase;
    }
    if f.has_live_nemid {
        return O::NemidExists;
    }
    O::CaseMade
}

/// Orders allowed per client address and per CPR number, per hour and per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_hour: u32,
    pub per_day: u32,
}

/// `recent`: the times of the orders counted against one key (a client or a CPR number) in the
/// last day, oldest first; rate-limited attempts are not among them. `None`: one more order is
/// allowed now. `Some(d)`: refused, and another is allowed after `d` (at least one second).
pub fn retry_after(recent: &[DateTime<Utc>], limits: Limits, now: DateTime<Utc>) -> Option<Duration> {
    let windows = [(Duration::hours(1), limits.per_hour), (Duration::days(1), limits.per_day)];
    let mut wait: Option<Duration> = None;
    for (window, limit) in windows {
        let inside: Vec<&DateTime<Utc>> = recent.iter().filter(|t| **t > now - window).collect();
        if inside.len() >= limit as usize {
            // The window frees a place when the oldest order that keeps it full leaves it.
            let oldest = inside[inside.len() - limit as usize];
            let d = (*oldest + window - now).max(Duration::seconds(1));
            wait = Some(wait.map_or(d, |w| w.max(d)));
        }
    }
    wait
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            name: "Test Testesen".into(),
            birth_date: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
            alive: true,
            address: Some(Address {
                street: "Vestergade 1".into(),
                postal_code: "7100".into(),
                city: "Vejle".into(),
                country: "DK".into(),
            }),
            name_address_protection: false,
        }
    }

    fn document() -> DocumentRecord {
        DocumentRecord { holder_cpr_index: "me".into(), expires_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() }
    }

    fn facts<'a>(p: Option<&'a Person>, d: Option<&'a DocumentRecord>) -> OrderFacts<'a> {
        OrderFacts {
            cpr_index: "me",
            person: p,
            document: d,
            has_live_nemid: false,
            has_open_case: false,
            today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        }
    }

    #[test]
    fn every_check_refuses_on_its_own() {
        let (p, d) = (person(), document());
        assert_eq!(decide(&facts(Some(&p), Some(&d))), OrderOutcome::CaseMade);
        assert_eq!(decide(&facts(None, Some(&d))), OrderOutcome::PersonNotFound);
        let dead = Person { alive: false, ..person() };
        assert_eq!(decide(&facts(Some(&dead), Some(&d))), OrderOutcome::NotAlive);
        // 15 on the day: allowed; the day before: under age.
        let fifteen = Person { birth_date: NaiveDate::from_ymd_opt(2011, 12, 3).unwrap(), ..person() };
        assert_eq!(decide(&facts(Some(&fifteen), Some(&d))), OrderOutcome::CaseMade);
        let young = Person { birth_date: NaiveDate::from_ymd_opt(2011, 12, 4).unwrap(), ..person() };
        assert_eq!(decide(&facts(Some(&young), Some(&d))), OrderOutcome::UnderAge);
        let protected = Person { name_address_protection: true, ..person() };
        assert_eq!(decide(&facts(Some(&protected), Some(&d))), OrderOutcome::NameAddressProtection);
        let homeless = Person { address: None, ..person() };
        assert_eq!(decide(&facts(Some(&homeless), Some(&d))), OrderOutcome::NoPostalAddress);
        assert_eq!(decide(&facts(Some(&p), None)), OrderOutcome::DocumentNotFound);
        let other = DocumentRecord { holder_cpr_index: "someone else".into(), ..document() };
        assert_eq!(decide(&facts(Some(&p), Some(&other))), OrderOutcome::DocumentNotPersons);
        // Valid through its expiry day.
        let today = DocumentRecord { expires_on: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), ..document() };
        assert_eq!(decide(&facts(Some(&p), Some(&today))), OrderOutcome::CaseMade);
        let expired = DocumentRecord { expires_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), ..document() };
        assert_eq!(decide(&facts(Some(&p), Some(&expired))), OrderOutcome::DocumentExpired);
        let mut f = facts(Some(&p), Some(&d));
        f.has_live_nemid = true;
        assert_eq!(decide(&f), OrderOutcome::NemidExists);
        let mut f = facts(Some(&p), Some(&d));
        f.has_open_case = true;
        assert_eq!(decide(&f), OrderOutcome::OpenCase);
        assert!(OrderOutcome::OpenCase.is_refusal() && !OrderOutcome::CaseMade.is_refusal());
    }

    #[test]
    fn document_numbers_are_normalised() {
        assert_eq!(normalise_document_number("ab 123 456").unwrap(), "AB123456");
        assert!(normalise_document_number("12345").is_err());
        assert!(normalise_document_number("1234567890123").is_err());
        assert!(normalise_document_number("12345-678").is_err());
        assert!(normalise_document_number("12345ø78").is_err());
    }

    #[test]
    fn limits_count_per_hour_and_per_day() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z").unwrap().with_timezone(&Utc);
        let limits = Limits { per_hour: 2, per_day: 3 };
        let ago = |m: i64| now - Duration::minutes(m);
        assert_eq!(retry_after(&[], limits, now), None);
        assert_eq!(retry_after(&[ago(50)], limits, now), None);
        // Two in the last hour: the next is allowed when the older leaves the hour.
        assert_eq!(retry_after(&[ago(50), ago(10)], limits, now), Some(Duration::minutes(10)));
        // Three today, none in the last hour: the day's oldest decides.
        let day = [ago(23 * 60), ago(5 * 60), ago(2 * 60)];
        assert_eq!(retry_after(&day, limits, now), Some(Duration::minutes(60)));
        // Both full: the longer wait.
        let both = [ago(23 * 60 + 30), ago(30), ago(20)];
        assert_eq!(retry_after(&both, limits, now), Some(Duration::minutes(30)));
    }
}
