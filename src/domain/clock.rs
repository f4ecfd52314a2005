//! Calendar days are Copenhagen days: a case opened at 00:30 Danish time belongs to that Danish
//! day, whatever the UTC date. Timestamps themselves stay UTC.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Copenhagen;

pub fn copenhagen_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Copenhagen).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_follow_danish_time_including_summer_time() {
        // 23:30 UTC in winter is 00:30 the next day in Copenhagen (UTC+1).
        let winter = Utc.with_ymd_and_hms(2026, 1, 14, 23, 30, 0).unwrap();
        assert_eq!(copenhagen_day(winter), NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        // 22:30 UTC in summer is 00:30 the next day (UTC+2); 21:30 UTC is still the same day.
        let summer = Utc.with_ymd_and_hms(2026, 7, 14, 22, 30, 0).unwrap();
        assert_eq!(copenhagen_day(summer), NaiveDate::from_ymd_opt(2026, 7, 15).unwrap());
        let summer_evening = Utc.with_ymd_and_hms(2026, 7, 14, 21, 30, 0).unwrap();
        assert_eq!(copenhagen_day(summer_evening), NaiveDate::from_ymd_opt(2026, 7, 14).unwrap());
    }
}
