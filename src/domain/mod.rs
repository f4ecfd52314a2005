//! The pure domain core: rules and states, no I/O. "Today" and "now" are always arguments.

pub mod case;
pub mod clock;
pub mod cpr;
pub mod office;
pub mod role;
pub mod rules;
pub mod stats;

/// A rule broken by one input field: which field (JSON path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: String,
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
