//! The pure domain core: rules and states, no I/O. "Today" and "now" are always arguments.

/// A closed set of names stored as text (with a CHECK constraint in the database) and sent as
/// snake_case JSON strings. Rows carry these types directly: the derives mark them as SQL text,
/// and `store::text` converts them to and from the column (an unknown stored value is a
/// deserialisation error there, never a string for a handler to parse again).
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod case;
pub mod clock;
pub mod cpr;
pub mod exemption;
pub mod nemid;
pub mod office;
pub mod online;
pub mod refusal;
pub mod role;
pub mod rules;
pub mod stats;
pub mod webhook;

use serde::Serialize;
use utoipa::ToSchema;

// A rule broken by one input field. The domain's checks return these, and the problem
// document's `errors` entries are the same values (`FieldError` in the OpenAPI document).
/// One field that failed validation, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldIssue {
    /// JSON path of the field, e.g. `applicant.address.postal_code`.
    pub field: String,
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
