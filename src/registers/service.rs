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
