//! `/api/v1/nemids`: the NemID register (docs/DOMAIN.md "The NemID register"): look-ups by number
//! and by CPR number, a NemID's events, and block, unblock, revoke. `register` is what changes
//! it, whoever causes the change; first issuance (`http::cases`) drives it through that module.

pub mod access;
pub mod act;
pub mod read;
pub mod register;
pub mod view;

pub use act::{block_nemid, revoke_nemid, unblock_nemid};
pub use read::{get_nemid, list_nemid_events, search_nemids};
