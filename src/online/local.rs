//! The development registers: people and documents in local tables (`dev_cpr_register`,
//! `dev_identity_documents`), filled by `nemid-desk registers import FILE` and by `seed`. Never
//! used in production (`config::RegistersConfig::Local` is refused there).

use std::sync::Arc;

use crate::domain::cpr::Cpr;
use crate::domain::office::Address;
use crate::domain::online::{DocumentRecord, DocumentType, Person};
use crate::http::context::database::Db;
use crate::registers::{CprRegister, DocumentRegister, Lookup, RegisterError, Registers};
use crate::store::online::{self as store, DevPerson};
use crate::vault::CprVault;

pub fn registers(db: &Db, vault: &Arc<CprVault>) -> Registers {
    let local = |register| Box::new(LocalDocuments { db: db.clone(), register });
    Registers {
        cpr: Box::new(LocalCpr { db: db.clone(), vault: vault.clone() }),
        passports: local(DocumentType::Passport),
        drivers_licences: local(DocumentType::DriversLicence),
        kind: "local",
    }
}

struct LocalCpr {
    db: Db,
    vault: Arc<CprVault>,
}

struct LocalDocuments {
    db: Db,
    register: DocumentType,
}

fn failed(register: &'static str) -> impl Fn(crate::http::error::ApiError) -> RegisterError {
    move |e| RegisterError { register, reason: format!("the development register could not be read: {e}") }
}

/// A row as the register's answer.
pub fn person_of(row: DevPerson) -> Person {
    let address = match (row.street, row.postal_code, row.city, row.country) {
        (Some(street), Some(postal_code), Some(city), Some(country)) => {
            Some(Address { street, postal_code, city, country })
        }
        _ => None,
    };
    Person {
        name: row.name,
        birth_date: row.birth_date,
        alive: row.alive,
        address,
        name_address_protection: row.name_address_protection,
    }
}

impl CprRegister for LocalCpr {
    fn person<'a>(&'a self, cpr: &'a Cpr) -> Lookup<'a, Option<Person>> {
        let index = self.vault.blind(&cpr.digits());
        Box::pin(async move {
            let row = self.db.run(move |conn| Ok(store::dev_person(conn, &index)?)).await.map_err(failed("cpr"))?;
            Ok(row.map(person_of))
        })
    }
}

impl DocumentRegister for LocalDocuments {
    fn document<'a>(&'a self, number: &'a str) -> Lookup<'a, Option<DocumentRecord>> {
        let (register, number) = (self.register, number.to_string());
        Box::pin(async move {
            let row = self
                .db
                .run(move |conn| Ok(store::dev_document(conn, register, &number)?))
                .await
                .map_err(failed(register.as_str()))?;
            Ok(row.map(|d| DocumentRecord { holder_cpr_index: d.cpr_index, expires_on: d.expires_on }))
        })
    }
}
