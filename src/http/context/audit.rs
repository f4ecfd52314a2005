//! Read audit: one access record for every response that reveals a full CPR number or an
//! address (single reads and changes of a case, exemption or NemID, search by CPR, subject access).
//!
//! A change records its access in its own transaction (`record`). A read collects its records in
//! `Reveals` and hands them to the access-log writer (`http::context::access_log`), which commits
//! the records of all reads waiting at that moment in one transaction; the answer is released
//! only after that commit (`Caller::read`).

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

/// One access record, owned (it may outlive the request's database closure).
#[derive(Debug, Clone)]
pub struct AccessRecord {
    actor_sub: String,
    actor_name: String,
    actor_role: &'static str,
    actor_office: Option<String>,
    subject_kind: &'static str,
    case_id: Option<Uuid>,
    exemption_id: Option<Uuid>,
    nemid_id: Option<Uuid>,
    cpr_index: String,
    endpoint: String,
    request_id: String,
}

impl AccessRecord {
    pub fn new(who: &Principal, moment: &Moment, subject: Subject<'_>) -> AccessRecord {
        let (subject_kind, case_id, exemption_id, nemid_id, cpr_index) = match subject {
            Subject::Case { id, cpr_index } => ("case", Some(id), None, None, cpr_index),
            Subject::Exemption { id, cpr_index } => ("exemption", None, Some(id), None, cpr_index),
            Subject::Nemid { id, cpr_index } => ("nemid", None, None, Some(id), cpr_index),
            Subject::CprSearch { cpr_index } => ("cpr_search", None, None, None, cpr_index),
            Subject::SubjectAccess { cpr_index } => ("subject_access", None, None, None, cpr_index),
        };
        AccessRecord {
            actor_sub: who.sub.clone(),
            actor_name: who.name.clone(),
            actor_role: who.role.as_str(),
            actor_office: who.office.as_ref().map(|o| o.code.clone()),
            subject_kind,
            case_id,
            exemption_id,
            nemid_id,
            cpr_index: cpr_index.to_string(),
            endpoint: moment.endpoint.clone(),
            request_id: moment.request_id.clone(),
        }
    }

    pub fn as_new(&self) -> NewAccess<'_> {
        NewAccess {
            actor_sub: &self.actor_sub,
            actor_name: &self.actor_name,
            actor_role: self.actor_role,
            actor_office: self.actor_office.as_deref(),
            subject_kind: self.subject_kind,
            case_id: self.case_id,
            exemption_id: self.exemption_id,
            nemid_id: self.nemid_id,
            cpr_index: Some(&self.cpr_index),
            endpoint: &self.endpoint,
            request_id: &self.request_id,
        }
    }
}

/// Records an access inside a change's own transaction.
pub fn record(conn: &mut PgConnection, who: &Principal, moment: &Moment, subject: Subject<'_>) -> ApiResult<()> {
    access::record(conn, &AccessRecord::new(who, moment, subject).as_new())?;
    Ok(())
}

/// What a read revealed, to be recorded before its answer is sent (`Caller::read`).
#[derive(Debug, Default)]
pub struct Reveals(Vec<AccessRecord>);

impl Reveals {
    pub fn add(&mut self, who: &Principal, moment: &Moment, subject: Subject<'_>) {
        self.0.push(AccessRecord::new(who, moment, subject));
    }

    pub fn into_records(self) -> Vec<AccessRecord> {
        self.0
    }
}
