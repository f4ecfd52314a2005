//! What the documents of cases and exemptions share: the language, dates as letters write them,
//! the sending office, the answer (`application/pdf`). The layout is `crate::letters`; what each
//! document says is beside its resource (`cases/documents.rs`).

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Copenhagen;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ApiError, ApiResult};
use crate::letters::{self, Letter};
use crate::store::offices::OfficeRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// The text in this language.
    pub fn pick(self, da: &str, en: &str) -> String {
        match self {
            Lang::Da => da.to_string(),
            Lang::En => en.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// `da` (the default) or `en`.
    #[param(inline)]
    pub lang: Option<Lang>,
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "3. december 2026" / "3 December 2026".
pub fn day(lang: Lang, d: NaiveDate) -> String {
    let m = d.month0() as usize;
    match lang {
        Lang::Da => format!("{}. {} {}", d.day(), MONTHS_DA[m], d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
    }
}

/// "3. december 2026 kl. 10.15" / "3 December 2026, 10:15", Copenhagen time.
pub fn time(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Copenhagen);
    let d = day(lang, local.date_naive());
    match lang {
        Lang::Da => format!("{d} kl. {:02}.{:02}", local.hour(), local.minute()),
        Lang::En => format!("{d}, {:02}:{:02}", local.hour(), local.minute()),
    }
}

/// The office as a letter's sender: its name, then its address.
pub fn sender(office: &OfficeRow) -> Vec<String> {
    vec![office.name.clone(), office.street.clone(), format!("{} {}", office.postal_code, office.city)]
}

/// "Vejle, 3. december 2026".
pub fn dated(lang: Lang, office: &OfficeRow, on: NaiveDate) -> String {
    format!("{}, {}", office.city, day(lang, on))
}

/// A PDF file, as the document describes the answer.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(#[allow(dead_code)] Vec<u8>);

/// A document made: its bytes and the file name it is offered under.
pub struct Made {
    pub bytes: Vec<u8>,
    pub filename: String,
}

/// The letter as PDF (on the blocking thread that read the case).
pub fn make(letter: &Letter, document_id: &str, created: DateTime<Utc>, filename: String) -> ApiResult<Made> {
    let bytes = letters::render(letter, document_id, created).map_err(ApiError::internal)?;
    Ok(Made { bytes, filename })
}

/// The answer: `application/pdf`, shown in the browser (`inline`) under a name that says what
/// it is.
pub fn respond(made: Made) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{}\"", made.filename)))
        .body(made.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_letters_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(day(Lang::Da, d), "3. december 2026");
        assert_eq!(day(Lang::En, d), "3 December 2026");
        // 09:15 UTC in winter is 10:15 in Copenhagen.
        let at = DateTime::parse_from_rfc3339("2026-12-03T09:15:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(time(Lang::Da, at), "3. december 2026 kl. 10.15");
        assert_eq!(time(Lang::En, at), "3 December 2026, 10:15");
    }
}
