//! `nemid-desk openapi`: prints the OpenAPI document (`openapi.yaml` is this output, committed).

use std::process::ExitCode;

use crate::commands::support::document;

pub fn run() -> ExitCode {
    print!("{}", document().yaml);
    ExitCode::SUCCESS
}
