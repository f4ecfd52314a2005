//! `nemid-desk import-nemids`: NemIDs issued before this system, loaded into the register from a
//! CSV file (docs/OPERATIONS.md "Importing the register"). Every row is checked first and every
//! bad one reported by line; then all rows load in one transaction, or none do. A row already in
//! the register with the same data is skipped, so a re-run loads nothing twice.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::domain::cpr::Cpr;
use crate::domain::nemid::{CardIssue, CardState, Change, NemidState, is_number};
use crate::store::nemids::{self, NewNemid, NewNemidEvent};
use crate::store::offices;
use crate::vault::CprVault;

/// The columns, in this order, with this header line.
pub const HEADER: [&str; 6] = ["number", "cpr", "name", "state", "active_since", "card_serial"];

/// One row as checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub number: String,
    pub cpr: Cpr,
    pub name: String,
    pub state: NemidState,
    pub active_since: Option<NaiveDate>,
    pub card_serial: Option<String>,
}

/// What went wrong on a line (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

fn problem(line: u64, field: &'static str, message: impl Into<String>) -> Problem {
    Problem { line, field, message: message.into() }
}

/// Reads and checks the whole file; the rows, or every problem found.
pub fn parse(text: &str, today: NaiveDate) -> Result<Vec<Row>, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut problems = Vec::new();
    match reader.headers() {
        Ok(h) if h.iter().eq(HEADER.iter().copied()) => {}
        _ => return Err(vec![problem(1, "header", format!("must be exactly {}", HEADER.join(",")))]),
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(problem(line, "row", "is not a row of six fields"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: usize| record.get(i).unwrap_or("");
        let before = problems.len();
        let number = field(0).to_string();
        if !is_number(&number) {
            problems.push(problem(line, "number", "must be nine digits"));
        } else if !seen.insert(number.clone()) {
            problems.push(problem(line, "number", "appears twice in the file"));
        }
        let cpr = Cpr::parse(field(1)).map_err(|e| problems.push(problem(line, "cpr", e))).ok();
        let name = field(2).to_string();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            problems.push(problem(line, "name", "must be 1 to 200 characters without control characters"));
        }
        let state = NemidState::parse(field(3));
        if state.is_none() {
            problems.push(problem(line, "state", "must be pending, active, blocked or revoked"));
        }
        let active_since = match field(4) {
            "" => None,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if d <= today => Some(d),
                Ok(_) => {
                    problems.push(problem(line, "active_since", "cannot be in the future"));
                    None
                }
                Err(_) => {
                    problems.push(problem(line, "active_since", "must be a date such as 2019-03-01"));
                    None
                }
            },
        };
        match (state, active_since, field(4)) {
            (Some(NemidState::Active | NemidState::Blocked), None, "") => {
                problems.push(problem(line, "active_since", "is required for an active or blocked NemID"))
            }
            (Some(NemidState::Pending), Some(_), _) => {
                problems.push(problem(line, "active_since", "must be empty for a pending NemID"))
            }
            _ => {}
        }
        let card_serial = match field(5) {
            "" => None,
            s if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) => Some(s.to_string()),
            _ => {
                problems.push(problem(line, "card_serial", "must be eight digits, or empty"));
                None
            }
        };
        if let Some(c) = &cpr
            && rows.iter().any(|r| r.cpr == *c && r.state != NemidState::Revoked)
            && state != Some(NemidState::Revoked)
        {
            problems.push(problem(line, "cpr", "this person has another NemID in the file that is not revoked"));
        }
        if problems.len() == before
            && let (Some(cpr), Some(state)) = (cpr, state)
        {
            rows.push(Row { line, number, cpr, name, state, active_since, card_serial });
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub imported: usize,
    pub already_there: usize,
}

/// Why nothing was loaded.
#[derive(Debug)]
pub enum Failure {
    Rows(Vec<Problem>),
    Office(String),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Database(e)
    }
}

/// Loads `rows` for the office `office_code`, in one transaction.
pub fn load(
    conn: &mut PgConnection,
    vault: &CprVault,
    office_code: &str,
    rows: &[Row],
    now: DateTime<Utc>,
) -> Result<Outcome, Failure> {
    let office = offices::find_by_code(conn, office_code)?
        .ok_or_else(|| Failure::Office(format!("no office has the code {office_code}")))?;
    let request_id = format!("import-{}", Uuid::now_v7());
    conn.transaction(|conn| {
        let mut outcome = Outcome::default();
        let mut problems = Vec::new();
        for r in rows {
            let index = vault.blind(&r.cpr.digits());
            if let Some(existing) = nemids::by_number(conn, &r.number)? {
                let same = existing.holder_cpr_index == index
                    && existing.state == r.state
                    && existing.active_since == r.active_since
                    && existing.holder_name == r.name;
                if same {
                    outcome.already_there += 1;
                } else {
                    problems.push(problem(r.line, "number", "is in the register already, with other data"));
                }
                continue;
            }
            if r.state != NemidState::Revoked
                && let Some(live) = nemids::live_for_person(conn, &index)?
            {
                problems.push(problem(
                    r.line,
                    "cpr",
                    format!("this person already has NemID {} ({})", live.number, live.state.as_str()),
                ));
                continue;
            }
            if let Some(serial) = &r.card_serial
                && nemids::card_exists(conn, serial)?
            {
                problems.push(problem(r.line, "card_serial", "is another NemID's card"));
                continue;
            }
            let id = nemids::id_of(&r.number)
                .ok_or_else(|| Failure::Rows(vec![problem(r.line, "number", "must be nine digits")]))?;
            let row = nemids::insert(
                conn,
                &NewNemid {
                    id,
                    number: &r.number,
                    holder_cpr_sealed: &vault.seal(&r.cpr.digits()),
                    holder_cpr_index: &index,
                    holder_name: &r.name,
                    state: r.state,
                    active_since: r.active_since,
                    office_id: office.id,
                    case_id: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            if let Some(serial) = &r.card_serial {
                let card = match r.state {
                    NemidState::Pending => CardState::InTransit,
                    NemidState::Active | NemidState::Blocked => CardState::Active,
                    NemidState::Revoked => CardState::Revoked,
                };
                nemids::insert_card(conn, serial, row.id, card, CardIssue::Import, now)?;
            }
            nemids::insert_event(
                conn,
                &NewNemidEvent {
                    nemid_id: row.id,
                    seq: row.version,
                    action: Change::Import.as_str(),
                    from_state: None,
                    to_state: row.state.as_str(),
                    actor_sub: "import-nemids",
                    actor_name: "nemid-desk import-nemids",
                    actor_role: "admin",
                    actor_office: Some(&office.code),
                    evidence: &json!({"line": r.line, "card_serial": r.card_serial}),
                    request_id: &request_id,
                    occurred_at: now,
                },
            )?;
            outcome.imported += 1;
        }
        if problems.is_empty() { Ok(outcome) } else { Err(Failure::Rows(problems)) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn good_rows_load_and_every_bad_one_is_named_by_line_and_field() {
        let good = "number,cpr,name,state,active_since,card_serial\n\
                    000100001,010190-1234,Anna Andersen,active,2019-03-01,20000001\n\
                    000100002,0202801235,Bo Berg,pending,,\n\
                    000100003,030370-1236,Carl Clausen,revoked,2015-01-01,\n";
        let rows = parse(good, today()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].line, rows[0].state, rows[0].card_serial.as_deref()),
            (2, NemidState::Active, Some("20000001"))
        );

        let bad = "number,cpr,name,state,active_since,card_serial\n\
                   12345,010190-1234,Anna,active,2019-03-01,\n\
                   000100002,999999-9999,Bo,pending,,\n\
                   000100003,030370-1236,,sleeping,2030-01-01,ABC\n\
                   000100004,040470-1237,Dan,active,,\n\
                   000100004,050570-1238,Eva,pending,2019-01-01,\n";
        let problems = parse(bad, today()).unwrap_err();
        let got: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(
            got,
            [
                (2, "number"),
                (3, "cpr"),
                (4, "name"),
                (4, "state"),
                (4, "active_since"),
                (4, "card_serial"),
                (5, "active_since"),
                (6, "number"),
                (6, "active_since")
            ]
        );
        let header = parse("nr,cpr\n1,2\n", today()).unwrap_err();
        assert_eq!((header[0].line, header[0].field), (1, "header"));
        // Two live NemIDs for one person in one file.
        let twice = "number,cpr,name,state,active_since,card_serial\n\
                     000100001,010190-1234,Anna,active,2019-03-01,\n\
                     000100002,010190-1234,Anna,active,2020-03-01,\n";
        assert_eq!(parse(twice, today()).unwrap_err()[0].field, "cpr");
    }
}
