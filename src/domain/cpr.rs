//! CPR numbers (docs/DOMAIN.md rule 1): `DDMMYY-SSSS` or `DDMMYYSSSS`, the date real in the century
//! given by the 7th digit and the year. No modulus-11 check: numbers without it have been issued
//! since 1 October 2007.
//!
//! `Cpr` has no `Display` and a redacting `Debug`, so a CPR cannot slip into a log line by
//! accident; the full number is only reachable through `digits()` / `formatted()`.

use chrono::{Datelike, NaiveDate};

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cpr([u8; 10]);

impl std::fmt::Debug for Cpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cpr(<redacted>)")
    }
}

/// Why a string is not a CPR number (never repeats the input).
pub const INVALID_FORMAT: &str = "must be 10 digits, DDMMYY-SSSS or DDMMYYSSSS";
pub const INVALID_DATE: &str = "the date part is not a real date in the century the 7th digit gives";

impl Cpr {
    pub fn parse(s: &str) -> Result<Cpr, &'static str> {
        let s = s.trim();
        let b = s.as_bytes();
        let digits: Vec<u8> = match b.len() {
            10 => b.to_vec(),
            11 if b[6] == b'-' => [&b[..6], &b[7..]].concat(),
            _ => return Err(INVALID_FORMAT),
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(INVALID_FORMAT);
        }
        let mut d = [0u8; 10];
        for (i, c) in digits.iter().enumerate() {
            d[i] = c - b'0';
        }
        let cpr = Cpr(d);
        cpr.birth_date().ok_or(INVALID_DATE)?;
        Ok(cpr)
    }

    fn num(&self, i: usize, n: usize) -> u32 {
        self.0[i..i + n].iter().fold(0, |acc, d| acc * 10 + u32::from(*d))
    }

    /// The birth date, by the century table of docs/DOMAIN.md rule 1.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let (day, month, yy, seventh) = (self.num(0, 2), self.num(2, 2), self.num(4, 2) as i32, self.0[6]);
        let century = match seventh {
            0..=3 => 1900,
            4 | 9 => {
                if yy <= 36 {
                    2000
                } else {
                    1900
                }
            }
            _ => match yy {
                0..=57 => 2000,
                _ => 1800,
            },
        };
        NaiveDate::from_ymd_opt(century + yy, month, day)
    }

    /// Whole years of age on `day` (a 29 February birthday counts from 1 March in common years).
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        let Some(born) = self.birth_date() else { return -1 };
        let mut age = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        age
    }

    /// The ten digits, for storage.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// `DDMMYY-SSSS`, for the single case read of someone allowed to act on it.
    pub fn formatted(&self) -> String {
        let d = self.digits();
        format!("{}-{}", &d[..6], &d[6..])
    }

    /// `DDMMYY-XXXX`, for lists and audit evidence.
    pub fn masked(&self) -> String {
        format!("{}-XXXX", &self.digits()[..6])
    }
}

/// The masked form of stored digits (which are valid by construction and by CHECK constraint).
pub fn mask_digits(digits: &str) -> String {
    format!("{}-XXXX", digits.get(..6).unwrap_or("XXXXXX"))
}

/// The formatted form of stored digits.
pub fn format_digits(digits: &str) -> String {
    match (digits.get(..6), digits.get(6..)) {
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => mask_digits(digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn both_notations_parse_to_the_same_number() {
        let a = Cpr::parse("010190-1234").unwrap();
        let b = Cpr::parse("0101901234").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.digits(), "0101901234");
        assert_eq!(a.formatted(), "010190-1234");
        assert_eq!(a.masked(), "010190-XXXX");
        assert_eq!(format!("{a:?}"), "Cpr(<redacted>)");
        assert_eq!(mask_digits("0101901234"), "010190-XXXX");
        assert_eq!(format_digits("0101901234"), "010190-1234");
    }

    #[test]
    fn malformed_numbers_are_refused_without_echo() {
        for bad in
            ["", "010190123", "01019012345", "010190 1234", "0101-901234", "01019O1234", "010190_1234", "٠١٠١٩٠١٢٣٤"]
        {
            assert_eq!(Cpr::parse(bad), Err(INVALID_FORMAT), "{bad}");
        }
        for bad in ["320190-1234", "001090-1234", "011390-1234", "300290-1234", "290201-1234"] {
            assert_eq!(Cpr::parse(bad), Err(INVALID_DATE), "{bad}");
        }
    }

    #[test]
    fn every_century_digit_and_year_band() {
        // (7th digit, YY) → century, per the table: 0–3 always 19; 4/9: 00–36 → 20, else 19;
        // 5–8: 00–57 → 20, 58–99 → 18.
        let cases = [
            (0, 0, 1900),
            (0, 36, 1900),
            (0, 37, 1900),
            (0, 57, 1900),
            (0, 58, 1900),
            (0, 99, 1900),
            (1, 10, 1900),
            (2, 50, 1900),
            (3, 99, 1900),
            (4, 0, 2000),
            (4, 36, 2000),
            (4, 37, 1900),
            (4, 57, 1900),
            (4, 58, 1900),
            (4, 99, 1900),
            (9, 0, 2000),
            (9, 36, 2000),
            (9, 37, 1900),
            (9, 99, 1900),
            (5, 0, 2000),
            (5, 36, 2000),
            (5, 37, 2000),
            (5, 57, 2000),
            (5, 58, 1800),
            (5, 99, 1800),
            (6, 20, 2000),
            (7, 57, 2000),
            (8, 58, 1800),
            (8, 99, 1800),
        ];
        for (seventh, yy, century) in cases {
            let s = format!("0101{yy:02}{seventh}234");
            let cpr = Cpr::parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(cpr.birth_date(), Some(d(century + yy, 1, 1)), "{s}");
        }
    }

    #[test]
    fn leap_days_depend_on_the_century() {
        // 29 Feb 2000 exists (digit 4, YY 00 → 2000); 29 Feb 1900 does not (digit 0 → 1900).
        assert_eq!(Cpr::parse("290200-4000").unwrap().birth_date(), Some(d(2000, 2, 29)));
        assert_eq!(Cpr::parse("290200-0000"), Err(INVALID_DATE));
        assert_eq!(Cpr::parse("290296-1111").unwrap().birth_date(), Some(d(1996, 2, 29)));
        // 1800 was not a leap year: digit 5–8 with YY 00 is 2000 though.
        assert_eq!(Cpr::parse("290200-5000").unwrap().birth_date(), Some(d(2000, 2, 29)));
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        let cpr = Cpr::parse("151110-4321").unwrap(); // born 15 Nov 2010
        assert_eq!(cpr.age_on(d(2025, 11, 14)), 14);
        assert_eq!(cpr.age_on(d(2025, 11, 15)), 15);
        assert_eq!(cpr.age_on(d(2028, 11, 14)), 17);
        assert_eq!(cpr.age_on(d(2028, 11, 15)), 18);
        // Born 29 Feb 2008: 15 on 1 Mar 2023 (no 29 Feb that year), 16 on 29 Feb 2024.
        let leap = Cpr::parse("290208-4321").unwrap();
        assert_eq!(leap.age_on(d(2023, 2, 28)), 14);
        assert_eq!(leap.age_on(d(2023, 3, 1)), 15);
        assert_eq!(leap.age_on(d(2024, 2, 28)), 15);
        assert_eq!(leap.age_on(d(2024, 2, 29)), 16);
    }
}
