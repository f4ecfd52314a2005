//! Webhook delivery: Standard Webhooks signatures and the background worker that sends the
//! outbox (the HTTP management API is in `http::webhooks`, the queries in `store::webhooks`).

pub mod resolver;
pub mod signature;
pub mod worker;
