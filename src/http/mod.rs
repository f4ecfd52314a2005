//! The HTTP layer: handlers, extractors and the one error type. Only this layer speaks HTTP.

pub mod audit;
pub mod auth;
pub mod cases;
pub mod dev_sign_in;
pub mod error;
pub mod etag;
pub mod exemptions;
pub mod feed;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod offices;
pub mod openapi;
pub mod pagination;
pub mod privacy;
pub mod reports;
pub mod request_context;
pub mod routes;
pub mod server;
pub mod settings;
pub mod state;
pub mod ui;
pub mod webhooks;
