//! The binary's subcommands, one module each; `main` parses the command line and calls `run`.
//!
//! Exit codes: 0 done, 1 a runtime failure (database, bind), 2 bad configuration or arguments.

pub mod db;
pub mod import_nemids;
pub mod migrate;
pub mod openapi;
pub mod registers;
pub mod retention;
pub mod rotate_keys;
pub mod seed;
pub mod serve;
pub mod support;
pub mod token;

use std::process::ExitCode;

use crate::cli::{Cli, Command, RegistersAction};
use crate::commands::support::bad_config;
use crate::config::Config;
use crate::telemetry;

pub fn run(cli: Cli) -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return bad_config(&e),
    };
    match cli.command.unwrap_or(Command::Serve) {
        // These two print to stdout for a pipe; nothing is logged.
        Command::Openapi => openapi::run(),
        Command::Token { role, office, name, sub, ttl } => token::run(&config, &role, office, &name, sub, &ttl),
        Command::Db { action } => db::run(&config, action),
        command => {
            telemetry::init(config.log_format, std::io::stderr);
            match command {
                Command::Serve => serve::run(config),
                Command::Migrate => migrate::run(&config),
                Command::Seed { cases, offices, seed, until } => seed::run(&config, cases, offices, seed, until),
                Command::RotateKeys { batch } => rotate_keys::run(&config, batch),
                Command::ImportNemids { file, office } => import_nemids::run(&config, &file, &office),
                Command::Retention { dry_run, now } => retention::run(&config, dry_run, now),
                Command::Registers { action: RegistersAction::Import { file } } => registers::import(&config, &file),
                Command::Openapi | Command::Token { .. } | Command::Db { .. } => unreachable!("handled above"),
            }
        }
    }
}
