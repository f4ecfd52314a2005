//! Who may do what. The table here is the single source for docs/API.md's and the OpenAPI
//! document's authorization notes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::office::OfficeKind;

text_enum! {
    Role {
        /// Desk clerk at a citizen service centre (Borgerservice).
        Clerk = "clerk",
        /// Staff of a bank branch, usually an API integration.
        Bank = "bank",
        /// Reads every office's cases, runs reports, decides exemptions, cancels cases.
        Supervisor = "supervisor",
        /// Manages offices; no access to case data.
        Admin = "admin",
    }
}

/// Read cases: their own office's (supervisors every office's); also the change feed and reports.
pub const CASE_READERS: &[Role] = &[Role::Clerk, Role::Bank, Role::Supervisor];
/// Open cases and carry out actions at their own office.
pub const CASE_WORKERS: &[Role] = &[Role::Clerk, Role::Bank];
/// Read exemptions: clerks their office's, supervisors all.
pub const EXEMPTION_READERS: &[Role] = &[Role::Clerk, Role::Supervisor];
/// Decide exemptions (the assessing authority).
pub const EXEMPTION_DECIDERS: &[Role] = &[Role::Supervisor];
/// Look up NemIDs in the register: clerks and bank staff for the person in front of them (every
/// look-up in the access log), supervisors all.
pub const NEMID_READERS: &[Role] = &[Role::Clerk, Role::Bank, Role::Supervisor];
/// Manage webhooks: clerks and bank users their office's, supervisors all.
pub const WEBHOOK_MANAGERS: &[Role] = &[Role::Clerk, Role::Bank, Role::Supervisor];

impl Role {
    /// The office kinds this role may belong to, for roles bound to one office: clerks work at a
    /// citizen service centre or at the online service (whose clerks handle returned letters of
    /// online orders), bank staff at a bank branch.
    pub fn required_office_kind(self) -> Option<&'static [OfficeKind]> {
        match self {
            Role::Clerk => Some(&[OfficeKind::CitizenServiceCentre, OfficeKind::OnlineService]),
            Role::Bank => Some(&[OfficeKind::BankBranch]),
            Role::Supervisor | Role::Admin => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_bind_to_office_kinds() {
        for &r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(
            Role::Clerk.required_office_kind(),
            Some(&[OfficeKind::CitizenServiceCentre, OfficeKind::OnlineService][..])
        );
        assert_eq!(Role::Bank.required_office_kind(), Some(&[OfficeKind::BankBranch][..]));
        assert_eq!(Role::Supervisor.required_office_kind(), None);
        assert_eq!(Role::Admin.required_office_kind(), None);
        assert_eq!(CASE_WORKERS, [Role::Clerk, Role::Bank]);
    }
}
