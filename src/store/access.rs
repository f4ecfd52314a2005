//! The access log: who saw whose personal data. Append-only (trigger).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::access_log;
use crate::store::cached::Cached;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_log, check_for_backend(diesel::pg::Pg))]
pub struct AccessRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_sub: String,
    pub actor_name: String,
    pub actor_role: String,
    pub actor_office: Option<String>,
    pub subject_kind: String,
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    pub cpr_index: Option<String>,
    pub endpoint: String,
    pub request_id: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = access_log)]
pub struct NewAccess<'a> {
    pub actor_sub: &'a str,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub actor_office: Option<&'a str>,
    pub subject_kind: &'a str,
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    pub nemid_id: Option<Uuid>,
    pub cpr_index: Option<&'a str>,
    pub endpoint: &'a str,
    pub request_id: &'a str,
}

pub fn record(conn: &mut PgConnection, new: &NewAccess<'_>) -> QueryResult<usize> {
    // Through `get_result`: diesel consults the wrapper's cache mark on this path only.
    Cached(diesel::insert_into(access_log::table).values(new).returning(access_log::id))
        .get_result::<i64>(conn)
        .map(|_| 1)
}

/// Several records in one statement (the access-log writer's batch). The columns go as arrays,
/// so the statement is the same whatever the batch's size, and stays prepared.
pub fn record_many(conn: &mut PgConnection, new: &[NewAccess<'_>]) -> QueryResult<usize> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Uuid as SqlUuid};
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    macro_rules! column {
        ($f:ident) => {
            new.iter().map(|a| a.$f).collect::<Vec<_>>()
        };
    }
    Cached(
        diesel::sql_query(
            "WITH i AS (
                 INSERT INTO access_log (actor_sub, actor_name, actor_role, actor_office, subject_kind, case_id,
                                         exemption_id, nemid_id, cpr_index, endpoint, request_id)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[],
                                      $7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[])
                 RETURNING 1)
             SELECT count(*) AS n FROM i",
        )
        .bind::<Array<Text>, _>(column!(actor_sub))
        .bind::<Array<Text>, _>(column!(actor_name))
        .bind::<Array<Text>, _>(column!(actor_role))
        .bind::<Array<Nullable<Text>>, _>(column!(actor_office))
        .bind::<Array<Text>, _>(column!(subject_kind))
        .bind::<Array<Nullable<SqlUuid>>, _>(column!(case_id))
        .bind::<Array<Nullable<SqlUuid>>, _>(column!(exemption_id))
        .bind::<Array<Nullable<SqlUuid>>, _>(column!(nemid_id))
        .bind::<Array<Nullable<Text>>, _>(column!(cpr_index))
        .bind::<Array<Text>, _>(column!(endpoint))
        .bind::<Array<Text>, _>(column!(request_id)),
    )
    .get_result::<Inserted>(conn)
    .map(|i| i.n as usize)
}

#[derive(Debug, Default, Clone)]
pub struct Search {
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    pub cpr_index: Option<String>,
    pub actor_sub: Option<String>,
    /// Rows with a smaller id (newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Newest first, `limit + 1` rows.
pub fn search(conn: &mut PgConnection, s: &Search) -> QueryResult<Vec<AccessRow>> {
    let mut q = access_log::table.select(AccessRow::as_select()).into_boxed();
    if let Some(c) = s.case_id {
        q = q.filter(access_log::case_id.eq(c));
    }
    if let Some(e) = s.exemption_id {
        q = q.filter(access_log::exemption_id.eq(e));
    }
    if let Some(i) = &s.cpr_index {
        q = q.filter(access_log::cpr_index.eq(i.clone()));
    }
    if let Some(a) = &s.actor_sub {
        q = q.filter(access_log::actor_sub.eq(a.clone()));
    }
    if let Some(b) = s.before {
        q = q.filter(access_log::id.lt(b));
    }
    q.order(access_log::id.desc()).limit(s.limit + 1).load(conn)
}

/// Every access to the person's data, oldest first.
pub fn of_person(conn: &mut PgConnection, cpr_index: &str) -> QueryResult<Vec<AccessRow>> {
    access_log::table
        .filter(access_log::cpr_index.eq(cpr_index))
        .order(access_log::id.asc())
        .select(AccessRow::as_select())
        .load(conn)
}
