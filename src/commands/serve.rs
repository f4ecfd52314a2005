//! `nemid-desk serve` (the default): migrate, then serve the API and the desk, with the webhook
//! worker and the daily retention run beside it. `state` and `build` are also how the tests start
//! their servers.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use tokio::sync::Notify;

use crate::auth::keys::effective_secret;
use crate::auth::oidc::Provider;
use crate::auth::{KeySet, Verifier};
use crate::commands::support::{bad_config, fail};
use crate::config::{AppEnv, Config, ConfigError, RegistersConfig};
use crate::db::{self, DbPool};
use crate::fold;
use crate::http::context::access_log::AccessLog;
use crate::http::context::database::Db;
use crate::http::context::state::AppState;
use crate::http::openapi::ApiDoc;
use crate::http::routes;
use crate::online;
use crate::registers;
use crate::registers::service::OnlineService;
use crate::retention;
use crate::store::idempotency;
use crate::vault::CprVault;
use crate::webhooks::worker;

pub fn run(config: Config) -> ExitCode {
    // Declared first, dropped last: a private cluster started here stops after the server.
    let (url, _cluster) = match db::resolve(&config) {
        Ok(u) => u,
        Err(e) => return fail(&e),
    };
    match db::migrate::run(&url) {
        Ok(n) => tracing::info!(migrations.applied = n, "database schema is current"),
        Err(e) => return fail(&e),
    }
    let pool = db::build_pool(&url, &config.db);
    retention::spawn_daily(
        pool.clone(),
        config.domain.retention_days,
        config.online.retention_days,
        config.online.retry_window,
    );
    if let Ok(mut conn) = pool.get() {
        match idempotency::purge_expired(&mut conn) {
            Ok(n) => tracing::info!(idempotency.purged = n, "expired idempotency records removed"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired idempotency records"),
        }
    }
    online_office(&pool, &config);
    let bind = config.http.bind_addr;
    let listener = match TcpListener::bind(bind) {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot listen on {bind} (BIND_ADDR): {e}")),
    };
    let state = match state(config, pool, &url) {
        Ok(s) => s,
        Err(e) => return bad_config(&e),
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let server = build(state, listener)?;
        tracing::info!(http.addr = %bind, "listening");
        server.await
    });
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("server error: {e}")),
    }
}

/// The online service's office: in development with the local registers it is made when missing
/// (so that `/bestil` works on a fresh database); otherwise its absence is reported, and orders
/// wait until it exists.
fn online_office(pool: &DbPool, config: &Config) {
    use crate::domain::office::OfficeKind;
    use crate::store::offices::{self, NewOffice};
    let online = &config.online;
    if online.registers == RegistersConfig::Off {
        return;
    }
    let Ok(mut conn) = pool.get() else { return };
    let code = online.office_code.as_str();
    match offices::find_by_code(&mut conn, code) {
        Ok(Some(o)) if o.kind == OfficeKind::OnlineService && o.active => {}
        Ok(Some(_)) => tracing::error!(
            target: "nemid_desk::startup",
            office = code,
            "ONLINE_OFFICE names an office that is inactive or not of kind online_service: online orders wait"
        ),
        Ok(None) if config.app_env == AppEnv::Development && online.registers == RegistersConfig::Local => {
            let made = offices::insert(
                &mut conn,
                &NewOffice {
                    id: uuid::Uuid::now_v7(),
                    code,
                    name: "NemID online (development)",
                    kind: OfficeKind::OnlineService,
                    bank_name: None,
                    street: "Landgreven 4",
                    postal_code: "1301",
                    city: "København K",
                    country: "DK",
                    created_by: "system",
                    updated_by: "system",
                },
            );
            match made {
                Ok(_) => tracing::info!(target: "nemid_desk::startup", office = code, "online service office created"),
                Err(e) => {
                    tracing::warn!(target: "nemid_desk::startup", error = %e, "could not create the online office")
                }
            }
        }
        Ok(None) => tracing::error!(
            target: "nemid_desk::startup",
            office = code,
            "ONLINE_OFFICE names no office: create it (kind online_service); online orders wait until it exists"
        ),
        Err(e) => tracing::warn!(target: "nemid_desk::startup", error = %e, "could not read the online office"),
    }
}

/// `url` is the one `pool` was built with (`db::build_pool`).
pub fn state(config: Config, pool: DbPool, url: &str) -> Result<web::Data<AppState>, ConfigError> {
    let keys = KeySet::load(&config)?;
    let production = config.app_env == AppEnv::Production;
    let oidc = match &config.oidc {
        Some(o) => Some(Arc::new(Provider::new(o.clone(), config.auth.leeway_secs, production)?)),
        None => None,
    };
    // The development sign-in mints tokens for anyone who can reach it, so it exists only where
    // nothing real could be signed and nobody else can reach it: development mode, the generated
    // development secret, and a loopback listen address. A server given real keys
    // (JWT_SECRET, JWT_PUBLIC_KEYS) or listening on the network never has it, APP_ENV or not.
    let dev_secret = match config.app_env {
        AppEnv::Development
            if config.auth.secret.is_none()
                && config.auth.public_keys.is_empty()
                && config.oidc.is_none()
                && config.http.bind_addr.ip().is_loopback() =>
        {
            // A start-up message, not a request's: its own target (request lines carry request ids).
            tracing::warn!(
                target: "nemid_desk::startup",
                "development sign-in enabled at /dev/token: anyone who reaches this server can sign in; \
                 set APP_ENV=production and JWT keys for real use"
            );
            effective_secret(&config)?
        }
        _ => None,
    };
    let vault = Arc::new(CprVault::from_config(&config)?);
    let db = Db::new(pool, &db::harden_url(url, &config.db), config.db.statement_timeout.as_millis());
    let verifier = Verifier { keys, oidc };
    let registers = match &config.online.registers {
        RegistersConfig::Off => None,
        RegistersConfig::Local => Some(online::local::registers(&db, &vault)),
        RegistersConfig::Remote(r) => Some(registers::remote::registers(r, &vault)?),
    };
    let online = match registers {
        Some(registers) => {
            tracing::info!(
                target: "nemid_desk::startup",
                registers = registers.kind,
                office = config.online.office_code.as_str(),
                "online ordering on"
            );
            Some(Arc::new(OnlineService { registers, config: config.online.clone(), wake: Notify::new() }))
        }
        None => {
            tracing::warn!(
                target: "nemid_desk::startup",
                "online ordering off: no registers configured (REGISTERS, CPR_REGISTER_URL, PASSPORT_REGISTER_URL, \
                 DRIVERS_LICENCE_REGISTER_URL); POST /api/v1/online-orders answers 503"
            );
            None
        }
    };
    let access_log = AccessLog::start(db.clone());
    Ok(web::Data::new(AppState {
        config,
        db,
        access_log,
        verifier,
        vault,
        offices: Default::default(),
        dev_secret,
        online,
    }))
}

/// Blocking threads per worker, so that all workers together hold as many blocking threads as the
/// pool has connections: every blocking task then finds a connection without queueing twice.
pub fn blocking_threads_per_worker(pool_size: u32, workers: usize) -> usize {
    (pool_size as usize).div_ceil(workers.max(1)).max(1)
}

/// A server on `listener`, with its webhook worker; SIGTERM/SIGINT stop it gracefully
/// (in-flight requests finish). Must be called inside an actix system.
pub fn build(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let http = state.config.http.clone();
    let blocking = blocking_threads_per_worker(state.config.db.pool_size, http.workers);
    // While the database is unreachable, the probe watches for its return.
    actix_web::rt::spawn(state.db.clone().probe());
    // The identity provider's discovery document and keys: read now, kept current.
    if let Some(provider) = &state.verifier.oidc {
        actix_web::rt::spawn(provider.clone().run());
    }
    // Report deltas are folded into the summaries in the background.
    actix_web::rt::spawn(fold::run(state.db.clone()));
    // The webhook outbox is sent from every server instance; claims keep them apart.
    actix_web::rt::spawn(worker::run(
        state.db.clone(),
        state.vault.clone(),
        state.config.webhooks.clone(),
        state.config.app_env == AppEnv::Production,
    ));
    if let Some(online) = &state.online {
        actix_web::rt::spawn(online::worker::run(state.db.clone(), state.vault.clone(), online.clone()));
    }
    // The document is rendered once; it also tells 405 from 404 for unrouted requests.
    let doc = web::Data::new(ApiDoc::new(&routes::document()));
    let server = HttpServer::new(move || routes::app(state.clone(), doc.clone()))
        .workers(http.workers)
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(http.shutdown_timeout.as_secs())
        .listen(listener)?
        .run();
    Ok(server)
}
