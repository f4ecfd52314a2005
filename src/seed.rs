//! `nemid-desk seed`: a realistic, reproducible data set written in bulk (binary COPY).
//!
//! Every case is simulated through the lifecycle from its opening day (two years of history),
//! so states, timestamps, evidence rows and events agree with each other exactly as if the API
//! had written them: every state, both kinds and channels, returned mail, express holders, a few
//! per cent lost in the post (overdue). The same `--seed` and `--until` give the same data.
//! Everything is one transaction: a failed seed leaves nothing behind. The report summaries'
//! triggers are switched off during the load and the summaries rebuilt once at the end.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::{DEFAULT_APPEAL_GUIDANCE_DA, DEFAULT_APPEAL_GUIDANCE_EN};
use crate::domain::clock::{copenhagen_day, start_of_day};
use crate::domain::refusal::{self, DecidedBy, Localised, Refusal, RefusalReason};
use crate::schema::{case_events, cases, holder_verifications, identity_checks, offices};
use crate::vault::CprVault;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub cases: usize,
    pub offices: usize,
    pub seed: u64,
    /// The data set ends at the start of this Copenhagen day; nothing happens after it.
    pub until: NaiveDate,
    pub posting_window_days: u32,
}

#[derive(Debug, Clone, Default)]
pub struct SeedSummary {
    pub offices: usize,
    pub cases: usize,
    pub events: usize,
    /// NemIDs put into the register for the seeded cases that handed one out.
    pub nemids: usize,
}

#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
struct SeedCase {
    id: Uuid,
    case_number: String,
    office_id: Uuid,
    channel: &'static str,
    kind: &'static str,
    status: &'static str,
    applicant_cpr_sealed: Vec<u8>,
    applicant_cpr_index: String,
    applicant_name: String,
    street: String,
    postal_code: String,
    city: String,
    country: &'static str,
    online_banking_agreement: bool,
    nemid_number: Option<String>,
    opened_at: DateTime<Utc>,
    identity_verified_at: Option<DateTime<Utc>>,
    first_half_issued_at: Option<DateTime<Utc>>,
    second_half_posted_at: Option<DateTime<Utc>>,
    second_half_expected_by: Option<NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    close_reason: Option<String>,
    version: i32,
    identity_route: Option<&'static str>,
    refusal_reasons: Option<Vec<Option<RefusalReason>>>,
    refusal: Option<Refusal>,
}

#[derive(Insertable)]
#[diesel(table_name = case_events, treat_none_as_default_value = false)]
struct SeedEvent {
    feed_position: i64,
    case_id: Uuid,
    seq: i32,
    action: &'static str,
    from_status: Option<&'static str>,
    to_status: &'static str,
    actor_sub: String,
    actor_name: String,
    actor_role: &'static str,
    actor_office: Option<String>,
    evidence: Value,
    request_id: String,
    occurred_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = identity_checks, treat_none_as_default_value = false)]
struct SeedIdentity {
    case_id: Uuid,
    photo_id_type: &'static str,
    photo_id_number: String,
    photo_id_expires_on: NaiveDate,
    photo_id_issuing_country: &'static str,
    checked_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = holder_verifications, treat_none_as_default_value = false)]
struct SeedHolder {
    case_id: Uuid,
    holder_cpr_sealed: Vec<u8>,
    holder_cpr_index: String,
    holder_name: String,
    photo_id_type: &'static str,
    photo_id_number: String,
    photo_id_expires_on: NaiveDate,
    photo_id_issuing_country: &'static str,
    nemid_active_since: NaiveDate,
    verified_on: NaiveDate,
    verified_at: DateTime<Utc>,
}

struct Holder {
    digits: String,
    index: String,
    since: NaiveDate,
}

struct Office {
    id: Uuid,
    code: String,
    bank: bool,
}

#[derive(Default)]
struct Batch {
    cases: Vec<SeedCase>,
    events: Vec<SeedEvent>,
    identities: Vec<SeedIdentity>,
    holders: Vec<SeedHolder>,
}

const BATCH: usize = 20_000;
const FIRST: [&str; 8] = ["Anna", "Mads", "Sofie", "Frederik", "Ida", "Lars", "Mette", "Ahmed"];
const LAST: [&str; 8] = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Yilmaz"];
const CITIES: [(&str, &str); 6] = [
    ("2200", "København N"),
    ("8000", "Aarhus C"),
    ("5000", "Odense C"),
    ("9000", "Aalborg"),
    ("7100", "Vejle"),
    ("6700", "Esbjerg"),
];

/// A CPR number (digits) born on `born`, with a 7th digit that gives that century.
fn cpr_for(rng: &mut StdRng, born: NaiveDate) -> String {
    let yy = born.year() % 100;
    let seventh = if born.year() >= 2000 { 4 } else { rng.random_range(0..4) };
    format!("{:02}{:02}{:02}{}{:03}", born.day(), born.month(), yy, seventh, rng.random_range(0..1000))
}

fn name(rng: &mut StdRng) -> String {
    format!("{} {}", FIRST[rng.random_range(0..FIRST.len())], LAST[rng.random_range(0..LAST.len())])
}

fn minutes(rng: &mut StdRng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.random_range(lo * 60..hi * 60))
}

fn v7(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let bytes: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

pub fn run(conn: &mut PgConnection, opts: &SeedOptions, vault: &CprVault) -> QueryResult<SeedSummary> {
    let summary = load(conn, opts, vault)?;
    // Outside the transaction (VACUUM cannot run in one): sets the visibility map, so the
    // reports' index-only scans need not visit the heap, and refreshes the planner's statistics.
    conn.batch_execute(
        "VACUUM (ANALYZE) cases, case_events, daily_activity, daily_durations, monthly_durations, case_status_counts",
    )?;
    Ok(summary)
}

fn load(conn: &mut PgConnection, opts: &SeedOptions, vault: &CprVault) -> QueryResult<SeedSummary> {
    conn.transaction(|conn| {
        let mut rng = StdRng::seed_from_u64(opts.seed);
        let anchor = start_of_day(opts.until);
        // Everything the load drops and creates again is locked first, at once: a server beside
        // the seed waits for it (its reads too) instead of deadlocking with the lock upgrades.
        conn.batch_execute(&format!("LOCK TABLE offices, {} IN ACCESS EXCLUSIVE MODE", LOADED.join(", ")))?;
        let offices = ensure_offices(conn, opts)?;
        // One bulk transaction: sorts and hashes over a million rows in memory, not on disk.
        conn.batch_execute("SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '256MB';")?;
        conn.batch_execute(
            "ALTER TABLE cases DISABLE TRIGGER cases_status_counts;
             ALTER TABLE cases DISABLE TRIGGER cases_status_counts_update;
             ALTER TABLE cases DISABLE TRIGGER cases_daily_durations;
             ALTER TABLE case_events DISABLE TRIGGER case_events_daily_activity;
             ALTER TABLE case_events DISABLE TRIGGER case_events_feed_position;",
        )?;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        // Indexes that enforce nothing and foreign keys are built and checked once at the end,
        // not row by row (inside this transaction: a failed seed gets them back with the rollback).
        let deferred = defer_secondary(conn, LOADED)?;
        let next_nemid: i64 = diesel::sql_query("SELECT nextval('nemid_number_seq') AS n").get_result::<N>(conn)?.n;
        // The last number of each office and year so far: the largest its cases carry.
        #[derive(QueryableByName)]
        struct Last {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            office_id: Uuid,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            year: i32,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            last: i32,
        }
        let counters: HashMap<(Uuid, i32), i32> = diesel::sql_query(
            "SELECT office_id, substring(case_number FROM '-(\\d{4})-\\d+$')::int AS year,
                    max(substring(case_number FROM '-(\\d+)$')::int) AS last
             FROM cases GROUP BY 1, 2",
        )
        .load::<Last>(conn)?
        .into_iter()
        .map(|l| ((l.office_id, l.year), l.last))
        .collect();
        let open_cprs: HashSet<String> = cases::table
            .filter(cases::status.ne_all(["completed", "cancelled", "rejected"]))
            .select(cases::applicant_cpr_index)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let holders: Vec<Holder> = (0..(opts.cases / 20).max(50))
            .map(|_| {
                let born = opts.until - Duration::days(rng.random_range(20 * 365..80 * 365));
                let since = opts.until - Duration::days(rng.random_range(3 * 365..15 * 365));
                let digits = cpr_for(&mut rng, born);
                Holder { index: vault.blind(&digits), digits, since }
            })
            .collect();

        // Feed positions as the trigger would give them (migration 20): this transaction's
        // prefix, then its own count of events, after any it has written already.
        let written: i64 =
            diesel::sql_query("SELECT coalesce(nullif(current_setting('nemid.feed_n', true), ''), '0')::bigint AS n")
                .get_result::<N>(conn)?
                .n;
        let prefix: i64 = diesel::sql_query("SELECT feed_prefix() AS n").get_result::<N>(conn)?.n;
        diesel::sql_query("SELECT set_config('nemid.feed_prefix', $1, true)")
            .bind::<diesel::sql_types::Text, _>(prefix.to_string())
            .execute(conn)?;
        let mut feed_position: i64 = prefix | written;
        let first_position = prefix;
        let mut summary = SeedSummary { offices: offices.len(), ..Default::default() };
        let mut batch = Batch::default();
        let mut world = World { rng, opts, vault, anchor, offices: &offices, holders, counters, next_nemid, open_cprs };
        for i in 0..opts.cases {
            simulate(&mut world, i, &mut batch);
            if batch.cases.len() >= BATCH || i + 1 == opts.cases {
                summary.cases += batch.cases.len();
                summary.events += batch.events.len();
                flush(conn, &mut batch, &mut feed_position)?;
            }
        }
        let World { counters, next_nemid, .. } = world;
        for ((office_id, year), last) in &counters {
            diesel::sql_query("SELECT reserve_case_numbers($1, $2, $3)")
                .bind::<diesel::sql_types::Uuid, _>(office_id)
                .bind::<diesel::sql_types::Integer, _>(year)
                .bind::<diesel::sql_types::Integer, _>(last)
                .execute(conn)?;
        }
        // Events the triggers write later in this transaction continue the count.
        diesel::sql_query("SELECT set_config('nemid.feed_n', $1, true)")
            .bind::<diesel::sql_types::Text, _>((feed_position - first_position).to_string())
            .execute(conn)?;
        diesel::sql_query("SELECT setval('nemid_number_seq', $1)")
            .bind::<diesel::sql_types::BigInt, _>(next_nemid)
            .execute(conn)?;
        summary.nemids = fill_register(conn)?;
        restore_secondary(conn, &deferred)?;
        conn.batch_execute(
            "ALTER TABLE cases ENABLE TRIGGER cases_status_counts;
             ALTER TABLE cases ENABLE TRIGGER cases_status_counts_update;
             ALTER TABLE cases ENABLE TRIGGER cases_daily_durations;
             ALTER TABLE case_events ENABLE TRIGGER case_events_daily_activity;
             ALTER TABLE case_events ENABLE TRIGGER case_events_feed_position;
             SELECT rebuild_report_summaries();",
        )?;
        Ok(summary)
    })
}

/// The tables the seed fills in bulk.
const LOADED: &[&str] =
    &["cases", "case_events", "identity_checks", "holder_verifications", "nemids", "code_cards", "nemid_events"];

/// What `defer_secondary` dropped: the statements that create it again, in order.
struct Deferred(Vec<String>);

/// Drops the non-unique indexes of `tables` and the foreign keys from them, as PostgreSQL prints
/// their definitions now (so the seed follows every migration). During a bulk load each would
/// cost an index insertion or a lookup per row; built once afterwards they cost one sort or one
/// join each (bench/README.md: the seed). Unique indexes stay: they are what the load must obey.
fn defer_secondary(conn: &mut PgConnection, tables: &[&str]) -> QueryResult<Deferred> {
    #[derive(QueryableByName)]
    struct Statement {
        #[diesel(sql_type = diesel::sql_types::Text)]
        drop_sql: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        create_sql: String,
    }
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let found: Vec<Statement> = diesel::sql_query(
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_sql,
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                       pg_get_constraintdef(c.oid)) AS create_sql
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1)
         UNION ALL
         SELECT format('DROP INDEX %s', x.indexrelid::regclass), pg_get_indexdef(x.indexrelid)
         FROM pg_index x
         WHERE x.indrelid::regclass::text = ANY($1) AND NOT x.indisunique AND NOT x.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&tables)
    .load(conn)?;
    for s in &found {
        conn.batch_execute(&s.drop_sql)?;
    }
    Ok(Deferred(found.into_iter().map(|s| s.create_sql).collect()))
}

fn restore_secondary(conn: &mut PgConnection, deferred: &Deferred) -> QueryResult<()> {
    for create in &deferred.0 {
        conn.batch_execute(create)?;
    }
    Ok(())
}

/// The register for the seeded cases that handed out a NemID, set-based: completed → active
/// (active since the completion day, its card active), cancelled or rejected → revoked, else
/// pending (its card in transit once posted). A person with several such cases keeps only the
/// latest NemID unrevoked, and one who holds a NemID already (an earlier seed, an import) keeps
/// that one: the new ones are revoked. Each gets one `import` event by `seed` (feed positions from the
/// counter, which the cases' bulk load has just moved on).
fn fill_register(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.batch_execute(
        "CREATE TEMP TABLE seed_register ON COMMIT DROP AS
         SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(c.nemid_number::bigint), 12, '0'))::uuid AS id,
                c.id AS case_id, c.nemid_number, c.applicant_cpr_sealed, c.applicant_cpr_index, c.applicant_name,
                c.office_id, c.kind, c.status, c.first_half_issued_at, c.second_half_posted_at, c.completed_at,
                coalesce(c.closed_at, c.first_half_issued_at) AS updated_at,
                CASE WHEN row_number() OVER (PARTITION BY c.applicant_cpr_index COLLATE \"C\"
                                             ORDER BY c.first_half_issued_at DESC, c.id DESC) > 1
                          OR c.status IN ('cancelled', 'rejected')
                          OR held.holder_cpr_index IS NOT NULL
                     THEN 'revoked'
                     WHEN c.status = 'completed' THEN 'active'
                     ELSE 'pending' END AS state
         FROM cases c
         -- People holding a live NemID already (one per person): a hash join, not a probe per case.
         LEFT JOIN (SELECT holder_cpr_index FROM nemids WHERE state <> 'revoked') held
                ON held.holder_cpr_index = c.applicant_cpr_index
         WHERE c.nemid_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nemids m WHERE m.number = c.nemid_number);
         INSERT INTO nemids (id, number, holder_cpr_sealed, holder_cpr_index, holder_name, state, active_since,
                             office_id, case_id, version, created_at, updated_at)
         SELECT id, nemid_number, applicant_cpr_sealed, applicant_cpr_index, applicant_name, state,
                CASE WHEN completed_at IS NOT NULL AND state <> 'pending'
                     THEN (completed_at AT TIME ZONE 'Europe/Copenhagen')::date END,
                office_id, case_id, 1, first_half_issued_at, updated_at
         FROM seed_register;
         INSERT INTO code_cards (serial, nemid_id, state, issued_how, issued_at, changed_at)
         SELECT lpad(nextval('code_card_serial_seq')::text, 8, '0'), id,
                CASE WHEN state = 'revoked' THEN 'revoked' WHEN state = 'active' THEN 'active' ELSE 'in_transit' END,
                CASE WHEN kind = 'express' THEN 'handout' ELSE 'post' END,
                coalesce(second_half_posted_at, first_half_issued_at), updated_at
         FROM seed_register WHERE second_half_posted_at IS NOT NULL OR kind = 'express';
         INSERT INTO nemid_events (nemid_id, seq, action, from_state, to_state, actor_sub, actor_name, actor_role,
                                   evidence, request_id, occurred_at)
         SELECT id, 1, 'import', NULL, state, 'seed', 'nemid-desk seed', 'admin',
                jsonb_build_object('case_id', case_id), 'seed', updated_at
         FROM seed_register ORDER BY updated_at, id;",
    )?;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n = diesel::sql_query("SELECT count(*) AS n FROM seed_register").get_result::<N>(conn)?.n;
    Ok(n as usize)
}

fn ensure_offices(conn: &mut PgConnection, opts: &SeedOptions) -> QueryResult<Vec<Office>> {
    let mut out = Vec::new();
    for i in 0..opts.offices {
        let bank = i % 3 == 2;
        let code = if bank { format!("SEED-BANK-{i:04}") } else { format!("SEED-BS-{i:04}") };
        let (pc, city) = CITIES[i % CITIES.len()];
        diesel::insert_into(offices::table)
            .values((
                offices::id.eq(Uuid::now_v7()),
                offices::code.eq(&code),
                offices::name.eq(if bank {
                    format!("Seed Bank branch {i}")
                } else {
                    format!("Borgerservice {city} {i}")
                }),
                offices::kind.eq(if bank { "bank_branch" } else { "citizen_service_centre" }),
                offices::bank_name.eq(bank.then_some("Seed Bank")),
                offices::street.eq(format!("Torvet {}", i + 1)),
                offices::postal_code.eq(pc),
                offices::city.eq(city),
                offices::country.eq("DK"),
                offices::created_by.eq("seed"),
                offices::updated_by.eq("seed"),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        let id = offices::table.filter(offices::code.eq(&code)).select(offices::id).first::<Uuid>(conn)?;
        out.push(Office { id, code, bank });
    }
    Ok(out)
}

/// Writes a batch; its events take the next feed positions (the trigger that would is off).
fn flush(conn: &mut PgConnection, b: &mut Batch, feed_position: &mut i64) -> QueryResult<()> {
    let transaction = *feed_position >> 24;
    for e in &mut b.events {
        *feed_position += 1;
        e.feed_position = *feed_position;
    }
    if *feed_position >> 24 != transaction {
        // The 2^24th event of one transaction would take the next transaction id's positions.
        return Err(diesel::result::Error::QueryBuilderError(
            "a seed writes at most 16,777,215 events in its transaction; seed fewer cases".into(),
        ));
    }
    diesel::copy_from(cases::table).from_insertable(std::mem::take(&mut b.cases)).execute(conn)?;
    diesel::copy_from(case_events::table).from_insertable(std::mem::take(&mut b.events)).execute(conn)?;
    diesel::copy_from(identity_checks::table).from_insertable(std::mem::take(&mut b.identities)).execute(conn)?;
    diesel::copy_from(holder_verifications::table).from_insertable(std::mem::take(&mut b.holders)).execute(conn)?;
    Ok(())
}

/// What a simulation draws from and keeps track of across cases.
struct World<'a> {
    rng: StdRng,
    opts: &'a SeedOptions,
    vault: &'a CprVault,
    /// The data set's "now".
    anchor: DateTime<Utc>,
    offices: &'a [Office],
    holders: Vec<Holder>,
    /// The last case number per (office, year).
    counters: HashMap<(Uuid, i32), i32>,
    next_nemid: i64,
    /// Blind indexes of applicants with an open case (one open case per person).
    open_cprs: HashSet<String>,
}

/// Case number `n` through its life, stopping at the anchor.
fn simulate(world: &mut World<'_>, n: usize, batch: &mut Batch) {
    let World { rng, opts, vault, anchor, offices, holders, counters, next_nemid, open_cprs } = world;
    let (opts, vault, anchor, offices) = (*opts, *vault, *anchor, *offices);
    let office = &offices[rng.random_range(0..offices.len())];
    // The first five cases wait mid-way in the states a random draw could miss in a small data
    // set (0 = opened, 1 = identity verified, 2 = first half issued / holder verified,
    // 3 = returned mail not yet re-posted), so every state is always present.
    let forced: Option<u8> = match n {
        0 => Some(0),
        1 => Some(1),
        2 | 3 => Some(2),
        4 => Some(3),
        _ => None,
    };
    let age_secs = match forced {
        Some(3) => rng.random_range(25 * 86_400..30 * 86_400),
        Some(_) => rng.random_range(3_600..3 * 86_400),
        None => rng.random_range(60..730 * 86_400),
    };
    let opened_at = anchor - Duration::seconds(age_secs);
    let express = if forced.is_some() { n == 2 } else { rng.random_bool(0.2) };
    let id = v7(rng, opened_at);
    let year = copenhagen_day(opened_at).year();
    let counter = counters.entry((office.id, year)).or_insert(0);
    *counter += 1;
    let (pc, city) = CITIES[rng.random_range(0..CITIES.len())];
    let role = if office.bank { "bank" } else { "clerk" };
    let actor = format!("seed-{}-{}", role, rng.random_range(1..6));
    let applicant_name = name(rng);

    let mut c = SeedCase {
        id,
        case_number: format!("{}-{year}-{:06}", office.code, counter),
        office_id: office.id,
        channel: if office.bank { "bank" } else { "desk" },
        kind: if express { "express" } else { "standard" },
        status: "opened",
        applicant_cpr_sealed: Vec::new(),
        applicant_cpr_index: String::new(),
        applicant_name: applicant_name.clone(),
        street: format!("Vestergade {}", rng.random_range(1..200)),
        postal_code: pc.to_string(),
        city: city.to_string(),
        country: "DK",
        online_banking_agreement: office.bank,
        nemid_number: None,
        opened_at,
        identity_verified_at: None,
        first_half_issued_at: None,
        second_half_posted_at: None,
        second_half_expected_by: None,
        completed_at: None,
        closed_at: None,
        close_reason: None,
        version: 0,
        identity_route: None,
        refusal_reasons: None,
        refusal: None,
    };
    let mut events: Vec<(&'static str, &'static str, DateTime<Utc>, Value)> = Vec::new();
    let mut t = opened_at;
    // Each step happens at `t + delay` unless that is after the anchor; returns whether it happened.
    let step = |t: &mut DateTime<Utc>, delay: Duration| -> bool {
        if *t + delay > anchor {
            return false;
        }
        *t += delay;
        true
    };

    let roll: f64 = if forced.is_some() { 1.0 } else { rng.random() };
    // A few recent cases wait mid-way (the citizen left the desk, a holder is still to come).
    let stall: Option<u8> = forced
        .or_else(|| (opened_at > anchor - Duration::days(60) && rng.random_bool(0.02)).then(|| rng.random_range(0..3)));
    'life: {
        if stall == Some(0) {
            break 'life;
        }
        if roll < 0.02 {
            if step(&mut t, minutes(rng, 5, 30)) {
                c.closed_at = Some(t);
                c.close_reason = Some("Could not document identity".into());
                let reasons = [RefusalReason::IdentityNotEstablished];
                let guidance = Localised {
                    da: DEFAULT_APPEAL_GUIDANCE_DA.to_string(),
                    en: DEFAULT_APPEAL_GUIDANCE_EN.to_string(),
                };
                let by = DecidedBy { name: actor.clone(), role: role.to_string(), office: Some(office.code.clone()) };
                let decision = refusal::decide(&reasons, Some("Could not document identity"), &guidance, by, t);
                c.refusal_reasons = Some(reasons.iter().map(|r| Some(*r)).collect());
                c.refusal = Some(decision);
                events.push((
                    "reject",
                    "rejected",
                    t,
                    json!({"reasons": ["identity_not_established"], "explanation": "Could not document identity",
                           "appeal_guidance": guidance}),
                ));
            }
            break 'life;
        }
        if !step(&mut t, minutes(rng, 5, 40)) {
            break 'life;
        }
        c.identity_verified_at = Some(t);
        c.identity_route = Some("photo_id");
        let photo_no = format!("P{:07}", rng.random_range(0..10_000_000));
        let expires = copenhagen_day(t) + Duration::days(rng.random_range(30..3650));
        batch.identities.push(SeedIdentity {
            case_id: id,
            photo_id_type: "passport",
            photo_id_number: photo_no.clone(),
            photo_id_expires_on: expires,
            photo_id_issuing_country: "DK",
            checked_at: t,
        });
        events.push((
            "identity-check",
            "identity_verified",
            t,
            json!({"photo_id": {"type": "passport", "number": photo_no, "expires_on": expires, "issuing_country": "DK"},
                   "photo_matches": true, "health_card_presented": true, "health_card_shows_applicant": true}),
        ));
        if stall == Some(1) {
            break 'life;
        }
        if stall.is_none() && rng.random_bool(0.015) {
            if step(&mut t, minutes(rng, 10, 600)) {
                c.closed_at = Some(t);
                c.close_reason = Some("Withdrawn by the applicant".into());
                events.push(("cancel", "cancelled", t, json!({"reason": "Withdrawn by the applicant"})));
            }
            break 'life;
        }
        if express {
            if !step(&mut t, minutes(rng, 5, 30)) {
                break 'life;
            }
            let holder = &holders[rng.random_range(0..holders.len())];
            let since = holder.since;
            let hname = name(rng);
            let hphoto = format!("D{:08}", rng.random_range(0..100_000_000));
            let hexp = copenhagen_day(t) + Duration::days(rng.random_range(30..3650));
            batch.holders.push(SeedHolder {
                case_id: id,
                holder_cpr_sealed: vault.seal(&holder.digits),
                holder_cpr_index: holder.index.clone(),
                holder_name: hname.clone(),
                photo_id_type: "drivers_licence",
                photo_id_number: hphoto.clone(),
                photo_id_expires_on: hexp,
                photo_id_issuing_country: "DK",
                nemid_active_since: since,
                verified_on: copenhagen_day(t),
                verified_at: t,
            });
            events.push((
                "accompanying-holder",
                "holder_verified",
                t,
                json!({"holder": {"name": hname,
                    "photo_id": {"type": "drivers_licence", "number": hphoto, "expires_on": hexp, "issuing_country": "DK"},
                    "nemid_card_presented": true, "nemid_active_since": since, "nemid_active_since_source": "declared"}}),
            ));
            if stall == Some(2) || !step(&mut t, minutes(rng, 1, 10)) {
                break 'life;
            }
            let nemid = format!("{:09}", *next_nemid);
            *next_nemid += 1;
            c.nemid_number = Some(nemid.clone());
            c.first_half_issued_at = Some(t);
            c.completed_at = Some(t);
            c.closed_at = Some(t);
            events.push(("issue-in-full", "completed", t, json!({"nemid_number": nemid, "both_halves": true})));
            break 'life;
        }
        if !step(&mut t, minutes(rng, 1, 10)) {
            break 'life;
        }
        let nemid = format!("{:09}", *next_nemid);
        *next_nemid += 1;
        c.nemid_number = Some(nemid.clone());
        c.first_half_issued_at = Some(t);
        events.push(("first-half", "first_half_issued", t, json!({"nemid_number": nemid})));
        if stall == Some(2) {
            break 'life;
        }
        let mut posts = 0;
        loop {
            let delay = if posts == 0 { minutes(rng, 30, 2 * 24 * 60) } else { minutes(rng, 24 * 60, 5 * 24 * 60) };
            if !step(&mut t, delay) {
                break 'life;
            }
            posts += 1;
            let expected = copenhagen_day(t) + Duration::days(i64::from(opts.posting_window_days));
            c.second_half_posted_at = Some(t);
            c.second_half_expected_by = Some(expected);
            let corrected = posts > 1;
            if corrected {
                c.street = format!("Nørregade {}", rng.random_range(1..200));
            }
            events.push((
                "second-half",
                "second_half_posted",
                t,
                json!({"address_corrected": corrected, "expected_by": expected, "posting_window_days": opts.posting_window_days}),
            ));
            let fate: f64 = if stall == Some(3) { 0.0 } else { rng.random() };
            if fate < 0.04 && posts < 3 {
                if !step(&mut t, minutes(rng, 5 * 24 * 60, 12 * 24 * 60)) {
                    break 'life;
                }
                events.push(("returned", "returned", t, json!({"reason": "Addressee unknown"})));
                if stall == Some(3) {
                    break 'life;
                }
                continue;
            }
            if fate < 0.07 {
                // Lost in the post: never activated (overdue once the window has passed).
                break 'life;
            }
            if fate < 0.09 {
                if step(&mut t, minutes(rng, 20 * 24 * 60, 40 * 24 * 60)) {
                    c.closed_at = Some(t);
                    c.close_reason = Some("Code card never arrived".into());
                    events.push(("cancel", "cancelled", t, json!({"reason": "Code card never arrived"})));
                }
                break 'life;
            }
            let wait = if fate < 0.16 {
                minutes(rng, 14 * 24 * 60, 25 * 24 * 60)
            } else {
                minutes(rng, 2 * 24 * 60, 13 * 24 * 60)
            };
            if step(&mut t, wait) {
                c.completed_at = Some(t);
                c.closed_at = Some(t);
                events.push(("activation", "completed", t, json!({})));
            }
            break 'life;
        }
    }

    let status = events.last().map(|e| e.1).unwrap_or("opened");
    c.status = status;
    let is_open = !matches!(status, "completed" | "cancelled" | "rejected");
    // One open case per CPR: draw until the number is free.
    loop {
        let born = copenhagen_day(opened_at) - Duration::days(rng.random_range(16 * 365..85 * 365));
        let digits = cpr_for(rng, born);
        let index = vault.blind(&digits);
        if !is_open || open_cprs.insert(index.clone()) {
            c.applicant_cpr_sealed = vault.seal(&digits);
            c.applicant_cpr_index = index;
            break;
        }
    }
    c.version = events.len() as i32 + 1;
    let office_code = Some(office.code.clone());
    let actor_name = format!("Seed {role}");
    let mk = |seq: i32,
              action: &'static str,
              from: Option<&'static str>,
              to: &'static str,
              at: DateTime<Utc>,
              evidence: Value| SeedEvent {
        feed_position: 0,
        case_id: id,
        seq,
        action,
        from_status: from,
        to_status: to,
        actor_sub: actor.clone(),
        actor_name: actor_name.clone(),
        actor_role: role,
        actor_office: office_code.clone(),
        evidence,
        request_id: format!("seed-{n}-{seq}"),
        occurred_at: at,
    };
    batch.events.push(mk(
        1,
        "open",
        None,
        "opened",
        opened_at,
        json!({"kind": c.kind, "channel": c.channel, "applicant": {"name": applicant_name}}),
    ));
    let mut from = "opened";
    for (k, (action, to, at, evidence)) in events.into_iter().enumerate() {
        batch.events.push(mk(k as i32 + 2, action, Some(from), to, at, evidence));
        from = to;
    }
    batch.cases.push(c);
}
