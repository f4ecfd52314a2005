//! `GET /api/v1/events`: the change feed for integrations (see `store::feed` for its order).

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::{Bearer, authorize};
use super::cases::READERS;
use super::error::{ApiError, ApiResult, Problem};
use super::pagination;
use super::state::AppState;
use crate::domain::role::Role;
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

/// One change, without personal data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedItem {
    /// `case` or `exemption`.
    pub kind: String,
    /// The event's id within its kind.
    pub event_id: i64,
    pub case_id: Option<Uuid>,
    pub exemption_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub office_id: Uuid,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_role: String,
    pub actor_office: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass as `after` next time; the same cursor when the page is empty.
    pub next_cursor: Option<String>,
}

impl From<FeedRow> for FeedItem {
    fn from(r: FeedRow) -> Self {
        FeedItem {
            case_id: (r.kind == "case").then_some(r.subject_id),
            exemption_id: (r.kind == "exemption").then_some(r.subject_id),
            kind: r.kind,
            event_id: r.id,
            case_number: r.case_number,
            office_id: r.office_id,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            occurred_at: r.occurred_at,
            actor_role: r.actor_role,
            actor_office: r.actor_office,
        }
    }
}

/// The feed cursor that resumes right after the event at `position`.
pub fn cursor_after(position: i64) -> String {
    pagination::encode(&format!("feed:{position}"))
}

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
    operation_id = "change_feed",
    tag = "feed",
    description = "Roles: clerk, bank (their office's events), supervisor (all). Every case and exemption event in \
                   one total order that never skips an event, even under concurrent writers; no personal data. \
                   An empty page returns the same cursor; `wait` long-polls until an event commits.",
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of events", body = FeedPage),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Bearer challenge"))),
        (status = 403, description = "Role may not read events, or office unknown/inactive", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn change_feed(
    state: web::Data<AppState>,
    bearer: Bearer,
    query: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
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
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let b = bearer.clone();
        let rows = state
            .db
            .run(move |conn| {
                let who = authorize(conn, &b, READERS)?;
                let office = if who.role == Role::Supervisor { None } else { who.office.as_ref().map(|o| o.id) };
                Ok(feed::page(conn, office, after, limit)?)
            })
            .await?;
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
