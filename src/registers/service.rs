//! What the server knows about online ordering while it runs: the registers, the settings, and
//! the signal that wakes the worker when an order arrives.

use tokio::sync::Notify;

use crate::config::OnlineConfig;
use crate::registers::Registers;

pub struct OnlineService {
    pub registers: Registers,
    pub config: OnlineConfig,
    /// Notified after an order is stored, so the worker decides it at once.
    pub wake: Notify,
}

impl OnlineService {
    /// How long one look-up may take: the production registers' timeout; the development ones
    /// answer from the database.
    pub fn lookup_timeout(&self) -> std::time::Duration {
        match &self.config.registers {
            crate::config::RegistersConfig::Remote(r) => r.timeout,
            _ => std::time::Duration::from_secs(10),
        }
    }
}
