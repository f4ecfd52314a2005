//! `/api/v1/online-orders`: ordering NemID online with a Danish passport or driving licence, the
//! one operation anyone may call without signing in (docs/DOMAIN.md "Online order").

pub mod order;
pub mod view;

pub use order::order_online;
