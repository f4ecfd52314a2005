//! What a request carries, below every handler: the application state and the database handle
//! (`state`), the caller and their office (`caller`, `offices`), the request's moment
//! (`moment`), typed headers (`headers`: If-Match, Idempotency-Key, ETags), the JSON body
//! (`body`, with `strict`: nested structs from objects only), cursors (`pagination`), access
//! records (`audit`), the desk session's cookies (`session`), the idempotent executor
//! (`idempotency`) and the one way to run an action on a versioned record (`command`).
//!
//! Handlers use this layer; it uses no handler (tests/api/architecture.rs checks it). Where a
//! shared mechanism needs something of a resource — a replayed answer re-checking that the
//! caller may still see the record — the resource hands it in as a function.

pub mod access_log;
pub mod audit;
pub mod body;
pub mod caller;
pub mod command;
pub mod database;
pub mod headers;
pub mod idempotency;
pub mod moment;
pub mod offices;
pub mod pagination;
pub mod session;
pub mod state;
pub mod strict;
