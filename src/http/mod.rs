//! The HTTP layer. Only this layer speaks HTTP. From the bottom up:
//!
//! - `error`: the one error type, rendered as RFC 9457 problem documents;
//! - `context`: what a request carries (state, database handle, caller, moment, typed headers,
//!   body, cursors, access records) and the executors every change goes through;
//! - `responses`, `views`: the answers several resources share, for the document and the wire;
//! - one folder (or file) per resource, one file per action: the handlers. They use the layers
//!   above and another resource only through its `view` or `access` module;
//! - `middleware` (request id, the request's log line), `routes` (every route on one screen) and
//!   `openapi` (the document, assembled from the routes): they name the handlers, and nothing names
//!   them but each other and `commands`.
//!
//! docs/ARCHITECTURE.md walks a request through these; tests/api/architecture.rs keeps the order.

pub mod context;
pub mod error;
pub mod responses;
pub mod views;

pub mod cases;
pub mod dev_sign_in;
pub mod documents;
pub mod exemptions;
pub mod feed;
pub mod health;
pub mod nemids;
pub mod offices;
pub mod online;
pub mod privacy;
pub mod reports;
pub mod settings;
pub mod sign_in;
pub mod ui;
pub mod webhooks;

pub mod middleware;
pub mod openapi;
pub mod routes;
