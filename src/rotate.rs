//! `nemid-desk rotate-keys`: re-encrypts sealed CPR numbers (and webhook signing secrets, sealed
//! with the same keys) under the newest key.
//!
//! Walks each sealed column in id order, in batches, each batch its own short transaction, so
//! the service keeps running. A row is rewritten only if it still holds the value read (a
//! concurrent change wins), and rows already under the newest key are skipped: stopping and
//! running again resumes where it left off. The blind index does not change with rotation.

use diesel::prelude::*;
use diesel::sql_types::{Binary, Nullable, Uuid as SqlUuid};
use uuid::Uuid;

use crate::vault::CprVault;

/// The sealed columns and the key of their rows. Fixed names, never input.
const COLUMNS: [(&str, &str, &str); 6] = [
    ("cases", "id", "applicant_cpr_sealed"),
    ("holder_verifications", "case_id", "holder_cpr_sealed"),
    ("exemptions", "id", "citizen_cpr_sealed"),
    ("exemptions", "id", "proxy_cpr_sealed"),
    ("webhooks", "id", "secret_sealed"),
    ("webhooks", "id", "previous_secret_sealed"),
];

#[derive(Debug, Default, Clone)]
pub struct RotationSummary {
    pub examined: usize,
    pub rotated: usize,
}

#[derive(QueryableByName)]
struct Sealed {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Binary>)]
    sealed: Option<Vec<u8>>,
}

pub fn rotate(conn: &mut PgConnection, vault: &CprVault, batch: i64) -> Result<RotationSummary, String> {
    let newest = vault.newest_kid().to_string();
    let mut summary = RotationSummary::default();
    for (table, key, column) in COLUMNS {
        let mut after = Uuid::nil();
        loop {
            let rows: Vec<Sealed> = diesel::sql_query(format!(
                "SELECT {key} AS id, {column} AS sealed FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2"
            ))
            .bind::<SqlUuid, _>(after)
            .bind::<diesel::sql_types::BigInt, _>(batch)
            .load(conn)
            .map_err(|e| format!("reading {table}.{column}: {e}"))?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            summary.examined += rows.len();
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                for row in &rows {
                    let Some(old) = row.sealed.as_ref().filter(|s| !s.is_empty()) else { continue };
                    if CprVault::kid_of(old) == Some(newest.as_str()) {
                        continue;
                    }
                    let Ok(digits) = vault.open(old) else {
                        // Not openable with the configured keys: leave it, and say so below.
                        continue;
                    };
                    let n = diesel::sql_query(format!(
                        "UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3"
                    ))
                    .bind::<Binary, _>(vault.seal(&digits))
                    .bind::<SqlUuid, _>(row.id)
                    .bind::<Binary, _>(old)
                    .execute(conn)?;
                    summary.rotated += n;
                }
                Ok(())
            })
            .map_err(|e| format!("rewriting {table}.{column}: {e}"))?;
        }
    }
    Ok(summary)
}

/// Sealed values no configured key opens (should be none before an old key is removed).
pub fn unreadable(conn: &mut PgConnection, vault: &CprVault) -> Result<usize, String> {
    let mut bad = 0;
    for (table, key, column) in COLUMNS {
        let rows: Vec<Sealed> = diesel::sql_query(format!("SELECT {key} AS id, {column} AS sealed FROM {table}"))
            .load(conn)
            .map_err(|e| format!("reading {table}.{column}: {e}"))?;
        // Empty values are what retention leaves: nothing to open.
        bad += rows
            .iter()
            .filter(|r| r.sealed.as_deref().is_some_and(|s| !s.is_empty() && vault.open(s).is_err()))
            .count();
    }
    Ok(bad)
}
