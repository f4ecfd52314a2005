//! nemid-desk: case management for issuing NemID at Borgerservice desks and bank branches.
//!
//! Layers, bottom up: `domain` (pure rules), `store` (diesel queries), `http` (context, handlers,
//! routes), `commands` (one module per subcommand), with `auth`, `config`, `db`, `vault` and
//! `telemetry` as plumbing. `main.rs` only wires them. docs/ARCHITECTURE.md has the map.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod fold;
pub mod http;
pub mod import;
pub mod letters;
pub mod online;
pub mod registers;
pub mod retention;
pub mod rotate;
pub mod schema;
pub mod seed;
pub mod store;
pub mod telemetry;
pub mod vault;
pub mod webhooks;
