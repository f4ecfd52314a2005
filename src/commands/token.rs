//! `nemid-desk token`: prints a token signed with the development secret (or `JWT_SECRET`), for
//! calling the API from a shell.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::auth::claims::Claims;
use crate::auth::keys;
use crate::cli::parse_ttl;
use crate::commands::support::usage;
use crate::config::Config;
use crate::domain::role::Role;

pub fn run(
    config: &Config,
    role: &str,
    office: Option<String>,
    name: &str,
    sub: Option<String>,
    ttl: &str,
) -> ExitCode {
    let usage = |m: String| usage("token", &m);
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
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
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
