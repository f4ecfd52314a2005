//! The case lifecycle: states, kinds, actions and the one table of which action is allowed in
//! which state for which kind (docs/DOMAIN.md "Case lifecycle").

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

text_enum! {
    /// Where a case stands.
    Status {
        Opened = "opened",
        IdentityVerified = "identity_verified",
        FirstHalfIssued = "first_half_issued",
        SecondHalfPosted = "second_half_posted",
        Returned = "returned",
        HolderVerified = "holder_verified",
        Completed = "completed",
        Cancelled = "cancelled",
        Rejected = "rejected",
    }
}

text_enum! {
    /// Chosen when the case is opened. First issuance: `standard` posts the code card, `express`
    /// hands out both halves at once with an accompanying NemID holder. Service cases, for someone
    /// who has NemID: `replacement_card` (a new code card) and `new_password` (a new temporary
    /// password).
    Kind { Standard = "standard", Express = "express", ReplacementCard = "replacement_card", NewPassword = "new_password" }
}

impl Kind {
    /// A service case is about a NemID the person already has (docs/DOMAIN.md "Service cases").
    pub fn is_service(self) -> bool {
        matches!(self, Kind::ReplacementCard | Kind::NewPassword)
    }
}

text_enum! {
    /// Why a replacement code card is wanted. `lost` and `stolen` revoke the old card when the
    /// case is opened.
    ReplacementReason { Lost = "lost", Stolen = "stolen", Damaged = "damaged", UsedUp = "used_up" }
}

impl ReplacementReason {
    /// The old card may be in someone else's hands: it is revoked at once, whatever follows.
    pub fn revokes_old_card(self) -> bool {
        matches!(self, ReplacementReason::Lost | ReplacementReason::Stolen)
    }
}

text_enum! {
    /// `desk` for a citizen service centre, `bank` for a bank branch; from the caller's office.
    Channel { Desk = "desk", Bank = "bank" }
}

/// The actions on an open case, as named in the URL (`POST /cases/{id}/<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    IdentityCheck,
    FirstHalf,
    SecondHalf,
    Returned,
    Activation,
    AccompanyingHolder,
    IssueInFull,
    CardHandout,
    PasswordHandout,
    Reject,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::IdentityCheck,
        Action::FirstHalf,
        Action::SecondHalf,
        Action::Returned,
        Action::Activation,
        Action::AccompanyingHolder,
        Action::IssueInFull,
        Action::CardHandout,
        Action::PasswordHandout,
        Action::Reject,
        Action::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::IdentityCheck => "identity-check",
            Action::FirstHalf => "first-half",
            Action::SecondHalf => "second-half",
            Action::Returned => "returned",
            Action::Activation => "activation",
            Action::AccompanyingHolder => "accompanying-holder",
            Action::IssueInFull => "issue-in-full",
            Action::CardHandout => "card-handout",
            Action::PasswordHandout => "password-handout",
            Action::Reject => "reject",
            Action::Cancel => "cancel",
        }
    }
}

impl Status {
    /// Nothing moves out of a final state.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled | Status::Rejected)
    }
}

/// The transition table: the state `action` leads to from `status` for a case of `kind`, or
/// `None` when the action is not allowed there.
pub fn transition(status: Status, kind: Kind, action: Action) -> Option<Status> {
    use Action as A;
    use Kind::*;
    use Status as S;
    match (action, status, kind) {
        (A::IdentityCheck, S::Opened, _) => Some(S::IdentityVerified),
        (A::Reject, S::Opened, _) => Some(S::Rejected),
        (A::FirstHalf, S::IdentityVerified, Standard) => Some(S::FirstHalfIssued),
        (A::SecondHalf, S::FirstHalfIssued | S::Returned, Standard) => Some(S::SecondHalfPosted),
        (A::Returned, S::SecondHalfPosted, Standard | ReplacementCard) => Some(S::Returned),
        (A::Activation, S::SecondHalfPosted, Standard | ReplacementCard) => Some(S::Completed),
        (A::AccompanyingHolder, S::IdentityVerified, Express) => Some(S::HolderVerified),
        (A::IssueInFull, S::HolderVerified, Express) => Some(S::Completed),
        // A replacement card is handed out at the desk or posted like a second half.
        (A::CardHandout, S::IdentityVerified, ReplacementCard) => Some(S::Completed),
        (A::SecondHalf, S::IdentityVerified | S::Returned, ReplacementCard) => Some(S::SecondHalfPosted),
        (A::PasswordHandout, S::IdentityVerified, NewPassword) => Some(S::Completed),
        (A::Cancel, s, _) if !s.is_final() => Some(S::Cancelled),
        _ => None,
    }
}

/// Every action allowed in `status` for `kind`, in table order.
pub fn allowed_actions(status: Status, kind: Kind) -> Vec<Action> {
    Action::ALL.into_iter().filter(|a| transition(status, kind, *a).is_some()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Kind::*;
    use Status as S;

    /// The expected table, written out in full so every (state, kind, action) triple is checked
    /// against an independent statement of the rules.
    fn expected(status: Status, kind: Kind, action: Action) -> Option<Status> {
        let table: &[(Action, Status, Kind, Status)] = &[
            (A::IdentityCheck, S::Opened, Standard, S::IdentityVerified),
            (A::IdentityCheck, S::Opened, Express, S::IdentityVerified),
            (A::IdentityCheck, S::Opened, ReplacementCard, S::IdentityVerified),
            (A::IdentityCheck, S::Opened, NewPassword, S::IdentityVerified),
            (A::Reject, S::Opened, Standard, S::Rejected),
            (A::Reject, S::Opened, Express, S::Rejected),
            (A::Reject, S::Opened, ReplacementCard, S::Rejected),
            (A::Reject, S::Opened, NewPassword, S::Rejected),
            // Replacement card: handed out, or posted (returned, re-posted, activated).
            (A::CardHandout, S::IdentityVerified, ReplacementCard, S::Completed),
            (A::SecondHalf, S::IdentityVerified, ReplacementCard, S::SecondHalfPosted),
            (A::SecondHalf, S::Returned, ReplacementCard, S::SecondHalfPosted),
            (A::Returned, S::SecondHalfPosted, ReplacementCard, S::Returned),
            (A::Activation, S::SecondHalfPosted, ReplacementCard, S::Completed),
            // New password: handed out at the desk only.
            (A::PasswordHandout, S::IdentityVerified, NewPassword, S::Completed),
            (A::FirstHalf, S::IdentityVerified, Standard, S::FirstHalfIssued),
            (A::SecondHalf, S::FirstHalfIssued, Standard, S::SecondHalfPosted),
            (A::SecondHalf, S::Returned, Standard, S::SecondHalfPosted),
            (A::Returned, S::SecondHalfPosted, Standard, S::Returned),
            (A::Activation, S::SecondHalfPosted, Standard, S::Completed),
            (A::AccompanyingHolder, S::IdentityVerified, Express, S::HolderVerified),
            (A::IssueInFull, S::HolderVerified, Express, S::Completed),
            (A::Cancel, S::Opened, Standard, S::Cancelled),
            (A::Cancel, S::Opened, Express, S::Cancelled),
            (A::Cancel, S::IdentityVerified, Standard, S::Cancelled),
            (A::Cancel, S::IdentityVerified, Express, S::Cancelled),
            (A::Cancel, S::FirstHalfIssued, Standard, S::Cancelled),
            (A::Cancel, S::SecondHalfPosted, Standard, S::Cancelled),
            (A::Cancel, S::Returned, Standard, S::Cancelled),
            (A::Cancel, S::HolderVerified, Express, S::Cancelled),
            // States a case of the other kind never reaches still only allow cancel.
            (A::Cancel, S::FirstHalfIssued, Express, S::Cancelled),
            (A::Cancel, S::SecondHalfPosted, Express, S::Cancelled),
            (A::Cancel, S::Returned, Express, S::Cancelled),
            (A::Cancel, S::HolderVerified, Standard, S::Cancelled),
            (A::Cancel, S::Opened, ReplacementCard, S::Cancelled),
            (A::Cancel, S::IdentityVerified, ReplacementCard, S::Cancelled),
            (A::Cancel, S::SecondHalfPosted, ReplacementCard, S::Cancelled),
            (A::Cancel, S::Returned, ReplacementCard, S::Cancelled),
            (A::Cancel, S::FirstHalfIssued, ReplacementCard, S::Cancelled),
            (A::Cancel, S::HolderVerified, ReplacementCard, S::Cancelled),
            (A::Cancel, S::Opened, NewPassword, S::Cancelled),
            (A::Cancel, S::IdentityVerified, NewPassword, S::Cancelled),
            (A::Cancel, S::FirstHalfIssued, NewPassword, S::Cancelled),
            (A::Cancel, S::SecondHalfPosted, NewPassword, S::Cancelled),
            (A::Cancel, S::Returned, NewPassword, S::Cancelled),
            (A::Cancel, S::HolderVerified, NewPassword, S::Cancelled),
        ];
        table.iter().find(|(a, s, k, _)| *a == action && *s == status && *k == kind).map(|t| t.3)
    }

    #[test]
    fn every_state_kind_action_triple() {
        let mut allowed = 0;
        for &status in Status::ALL {
            for &kind in Kind::ALL {
                for action in Action::ALL {
                    assert_eq!(
                        transition(status, kind, action),
                        expected(status, kind, action),
                        "{action:?} in {status:?} ({kind:?})"
                    );
                    allowed += usize::from(transition(status, kind, action).is_some());
                }
            }
        }
        assert_eq!(allowed, 23 + 4 + 6 + 12);
    }

    #[test]
    fn final_states_allow_nothing() {
        for s in [S::Completed, S::Cancelled, S::Rejected] {
            assert!(s.is_final());
            for &k in Kind::ALL {
                assert!(allowed_actions(s, k).is_empty());
            }
        }
        assert_eq!(Status::ALL.iter().filter(|s| s.is_final()).count(), 3);
    }

    #[test]
    fn allowed_actions_follow_the_table() {
        assert_eq!(allowed_actions(S::Opened, Standard), vec![A::IdentityCheck, A::Reject, A::Cancel]);
        assert_eq!(allowed_actions(S::IdentityVerified, Standard), vec![A::FirstHalf, A::Cancel]);
        assert_eq!(allowed_actions(S::IdentityVerified, Express), vec![A::AccompanyingHolder, A::Cancel]);
        assert_eq!(allowed_actions(S::SecondHalfPosted, Standard), vec![A::Returned, A::Activation, A::Cancel]);
        assert_eq!(allowed_actions(S::Returned, Standard), vec![A::SecondHalf, A::Cancel]);
        assert_eq!(
            allowed_actions(S::IdentityVerified, ReplacementCard),
            vec![A::SecondHalf, A::CardHandout, A::Cancel]
        );
        assert_eq!(allowed_actions(S::IdentityVerified, NewPassword), vec![A::PasswordHandout, A::Cancel]);
        assert!(Kind::ReplacementCard.is_service() && Kind::NewPassword.is_service());
        assert!(!Kind::Standard.is_service() && !Kind::Express.is_service());
        assert!(ReplacementReason::Lost.revokes_old_card() && ReplacementReason::Stolen.revokes_old_card());
        assert!(!ReplacementReason::Damaged.revokes_old_card() && !ReplacementReason::UsedUp.revokes_old_card());
    }

    #[test]
    fn names_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for &k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for &c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        assert_eq!(Status::parse("done"), None);
    }
}
