//! The development registers from a file (`nemid-desk registers import FILE`) and from `seed`:
//! people for the CPR register, passports and driving licences. Every entry is checked and bad
//! ones reported by their path; all are loaded in one transaction or none. An entry already
//! there (the same CPR number, the same document number) is replaced.

use chrono::NaiveDate;
use diesel::Connection;
use diesel::pg::PgConnection;
use serde::Deserialize;

use crate::domain::FieldIssue;
use crate::domain::cpr::Cpr;
use crate::domain::office::{Address, check_text};
use crate::domain::online::{DocumentType, Person, normalise_document_number};
use crate::http::context::body::strip_position;
use crate::store::online::{self as store, DevDocument, DevPerson};
use crate::vault::CprVault;

/// The file: `{"persons": [...], "passports": [...], "drivers_licences": [...]}` (each optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFile {
    #[serde(default)]
    pub persons: Vec<PersonEntry>,
    #[serde(default)]
    pub passports: Vec<DocumentEntry>,
    #[serde(default)]
    pub drivers_licences: Vec<DocumentEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    pub cpr: String,
    pub name: String,
    /// Defaults to the birth date the CPR number gives.
    pub birth_date: Option<NaiveDate>,
    #[serde(default = "yes")]
    pub alive: bool,
    /// `null` or absent: no address post can be sent to.
    pub address: Option<Address>,
    #[serde(default)]
    pub name_address_protection: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentEntry {
    pub number: String,
    /// The holder's CPR number.
    pub cpr: String,
    pub expires_on: NaiveDate,
}

/// How many entries of each register were loaded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub persons: usize,
    pub passports: usize,
    pub drivers_licences: usize,
}

/// Reads and checks the file: the problems (path: why), or the rows to write.
pub fn parse(text: &str, vault: &CprVault) -> Result<(Vec<DevPerson>, Vec<DevDocument>), Vec<String>> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: RegisterFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // Without serde's position, and with long digit runs blanked: a mistyped CPR number is
        // not echoed.
        let why = strip_position(&e.inner().to_string());
        vec![format!("{}: {why}", if path == "." { "the file".into() } else { path })]
    })?;
    let mut issues = Vec::new();
    let mut persons = Vec::new();
    for (i, p) in file.persons.iter().enumerate() {
        let at = format!("persons[{i}]");
        match person_row(p, &at, vault, &mut issues) {
            Some(row) => persons.push(row),
            None => continue,
        }
    }
    let mut documents = Vec::new();
    for (register, entries, name) in [
        (DocumentType::Passport, &file.passports, "passports"),
        (DocumentType::DriversLicence, &file.drivers_licences, "drivers_licences"),
    ] {
        for (i, d) in entries.iter().enumerate() {
            let at = format!("{name}[{i}]");
            let number = normalise_document_number(&d.number)
                .map_err(|e| issues.push(FieldIssue::new(format!("{at}.number"), e)));
            let cpr = Cpr::parse(&d.cpr).map_err(|e| issues.push(FieldIssue::new(format!("{at}.cpr"), e)));
            if let (Ok(number), Ok(cpr)) = (number, cpr) {
                documents.push(DevDocument {
                    register,
                    number,
                    cpr_index: vault.blind(&cpr.digits()),
                    expires_on: d.expires_on,
                });
            }
        }
    }
    if issues.is_empty() {
        Ok((persons, documents))
    } else {
        Err(issues.into_iter().map(|i| format!("{}: {}", i.field, i.message)).collect())
    }
}

fn person_row(p: &PersonEntry, at: &str, vault: &CprVault, issues: &mut Vec<FieldIssue>) -> Option<DevPerson> {
    let before = issues.len();
    let cpr = Cpr::parse(&p.cpr).map_err(|e| issues.push(FieldIssue::new(format!("{at}.cpr"), e))).ok();
    check_text(&format!("{at}.name"), &p.name, 200, issues);
    if let Some(a) = &p.address {
        a.check(&format!("{at}.address"), issues);
    }
    let birth_date = match (p.birth_date, cpr.as_ref().and_then(Cpr::birth_date)) {
        (Some(d), _) | (None, Some(d)) => Some(d),
        (None, None) => {
            issues.push(FieldIssue::new(format!("{at}.birth_date"), "is required: the CPR number gives none"));
            None
        }
    };
    let (Some(cpr), Some(birth_date), true) = (cpr, birth_date, issues.len() == before) else { return None };
    let a = p.address.as_ref();
    Some(DevPerson {
        cpr_index: vault.blind(&cpr.digits()),
        name: p.name.trim().to_string(),
        birth_date,
        alive: p.alive,
        street: a.map(|a| a.street.trim().to_string()),
        postal_code: a.map(|a| a.postal_code.trim().to_string()),
        city: a.map(|a| a.city.trim().to_string()),
        country: a.map(|a| a.country.clone()),
        name_address_protection: p.name_address_protection,
    })
}

/// A person as the development CPR register row (for `seed`).
pub fn person_row_of(cpr: &Cpr, person: &Person, vault: &CprVault) -> DevPerson {
    let a = person.address.as_ref();
    DevPerson {
        cpr_index: vault.blind(&cpr.digits()),
        name: person.name.clone(),
        birth_date: person.birth_date,
        alive: person.alive,
        street: a.map(|a| a.street.clone()),
        postal_code: a.map(|a| a.postal_code.clone()),
        city: a.map(|a| a.city.clone()),
        country: a.map(|a| a.country.clone()),
        name_address_protection: person.name_address_protection,
    }
}

/// Writes the rows in one transaction.
pub fn load(conn: &mut PgConnection, persons: &[DevPerson], documents: &[DevDocument]) -> diesel::QueryResult<Loaded> {
    conn.transaction(|conn| {
        let mut loaded = Loaded { persons: persons.len(), ..Default::default() };
        for p in persons {
            store::put_dev_person(conn, p)?;
        }
        for d in documents {
            store::put_dev_document(conn, d)?;
            match d.register {
                DocumentType::Passport => loaded.passports += 1,
                DocumentType::DriversLicence => loaded.drivers_licences += 1,
            }
        }
        Ok(loaded)
    })
}
