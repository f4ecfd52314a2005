//! `nemid-desk seed`: fills the database with a reproducible, made-up data set (`crate::seed`).

use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;

use crate::commands::support::{connect, fail, usage, vault};
use crate::config::{AppEnv, Config, RegistersConfig};
use crate::online::import;

/// The people `seed` puts into the development registers.
const EXAMPLE_REGISTERS: &str = include_str!("../../docs/examples/registers.json");
use crate::domain::clock::copenhagen_day;
use crate::seed::{self, SeedOptions};

pub fn run(config: &Config, cases: usize, offices: usize, seed: u64, until: Option<NaiveDate>) -> ExitCode {
    if config.app_env == AppEnv::Production {
        return usage(
            "seed",
            "refused with APP_ENV=production (it writes made-up people and locks the case and NemID tables, reads too)",
        );
    }
    if cases == 0 || cases > 20_000_000 || offices == 0 || offices > 10_000 {
        return usage("seed", "--cases must be 1..=20000000 and --offices 1..=10000");
    }
    let until = until.unwrap_or_else(|| copenhagen_day(chrono::Utc::now()));
    let opts = SeedOptions { cases, offices, seed, until, posting_window_days: config.domain.posting_window_days };
    let vault = match vault(config) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let started = Instant::now();
    let result = connect(config, true).and_then(|mut conn| {
        let s = seed::run(&mut conn, &opts, &vault).map_err(|e| match &e {
            // The same --seed and --until draw the same cases again.
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some("cases_pkey") =>
            {
                format!(
                    "seeding failed, nothing was written: this database holds the cases of --seed {} up to {} \
                     already; seed again with another --seed",
                    opts.seed, opts.until
                )
            }
            _ => format!("seeding failed, nothing was written: {e}"),
        })?;
        // The development registers get the people of docs/examples/registers.json, so that an
        // online order can be tried on a seeded database.
        let registers = if config.online.registers == RegistersConfig::Local {
            let (persons, documents) = import::parse(EXAMPLE_REGISTERS, &vault)
                .map_err(|p| format!("docs/examples/registers.json: {}", p.join("; ")))?;
            Some(import::load(&mut conn, &persons, &documents).map_err(|e| format!("development registers: {e}"))?)
        } else {
            None
        };
        Ok((s, registers))
    });
    match result {
        Ok((s, registers)) => {
            if let Some(r) = registers {
                println!(
                    "loaded {} persons, {} passports and {} driving licences into the development registers \
                     (docs/examples/registers.json)",
                    r.persons, r.passports, r.drivers_licences
                );
            }
            println!(
                "seeded {} cases with {} events in {} offices, and {} NemIDs in the register, in {:.1} s",
                s.cases,
                s.events,
                s.offices,
                s.nemids,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
