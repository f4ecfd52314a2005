//! `/api/v1/reports`: supervisors across offices, clerks and bank users for their own office.
//! JSON by default; `Accept: text/csv` gives RFC 4180 CSV with the same fields and filters.

pub mod csv;
pub mod durations;
pub mod online_orders;
pub mod overdue;
pub mod refusals;
pub mod respond;
pub mod status;
pub mod throughput;

pub use durations::durations_report;
pub use online_orders::online_orders_report;
pub use overdue::overdue_report;
pub use refusals::refusals_report;
pub use status::status_report;
pub use throughput::throughput_report;
