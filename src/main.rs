//! Wiring only: parse the command line, run the command (`nemid_desk::commands`).

use std::process::ExitCode;

use clap::Parser;
use nemid_desk::cli::Cli;
use nemid_desk::commands;

fn main() -> ExitCode {
    commands::run(Cli::parse())
}
