//! `GET /api/v1/events`: the change feed for integrations (see `store::feed` for its order).

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::role::{CASE_READERS, Role};
use crate::http::context::caller::Caller;
use crate::http::context::pagination;
use crate::http::error::{ApiError, ApiResult};
use crate::http::feed::view::{FeedItem, FeedPage, cursor_after};
use crate::store::feed::{self, FeedRow};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// `next_cursor` of the previous page; from the beginning when absent.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Seconds (0–30) to wait for a new event when there is none yet.
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<u64>,
}

/// How long a read waits for writers that had begun before it (see `change_feed`).
const SETTLE: Duration = Duration::from_millis(250);

/// One change, without personal data.
fn encode(r: &FeedRow) -> String {
    cursor_after(r.position)
}

fn decode(c: &str) -> ApiResult<i64> {
    pagination::decode(c, "feed")?
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::bad_parameter("after", "is not a cursor returned by this endpoint"))
}

/// The change feed.
#[utoipa::path(
    description = "Roles: clerk, bank (their office's events), supervisor (all). Every case and exemption event in \
                   one total order that never skips an event, even under concurrent writers; no personal data. \
                   An empty page returns the same cursor; `wait` long-polls until an event commits.",
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of events", body = FeedPage),
    )
)]
#[get("/events")]
pub async fn change_feed(caller: Caller, query: web::Query<FeedQuery>) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = match q.limit {
        None => 100,
        Some(n) if (1..=500).contains(&n) => n,
        Some(_) => return Err(ApiError::bad_parameter("limit", "must be from 1 to 500")),
    };
    let wait = match q.wait {
        None => 0,
        Some(w) if w <= 30 => w,
        Some(_) => return Err(ApiError::bad_parameter("wait", "must be from 0 to 30 seconds")),
    };
    let after = q.after.as_deref().map(decode).transpose()?.unwrap_or(0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(wait);
    let mut mark = None;
    loop {
        let (rows, bounds) = caller
            .run(CASE_READERS, move |conn, who, _| {
                let office = if who.role == Role::Supervisor { None } else { who.office.as_ref().map(|o| o.id) };
                conn.build_transaction().repeatable_read().read_only().run(|conn| {
                    let bounds = feed::bounds(conn)?;
                    Ok((feed::page(conn, office, after, bounds.horizon, limit)?, bounds))
                })
            })
            .await?;
        // Writers that had begun before this request may still be committing: their events come
        // before any later ones, so wait a moment for them, and the page then holds every event
        // committed before the request was made. A writer that takes longer only delays its
        // events (and those after it) to a later page; nothing is ever skipped.
        let mark = *mark.get_or_insert(bounds.mark);
        let settled = bounds.horizon >= mark || rows.len() as i64 == limit || started.elapsed() >= SETTLE;
        if !settled {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        // Polling keeps no thread or connection while it waits; a tenth of a second between
        // looks answers well within a second of a commit.
        if !rows.is_empty() || Instant::now() >= deadline {
            let next_cursor = rows.last().map(encode).or(q.after.clone());
            let items = rows.into_iter().map(FeedItem::from).collect();
            return Ok(HttpResponse::Ok().json(FeedPage { items, next_cursor }));
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}
