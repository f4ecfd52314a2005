//! nemid-desk: case management for issuing NemID at Borgerservice desks and bank branches.
//!
//! Layers: `domain` (pure rules), `store` (diesel queries), `http` (handlers, extractors, errors),
//! with `auth`, `config`, `db` and `telemetry` as plumbing. `main.rs` only wires them.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod retention;
pub mod rotate;
pub mod schema;
pub mod seed;
pub mod store;
pub mod telemetry;
pub mod vault;
pub mod webhooks;
