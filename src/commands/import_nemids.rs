//! `nemid-desk import-nemids FILE --office CODE` (`crate::import`). Exit 0 when loaded (or all
//! there already), 2 when the file has bad rows or names an unknown office (nothing is loaded),
//! 1 on a database failure.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;

use crate::commands::support::{connect, fail, vault};
use crate::config::Config;
use crate::domain::clock::copenhagen_day;
use crate::import::{self, Failure};

pub fn run(config: &Config, file: &Path, office: &str) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {}: {e}", file.display())),
    };
    let now = Utc::now();
    let rows = match import::parse(&text, copenhagen_day(now)) {
        Ok(rows) => rows,
        Err(problems) => return refused(file, &problems),
    };
    let vault = match vault(config) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let mut conn = match connect(config, true) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match import::load(&mut conn, &vault, office, &rows, now) {
        Ok(o) => {
            println!("imported {} NemIDs; {} were in the register already", o.imported, o.already_there);
            tracing::info!(imported = o.imported, already_there = o.already_there, "NemIDs imported");
            ExitCode::SUCCESS
        }
        Err(Failure::Rows(problems)) => refused(file, &problems),
        Err(Failure::Office(why)) => {
            eprintln!("nemid-desk: {why} (--office); nothing was imported");
            ExitCode::from(2)
        }
        Err(Failure::Database(e)) => fail(&format!("database: {e}; nothing was imported")),
    }
}

fn refused(file: &Path, problems: &[import::Problem]) -> ExitCode {
    for p in problems {
        eprintln!("{}: {p}", file.display());
    }
    eprintln!("nemid-desk: {} problems in {}; nothing was imported", problems.len(), file.display());
    ExitCode::from(2)
}
