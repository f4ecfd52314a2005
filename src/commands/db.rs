//! `nemid-desk db status|stop`: the private PostgreSQL cluster under DATA_DIR, for an operator
//! who wants to know whether it runs, or to stop one that a killed server left running.

use std::process::ExitCode;

use crate::cli::DbAction;
use crate::commands::support::fail;
use crate::config::Config;
use crate::db::locate::{self, ClusterStatus};
use crate::db::locate_options;

pub fn run(config: &Config, action: DbAction) -> ExitCode {
    let dir = locate_options(config).cluster_dir;
    match action {
        DbAction::Status => {
            let status = locate::cluster_status(&dir);
            let what = match status {
                ClusterStatus::NotInitialised => "not initialised".to_string(),
                ClusterStatus::Stopped { port } => format!("stopped (port {port})"),
                ClusterStatus::Running { port } => format!("running on 127.0.0.1:{port}"),
            };
            println!("private cluster in {}: {what}", dir.display());
            if config.db.url.is_some() {
                println!("DATABASE_URL is set: the server does not use the private cluster");
            }
            if matches!(status, ClusterStatus::Running { .. }) { ExitCode::SUCCESS } else { ExitCode::from(3) }
        }
        DbAction::Stop => match locate::stop_cluster(&dir) {
            Ok(true) => {
                println!("stopped the private cluster in {}", dir.display());
                ExitCode::SUCCESS
            }
            Ok(false) => {
                println!("the private cluster in {} is not running", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
    }
}
