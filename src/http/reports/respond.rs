//! What every report shares: the date range rule and the choice between JSON and CSV.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::http::error::{ApiError, ApiResult};

/// `from`..=`to` in Copenhagen days: ordered, and at most two years long.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if to < from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    // Both ends count: from 2024-01-01 the last allowed day is 2025-12-31.
    if from.checked_add_months(Months::new(24)).is_none_or(|limit| to >= limit) {
        return Err(ApiError::field("to", "the range may be at most 2 years long"));
    }
    Ok(())
}

/// Whether the client prefers CSV: `text/csv` with a higher quality than JSON (or `*/*`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    let mut csv = 0.0f32;
    let mut json = 0.0f32;
    for range in req.headers().get_all(header::ACCEPT).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        match mime.as_str() {
            "text/csv" => csv = csv.max(q),
            "application/json" | "*/*" | "application/*" => json = json.max(q),
            _ => {}
        }
    }
    csv > 0.0 && csv > json
}

/// Answers `json` as JSON, or `csv` rows as CSV when asked for.
pub fn respond<T: Serialize>(req: &HttpRequest, json: &T, csv: impl FnOnce() -> String) -> HttpResponse {
    if wants_csv(req) {
        rendered(true, csv().into_bytes())
    } else {
        match serde_json::to_vec(json) {
            Ok(body) => rendered(false, body),
            Err(e) => ApiError::internal(e).error_response(),
        }
    }
}

/// A report already rendered as CSV (`csv`) or JSON.
pub fn rendered(csv: bool, body: Vec<u8>) -> HttpResponse {
    let content_type = if csv { "text/csv; charset=utf-8; header=present" } else { "application/json" };
    HttpResponse::Ok().content_type(content_type).body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ranges_are_ordered_and_at_most_two_years() {
        assert!(check_range(d(2024, 1, 1), d(2025, 12, 31)).is_ok());
        assert!(check_range(d(2024, 1, 1), d(2026, 1, 1)).is_err());
        assert!(check_range(d(2024, 2, 29), d(2026, 2, 27)).is_ok());
        assert!(check_range(d(2024, 2, 29), d(2026, 2, 28)).is_err());
        assert!(check_range(d(2026, 1, 2), d(2026, 1, 1)).is_err());
        assert!(check_range(d(2026, 1, 1), d(2026, 1, 1)).is_ok());
    }
}
