//! Wiring only: configuration, logging, database, migrations, server.

use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;
use nemid_desk::auth::claims::Claims;
use nemid_desk::auth::keys;
use nemid_desk::cli::{Cli, Command, parse_ttl};
use nemid_desk::config::Config;
use nemid_desk::domain::role::Role;
use nemid_desk::{db, http, telemetry};

/// Exit codes: 1 a runtime failure (database, bind), 2 bad configuration or arguments.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nemid-desk: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", http::openapi::ApiDoc::new(&http::routes::document()).yaml);
            ExitCode::SUCCESS
        }
        Command::Token { role, office, name, sub, ttl } => token(&config, &role, office, &name, sub, &ttl),
        Command::Seed { cases, offices, seed, until } => {
            telemetry::init(config.log_format, std::io::stderr);
            if config.app_env == nemid_desk::config::AppEnv::Production {
                eprintln!(
                    "nemid-desk seed: refused with APP_ENV=production (it writes made-up people and locks the case tables)"
                );
                return ExitCode::from(2);
            }
            if cases == 0 || cases > 20_000_000 || offices == 0 || offices > 10_000 {
                eprintln!("nemid-desk seed: --cases must be 1..=20000000 and --offices 1..=10000");
                return ExitCode::from(2);
            }
            let until = until.unwrap_or_else(|| nemid_desk::domain::clock::copenhagen_day(chrono::Utc::now()));
            let opts = nemid_desk::seed::SeedOptions {
                cases,
                offices,
                seed,
                until,
                posting_window_days: config.domain.posting_window_days,
            };
            let vault = match nemid_desk::vault::CprVault::from_config(&config) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("nemid-desk: configuration error: {e}");
                    return ExitCode::from(2);
                }
            };
            let started = std::time::Instant::now();
            let result = db::resolve_url(&config).and_then(|url| {
                db::migrate::run(&url)?;
                let mut conn =
                    <diesel::PgConnection as diesel::Connection>::establish(&url).map_err(|e| e.to_string())?;
                nemid_desk::seed::run(&mut conn, &opts, &vault)
                    .map_err(|e| format!("seeding failed, nothing was written: {e}"))
            });
            match result {
                Ok(s) => {
                    println!(
                        "seeded {} cases with {} events in {} offices in {:.1} s",
                        s.cases,
                        s.events,
                        s.offices,
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::RotateKeys { batch } => {
            telemetry::init(config.log_format, std::io::stderr);
            if !(1..=100_000).contains(&batch) {
                eprintln!("nemid-desk rotate-keys: --batch must be 1..=100000");
                return ExitCode::from(2);
            }
            let vault = match nemid_desk::vault::CprVault::from_config(&config) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("nemid-desk: configuration error: {e}");
                    return ExitCode::from(2);
                }
            };
            let result = db::resolve_url(&config).and_then(|url| {
                let mut conn =
                    <diesel::PgConnection as diesel::Connection>::establish(&url).map_err(|e| e.to_string())?;
                let s = nemid_desk::rotate::rotate(&mut conn, &vault, batch)?;
                let bad = nemid_desk::rotate::unreadable(&mut conn, &vault)?;
                Ok((s, bad))
            });
            match result {
                Ok((s, 0)) => {
                    println!(
                        "examined {} sealed values, re-encrypted {} under key `{}`",
                        s.examined,
                        s.rotated,
                        vault.newest_kid()
                    );
                    ExitCode::SUCCESS
                }
                Ok((_, bad)) => fail(&format!("{bad} sealed values open with no configured key; keep the old keys")),
                Err(e) => fail(&e),
            }
        }
        Command::Retention { dry_run, now } => {
            telemetry::init(config.log_format, std::io::stderr);
            let now = now.unwrap_or_else(chrono::Utc::now);
            let days = config.domain.retention_days;
            let result = db::resolve_url(&config).and_then(|url| {
                db::migrate::run(&url)?;
                let mut conn =
                    <diesel::PgConnection as diesel::Connection>::establish(&url).map_err(|e| e.to_string())?;
                nemid_desk::retention::run(&mut conn, now, days, dry_run).map_err(|e| e.to_string())
            });
            match result {
                Ok(a) => {
                    println!(
                        "{} {} cases and {} exemptions closed before {}",
                        if dry_run { "would anonymise" } else { "anonymised" },
                        a.cases_done,
                        a.exemptions_done,
                        now - chrono::Duration::days(i64::from(days))
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Migrate => {
            telemetry::init(config.log_format, std::io::stderr);
            match db::resolve_url(&config).and_then(|url| db::migrate::run(&url)) {
                Ok(n) => {
                    tracing::info!(migrations.applied = n, "migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Serve => {
            telemetry::init(config.log_format, std::io::stderr);
            serve(config)
        }
    }
}

fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    eprintln!("nemid-desk: {message}");
    ExitCode::from(1)
}

fn serve(config: Config) -> ExitCode {
    let url = match db::resolve_url(&config) {
        Ok(u) => u,
        Err(e) => return fail(&e),
    };
    match db::migrate::run(&url) {
        Ok(n) => tracing::info!(migrations.applied = n, "database schema is current"),
        Err(e) => return fail(&e),
    }
    let pool = db::build_pool(&url, &config.db);
    nemid_desk::retention::spawn_daily(pool.clone(), config.domain.retention_days);
    if let Ok(mut conn) = pool.get() {
        match nemid_desk::store::idempotency::purge_expired(&mut conn) {
            Ok(n) => tracing::info!(idempotency.purged = n, "expired idempotency records removed"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired idempotency records"),
        }
    }
    let bind = config.http.bind_addr;
    let listener = match TcpListener::bind(bind) {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot listen on {bind} (BIND_ADDR): {e}")),
    };
    let state = match http::server::state(config, pool, &url) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nemid-desk: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let server = http::server::build(state, listener)?;
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

fn token(config: &Config, role: &str, office: Option<String>, name: &str, sub: Option<String>, ttl: &str) -> ExitCode {
    let usage = |m: String| {
        eprintln!("nemid-desk token: {m}");
        ExitCode::from(2)
    };
    let Some(role_v) = Role::parse(role) else {
        return usage(format!("--role must be clerk, bank, supervisor or admin, not `{role}`"));
    };
    if role_v.required_office_kind().is_some() && office.is_none() {
        return usage(format!("--office is required for the role {role}"));
    }
    let Some(ttl) = parse_ttl(ttl) else {
        return usage(format!("--ttl must look like 90s, 30m, 8h or 1d (at most 30d), not `{ttl}`"));
    };
    let secret = match keys::effective_secret(config) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return usage("no HS256 secret: set JWT_SECRET, or run in development mode without JWT_PUBLIC_KEYS".into());
        }
        Err(e) => return usage(e.to_string()),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let claims = Claims {
        sub: sub.unwrap_or_else(|| format!("dev-{}", name.to_lowercase().replace(char::is_whitespace, "-"))),
        name: name.to_string(),
        role: role_v.as_str().to_string(),
        office,
        iss: config.auth.issuer.clone(),
        aud: config.auth.audience.clone(),
        exp: now + ttl,
        iat: now,
        nbf: None,
    };
    match keys::sign_hs256(&secret, &claims) {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => usage(format!("cannot sign: {e}")),
    }
}
