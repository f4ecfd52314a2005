//! Command-line interface.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "nemid-desk", version, about = "Case management for issuing NemID")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// The private PostgreSQL cluster under DATA_DIR (used when no DATABASE_URL is set and no
    /// local server answers): show whether it runs, or stop it.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Print a development token signed with the development secret (or JWT_SECRET).
    Token {
        /// clerk, bank, supervisor or admin.
        #[arg(long)]
        role: String,
        /// Office code; required for clerk and bank.
        #[arg(long)]
        office: Option<String>,
        /// The staff member's display name.
        #[arg(long)]
        name: String,
        /// Staff id (`sub`); defaults to one derived from the name.
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime, e.g. 8h, 30m, 1d (default 8h).
        #[arg(long, default_value = "8h")]
        ttl: String,
    },
    /// Print the OpenAPI document (YAML) and exit.
    Openapi,
    /// Anonymise closed records older than RETENTION_DAYS (the server also does it daily).
    Retention {
        /// Only tell what would be anonymised.
        #[arg(long)]
        dry_run: bool,
        /// Act as if it were this instant (RFC 3339), e.g. to check a future run.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Re-encrypt stored CPR numbers under the newest key of CPR_ENCRYPTION_KEYS (resumable).
    RotateKeys {
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Load NemIDs issued before this system into the register from a CSV file
    /// (number,cpr,name,state,active_since,card_serial): every row checked, bad ones reported by
    /// line, all loaded in one transaction or none; rows already there are skipped.
    ImportNemids {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Code of the office the NemIDs are registered to (their events reach its feed).
        #[arg(long)]
        office: String,
    },
    /// The development registers the online order reads with REGISTERS=local.
    Registers {
        #[command(subcommand)]
        action: RegistersAction,
    },
    /// Fill the database with a realistic, reproducible data set (bulk COPY, one transaction).
    Seed {
        /// How many cases.
        #[arg(long)]
        cases: usize,
        /// How many offices (every third a bank branch); reused by code when they exist.
        #[arg(long)]
        offices: usize,
        /// Random seed: the same seed and --until give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The data set ends where this Copenhagen day starts (default: today).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum DbAction {
    /// Where the private cluster is, and whether it runs (exit 0 running, 3 not running).
    Status,
    /// Stop the private cluster (fast shutdown: sessions end, committed work is kept).
    Stop,
}

/// `90s`, `30m`, `8h`, `1d` → seconds.
pub fn parse_ttl(s: &str) -> Option<u64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return None,
    };
    (1..=30 * 86_400).contains(&secs).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("8h"), Some(28_800));
        assert_eq!(parse_ttl("90s"), Some(90));
        assert_eq!(parse_ttl("1d"), Some(86_400));
        assert_eq!(parse_ttl("8"), None);
        assert_eq!(parse_ttl("0s"), None);
        assert_eq!(parse_ttl("99d"), None);
    }
}

#[derive(Debug, Subcommand)]
pub enum RegistersAction {
    /// Load people, passports and driving licences from a JSON file
    /// (`{"persons": [...], "passports": [...], "drivers_licences": [...]}`, docs/OPERATIONS.md):
    /// every entry checked, bad ones reported by path, all loaded in one transaction or none.
    Import {
        /// The JSON file.
        file: std::path::PathBuf,
    },
}
