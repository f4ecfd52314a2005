//! Desk sessions of staff signed in through the identity provider (see
//! `http::context::session`). Rows are looked up by the SHA-256 of the cookie value.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::role::Role;
use crate::schema::{sign_in_states, staff_sessions};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = staff_sessions)]
pub struct NewSession<'a> {
    pub id: Uuid,
    pub token_hash: &'a [u8],
    pub sub: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub office_code: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: Uuid,
    pub sub: String,
    pub name: String,
    pub role: Role,
    pub office_code: Option<String>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Sessions ended or expired this long ago are deleted.
const KEEP_AFTER_END: TimeDelta = TimeDelta::days(1);

/// Stores a new session; removes sessions long over (a few at a time, on each sign-in).
pub fn insert(conn: &mut PgConnection, new: &NewSession) -> QueryResult<()> {
    diesel::insert_into(staff_sessions::table).values(new).execute(conn)?;
    let before = new.created_at - KEEP_AFTER_END;
    let old: Vec<Uuid> = staff_sessions::table
        .filter(staff_sessions::expires_at.lt(before).or(staff_sessions::ended_at.lt(before)))
        .select(staff_sessions::id)
        .limit(100)
        .load(conn)?;
    if !old.is_empty() {
        diesel::delete(staff_sessions::table.filter(staff_sessions::id.eq_any(old))).execute(conn)?;
    }
    Ok(())
}

/// The session of `token_hash`, if it is live at `now`: not ended, within its lifetime, used
/// within `idle`.
pub fn find_live(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
    idle: TimeDelta,
) -> QueryResult<Option<SessionRow>> {
    staff_sessions::table
        .filter(staff_sessions::token_hash.eq(token_hash))
        .filter(staff_sessions::ended_at.is_null())
        .filter(staff_sessions::expires_at.gt(now))
        .filter(staff_sessions::last_seen_at.gt(now - idle))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(staff_sessions::table.find(id))
        .filter(staff_sessions::last_seen_at.lt(now))
        .set(staff_sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Ends the session of `token_hash` (sign-out); returns it if it was still going.
pub fn end(conn: &mut PgConnection, token_hash: &[u8], now: DateTime<Utc>) -> QueryResult<Option<SessionRow>> {
    diesel::update(staff_sessions::table.filter(staff_sessions::token_hash.eq(token_hash)))
        .filter(staff_sessions::ended_at.is_null())
        .set(staff_sessions::ended_at.eq(now))
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Marks a sign-in's `state` as come back; false if it came back before (a replay). Forgets
/// states past their sign-in's expiry, a few at a time.
pub fn consume_state(
    conn: &mut PgConnection,
    state_hash: &[u8],
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let old: Vec<Vec<u8>> = sign_in_states::table
        .filter(sign_in_states::expires_at.lt(now))
        .select(sign_in_states::state_hash)
        .limit(100)
        .load(conn)?;
    if !old.is_empty() {
        diesel::delete(sign_in_states::table.filter(sign_in_states::state_hash.eq_any(old))).execute(conn)?;
    }
    let inserted = diesel::insert_into(sign_in_states::table)
        .values((sign_in_states::state_hash.eq(state_hash), sign_in_states::expires_at.eq(expires_at)))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted == 1)
}
