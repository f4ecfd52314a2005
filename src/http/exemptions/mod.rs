//! `/api/v1/exemptions`: exemption from Digital Post, registered at a citizen service centre and
//! decided by a supervisor. Shares the cases' machinery: `Idempotency-Key`, `If-Match`, events.

pub mod access;
pub mod act;
pub mod create;
pub mod documents;
pub mod get;
pub mod search;
pub mod view;

pub use act::{decide_exemption, list_exemption_events, revoke_exemption};
pub use create::create_exemption;
pub use documents::exemption_document;
pub use get::get_exemption;
pub use search::search_exemptions;
