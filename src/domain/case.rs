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
    /// Chosen when the case is opened: `standard` posts the code card, `express` hands out both
    /// halves at once with an accompanying NemID holder.
    Kind { Standard = "standard", Express = "express" }
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
    Reject,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::IdentityCheck,
        Action::FirstHalf,
        Action::SecondHalf,
        Action::Returned,
        Action::Activation,
        Action::AccompanyingHolder,
        Action::IssueInFull,
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
        (A::Returned, S::SecondHalfPosted, Standard) => Some(S::Returned),
        (A::Activation, S::SecondHalfPosted, Standard) => Some(S::Completed),
        (A::AccompanyingHolder, S::IdentityVerified, Express) => Some(S::HolderVerified),
        (A::IssueInFull, S::HolderVerified, Express) => Some(S::Completed),
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
            (A::Reject, S::Opened, Standard, S::Rejected),
            (A::Reject, S::Opened, Express, S::Rejected),
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
        assert_eq!(allowed, 23);
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
