//! Wiring only: parse the command line, run the command (`nemid_desk::commands`).

use std::process::ExitCode;

use clap::Parser;
use nemid_desk::cli::Cli;
use nemid_desk::commands;

/// mimalloc rather than glibc's allocator (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    commands::run(Cli::parse())
}
