//! `nemid-desk migrate`: applies pending migrations and exits (they run under an advisory lock,
//! so instances starting together apply them once).

use std::process::ExitCode;

use crate::commands::support::fail;
use crate::config::Config;
use crate::db;

pub fn run(config: &Config) -> ExitCode {
    match db::resolve(config).and_then(|(url, _cluster)| db::migrate::run(&url)) {
        Ok(n) => {
            tracing::info!(migrations.applied = n, "migrations applied");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
