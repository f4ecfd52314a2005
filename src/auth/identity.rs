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
