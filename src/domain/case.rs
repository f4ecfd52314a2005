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
        BothHalvesPosted = "both_halves_posted",
        Returned = "returned",
        AwaitingCollection = "awaiting_collection",
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
    /// password). `online`: ordered online with a Danish passport or driving licence, both halves
    /// posted at once (docs/DOMAIN.md "Online order"); made by the online service, never at a desk.
    Kind {
        Standard = "standard",
        Express = "express",
        ReplacementCard = "replacement_card",
        NewPassword = "new_password",
        Online = "online",
    }
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
    /// How the applicant proved who they are at the identity check: valid photo ID with the yellow
    /// health card, or two secondary documents (one showing the CPR number) — then nothing is
    /// handed out at the desk and both halves are posted.
    IdentityRoute { PhotoId = "photo_id", SecondaryDocuments = "secondary_documents" }
}

text_enum! {
    /// Why post cannot reach the applicant: name and address protection, or no postal address that
    /// can be used. Nothing is posted; the card is held for collection at the office.
    PostalBlock { NameAddressProtection = "name_address_protection", NoUsableAddress = "no_usable_address" }
}

text_enum! {
    /// `desk` for a citizen service centre, `bank` for a bank branch (from the caller's office),
    /// `online` for an online order.
    Channel { Desk = "desk", Bank = "bank", Online = "online" }
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
    PostBoth,
    HoldForCollection,
    Collect,
    PostalBlock,
    Reject,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::IdentityCheck,
        Action::FirstHalf,
        Action::SecondHalf,
        Action::Returned,
        Action::Activation,
        Action::AccompanyingHolder,
        Action::IssueInFull,
        Action::CardHandout,
        Action::PasswordHandout,
        Action::PostBoth,
        Action::HoldForCollection,
        Action::Collect,
        Action::PostalBlock,
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
            Action::PostBoth => "post-both",
            Action::HoldForCollection => "hold-for-collection",
            Action::Collect => "collect",
            Action::PostalBlock => "postal-block",
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

/// What the transition table reads of a case: where it stands, its kind, how identity was
/// proven (once it was) and whether post can reach the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub status: Status,
    pub kind: Kind,
    pub route: Option<IdentityRoute>,
    pub postal_block: Option<PostalBlock>,
}

impl CaseFacts {
    pub fn new(status: Status, kind: Kind) -> CaseFacts {
        CaseFacts { status, kind, route: None, postal_block: None }
    }
}

impl CaseFacts {
    /// The situations of a case of `kind` in `status` that the table tells apart once identity
    /// is checked: each route, with post reaching the applicant or not.
    pub fn situations(status: Status, kind: Kind) -> [CaseFacts; 4] {
        let f = |route, postal_block| CaseFacts { status, kind, route: Some(route), postal_block };
        [
            f(IdentityRoute::PhotoId, None),
            f(IdentityRoute::PhotoId, Some(PostalBlock::NameAddressProtection)),
            f(IdentityRoute::SecondaryDocuments, None),
            f(IdentityRoute::SecondaryDocuments, Some(PostalBlock::NameAddressProtection)),
        ]
    }
}

/// The transition table: the state `action` leads to from the case's state for a case of its
/// kind, route and postal block, or `None` when the action is not allowed there.
pub fn transition(facts: CaseFacts, action: Action) -> Option<Status> {
    use Action as A;
    use Kind::*;
    use Status as S;
    let CaseFacts { status, kind, route, postal_block } = facts;
    // Before the identity check the route is unknown; nothing depends on it then.
    let documents = route == Some(IdentityRoute::SecondaryDocuments);
    let post = postal_block.is_none();
    match (action, status, kind) {
        (A::IdentityCheck, S::Opened, _) => Some(S::IdentityVerified),
        (A::Reject, S::Opened | S::IdentityVerified, _) => Some(S::Rejected),
        // Photo ID: first half at the desk, code card by post (or held for collection).
        (A::FirstHalf, S::IdentityVerified, Standard) if !documents => Some(S::FirstHalfIssued),
        (A::SecondHalf, S::FirstHalfIssued | S::Returned, Standard) if !documents && post => Some(S::SecondHalfPosted),
        (A::HoldForCollection, S::FirstHalfIssued | S::Returned, Standard) if !documents && !post => {
            Some(S::AwaitingCollection)
        }
        // Secondary documents: nothing at the desk, both halves by post (or held for collection).
        (A::PostBoth, S::IdentityVerified | S::Returned, Standard) if documents && post => Some(S::BothHalvesPosted),
        (A::HoldForCollection, S::IdentityVerified | S::Returned, Standard) if documents && !post => {
            Some(S::AwaitingCollection)
        }
        (A::Returned, S::SecondHalfPosted, Standard | ReplacementCard) => Some(S::Returned),
        (A::Returned, S::BothHalvesPosted, Standard | Online) => Some(S::Returned),
        (A::Activation, S::SecondHalfPosted, Standard | ReplacementCard) => Some(S::Completed),
        (A::Activation, S::BothHalvesPosted, Standard | Online) => Some(S::Completed),
        // An online order is posted when it is made; a returned letter is posted again.
        (A::PostBoth, S::Returned, Online) => Some(S::BothHalvesPosted),
        (A::Collect, S::AwaitingCollection, Standard | ReplacementCard) => Some(S::Completed),
        (A::AccompanyingHolder, S::IdentityVerified, Express) => Some(S::HolderVerified),
        (A::IssueInFull, S::HolderVerified, Express) => Some(S::Completed),
        // A replacement card is handed out at the desk (after photo ID), posted like a second half
        // or held for collection.
        (A::CardHandout, S::IdentityVerified, ReplacementCard) if !documents => Some(S::Completed),
        (A::SecondHalf, S::IdentityVerified | S::Returned, ReplacementCard) if post => Some(S::SecondHalfPosted),
        (A::HoldForCollection, S::IdentityVerified | S::Returned, ReplacementCard) if !post => {
            Some(S::AwaitingCollection)
        }
        (A::PasswordHandout, S::IdentityVerified, NewPassword) => Some(S::Completed),
        // Whether post reaches the applicant is a fact about them, corrected whenever it changes;
        // the case stays where it is.
        (A::PostalBlock, s, Standard | ReplacementCard) if !s.is_final() => Some(s),
        (A::Cancel, s, _) if !s.is_final() => Some(S::Cancelled),
        _ => None,
    }
}

/// Every action allowed for the case now, in table order.
pub fn allowed_actions(facts: CaseFacts) -> Vec<Action> {
    Action::ALL.into_iter().filter(|a| transition(facts, *a).is_some()).collect()
}

/// Why an action the table refuses is refused, when the reason is the case's route or postal
/// block rather than its state: a problem type and a sentence for the clerk. `None`: the state
/// does not allow it (the general refusal).
pub fn refusal(facts: CaseFacts, action: Action) -> Option<(&'static str, &'static str)> {
    if transition(facts, action).is_some() {
        return None;
    }
    let blocked = match facts.postal_block {
        Some(PostalBlock::NameAddressProtection) => {
            "the applicant has name and address protection: nothing is posted; hold the card for collection at the \
             desk (hold-for-collection)"
        }
        Some(PostalBlock::NoUsableAddress) => {
            "the applicant has no postal address that can be used: nothing is posted; hold the card for collection \
             at the desk (hold-for-collection)"
        }
        None => "",
    };
    let unblocked = CaseFacts { postal_block: None, ..facts };
    if facts.postal_block.is_some() && transition(unblocked, action).is_some() {
        return Some(("postal_blocked", blocked));
    }
    let with_photo = CaseFacts { route: Some(IdentityRoute::PhotoId), ..facts };
    if facts.route == Some(IdentityRoute::SecondaryDocuments) && transition(with_photo, action).is_some() {
        return Some((
            "no_desk_handout",
            "identity was proven with secondary documents: nothing is handed out at the desk; post both halves \
             (post-both) or, for a replacement card, post it (second-half)",
        ));
    }
    let blocked_facts = CaseFacts { postal_block: Some(PostalBlock::NoUsableAddress), ..facts };
    if action == Action::HoldForCollection
        && facts.postal_block.is_none()
        && transition(blocked_facts, action).is_some()
    {
        return Some((
            "post_reaches_applicant",
            "a card is held for collection only when post cannot reach the applicant: record that first \
             (postal-block), or post it",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Kind::*;
    use Status as S;

    /// Which routes and postal situations a row of the expected table holds for.
    #[derive(Clone, Copy, PartialEq)]
    enum R {
        Any,
        /// Photo ID, or not checked yet.
        Photo,
        Docs,
    }
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        Post,
        Blocked,
    }

    /// The expected table, written out so every (state, kind, route, postal block, action) is
    /// checked against an independent statement of the rules.
    fn expected(f: CaseFacts, action: Action) -> Option<Status> {
        use P::{Blocked, Post};
        use R::{Docs, Photo};
        let mut table: Vec<(Action, Status, Kind, R, P, Status)> = vec![
            // Replacement card: handed out (photo ID only), posted, or held for collection.
            (A::CardHandout, S::IdentityVerified, ReplacementCard, Photo, P::Any, S::Completed),
            (A::SecondHalf, S::IdentityVerified, ReplacementCard, R::Any, Post, S::SecondHalfPosted),
            (A::SecondHalf, S::Returned, ReplacementCard, R::Any, Post, S::SecondHalfPosted),
            (A::HoldForCollection, S::IdentityVerified, ReplacementCard, R::Any, Blocked, S::AwaitingCollection),
            (A::HoldForCollection, S::Returned, ReplacementCard, R::Any, Blocked, S::AwaitingCollection),
            (A::Returned, S::SecondHalfPosted, ReplacementCard, R::Any, P::Any, S::Returned),
            (A::Activation, S::SecondHalfPosted, ReplacementCard, R::Any, P::Any, S::Completed),
            (A::Collect, S::AwaitingCollection, ReplacementCard, R::Any, P::Any, S::Completed),
            // New password: handed out at the desk only.
            (A::PasswordHandout, S::IdentityVerified, NewPassword, R::Any, P::Any, S::Completed),
            // Standard with photo ID.
            (A::FirstHalf, S::IdentityVerified, Standard, Photo, P::Any, S::FirstHalfIssued),
            (A::SecondHalf, S::FirstHalfIssued, Standard, Photo, Post, S::SecondHalfPosted),
            (A::SecondHalf, S::Returned, Standard, Photo, Post, S::SecondHalfPosted),
            (A::HoldForCollection, S::FirstHalfIssued, Standard, Photo, Blocked, S::AwaitingCollection),
            (A::HoldForCollection, S::Returned, Standard, Photo, Blocked, S::AwaitingCollection),
            (A::Returned, S::SecondHalfPosted, Standard, R::Any, P::Any, S::Returned),
            (A::Activation, S::SecondHalfPosted, Standard, R::Any, P::Any, S::Completed),
            // Standard with secondary documents.
            (A::PostBoth, S::IdentityVerified, Standard, Docs, Post, S::BothHalvesPosted),
            (A::PostBoth, S::Returned, Standard, Docs, Post, S::BothHalvesPosted),
            (A::HoldForCollection, S::IdentityVerified, Standard, Docs, Blocked, S::AwaitingCollection),
            (A::HoldForCollection, S::Returned, Standard, Docs, Blocked, S::AwaitingCollection),
            (A::Returned, S::BothHalvesPosted, Standard, R::Any, P::Any, S::Returned),
            (A::Activation, S::BothHalvesPosted, Standard, R::Any, P::Any, S::Completed),
            (A::Collect, S::AwaitingCollection, Standard, R::Any, P::Any, S::Completed),
            // Express.
            (A::AccompanyingHolder, S::IdentityVerified, Express, R::Any, P::Any, S::HolderVerified),
            (A::IssueInFull, S::HolderVerified, Express, R::Any, P::Any, S::Completed),
            // Online: posted when made; returned, posted again, activated.
            (A::Returned, S::BothHalvesPosted, Online, R::Any, P::Any, S::Returned),
            (A::PostBoth, S::Returned, Online, R::Any, P::Any, S::BothHalvesPosted),
            (A::Activation, S::BothHalvesPosted, Online, R::Any, P::Any, S::Completed),
        ];
        for &k in Kind::ALL {
            table.push((A::IdentityCheck, S::Opened, k, R::Any, P::Any, S::IdentityVerified));
            table.push((A::Reject, S::Opened, k, R::Any, P::Any, S::Rejected));
            table.push((A::Reject, S::IdentityVerified, k, R::Any, P::Any, S::Rejected));
            for &s in Status::ALL.iter().filter(|s| !matches!(s, S::Completed | S::Cancelled | S::Rejected)) {
                table.push((A::Cancel, s, k, R::Any, P::Any, S::Cancelled));
                if matches!(k, Standard | ReplacementCard) {
                    table.push((A::PostalBlock, s, k, R::Any, P::Any, s));
                }
            }
        }
        let route_ok = |r: R| match r {
            R::Any => true,
            R::Photo => f.route != Some(IdentityRoute::SecondaryDocuments),
            R::Docs => f.route == Some(IdentityRoute::SecondaryDocuments),
        };
        let post_ok = |p: P| match p {
            P::Any => true,
            P::Post => f.postal_block.is_none(),
            P::Blocked => f.postal_block.is_some(),
        };
        table
            .iter()
            .find(|(a, s, k, r, p, _)| *a == action && *s == f.status && *k == f.kind && route_ok(*r) && post_ok(*p))
            .map(|t| t.5)
    }

    fn all_facts() -> Vec<CaseFacts> {
        let mut out = Vec::new();
        for &status in Status::ALL {
            for &kind in Kind::ALL {
                for route in [None, Some(IdentityRoute::PhotoId), Some(IdentityRoute::SecondaryDocuments)] {
                    for postal_block in
                        [None, Some(PostalBlock::NameAddressProtection), Some(PostalBlock::NoUsableAddress)]
                    {
                        out.push(CaseFacts { status, kind, route, postal_block });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_state_kind_route_block_action() {
        let mut allowed = 0;
        for f in all_facts() {
            for action in Action::ALL {
                assert_eq!(transition(f, action), expected(f, action), "{action:?} for {f:?}");
                allowed += usize::from(transition(f, action).is_some());
            }
        }
        // Counted by hand over 3 routes (unknown, photo, documents) × 3 postal situations = 9:
        // identity check 5 kinds × 9; reject 2 states × 5 × 9; cancel 8 open states × 5 × 9;
        // postal block 8 × 2 kinds × 9; express 2 × 9; new password 9; replacement card: handout
        // 2 routes × 3, post 2 states × 3 routes, hold 2 × 3 × 2 blocks, returned, activation and
        // collect 3 × 9; standard photo: first half 2 × 3, post 2 × 2, hold 2 × 2 × 2, returned and
        // activation 2 × 9; standard documents: post both 2, hold 2 × 2, returned, activation and
        // collect 3 × 9; online: returned, post both and activation 3 × 9.
        let count = 45 + 90 + 360 + 144 + 18 + 9 + (6 + 6 + 12 + 27) + (6 + 4 + 8 + 18) + (2 + 4 + 27) + 27;
        assert_eq!(allowed, count);
    }

    #[test]
    fn final_states_allow_nothing() {
        for f in all_facts().into_iter().filter(|f| f.status.is_final()) {
            assert!(allowed_actions(f).is_empty(), "{f:?}");
        }
        assert_eq!(Status::ALL.iter().filter(|s| s.is_final()).count(), 3);
    }

    #[test]
    fn allowed_actions_follow_the_table() {
        let f = |status, kind| CaseFacts::new(status, kind);
        let photo = |status, kind| CaseFacts { route: Some(IdentityRoute::PhotoId), ..f(status, kind) };
        let docs = |status, kind| CaseFacts { route: Some(IdentityRoute::SecondaryDocuments), ..f(status, kind) };
        let held = |c: CaseFacts| CaseFacts { postal_block: Some(PostalBlock::NameAddressProtection), ..c };
        assert_eq!(
            allowed_actions(f(S::Opened, Standard)),
            vec![A::IdentityCheck, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(allowed_actions(f(S::Opened, Express)), vec![A::IdentityCheck, A::Reject, A::Cancel]);
        assert_eq!(
            allowed_actions(photo(S::IdentityVerified, Standard)),
            vec![A::FirstHalf, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(
            allowed_actions(docs(S::IdentityVerified, Standard)),
            vec![A::PostBoth, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(
            allowed_actions(held(docs(S::IdentityVerified, Standard))),
            vec![A::HoldForCollection, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(
            allowed_actions(held(photo(S::FirstHalfIssued, Standard))),
            vec![A::HoldForCollection, A::PostalBlock, A::Cancel]
        );
        assert_eq!(
            allowed_actions(photo(S::AwaitingCollection, ReplacementCard)),
            vec![A::Collect, A::PostalBlock, A::Cancel]
        );
        assert_eq!(
            allowed_actions(photo(S::IdentityVerified, ReplacementCard)),
            vec![A::SecondHalf, A::CardHandout, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(
            allowed_actions(docs(S::IdentityVerified, ReplacementCard)),
            vec![A::SecondHalf, A::PostalBlock, A::Reject, A::Cancel]
        );
        assert_eq!(
            allowed_actions(photo(S::IdentityVerified, NewPassword)),
            vec![A::PasswordHandout, A::Reject, A::Cancel]
        );
        assert!(Kind::ReplacementCard.is_service() && Kind::NewPassword.is_service());
        assert!(!Kind::Standard.is_service() && !Kind::Express.is_service());
        assert!(ReplacementReason::Lost.revokes_old_card() && ReplacementReason::Stolen.revokes_old_card());
        assert!(!ReplacementReason::Damaged.revokes_old_card() && !ReplacementReason::UsedUp.revokes_old_card());
    }

    #[test]
    fn refusals_say_why_when_the_route_or_the_post_is_the_reason() {
        let docs = CaseFacts {
            route: Some(IdentityRoute::SecondaryDocuments),
            ..CaseFacts::new(S::IdentityVerified, Standard)
        };
        assert_eq!(refusal(docs, A::FirstHalf).map(|r| r.0), Some("no_desk_handout"));
        assert_eq!(refusal(docs, A::PostBoth), None, "allowed");
        let blocked = CaseFacts { postal_block: Some(PostalBlock::NoUsableAddress), ..docs };
        assert_eq!(refusal(blocked, A::PostBoth).map(|r| r.0), Some("postal_blocked"));
        assert!(refusal(blocked, A::PostBoth).unwrap().1.contains("hold-for-collection"));
        assert_eq!(refusal(docs, A::HoldForCollection).map(|r| r.0), Some("post_reaches_applicant"));
        let rc = CaseFacts {
            route: Some(IdentityRoute::SecondaryDocuments),
            ..CaseFacts::new(S::IdentityVerified, ReplacementCard)
        };
        assert_eq!(refusal(rc, A::CardHandout).map(|r| r.0), Some("no_desk_handout"));
        // A state that does not allow the action gets the general refusal.
        assert_eq!(refusal(CaseFacts::new(S::Opened, Standard), A::SecondHalf), None);
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
