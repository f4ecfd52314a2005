//! The NemID register (docs/DOMAIN.md "The NemID register"): a NemID's states, its code cards,
//! and which of the register's own actions (block, unblock, revoke) is allowed in which state.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::role::Role;

text_enum! {
    /// Where a NemID stands. `pending`: the first half is handed out, not yet activated;
    /// `active` from its activation day; `blocked`: temporarily locked; `revoked`: final.
    NemidState { Pending = "pending", Active = "active", Blocked = "blocked", Revoked = "revoked" }
}

text_enum! {
    /// A code card: `in_transit` (posted), `held` (waiting at a desk), `active`, `revoked`.
    CardState { InTransit = "in_transit", Held = "held", Active = "active", Revoked = "revoked" }
}

text_enum! {
    /// How a code card reached (or is to reach) its holder.
    CardIssue { Handout = "handout", Post = "post", Import = "import" }
}

text_enum! {
    /// Why a NemID is blocked.
    BlockReason { HolderRequest = "holder_request", SuspectedMisuse = "suspected_misuse", LostCard = "lost_card" }
}

/// What happened to a NemID, as its events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// First half handed out (pending), or issued in full (active at once).
    Create,
    /// Issued before this system, loaded by `nemid-desk import-nemids`.
    Import,
    /// The code card was posted.
    CardPosted,
    /// The code card waits at the office for its holder to collect it.
    CardHeld,
    /// Activated: the code card arrived and was used, or both halves were handed out.
    Activate,
    Block,
    Unblock,
    Revoke,
    /// A code card revoked while the NemID stays as it is (lost or stolen, or a posted
    /// replacement whose case was cancelled).
    CardRevoked,
    /// A replacement code card handed out at the desk, active at once.
    CardIssued,
    /// A posted replacement code card arrived and was used.
    CardActivated,
    /// A new temporary password handed out: the NemID is active again.
    PasswordIssued,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Import => "import",
            Change::CardPosted => "card_posted",
            Change::CardHeld => "card_held",
            Change::Activate => "activate",
            Change::Block => "block",
            Change::Unblock => "unblock",
            Change::Revoke => "revoke",
            Change::CardRevoked => "card_revoked",
            Change::CardIssued => "card_issued",
            Change::CardActivated => "card_activated",
            Change::PasswordIssued => "password_issued",
        }
    }
}

/// The register's own actions, as named in the URL (`POST /nemids/{number}/<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NemidAction {
    Block,
    Unblock,
    Revoke,
}

impl NemidAction {
    pub const ALL: [NemidAction; 3] = [NemidAction::Block, NemidAction::Unblock, NemidAction::Revoke];

    pub fn as_str(self) -> &'static str {
        match self {
            NemidAction::Block => "block",
            NemidAction::Unblock => "unblock",
            NemidAction::Revoke => "revoke",
        }
    }

    pub fn change(self) -> Change {
        match self {
            NemidAction::Block => Change::Block,
            NemidAction::Unblock => Change::Unblock,
            NemidAction::Revoke => Change::Revoke,
        }
    }

    /// Clerks and bank staff act for the person in front of them; supervisors block and revoke
    /// anywhere, but unblocking needs the holder's identity checked at a desk.
    pub fn roles(self) -> &'static [Role] {
        match self {
            NemidAction::Block | NemidAction::Revoke => &[Role::Clerk, Role::Bank, Role::Supervisor],
            NemidAction::Unblock => &[Role::Clerk, Role::Bank],
        }
    }
}

/// The state `action` leads to from `state`, or `None` where it is not allowed.
pub fn transition(state: NemidState, action: NemidAction) -> Option<NemidState> {
    use NemidState as S;
    match (action, state) {
        (NemidAction::Block, S::Active) => Some(S::Blocked),
        (NemidAction::Unblock, S::Blocked) => Some(S::Active),
        (NemidAction::Revoke, S::Pending | S::Active | S::Blocked) => Some(S::Revoked),
        _ => None,
    }
}

pub fn allowed_actions(state: NemidState) -> Vec<NemidAction> {
    NemidAction::ALL.into_iter().filter(|a| transition(state, *a).is_some()).collect()
}

/// A NemID number: nine digits.
pub fn is_number(s: &str) -> bool {
    s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use NemidAction as A;
    use NemidState as S;

    #[test]
    fn every_state_action_pair() {
        let expected = [
            (A::Block, S::Active, S::Blocked),
            (A::Unblock, S::Blocked, S::Active),
            (A::Revoke, S::Pending, S::Revoked),
            (A::Revoke, S::Active, S::Revoked),
            (A::Revoke, S::Blocked, S::Revoked),
        ];
        let mut allowed = 0;
        for &state in S::ALL {
            for action in A::ALL {
                let want = expected.iter().find(|(a, s, _)| *a == action && *s == state).map(|t| t.2);
                assert_eq!(transition(state, action), want, "{action:?} in {state:?}");
                allowed += usize::from(want.is_some());
            }
        }
        assert_eq!(allowed, 5);
        assert!(allowed_actions(S::Revoked).is_empty(), "revoked is final");
        assert_eq!(allowed_actions(S::Pending), vec![A::Revoke]);
    }

    #[test]
    fn numbers_are_nine_digits() {
        assert!(is_number("000000017"));
        for bad in ["00000001", "0000000170", "00000001a", "", "12345678 "] {
            assert!(!is_number(bad), "{bad}");
        }
    }
}
