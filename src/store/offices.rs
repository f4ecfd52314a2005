//! Offices: diesel queries only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::office::OfficeKind;
use crate::schema::offices;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = offices, check_for_backend(diesel::pg::Pg))]
pub struct OfficeRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: OfficeKind,
    pub bank_name: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = offices)]
pub struct NewOffice<'a> {
    pub id: Uuid,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OfficeKind,
    pub bank_name: Option<&'a str>,
    pub street: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub country: &'a str,
    pub created_by: &'a str,
    pub updated_by: &'a str,
}

/// The fields an administrator may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = offices)]
pub struct OfficeChanges<'a> {
    pub name: Option<&'a str>,
    pub street: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub active: Option<bool>,
    pub updated_by: Option<&'a str>,
}

pub fn insert(conn: &mut PgConnection, new: &NewOffice<'_>) -> QueryResult<OfficeRow> {
    diesel::insert_into(offices::table).values(new).returning(OfficeRow::as_returning()).get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<OfficeRow>> {
    offices::table.find(id).select(OfficeRow::as_select()).first(conn).optional()
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<OfficeRow>> {
    offices::table.filter(offices::code.eq(code)).select(OfficeRow::as_select()).first(conn).optional()
}

/// A page ordered by code, after `after_code`; `limit + 1` rows are read so the caller knows if
/// another page follows.
pub fn page(
    conn: &mut PgConnection,
    include_inactive: bool,
    after_code: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OfficeRow>> {
    let mut q = offices::table.select(OfficeRow::as_select()).into_boxed();
    if !include_inactive {
        q = q.filter(offices::active.eq(true));
    }
    if let Some(code) = after_code {
        q = q.filter(offices::code.gt(code.to_string()));
    }
    q.order(offices::code.asc()).limit(limit + 1).load(conn)
}

/// Applies `changes` if the row is still at `expected_version` (when given); bumps the version.
/// `Ok(None)`: the row exists no more or its version moved on.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &OfficeChanges<'_>,
) -> QueryResult<Option<OfficeRow>> {
    let set = (changes, offices::version.eq(offices::version + 1), offices::updated_at.eq(diesel::dsl::now));
    match expected_version {
        Some(v) => diesel::update(offices::table.filter(offices::id.eq(id)).filter(offices::version.eq(v)))
            .set(set)
            .returning(OfficeRow::as_returning())
            .get_result(conn)
            .optional(),
        None => diesel::update(offices::table.find(id))
            .set(set)
            .returning(OfficeRow::as_returning())
            .get_result(conn)
            .optional(),
    }
}
