//! The national registers the online order consults, one interface per register, and what the
//! server holds of online ordering while it runs (`service`). Adapters: `remote` here (the
//! production registers over HTTPS + JSON) and `online::local` (the development registers in the
//! database). A failed look-up is an error, never an answer: the order waits and is tried again.

pub mod remote;
pub mod service;

use futures_util::future::BoxFuture;

use crate::domain::cpr::Cpr;
use crate::domain::online::{DocumentRecord, DocumentType, Person};

/// A register could not answer (unreachable, timed out, an answer that is not one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{register}: {reason}")]
pub struct RegisterError {
    pub register: &'static str,
    pub reason: String,
}

pub type Lookup<'a, T> = BoxFuture<'a, Result<T, RegisterError>>;

/// The CPR register: name, birth date, alive, postal address, name and address protection.
pub trait CprRegister: Send + Sync {
    /// `None`: no such person.
    fn person<'a>(&'a self, cpr: &'a Cpr) -> Lookup<'a, Option<Person>>;
}

/// The passport register or the driving-licence register: a document's holder and expiry.
pub trait DocumentRegister: Send + Sync {
    /// `number` is normalised (`domain::online::normalise_document_number`). `None`: no such
    /// document.
    fn document<'a>(&'a self, number: &'a str) -> Lookup<'a, Option<DocumentRecord>>;
}

/// The three registers an order consults.
pub struct Registers {
    pub cpr: Box<dyn CprRegister>,
    pub passports: Box<dyn DocumentRegister>,
    pub drivers_licences: Box<dyn DocumentRegister>,
    /// `local` or `remote`, for the start-up log and readiness.
    pub kind: &'static str,
}

impl Registers {
    pub fn documents(&self, t: DocumentType) -> &dyn DocumentRegister {
        match t {
            DocumentType::Passport => self.passports.as_ref(),
            DocumentType::DriversLicence => self.drivers_licences.as_ref(),
        }
    }
}
