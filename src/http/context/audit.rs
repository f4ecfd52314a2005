//! Read audit: one access record for every response that reveals a full CPR number or an
//! address (single reads and changes of a case, exemption or NemID, search by CPR, subject access).

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::http::context::moment::Moment;
use crate::http::error::ApiResult;
use crate::store::access::{self, NewAccess};

/// What a response revealed.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Case { id: Uuid, cpr_index: &'a str },
    Exemption { id: Uuid, cpr_index: &'a str },
    Nemid { id: Uuid, cpr_index: &'a str },
    CprSearch { cpr_index: &'a str },
    SubjectAccess { cpr_index: &'a str },
}

pub fn record(conn: &mut PgConnection, who: &Principal, moment: &Moment, subject: Subject<'_>) -> ApiResult<()> {
    let (kind, case_id, exemption_id, nemid_id, cpr_index) = match subject {
        Subject::Case { id, cpr_index } => ("case", Some(id), None, None, cpr_index),
        Subject::Exemption { id, cpr_index } => ("exemption", None, Some(id), None, cpr_index),
        Subject::Nemid { id, cpr_index } => ("nemid", None, None, Some(id), cpr_index),
        Subject::CprSearch { cpr_index } => ("cpr_search", None, None, None, cpr_index),
        Subject::SubjectAccess { cpr_index } => ("subject_access", None, None, None, cpr_index),
    };
    access::record(
        conn,
        &NewAccess {
            actor_sub: &who.sub,
            actor_name: &who.name,
            actor_role: who.role.as_str(),
            actor_office: who.office.as_ref().map(|o| o.code.as_str()),
            subject_kind: kind,
            case_id,
            exemption_id,
            nemid_id,
            cpr_index: Some(cpr_index),
            endpoint: &moment.endpoint,
            request_id: &moment.request_id,
        },
    )?;
    Ok(())
}
