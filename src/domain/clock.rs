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

/// The UTC instant a Copenhagen calendar day starts (midnight is never skipped by Danish
/// daylight-saving changes, which happen at 02:00/03:00).
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Copenhagen
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod day_start_tests {
    use super::*;

    #[test]
    fn days_start_at_copenhagen_midnight() {
        let winter = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(start_of_day(winter).to_rfc3339(), "2026-01-14T23:00:00+00:00");
        let summer = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        assert_eq!(start_of_day(summer).to_rfc3339(), "2026-07-14T22:00:00+00:00");
        // The day summer time starts (29 March 2026) is 23 hours long.
        let dst = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        assert_eq!((start_of_day(next) - start_of_day(dst)).num_hours(), 23);
    }
}

/// The calendar months lying wholly inside `from..=to`, as a span of days: the first day of the
/// first such month and the last day of the last; `None` when no month fits. The days of the
/// range outside the span are its ends.
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    use chrono::{Datelike, Months};
    let first = if from.day() == 1 { from } else { from.with_day(1)?.checked_add_months(Months::new(1))? };
    // The month `to` lies in counts only if `to` is its last day.
    let last = if to.succ_opt()?.day() == 1 { to } else { to.with_day(1)?.pred_opt()? };
    (first < last).then_some((first, last))
}

#[cfg(test)]
mod month_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn whole_months_are_those_the_range_covers_from_first_to_last_day() {
        assert_eq!(whole_months(d(2026, 1, 1), d(2026, 1, 31)), Some((d(2026, 1, 1), d(2026, 1, 31))));
        assert_eq!(whole_months(d(2025, 12, 8), d(2026, 12, 7)), Some((d(2026, 1, 1), d(2026, 11, 30))));
        assert_eq!(whole_months(d(2024, 2, 1), d(2024, 2, 29)), Some((d(2024, 2, 1), d(2024, 2, 29))));
        assert_eq!(whole_months(d(2024, 2, 1), d(2024, 2, 28)), None);
        assert_eq!(whole_months(d(2026, 1, 2), d(2026, 2, 27)), None);
        assert_eq!(whole_months(d(2026, 1, 2), d(2026, 3, 31)), Some((d(2026, 2, 1), d(2026, 3, 31))));
        assert_eq!(whole_months(d(2025, 12, 1), d(2026, 1, 31)), Some((d(2025, 12, 1), d(2026, 1, 31))));
        assert_eq!(whole_months(d(2026, 5, 5), d(2026, 5, 5)), None);
        assert_eq!(whole_months(d(2026, 5, 31), d(2026, 6, 1)), None);
        assert_eq!(whole_months(d(2026, 5, 1), d(2026, 5, 1)), None);
    }
}
