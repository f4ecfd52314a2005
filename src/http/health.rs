//! Liveness and readiness.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::context::state::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers. Touches no database.
#[utoipa::path(
    description = "Liveness: the process is up. Does not touch the database. No authentication.",
    responses((status = 200, description = "The process is alive", body = Health)),
    security(())
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: a query succeeds within one second.
#[utoipa::path(
    description = "Readiness: 200 when a database query succeeds within 1 s, otherwise 503. No authentication. \
        The identity provider is not part of it: static tokens and existing sessions work without it.",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is not reachable", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying")))
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let db = state.db.clone();
    if db.is_down() {
        return Err(ApiError::unavailable("the database was unreachable at the last look"));
    }
    let check = web::block(move || -> Result<(), String> {
        let mut conn = db.pool().get_timeout(Duration::from_secs(1)).map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| {
            db.repair(&mut conn);
            e.to_string()
        })
    });
    match actix_web::rt::time::timeout(Duration::from_secs(1), check).await {
        Ok(Ok(Ok(()))) => Ok(HttpResponse::Ok().json(Health { status: "ok".into() })),
        Ok(Ok(Err(e))) => Err(ApiError::unavailable(e)),
        Ok(Err(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(ApiError::unavailable("readiness query took longer than 1 s")),
    }
}
