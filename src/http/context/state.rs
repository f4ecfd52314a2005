//! Shared application state, handed to handlers as `web::Data<AppState>`.

use std::sync::Arc;

use crate::auth::Verifier;
use crate::config::Config;
use crate::http::context::access_log::AccessLog;
use crate::http::context::database::Db;
use crate::http::context::offices::OfficeCache;
use crate::registers::service::OnlineService;
use crate::vault::CprVault;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    /// Writes the access records of reads, batched (`Caller::read`).
    pub access_log: AccessLog,
    /// Verifies bearer tokens: static keys and the identity provider's.
    pub verifier: Verifier,
    /// Seals and opens CPR numbers; cloned into database closures.
    pub vault: Arc<CprVault>,
    /// Offices as authorization last read them (see `OfficeCache`).
    pub offices: Arc<OfficeCache>,
    /// The HS256 secret the development sign-in signs with; `None` in production, and then the
    /// sign-in routes are not mounted.
    pub dev_secret: Option<String>,
    /// Online ordering: `None` when it is off here (no registers configured).
    pub online: Option<Arc<OnlineService>>,
}
