//! What the subcommands share: exit codes with their messages, a database connection, the vault.

use std::process::ExitCode;

use diesel::{Connection, PgConnection};

use crate::config::Config;
use crate::db::StartedCluster;
use crate::vault::CprVault;
use crate::{db, http};

/// A runtime failure: logged, printed, exit code 1.
pub fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    eprintln!("nemid-desk: {message}");
    ExitCode::from(1)
}

/// Bad configuration: printed, exit code 2.
pub fn bad_config(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("nemid-desk: configuration error: {e}");
    ExitCode::from(2)
}

/// Bad arguments to `command`: printed, exit code 2.
pub fn usage(command: &str, message: &str) -> ExitCode {
    eprintln!("nemid-desk {command}: {message}");
    ExitCode::from(2)
}

/// One connection to the configured (or found) database, migrated first when `migrate`. A
/// private cluster started for it stops when the connection is dropped.
pub fn connect(config: &Config, migrate: bool) -> Result<Connected, String> {
    let (url, cluster) = db::resolve(config)?;
    if migrate {
        db::migrate::run(&url)?;
    }
    let conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
    Ok(Connected { conn, _cluster: cluster })
}

/// A connection, and the private cluster it keeps running (if this process started one).
pub struct Connected {
    conn: PgConnection,
    // Dropped after the connection (fields drop in order).
    _cluster: StartedCluster,
}

impl std::ops::Deref for Connected {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Connected {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// The CPR vault of the configuration, or the exit code that says why there is none.
pub fn vault(config: &Config) -> Result<CprVault, ExitCode> {
    CprVault::from_config(config).map_err(|e| bad_config(&e))
}

/// The OpenAPI document of every route the server serves.
pub fn document() -> http::openapi::ApiDoc {
    http::openapi::ApiDoc::new(&http::routes::document())
}
