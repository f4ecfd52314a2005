//! The authenticated actor, as every handler sees it and every change records it.

use uuid::Uuid;

use crate::domain::office::OfficeKind;
use crate::domain::role::Role;

/// Who sent the request, from a verified token (no database look-up yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub name: String,
    pub role: Role,
    /// Office code from the token; always present for clerk and bank.
    pub office_code: Option<String>,
}

/// The identity with its office resolved against the database (see `http::context::caller::authorize`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub sub: String,
    pub name: String,
    pub role: Role,
    /// The office a clerk or bank user works for: exists, active, and of the kind the role needs.
    pub office: Option<OfficeRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeRef {
    pub id: Uuid,
    pub code: String,
    pub kind: OfficeKind,
}

/// Who an event names as its actor: a signed-in user, or the system acting on its own (the
/// online service, retention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    pub sub: &'a str,
    pub name: &'a str,
    /// A role's name, or `system`.
    pub role: &'a str,
    pub office: Option<&'a str>,
}

/// Anything events can name as their actor.
pub trait Acts {
    fn actor(&self) -> Actor<'_>;
}

impl Acts for Principal {
    fn actor(&self) -> Actor<'_> {
        Actor {
            sub: &self.sub,
            name: &self.name,
            role: self.role.as_str(),
            office: self.office.as_ref().map(|o| o.code.as_str()),
        }
    }
}

impl Acts for Actor<'_> {
    fn actor(&self) -> Actor<'_> {
        *self
    }
}
