//! `nemid-desk registers import FILE` (`crate::online::import`): fills the development registers
//! the online order reads with REGISTERS=local. Exit 0 when loaded, 2 when the file has bad
//! entries or the registers are not the local ones (nothing is loaded), 1 on a database failure.

use std::path::Path;
use std::process::ExitCode;

use crate::commands::support::{connect, fail, vault};
use crate::config::{Config, RegistersConfig};
use crate::online::import;

pub fn import(config: &Config, file: &Path) -> ExitCode {
    if config.online.registers != RegistersConfig::Local {
        eprintln!(
            "nemid-desk: the development registers are read only with REGISTERS=local (development); nothing was imported"
        );
        return ExitCode::from(2);
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {}: {e}", file.display())),
    };
    let vault = match vault(config) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let (persons, documents) = match import::parse(&text, &vault) {
        Ok(rows) => rows,
        Err(problems) => {
            for p in &problems {
                eprintln!("{}: {p}", file.display());
            }
            eprintln!("nemid-desk: {} problems in {}; nothing was imported", problems.len(), file.display());
            return ExitCode::from(2);
        }
    };
    let mut conn = match connect(config, true) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match import::load(&mut conn, &persons, &documents) {
        Ok(l) => {
            println!(
                "imported {} persons, {} passports and {} driving licences into the development registers",
                l.persons, l.passports, l.drivers_licences
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("database: {e}; nothing was imported")),
    }
}
