//! `/api/v1/webhooks`: bank and clerk integrations subscribe to their office's events, a
//! supervisor to every office's; deliveries are signed and retried (see `webhooks::worker`).

pub mod access;
pub mod create;
pub mod deliveries;
pub mod manage;
pub mod read;
pub mod view;

pub use create::create_webhook;
pub use deliveries::{list_webhook_deliveries, redeliver_webhook_delivery};
pub use manage::{delete_webhook, disable_webhook, enable_webhook, rotate_webhook_secret};
pub use read::{get_webhook, list_webhooks};
