//! The online order worker: runs inside every server process, claims waiting orders
//! (`store::online::claim`, `FOR UPDATE SKIP LOCKED` with a lease, so several instances never
//! decide one order at the same time), looks the person and the document up — both registers,
//! for every order, whatever the first answer — and decides the order in one transaction: a case
//! with both halves posted, or a refusal nobody is told about. A register that cannot answer
//! leaves the order waiting for another attempt; nothing is half-done.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use futures_util::future::{Either, join, join_all, select};
use serde_json::json;
use uuid::Uuid;

use crate::auth::identity::Actor;
use crate::domain::case::{Channel, Kind, Status};
use crate::domain::clock::copenhagen_day;
use crate::domain::cpr::Cpr;
use crate::domain::office::{OfficeKind, check_text};
use crate::domain::online::{DocumentRecord, OrderFacts, OrderOutcome, Person, decide, normalise_document_number};
use crate::domain::rules::expected_by;
use crate::http::cases::open::{Opening, open};
use crate::http::context::database::Db;
use crate::http::context::moment::Moment;
use crate::http::error::{ApiError, ApiResult};
use crate::http::nemids::register::{self, CardWay, Holder};
use crate::registers::service::OnlineService;
use crate::store;
use crate::store::online::OrderRow;
use crate::vault::CprVault;

/// Orders decided at once by one instance.
const BATCH: i64 = 8;
/// An idle worker looks for due orders this often (and at once when an order arrives).
const POLL: Duration = Duration::from_secs(1);

/// The actor the online service's events name.
fn actor(office_code: &str) -> Actor<'_> {
    Actor { sub: "online-order", name: "Online order", role: "system", office: Some(office_code) }
}

/// Runs until the actix system it was spawned on stops.
pub async fn run(db: Db, vault: Arc<CprVault>, online: Arc<OnlineService>) {
    // The claimed orders are handled at the same time, each's two look-ups at the same time, so
    // a batch takes one look-up timeout; the lease outlasts it twice over before another
    // instance may take an order over (and a stale claim's writes are refused: `attempts`).
    let lease = 2.0 * online.lookup_timeout().as_secs_f64() + 30.0;
    loop {
        let claimed = db.run(move |conn| Ok(store::online::claim(conn, BATCH, lease)?)).await;
        match claimed {
            Ok(orders) if !orders.is_empty() => {
                join_all(orders.iter().map(|order| async {
                    // Whatever kept the order from being decided — a register, the database, a
                    // missing office — it waits and is tried again, within the window.
                    if let Err(why) = handle(&db, &vault, &online, order).await
                        && let Err(e) = postpone(&db, &online, order, &why, Utc::now()).await
                    {
                        tracing::warn!(order.id = %order.id, error = %e, "online order: could not be postponed");
                    }
                }))
                .await;
            }
            Ok(_) => {
                let sleep = actix_web::rt::time::sleep(POLL);
                let woken = online.wake.notified();
                futures_util::pin_mut!(sleep, woken);
                match select(sleep, woken).await {
                    Either::Left(_) | Either::Right(_) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "online order worker: cannot claim orders");
                actix_web::rt::time::sleep(POLL).await;
            }
        }
    }
}

/// The registers' answers for one order.
struct Answers {
    person: Option<Person>,
    document: Option<DocumentRecord>,
}

/// Looks the order up and decides it; the error says why it could not be decided now.
async fn handle(db: &Db, vault: &CprVault, online: &OnlineService, order: &OrderRow) -> Result<(), String> {
    let (Some(cpr_sealed), Some(number_sealed)) = (&order.cpr_sealed, &order.document_number_sealed) else {
        return Err("a waiting order without its sealed values".into());
    };
    let cpr = vault.open(cpr_sealed).map_err(|e| e.to_string()).and_then(|d| Cpr::parse(&d).map_err(String::from))?;
    let number = vault
        .open_bytes(number_sealed)
        .map_err(|e| e.to_string())
        .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
        .and_then(|n| normalise_document_number(&n).map_err(String::from))?;
    // Both registers, always, and at the same time: an order that fails early takes as long
    // and asks as much as one that matches.
    let registers = &online.registers;
    let (person, document) =
        join(registers.cpr.person(&cpr), registers.documents(order.document_type).document(&number)).await;
    let now = Utc::now();
    let (mut person, document) = (person.map_err(|e| e.to_string())?, document.map_err(|e| e.to_string())?);
    if let Some(p) = &mut person {
        check_person(p)?;
    }
    let answers = Answers { person, document };
    let cfg = online.config.clone();
    let order = order.clone();
    let outcome = db
        .run(move |conn| conn.transaction(|conn| decide_order(conn, &cfg, &order, &answers, now)))
        .await
        .map_err(|e| format!("{}: {}", e.kind(), e.cause().unwrap_or(&e.problem().detail)))?;
    if let Some(outcome) = outcome {
        tracing::info!(order.outcome = outcome.as_str(), "online order decided");
    }
    Ok(())
}

/// A person as the CPR register answered must fit a case. A name beyond a case's limits is no
/// answer (the order waits); an address a letter cannot be written to is no postal address
/// (the order is refused as such).
fn check_person(p: &mut Person) -> Result<(), String> {
    let mut issues = Vec::new();
    check_text("name", &p.name, 200, &mut issues);
    if let Some(i) = issues.first() {
        return Err(format!("cpr: an answer that is not a record: {}: {}", i.field, i.message));
    }
    if let Some(a) = &p.address {
        a.check("address", &mut issues);
        if !issues.is_empty() {
            p.address = None;
        }
    }
    Ok(())
}

/// The order could not be decided now: it waits, with a doubling pause, until the retry window
/// is over; then it is given up as `registers_unavailable`.
async fn postpone(db: &Db, online: &OnlineService, order: &OrderRow, why: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let id = order.id;
    let window = chrono::Duration::from_std(online.config.retry_window).map_err(ApiError::internal)?;
    tracing::warn!(order.id = %id, attempt = order.attempts, error = why, "online order: not decided now; tried again later");
    if now - order.received_at >= window {
        let attempts = order.attempts;
        db.run(move |conn| {
            Ok(store::online::decide(conn, id, attempts, OrderOutcome::RegistersUnavailable, None, now)?)
        })
        .await?;
        tracing::warn!(order.id = %id, "online order given up: the registers stayed unavailable");
        return Ok(());
    }
    let base = i64::try_from(online.config.retry_base.as_millis()).unwrap_or(i64::MAX);
    let pause =
        chrono::Duration::milliseconds(base.saturating_mul(1 << (order.attempts - 1).clamp(0, 16)).min(3_600_000));
    let reason = why.to_string();
    let attempts = order.attempts;
    db.run(move |conn| Ok(store::online::postpone(conn, id, attempts, now + pause, &reason)?)).await?;
    Ok(())
}

/// Decides a waiting order in the caller's transaction: `None` when another instance decided it
/// meanwhile. Orders for one person are serialised here, so concurrent identical orders make
/// one case (the second sees the first's open case).
fn decide_order(
    conn: &mut PgConnection,
    cfg: &crate::config::OnlineConfig,
    order: &OrderRow,
    answers: &Answers,
    now: DateTime<Utc>,
) -> ApiResult<Option<OrderOutcome>> {
    store::lock_key(conn, "online-order-person", &order.cpr_index)?;
    let claimed = order.attempts;
    // Still waiting, and still ours: another instance that took it over after our lease ran out
    // counted another attempt.
    let Some(order) = store::online::waiting_for_update(conn, order.id)?.filter(|o| o.attempts == claimed) else {
        return Ok(None);
    };
    let today = copenhagen_day(now);
    let facts = OrderFacts {
        cpr_index: &order.cpr_index,
        person: answers.person.as_ref(),
        document: answers.document.as_ref(),
        has_live_nemid: store::nemids::live_for_person(conn, &order.cpr_index)?.is_some(),
        has_open_case: store::cases::has_open(conn, &order.cpr_index)?,
        today,
    };
    let outcome = decide(&facts);
    let case_id = match (outcome, &answers.person) {
        (OrderOutcome::CaseMade, Some(person)) => Some(make_case(conn, cfg, &order, person, now)?),
        _ => None,
    };
    store::online::decide(conn, order.id, claimed, outcome, case_id, now)?;
    Ok(Some(outcome))
}

/// The case of a matching order: both halves posted to the CPR address at once, a pending NemID
/// with its card in transit. Then `returned`, re-posting and `activation` as for posted cards.
fn make_case(
    conn: &mut PgConnection,
    cfg: &crate::config::OnlineConfig,
    order: &OrderRow,
    person: &Person,
    now: DateTime<Utc>,
) -> ApiResult<Uuid> {
    let office = store::offices::find_by_code(conn, &cfg.office_code)?
        .filter(|o| o.active && o.kind == OfficeKind::OnlineService)
        .ok_or_else(|| {
            ApiError::internal(format!(
                "the online service's office {} (ONLINE_OFFICE) does not exist, is inactive or is not of kind online_service",
                cfg.office_code
            ))
        })?;
    let address = person.address.as_ref().ok_or_else(|| ApiError::internal("a matching order without an address"))?;
    let cpr_sealed =
        order.cpr_sealed.as_deref().ok_or_else(|| ApiError::internal("a waiting order without its CPR"))?;
    let moment = Moment {
        now,
        today: copenhagen_day(now),
        request_id: format!("online-order-{}", order.id),
        endpoint: "online order".into(),
    };
    let who = actor(&office.code);
    let due = expected_by(moment.today, cfg.posting_days);
    let nemid_number = store::cases::next_nemid_number(conn)?;
    let evidence = json!({
        "kind": Kind::Online.as_str(),
        "channel": Channel::Online.as_str(),
        "both_halves": true,
        "document_type": order.document_type.as_str(),
        "nemid_number": nemid_number,
        "expected_by": due,
        "posting_window_days": cfg.posting_days,
    });
    let row = open(
        conn,
        &who,
        &moment,
        Opening {
            office_id: office.id,
            office_code: &office.code,
            channel: Channel::Online,
            kind: Kind::Online,
            status: Status::BothHalvesPosted,
            cpr_sealed,
            cpr_index: &order.cpr_index,
            name: &person.name,
            address,
            nemid_number: Some(&nemid_number),
            replacement_reason: None,
            postal_block: None,
            posted: Some((now, due)),
            evidence: &evidence,
        },
    )?
    .row;
    let holder = Holder {
        case_id: row.id,
        office_id: office.id,
        cpr_sealed,
        cpr_index: &order.cpr_index,
        name: &row.applicant_name,
    };
    let nemid = register::create(conn, &who, &moment, &holder, &nemid_number, false)?;
    register::card_sent(conn, &who, &moment, &nemid, CardWay::Posted)?;
    tracing::info!(case.id = %row.id, case.kind = "online", "case made from an online order");
    Ok(row.id)
}
