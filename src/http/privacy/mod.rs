//! Data protection endpoints for supervisors: the access log, and subject access (GDPR art. 15).

pub mod access_log;
pub mod subject;
pub mod view;

pub use access_log::search_access_log;
pub use subject::subject_access;
