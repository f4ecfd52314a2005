//! `nemid-desk retention`: anonymises records closed longer than RETENTION_DAYS (`crate::retention`;
//! every server also runs it daily).

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};

use crate::commands::support::{connect, fail};
use crate::config::Config;
use crate::retention;

pub fn run(config: &Config, dry_run: bool, now: Option<DateTime<Utc>>) -> ExitCode {
    let now = now.unwrap_or_else(Utc::now);
    let days = config.domain.retention_days;
    let result = connect(config, true)
        .and_then(|mut conn| retention::run(&mut conn, now, days, dry_run).map_err(|e| e.to_string()));
    match result {
        Ok(a) => {
            println!(
                "{} {} cases and {} exemptions closed before {}",
                if dry_run { "would anonymise" } else { "anonymised" },
                a.cases_done,
                a.exemptions_done,
                now - Duration::days(i64::from(days))
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
