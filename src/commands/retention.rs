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
    let online_days = config.online.retention_days;
    let result = connect(config, true).and_then(|mut conn| {
        let a = retention::run(&mut conn, now, days, dry_run).map_err(|e| e.to_string())?;
        let orders = if dry_run {
            None
        } else {
            Some(
                retention::purge_online_orders(&mut conn, now, online_days, config.online.retry_window)
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok((a, orders))
    });
    match result {
        Ok((a, orders)) => {
            if let Some((given_up, n)) = orders {
                println!(
                    "gave up {given_up} online orders still waiting after the retry window; deleted {n} decided online \
                     orders received before {}",
                    now - Duration::days(i64::from(online_days))
                );
            }
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
