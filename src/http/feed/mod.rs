//! `/api/v1/events`: the change feed for integrations.

pub mod list;
pub mod view;

pub use list::change_feed;
