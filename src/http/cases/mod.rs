//! `/api/v1/cases`: opening cases, reading them, searching, and the actions of the lifecycle.

pub mod access;
pub mod actions;
pub mod create;
pub mod documents;
pub mod events;
pub mod get;
pub mod open;
pub mod perform;
pub mod search;
pub mod service;
pub mod view;

pub use actions::{
    accompanying_holder, activation, cancel, card_handout, collect, first_half, hold_for_collection, identity_check,
    issue_in_full, password_handout, post_both, postal_block, reject, returned, second_half,
};
pub use create::create_case;
pub use documents::case_document;
pub use events::list_case_events;
pub use get::get_case;
pub use search::{list_cases, search_cases};
