//! Domain enums in text columns: every `text_enum!` type is read and written as its name. The
//! columns keep their CHECK constraints, so an unknown stored value cannot exist; if one did, the
//! row would fail to load here with the column's type and value named, never reach a handler.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::case::{Channel, IdentityRoute, Kind, PostalBlock, ReplacementReason, Status};
use crate::domain::exemption::{Declaration, ExemptionReason, ExemptionStatus};
use crate::domain::nemid::{CardIssue, CardState, NemidState};
use crate::domain::office::OfficeKind;
use crate::domain::online::{DocumentType, OrderOutcome};
use crate::domain::refusal::{Refusal, RefusalReason};
use crate::domain::role::Role;
use crate::domain::webhook::DeliveryStatus;

macro_rules! text_column {
    ($($t:ident),+ $(,)?) => {$(
        impl FromSql<Text, Pg> for $t {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let s = std::str::from_utf8(value.as_bytes())?;
                $t::parse(s).ok_or_else(|| format!("unknown {} `{s}` in a text column", stringify!($t)).into())
            }
        }

        impl ToSql<Text, Pg> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }
    )+};
}

text_column!(
    Status,
    Kind,
    Channel,
    ExemptionStatus,
    ExemptionReason,
    Declaration,
    OfficeKind,
    DeliveryStatus,
    Role,
    NemidState,
    CardState,
    CardIssue,
    ReplacementReason,
    IdentityRoute,
    PostalBlock,
    RefusalReason,
    DocumentType,
    OrderOutcome
);

/// A refusal decision in its jsonb column: written and read as the domain's value.
impl FromSql<diesel::sql_types::Jsonb, Pg> for Refusal {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let json = <serde_json::Value as FromSql<diesel::sql_types::Jsonb, Pg>>::from_sql(value)?;
        serde_json::from_value(json).map_err(|e| format!("a refusal that does not read back: {e}").into())
    }
}

impl ToSql<diesel::sql_types::Jsonb, Pg> for Refusal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // jsonb's binary format: version 1, then the text.
        out.write_all(&[1])?;
        serde_json::to_writer(&mut *out, self)?;
        Ok(IsNull::No)
    }
}
