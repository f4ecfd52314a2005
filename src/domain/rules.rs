//! The rules a case's evidence must meet (docs/DOMAIN.md rules 0, 2 and 4). Pure: "today" is an
//! argument; each broken rule is one `FieldIssue` naming the field and the reason.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::domain::FieldIssue;
use crate::domain::cpr::{self, Cpr};
use crate::domain::office::check_text;

pub const MIN_APPLICANT_AGE: i32 = 15;
pub const MIN_HOLDER_AGE: i32 = 18;
/// A holder's NemID must have been active since a day at least this many days before.
pub const HOLDER_ACTIVE_DAYS: u64 = 30;
/// A holder accompanies at most `HOLDER_MAX_IN_WINDOW` express cases in any window of this many days.
pub const HOLDER_WINDOW_DAYS: u64 = 120;
pub const HOLDER_MAX_IN_WINDOW: usize = 3;

/// A photo ID as shown at the desk.
#[derive(Debug, Clone)]
pub struct PhotoId {
    pub kind: String,
    pub number: String,
    pub expires_on: NaiveDate,
    pub issuing_country: String,
}

/// The day someone born on `born` turns `years` (29 February birthdays: 1 March in common years).
pub fn birthday(born: NaiveDate, years: i32) -> NaiveDate {
    let target = born.year() + years;
    NaiveDate::from_ymd_opt(target, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(target, 3, 1))
        .unwrap_or(born)
}

/// Rule 0: the applicant is 15 or over today.
pub fn check_applicant_age(cpr: &Cpr, today: NaiveDate) -> Option<FieldIssue> {
    if cpr.age_on(today) >= MIN_APPLICANT_AGE {
        return None;
    }
    let from = cpr.birth_date().map(|b| birthday(b, MIN_APPLICANT_AGE));
    Some(FieldIssue::new(
        "applicant.cpr",
        match from {
            Some(d) => format!("the applicant must be 15 or over; they may apply from {d}"),
            None => "the applicant must be 15 or over".to_string(),
        },
    ))
}

/// A photo ID of an allowed type, not expired on `today` (valid through its expiry day).
pub fn check_photo_id(
    prefix: &str,
    id: &PhotoId,
    allowed_types: &[String],
    today: NaiveDate,
    issues: &mut Vec<FieldIssue>,
) {
    if !allowed_types.iter().any(|t| t == &id.kind) {
        issues.push(FieldIssue::new(format!("{prefix}.type"), format!("must be one of: {}", allowed_types.join(", "))));
    }
    let n = id.number.trim();
    // The length counts what was sent, as the document says; surrounding spaces are dropped when stored.
    if n.is_empty()
        || id.number.len() > 40
        || !id.number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
    {
        issues.push(FieldIssue::new(format!("{prefix}.number"), "must be 1 to 40 letters, digits, spaces or '-'"));
    }
    if id.expires_on < today {
        issues.push(FieldIssue::new(
            format!("{prefix}.expires_on"),
            format!("the photo ID expired on {}", id.expires_on),
        ));
    }
    if !(id.issuing_country.len() == 2 && id.issuing_country.bytes().all(|b| b.is_ascii_uppercase())) {
        issues.push(FieldIssue::new(
            format!("{prefix}.issuing_country"),
            "must be an ISO 3166-1 alpha-2 code in capitals, e.g. DK",
        ));
    }
}

/// What the clerk records at the identity check.
#[derive(Debug, Clone)]
pub struct IdentityEvidence {
    pub photo_id: PhotoId,
    pub photo_matches: bool,
    pub health_card_presented: bool,
    pub health_card_cpr: String,
}

/// Rule 2 as far as it goes without the case: every reason but a health card showing someone
/// else (checked before the record is read, so a bad body is refused whatever its If-Match).
pub fn check_identity_alone(ev: &IdentityEvidence, allowed_types: &[String], today: NaiveDate) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    check_photo_id("photo_id", &ev.photo_id, allowed_types, today, &mut issues);
    if !ev.photo_matches {
        issues.push(FieldIssue::new("photo_matches", "the photo ID must show the applicant"));
    }
    if !ev.health_card_presented {
        issues.push(FieldIssue::new("health_card_presented", "the yellow health card must be presented"));
    }
    if let Err(e) = Cpr::parse(&ev.health_card_cpr) {
        issues.push(FieldIssue::new("health_card_cpr", e));
    }
    issues
}

/// Rule 2: valid photo ID that matches, and the yellow health card showing the applicant's CPR.
pub fn check_identity(
    ev: &IdentityEvidence,
    applicant: &Cpr,
    allowed_types: &[String],
    today: NaiveDate,
) -> Vec<FieldIssue> {
    let mut issues = check_identity_alone(ev, allowed_types, today);
    if let Ok(c) = Cpr::parse(&ev.health_card_cpr)
        && &c != applicant
    {
        issues.push(FieldIssue::new("health_card_cpr", "the health card does not show the applicant's CPR number"));
    }
    issues
}

/// A secondary document as shown at the desk when there is no photo ID.
#[derive(Debug, Clone)]
pub struct SecondaryDocument {
    pub kind: String,
    /// The document shows a CPR number ...
    pub shows_cpr: bool,
    /// ... this one (required when it does).
    pub cpr: Option<String>,
}

/// Most documents a clerk records at one identity check.
pub const MAX_SECONDARY_DOCUMENTS: usize = 10;

/// Identity without photo ID (docs/DOMAIN.md "Proving identity when there is no photo ID"): at
/// least two documents of the configured types, each type once, at least one showing the CPR
/// number; every CPR number shown must be the applicant's (`applicant`: checked once the case is
/// read; `None` checks the rest before).
pub fn check_secondary_documents(
    documents: &[SecondaryDocument],
    applicant: Option<&Cpr>,
    allowed_types: &[String],
) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    if documents.len() < 2 {
        issues.push(FieldIssue::new("documents", "at least two secondary documents are needed without photo ID"));
    }
    if documents.len() > MAX_SECONDARY_DOCUMENTS {
        issues.push(FieldIssue::new("documents", format!("at most {MAX_SECONDARY_DOCUMENTS} documents")));
        return issues;
    }
    for (i, d) in documents.iter().enumerate() {
        if !allowed_types.iter().any(|t| t == &d.kind) {
            issues.push(FieldIssue::new(
                format!("documents[{i}].type"),
                format!("must be one of: {}", allowed_types.join(", ")),
            ));
        } else if documents[..i].iter().any(|e| e.kind == d.kind) {
            issues.push(FieldIssue::new(format!("documents[{i}].type"), "each document is recorded once"));
        }
        match (d.shows_cpr, &d.cpr) {
            (true, None) => issues.push(FieldIssue::new(
                format!("documents[{i}].cpr"),
                "is required when the document shows a CPR number: the number it shows",
            )),
            (false, Some(_)) => issues.push(FieldIssue::new(
                format!("documents[{i}].cpr"),
                "only a document that shows a CPR number has one (shows_cpr: true)",
            )),
            (true, Some(c)) => match Cpr::parse(c) {
                Err(e) => issues.push(FieldIssue::new(format!("documents[{i}].cpr"), e)),
                Ok(c) if applicant.is_some_and(|a| a != &c) => issues.push(FieldIssue::new(
                    format!("documents[{i}].cpr"),
                    "the document does not show the applicant's CPR number",
                )),
                Ok(_) => {}
            },
            (false, None) => {}
        }
    }
    if !documents.is_empty() && !documents.iter().any(|d| d.shows_cpr) {
        issues.push(FieldIssue::new("documents", "at least one document must show the applicant's CPR number"));
    }
    issues
}

/// What the clerk records about the accompanying holder.
#[derive(Debug, Clone)]
pub struct HolderEvidence {
    pub cpr: String,
    pub name: String,
    pub photo_id: PhotoId,
    pub nemid_card_presented: bool,
    pub nemid_active_since: Option<NaiveDate>,
}

/// What the system knows of the holder.
#[derive(Debug, Clone, Default)]
pub struct HolderHistory {
    /// The day their latest case here completed, if one did: their NemID is active since then.
    pub completed_here_on: Option<NaiveDate>,
    /// Days they were verified as accompanying holder, on any case at any office.
    pub accompanied_on: Vec<NaiveDate>,
}

/// The day from which a NemID active since `since` is old enough.
pub fn holder_qualifies_on(since: NaiveDate) -> NaiveDate {
    since + Days::new(HOLDER_ACTIVE_DAYS)
}

/// The day a slot frees up when `dates` already hold the maximum within the window ending `today`,
/// or `None` when a slot is free today.
pub fn holder_slot_frees_on(dates: &[NaiveDate], today: NaiveDate) -> Option<NaiveDate> {
    let window_start = today - Days::new(HOLDER_WINDOW_DAYS - 1);
    let mut within: Vec<NaiveDate> = dates.iter().copied().filter(|d| *d >= window_start && *d <= today).collect();
    if within.len() < HOLDER_MAX_IN_WINDOW {
        return None;
    }
    within.sort();
    // Once the oldest that keeps the count at the maximum leaves the window, a slot is free.
    let pivot = within[within.len() - HOLDER_MAX_IN_WINDOW];
    Some(pivot + Days::new(HOLDER_WINDOW_DAYS))
}

/// The effective "active since": a NemID issued here counts from that completion (docs/DOMAIN.md
/// rule 4), whatever was declared; otherwise the declared date.
pub fn holder_active_since(ev: &HolderEvidence, history: &HolderHistory) -> Option<NaiveDate> {
    history.completed_here_on.or(ev.nemid_active_since)
}

/// Rule 4: every reason the holder does not qualify today.
pub fn check_holder(
    ev: &HolderEvidence,
    applicant: &Cpr,
    history: &HolderHistory,
    allowed_types: &[String],
    today: NaiveDate,
) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    match Cpr::parse(&ev.cpr) {
        Err(e) => issues.push(FieldIssue::new("holder.cpr", e)),
        Ok(c) if &c == applicant => {
            issues.push(FieldIssue::new("holder.cpr", "the accompanying holder cannot be the applicant"))
        }
        Ok(c) if c.age_on(today) < MIN_HOLDER_AGE => {
            let from = c.birth_date().map(|b| birthday(b, MIN_HOLDER_AGE));
            issues.push(FieldIssue::new(
                "holder.cpr",
                match from {
                    Some(d) => format!("the accompanying holder must be 18 or over; they qualify from {d}"),
                    None => "the accompanying holder must be 18 or over".into(),
                },
            ))
        }
        Ok(_) => {}
    }
    check_text("holder.name", &ev.name, 200, &mut issues);
    check_photo_id("holder.photo_id", &ev.photo_id, allowed_types, today, &mut issues);
    if !ev.nemid_card_presented {
        issues.push(FieldIssue::new("holder.nemid_card_presented", "the holder's NemID code card must be presented"));
    }
    match holder_active_since(ev, history) {
        None => issues
            .push(FieldIssue::new("holder.nemid_active_since", "is required: no NemID was issued here to this person")),
        Some(since) if since > today => {
            issues.push(FieldIssue::new("holder.nemid_active_since", "cannot be in the future"))
        }
        Some(since) if holder_qualifies_on(since) > today => issues.push(FieldIssue::new(
            "holder.nemid_active_since",
            format!(
                "the holder's NemID must have been active for {HOLDER_ACTIVE_DAYS} days; they qualify from {}",
                holder_qualifies_on(since)
            ),
        )),
        Some(_) => {}
    }
    if let Some(free) = holder_slot_frees_on(&history.accompanied_on, today) {
        issues.push(FieldIssue::new(
            "holder",
            format!(
                "the holder has accompanied {HOLDER_MAX_IN_WINDOW} express cases within {HOLDER_WINDOW_DAYS} days; a slot frees up on {free}"
            ),
        ));
    }
    issues
}

/// The day the code card is expected: the posting day plus the posting window.
pub fn expected_by(posted_on: NaiveDate, window_days: u32) -> NaiveDate {
    posted_on + Days::new(u64::from(window_days))
}

/// Overdue: posted and the expected day has passed (derived at read time, never stored).
pub fn is_overdue(expected_by: Option<NaiveDate>, today: NaiveDate) -> bool {
    expected_by.is_some_and(|d| d < today)
}

/// Keeps `cpr` reachable from this module's users without importing the submodule.
pub fn mask(digits: &str) -> String {
    cpr::mask_digits(digits)
}

/// `months` months after `day`, for tests and fixtures that speak in months.
pub fn months_after(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months)).unwrap_or(day)
}

#[cfg(test)]
mod secondary_tests {
    use super::*;

    fn doc(kind: &str, cpr: Option<&str>) -> SecondaryDocument {
        SecondaryDocument { kind: kind.into(), shows_cpr: cpr.is_some(), cpr: cpr.map(str::to_string) }
    }

    #[test]
    fn two_documents_one_with_the_applicants_cpr() {
        let types: Vec<String> = ["birth_certificate", "health_card", "tax_assessment"].map(String::from).to_vec();
        let me = Cpr::parse("010190-1234").unwrap();
        let fields = |docs: &[SecondaryDocument], who| {
            check_secondary_documents(docs, who, &types).into_iter().map(|i| i.field).collect::<Vec<_>>()
        };
        let good = [doc("birth_certificate", None), doc("health_card", Some("0101901234"))];
        assert!(fields(&good, Some(&me)).is_empty());
        assert_eq!(fields(&good[..1], Some(&me)), ["documents", "documents"]);
        assert_eq!(fields(&[doc("birth_certificate", None), doc("tax_assessment", None)], None), ["documents"]);
        assert_eq!(
            fields(&[doc("passport", None), doc("health_card", Some("010190-1234"))], None),
            ["documents[0].type"]
        );
        assert_eq!(
            fields(&[doc("health_card", Some("010190-1234")), doc("health_card", None)], None),
            ["documents[1].type"]
        );
        let other = [doc("birth_certificate", None), doc("health_card", Some("020280-1111"))];
        assert!(fields(&other, None).is_empty(), "someone else's number is found once the case is read");
        assert_eq!(fields(&other, Some(&me)), ["documents[1].cpr"]);
        let missing = SecondaryDocument { kind: "health_card".into(), shows_cpr: true, cpr: None };
        assert_eq!(fields(&[doc("birth_certificate", None), missing], None), ["documents[1].cpr"]);
        let stray =
            SecondaryDocument { kind: "tax_assessment".into(), shows_cpr: false, cpr: Some("010190-1234".into()) };
        assert_eq!(fields(&[doc("health_card", Some("010190-1234")), stray], None), ["documents[1].cpr"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn types() -> Vec<String> {
        vec!["passport".into(), "drivers_licence".into()]
    }

    fn photo(expires_on: NaiveDate) -> PhotoId {
        PhotoId { kind: "passport".into(), number: "P1234567".into(), expires_on, issuing_country: "DK".into() }
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 25);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn applicants_are_15_or_over_from_their_birthday() {
        let on_birthday = Cpr::parse("251111-4000").unwrap(); // born 25 Nov 2011: 15 today
        assert!(check_applicant_age(&on_birthday, today()).is_none());
        let tomorrow = Cpr::parse("261111-4000").unwrap();
        let issue = check_applicant_age(&tomorrow, today()).unwrap();
        assert_eq!(issue.field, "applicant.cpr");
        assert!(issue.message.contains("2026-11-26"), "{}", issue.message);
        // 29 February 2012: 15 on 1 March 2027.
        let leap = Cpr::parse("290212-4000").unwrap();
        assert!(check_applicant_age(&leap, d(2027, 2, 28)).unwrap().message.contains("2027-03-01"));
        assert!(check_applicant_age(&leap, d(2027, 3, 1)).is_none());
    }

    #[test]
    fn photo_ids_are_valid_through_their_expiry_day() {
        let mut issues = Vec::new();
        check_photo_id("photo_id", &photo(today()), &types(), today(), &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        check_photo_id("photo_id", &photo(d(2026, 11, 24)), &types(), today(), &mut issues);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "photo_id.expires_on");
        assert!(issues[0].message.contains("2026-11-24"));
        let mut issues = Vec::new();
        let bad = PhotoId {
            kind: "library_card".into(),
            number: "".into(),
            expires_on: today(),
            issuing_country: "Denmark".into(),
        };
        check_photo_id("p", &bad, &types(), today(), &mut issues);
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["p.type", "p.number", "p.issuing_country"]);
        // Configuration may allow more types.
        let mut issues = Vec::new();
        let mut more = types();
        more.push("residence_card".into());
        let card = PhotoId { kind: "residence_card".into(), ..photo(today()) };
        check_photo_id("p", &card, &more, today(), &mut issues);
        assert!(issues.is_empty());
    }

    #[test]
    fn identity_check_needs_every_piece_of_evidence() {
        let applicant = Cpr::parse("010190-1234").unwrap();
        let ok = IdentityEvidence {
            photo_id: photo(today()),
            photo_matches: true,
            health_card_presented: true,
            health_card_cpr: "0101901234".into(),
        };
        assert!(check_identity(&ok, &applicant, &types(), today()).is_empty());
        let bad = IdentityEvidence {
            photo_id: photo(d(2020, 1, 1)),
            photo_matches: false,
            health_card_presented: false,
            health_card_cpr: "010190-9999".into(),
        };
        let fields: Vec<_> = check_identity(&bad, &applicant, &types(), today()).into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["photo_id.expires_on", "photo_matches", "health_card_presented", "health_card_cpr"]);
        let garbled = IdentityEvidence { health_card_cpr: "not a cpr".into(), ..ok };
        let issues = check_identity(&garbled, &applicant, &types(), today());
        assert_eq!(issues[0].message, cpr::INVALID_FORMAT);
    }

    fn holder(active_since: Option<NaiveDate>) -> HolderEvidence {
        HolderEvidence {
            cpr: "020280-1111".into(),
            name: "Helle Holder".into(),
            photo_id: photo(today()),
            nemid_card_presented: true,
            nemid_active_since: active_since,
        }
    }

    fn applicant() -> Cpr {
        Cpr::parse("010190-1234").unwrap()
    }

    fn fields(issues: Vec<FieldIssue>) -> Vec<String> {
        issues.into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn holders_qualify_on_the_30th_day() {
        let h = HolderHistory::default();
        let thirty = today() - Days::new(30);
        assert!(check_holder(&holder(Some(thirty)), &applicant(), &h, &types(), today()).is_empty());
        let twenty_nine = today() - Days::new(29);
        let issues = check_holder(&holder(Some(twenty_nine)), &applicant(), &h, &types(), today());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "holder.nemid_active_since");
        assert!(issues[0].message.contains("2026-11-26"), "{}", issues[0].message);
        let future = check_holder(&holder(Some(today() + Days::new(1))), &applicant(), &h, &types(), today());
        assert!(future[0].message.contains("future"));
        let none = check_holder(&holder(None), &applicant(), &h, &types(), today());
        assert!(none[0].message.contains("required"));
    }

    #[test]
    fn a_holder_who_completed_here_counts_from_that_day() {
        let h = HolderHistory { completed_here_on: Some(today() - Days::new(30)), accompanied_on: vec![] };
        assert!(check_holder(&holder(None), &applicant(), &h, &types(), today()).is_empty());
        let recent = HolderHistory { completed_here_on: Some(today() - Days::new(10)), accompanied_on: vec![] };
        assert_eq!(
            fields(check_holder(&holder(None), &applicant(), &recent, &types(), today())),
            ["holder.nemid_active_since"]
        );
        // The system's date wins over a declared earlier one.
        assert_eq!(
            fields(check_holder(&holder(Some(d(2020, 1, 1))), &applicant(), &recent, &types(), today())),
            ["holder.nemid_active_since"]
        );
    }

    #[test]
    fn holders_are_adults_other_than_the_applicant_with_their_code_card() {
        let h = HolderHistory::default();
        let long_ago = Some(d(2020, 1, 1));
        let mut same = holder(long_ago);
        same.cpr = "010190-1234".into();
        assert_eq!(fields(check_holder(&same, &applicant(), &h, &types(), today())), ["holder.cpr"]);
        // 18 on the day itself qualifies; the day before does not.
        let mut eighteen = holder(long_ago);
        eighteen.cpr = "251108-4111".into(); // born 25 Nov 2008
        assert!(check_holder(&eighteen, &applicant(), &h, &types(), today()).is_empty());
        let mut seventeen = holder(long_ago);
        seventeen.cpr = "261108-4111".into();
        let issues = check_holder(&seventeen, &applicant(), &h, &types(), today());
        assert_eq!(issues[0].field, "holder.cpr");
        assert!(issues[0].message.contains("2026-11-26"));
        let mut no_card = holder(long_ago);
        no_card.nemid_card_presented = false;
        assert_eq!(
            fields(check_holder(&no_card, &applicant(), &h, &types(), today())),
            ["holder.nemid_card_presented"]
        );
        let mut expired = holder(long_ago);
        expired.photo_id = photo(today() - Days::new(1));
        assert_eq!(fields(check_holder(&expired, &applicant(), &h, &types(), today())), ["holder.photo_id.expires_on"]);
    }

    #[test]
    fn at_most_three_accompaniments_in_any_120_days() {
        let ago = |n: u64| today() - Days::new(n);
        assert_eq!(holder_slot_frees_on(&[ago(1), ago(2)], today()), None);
        // The oldest on the window's first day (119 days ago): full until tomorrow.
        assert_eq!(holder_slot_frees_on(&[ago(119), ago(50), ago(1)], today()), Some(today() + Days::new(1)));
        // 120 days ago has left the window.
        assert_eq!(holder_slot_frees_on(&[ago(120), ago(50), ago(1)], today()), None);
        // Four within: the second oldest decides.
        assert_eq!(
            holder_slot_frees_on(&[ago(100), ago(90), ago(10), ago(5)], today()),
            Some(ago(90) + Days::new(120))
        );
        let h = HolderHistory { completed_here_on: None, accompanied_on: vec![ago(3), ago(2), ago(1)] };
        let issues = check_holder(&holder(Some(d(2020, 1, 1))), &applicant(), &h, &types(), today());
        assert_eq!(fields(issues.clone()), ["holder"]);
        assert!(issues[0].message.contains(&(ago(3) + Days::new(120)).to_string()));
    }

    #[test]
    fn posting_window_and_overdue() {
        assert_eq!(expected_by(d(2026, 11, 25), 14), d(2026, 12, 9));
        assert!(!is_overdue(Some(d(2026, 12, 9)), d(2026, 12, 9)));
        assert!(is_overdue(Some(d(2026, 12, 9)), d(2026, 12, 10)));
        assert!(!is_overdue(None, d(2026, 12, 10)));
        assert_eq!(months_after(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(mask("0101901234"), "010190-XXXX");
    }
}
