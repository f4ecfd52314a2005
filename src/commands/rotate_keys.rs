//! `nemid-desk rotate-keys`: re-encrypts every sealed value under the newest key (`crate::rotate`).

use std::process::ExitCode;

use crate::commands::support::{connect, fail, usage, vault};
use crate::config::Config;
use crate::rotate;

pub fn run(config: &Config, batch: i64) -> ExitCode {
    if !(1..=100_000).contains(&batch) {
        return usage("rotate-keys", "--batch must be 1..=100000");
    }
    let vault = match vault(config) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let result = connect(config, false).and_then(|mut conn| {
        let s = rotate::rotate(&mut conn, &vault, batch)?;
        let bad = rotate::unreadable(&mut conn, &vault)?;
        Ok((s, bad))
    });
    match result {
        Ok((s, 0)) => {
            println!(
                "examined {} sealed values, re-encrypted {} under key `{}`",
                s.examined,
                s.rotated,
                vault.newest_kid()
            );
            ExitCode::SUCCESS
        }
        Ok((_, bad)) => fail(&format!("{bad} sealed values open with no configured key; keep the old keys")),
        Err(e) => fail(&e),
    }
}
