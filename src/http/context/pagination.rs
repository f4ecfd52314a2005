//! Opaque keyset cursors: base64url of the last row's sort key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::http::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

pub fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// Decodes a cursor and checks it carries the expected prefix (`kind:`).
pub fn decode(cursor: &str, kind: &str) -> ApiResult<String> {
    let bad = || ApiError::bad_parameter("cursor", "is not a cursor returned by this endpoint");
    if cursor.len() > 512 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    s.strip_prefix(kind).and_then(|r| r.strip_prefix(':')).map(str::to_string).ok_or_else(bad)
}

/// A cursor on (timestamp, id), the keyset of newest-first lists.
pub fn encode_time_id(kind: &str, at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> String {
    encode(&format!("{kind}:{}|{id}", at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)))
}

pub fn decode_time_id(cursor: &str, kind: &str) -> ApiResult<(chrono::DateTime<chrono::Utc>, uuid::Uuid)> {
    let raw = decode(cursor, kind)?;
    let bad = || ApiError::bad_parameter("cursor", "is not a cursor returned by this endpoint");
    let (at, id) = raw.split_once('|').ok_or_else(bad)?;
    let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&chrono::Utc);
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| bad())?))
}

/// A page of at most `limit` rows out of `rows` (read with `limit + 1`), and the cursor of the
/// next page, made from the page's last row, when more rows follow.
pub fn page<R>(mut rows: Vec<R>, limit: i64, cursor: impl Fn(&R) -> String) -> (Vec<R>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor);
    (rows, next)
}

pub fn limit(given: Option<i64>) -> ApiResult<i64> {
    match given {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_parameter("limit", format!("must be from 1 to {MAX_LIMIT}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_ones() {
        let c = encode("office:KBH01");
        assert_eq!(decode(&c, "office").unwrap(), "KBH01");
        assert!(decode(&c, "case").is_err());
        assert!(decode("!!!", "office").is_err());
        assert_eq!(limit(None).unwrap(), 50);
        assert!(limit(Some(0)).is_err() && limit(Some(101)).is_err());
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123456Z").unwrap().with_timezone(&chrono::Utc);
        let id = uuid::Uuid::now_v7();
        assert_eq!(decode_time_id(&encode_time_id("case", at, id), "case").unwrap(), (at, id));
        assert!(decode_time_id(&encode_time_id("case", at, id), "exemption").is_err());
        assert_eq!(page(vec![1, 2, 3], 2, |r| r.to_string()), (vec![1, 2], Some("2".to_string())));
        assert_eq!(page(vec![1, 2], 2, |r| r.to_string()), (vec![1, 2], None));
    }
}
