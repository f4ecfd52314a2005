//! HTTP-level tests against real servers over real, per-test PostgreSQL databases.

mod common;

mod access;
mod architecture;
mod auth;
mod browser;
mod cases;
mod documents;
mod errors;
mod exemptions;
mod feed;
mod fuzz_findings;
mod health;
mod identity_routes;
mod nemids;
mod offices;
mod oidc;
mod online_orders;
mod openapi_contract;
mod privacy;
mod process;
mod reports;
mod service_cases;
mod webhooks;
