//! Typed configuration, read once from the environment and validated before anything starts.
//!
//! A bad value stops start-up with a message naming the variable and the reason (exit code 2),
//! so an operator never has to guess which setting a panic came from.

use crate::domain::role::Role;
use crate::domain::webhook::RetryPolicy;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A configuration problem: which variable, and why its value is not usable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &'static str, reason: impl Into<String>) -> Self {
        Self { var, reason: reason.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Database settings.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `None`: find or provision a local PostgreSQL (see `db::locate`).
    pub url: Option<String>,
    pub pool_size: u32,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    /// Where a local server is looked for before the private cluster (`LOCAL_POSTGRES_ADDR`);
    /// `None` (`off`): always the private cluster.
    pub local_server: Option<SocketAddr>,
    /// The private cluster's durability: fsync on, unless `DEV_UNSAFE_NO_FSYNC=true` (development
    /// only: a power cut can then lose committed cases).
    pub private_cluster_fsync: bool,
}

/// HTTP server settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub bind_addr: SocketAddr,
    pub body_limit: usize,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// Origins (`https://desk.example`) whose front ends may call the API from a browser.
    pub cors_allowed_origins: Vec<String>,
}

/// JWT verification settings (keys are loaded by `auth::keys`).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub secret: Option<String>,
    /// `kid=ALG:path` entries.
    pub public_keys: Vec<PublicKeySpec>,
    pub issuer: String,
    pub audience: String,
    pub leeway_secs: u64,
}

/// Which claims of a token say who the user is, and how their values become roles. Static tokens
/// (`JWT_SECRET`, `JWT_PUBLIC_KEYS`) read `role`, `office` and `name` as they are; the identity
/// provider's tokens read what `OIDC_*_CLAIM` and `OIDC_ROLE_MAP` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMap {
    /// A claim name or a dotted path into nested objects (`realm_access.roles`); its value is a
    /// string or an array of strings.
    pub roles_claim: String,
    /// Claim value → role. A value not listed gives no role.
    pub role_map: Vec<(String, Role)>,
    /// The claim with the office code (a string, or an array of exactly one).
    pub office_claim: String,
    pub name_claim: String,
}

impl ClaimMap {
    /// The claims of the tokens nemid-desk signs itself (`token`, the development sign-in).
    pub fn direct() -> ClaimMap {
        ClaimMap {
            roles_claim: "role".into(),
            role_map: Role::ALL.iter().map(|r| (r.as_str().to_string(), *r)).collect(),
            office_claim: "office".into(),
            name_claim: "name".into(),
        }
    }
}

/// Signing in through the municipality's identity provider (OpenID Connect); `None` when
/// `OIDC_ISSUER` is not set.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Exactly as the provider's discovery document names itself (`iss` of its tokens).
    pub issuer: String,
    pub client_id: String,
    /// `None`: a public client (PKCE only, no client authentication at the token endpoint).
    pub client_secret: Option<String>,
    /// The desk's own origin as browsers reach it (`https://desk.kommune.dk`): the callback is
    /// `<public_url>/auth/callback`, and state-changing requests with the session cookie must
    /// come from this origin.
    pub public_url: String,
    pub scopes: String,
    /// The `aud` of the provider's access tokens for this API; `None`: the API accepts no bearer
    /// token from the provider (staff use the session, integrators static keys).
    pub api_audience: Option<String>,
    pub claims: ClaimMap,
    /// The key set is read again this often (keys the provider dropped are dropped here).
    pub jwks_refresh: Duration,
    /// At most one extra read of the key set per this interval, when a token names an unknown key.
    pub jwks_min_interval: Duration,
    pub http_timeout: Duration,
    /// The desk session.
    pub session_lifetime: Duration,
    pub session_idle_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeySpec {
    pub kid: String,
    pub algorithm: String,
    pub path: PathBuf,
}

/// Keys for CPR numbers at rest (see `vault`).
#[derive(Debug, Clone)]
pub struct CprKeys {
    pub encryption_keys: Option<String>,
    pub index_key: Option<String>,
}

/// Domain settings.
#[derive(Debug, Clone)]
pub struct DomainConfig {
    pub posting_window_days: u32,
    /// Closed records are anonymised this many days after closing (default 5 years).
    pub retention_days: u32,
    /// Photo ID types accepted at identity checks (`passport`, `drivers_licence` by default).
    pub photo_id_types: Vec<String>,
    /// Secondary documents accepted when there is no photo ID (docs/DOMAIN.md).
    pub secondary_document_types: Vec<String>,
    /// A card held for collection is to be collected within this many days (default 30).
    pub collection_days: u32,
    /// The appeal guidance a refusal decision states, as this installation words it.
    pub appeal_guidance: crate::domain::refusal::Localised,
}

pub const DEFAULT_APPEAL_GUIDANCE_DA: &str = "Du kan klage over afgørelsen. Klagen sendes til den myndighed, der har \
truffet afgørelsen, inden 4 uger efter, at du har modtaget den. Myndigheden genvurderer sagen og sender klagen videre \
til Digitaliseringsstyrelsen, hvis afgørelsen fastholdes.";
pub const DEFAULT_APPEAL_GUIDANCE_EN: &str = "You may appeal against this decision. Send your appeal to the authority \
that made the decision within 4 weeks of receiving it. The authority reconsiders the case and forwards the appeal to \
the Danish Agency for Digital Government if the decision is upheld.";

/// A comma-separated list of snake_case names (`PHOTO_ID_TYPES`, `SECONDARY_DOCUMENT_TYPES`).
fn parse_names(src: &dyn Source, key: &'static str, default: &str, example: &str) -> Result<Vec<String>, ConfigError> {
    let names: Vec<String> = src
        .get(key)
        .unwrap_or_else(|| default.into())
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if names.is_empty() || names.iter().any(|t| t.len() > 40 || !t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(ConfigError::new(
            key,
            format!("expected a comma-separated list of snake_case names such as {example}"),
        ));
    }
    Ok(names)
}

/// A text of 1 to 2,000 characters without control characters but line breaks.
fn parse_guidance(src: &dyn Source, key: &'static str, default: &str) -> Result<String, ConfigError> {
    let text = src.get(key).unwrap_or_else(|| default.into()).trim().to_string();
    if text.is_empty() || text.chars().count() > 2000 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ConfigError::new(key, "expected 1 to 2000 characters of text (line breaks allowed)"));
    }
    Ok(text)
}

/// Webhook delivery settings (see `webhooks::worker`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// A receiver that has not answered by then counts as failed.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Consecutive failed attempts after which a subscription is disabled.
    pub disable_after: i32,
    /// How often an idle worker looks for due deliveries.
    pub poll_interval: Duration,
    /// Deliveries sent at once by one server instance.
    pub concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub db: DbConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub domain: DomainConfig,
    pub cpr: CprKeys,
    pub webhooks: WebhookConfig,
    pub oidc: Option<OidcConfig>,
    pub online: OnlineConfig,
}

/// Where the online order looks people and documents up (docs/OPERATIONS.md "Online orders").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistersConfig {
    /// Online ordering is off: the endpoint answers 503.
    Off,
    /// The development registers in the database (`registers import`, `seed`); development only.
    Local,
    /// The national registers over HTTPS.
    Remote(RemoteRegisters),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRegisters {
    pub cpr_url: String,
    pub passport_url: String,
    pub drivers_licence_url: String,
    /// A PEM file with the client certificate and its private key, presented to the registers.
    pub client_identity: Option<PathBuf>,
    /// A PEM file of the certificate authorities the registers' certificates are checked against
    /// (besides the built-in roots).
    pub ca: Option<PathBuf>,
    pub timeout: Duration,
}

/// The online order: its registers, office, posting window and abuse limits.
#[derive(Debug, Clone)]
pub struct OnlineConfig {
    pub registers: RegistersConfig,
    /// The code of the online service's office (kind `online_service`), where its cases are made.
    pub office_code: String,
    /// Both letters are expected within this many days (default 10).
    pub posting_days: u32,
    pub per_client: crate::domain::online::Limits,
    pub per_cpr: crate::domain::online::Limits,
    /// The client address is the last `X-Forwarded-For` entry (behind one trusted proxy), not the
    /// connection's peer.
    pub trust_forwarded_for: bool,
    /// Registers unreachable for this long: the order is given up (`registers_unavailable`).
    pub retry_window: Duration,
    /// The first pause after a failed look-up; it doubles with each attempt, up to an hour.
    pub retry_base: Duration,
    /// Decided orders (the fraud-review record) are deleted after this many days.
    pub retention_days: u32,
}

/// Where values come from; a closure so tests can pass a map instead of the process environment.
pub trait Source {
    fn get(&self, var: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, var: &str) -> Option<String> {
        std::env::var(var).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<S: std::hash::BuildHasher> Source for std::collections::HashMap<String, String, S> {
    fn get(&self, var: &str) -> Option<String> {
        std::collections::HashMap::get(self, var).cloned().filter(|v| !v.trim().is_empty())
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let app_env = match src.get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("expected `development` or `production`, got `{other}`"),
                ));
            }
        };
        let log_format = match src.get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new("LOG_FORMAT", format!("expected `pretty` or `json`, got `{other}`")));
            }
        };
        if let Some(filter) = src.get("RUST_LOG") {
            tracing_subscriber::EnvFilter::try_new(&filter)
                .map_err(|e| ConfigError::new("RUST_LOG", format!("not a valid filter: {e}")))?;
        }
        let url = src.get("DATABASE_URL");
        if let Some(u) = &url
            && !(u.starts_with("postgres://") || u.starts_with("postgresql://"))
        {
            return Err(ConfigError::new("DATABASE_URL", "must start with postgres:// or postgresql://"));
        }
        let pool_size = parse_num(src, "DB_POOL_SIZE", 10u32, 1, 200)?;
        let local_server = match src.get("LOCAL_POSTGRES_ADDR").as_deref() {
            None => Some(SocketAddr::from(([127, 0, 0, 1], 5432))),
            Some("off") => None,
            Some(v) => Some(v.parse().map_err(|_| {
                ConfigError::new(
                    "LOCAL_POSTGRES_ADDR",
                    format!("expected host:port such as 127.0.0.1:5432, or off, got `{v}`"),
                )
            })?),
        };
        let private_cluster_fsync = match src.get("DEV_UNSAFE_NO_FSYNC").as_deref() {
            None | Some("false") => true,
            Some("true") if app_env == AppEnv::Development => false,
            Some("true") => {
                return Err(ConfigError::new(
                    "DEV_UNSAFE_NO_FSYNC",
                    "is for development only; production keeps fsync on",
                ));
            }
            Some(other) => {
                return Err(ConfigError::new("DEV_UNSAFE_NO_FSYNC", format!("expected true or false, got `{other}`")));
            }
        };
        let connect_timeout_ms = parse_num(src, "DB_CONNECT_TIMEOUT_MS", 3000u64, 250, 30_000)?;
        let statement_timeout_ms = parse_num(src, "DB_STATEMENT_TIMEOUT_MS", 10_000u64, 100, 600_000)?;
        let bind_addr = match src.get("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.parse().map_err(|_| {
                ConfigError::new("BIND_ADDR", format!("expected host:port such as 127.0.0.1:8080, got `{v}`"))
            })?,
        };
        let body_limit = match src.get("REQUEST_BODY_LIMIT") {
            None => 64 * 1024,
            Some(v) => parse_size(&v).filter(|n| (1024..=16 * 1024 * 1024).contains(n)).ok_or_else(|| {
                ConfigError::new(
                    "REQUEST_BODY_LIMIT",
                    format!("expected a size between 1KiB and 16MiB such as 65536 or 64KiB, got `{v}`"),
                )
            })?,
        };
        let default_workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let workers = parse_num(src, "HTTP_WORKERS", default_workers, 1, 64)?;
        let shutdown_secs = parse_num(src, "SHUTDOWN_TIMEOUT_SECS", 30u64, 1, 600)?;
        let cors_allowed_origins = match src.get("CORS_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(v) => parse_origins(&v)?,
        };
        let data_dir = src.get("DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".data"));

        let public_keys = match src.get("JWT_PUBLIC_KEYS") {
            None => Vec::new(),
            Some(v) => parse_public_keys(&v)?,
        };
        let secret = src.get("JWT_SECRET");
        if let Some(s) = &secret
            && s.len() < 32
        {
            return Err(ConfigError::new("JWT_SECRET", "must be at least 32 characters"));
        }
        let oidc = parse_oidc(src, app_env)?;
        if app_env == AppEnv::Production && secret.is_none() && public_keys.is_empty() && oidc.is_none() {
            return Err(ConfigError::new(
                "JWT_PUBLIC_KEYS",
                "APP_ENV=production requires OIDC_ISSUER, JWT_PUBLIC_KEYS or JWT_SECRET; no key is generated in production",
            ));
        }
        let leeway_secs = parse_num(src, "JWT_LEEWAY_SECS", 30u64, 0, 30)?;
        let cpr = CprKeys { encryption_keys: src.get("CPR_ENCRYPTION_KEYS"), index_key: src.get("CPR_INDEX_KEY") };
        if app_env == AppEnv::Production && (cpr.encryption_keys.is_none() || cpr.index_key.is_none()) {
            return Err(ConfigError::new(
                "CPR_ENCRYPTION_KEYS",
                "APP_ENV=production requires CPR_ENCRYPTION_KEYS and CPR_INDEX_KEY; no key is generated in production",
            ));
        }
        let posting_window_days = parse_num(src, "POSTING_WINDOW_DAYS", 14u32, 1, 90)?;
        // At least 121 days: a holder's accompaniments count for 120 days (docs/DOMAIN.md rule 4).
        let retention_days = parse_num(src, "RETENTION_DAYS", 1826u32, 121, 36_500)?;
        let photo_id_types =
            parse_names(src, "PHOTO_ID_TYPES", "passport,drivers_licence", "passport,drivers_licence")?;
        let secondary_document_types = parse_names(
            src,
            "SECONDARY_DOCUMENT_TYPES",
            "birth_certificate,baptism_certificate,name_certificate,health_card,tax_assessment",
            "birth_certificate,health_card",
        )?;
        let collection_days = parse_num(src, "COLLECTION_DAYS", 30u32, 1, 365)?;
        let appeal_guidance = crate::domain::refusal::Localised {
            da: parse_guidance(src, "APPEAL_GUIDANCE_DA", DEFAULT_APPEAL_GUIDANCE_DA)?,
            en: parse_guidance(src, "APPEAL_GUIDANCE_EN", DEFAULT_APPEAL_GUIDANCE_EN)?,
        };

        let webhooks = WebhookConfig {
            timeout: Duration::from_millis(parse_num(src, "WEBHOOK_TIMEOUT_MS", 5000u64, 100, 60_000)?),
            retry: RetryPolicy {
                base: Duration::from_millis(parse_num(src, "WEBHOOK_RETRY_BASE_MS", 5000u64, 10, 3_600_000)?),
                max_delay: Duration::from_secs(parse_num(src, "WEBHOOK_RETRY_MAX_DELAY_SECS", 3600u64, 1, 86_400)?),
                window: Duration::from_secs(parse_num(src, "WEBHOOK_RETRY_WINDOW_SECS", 86_400u64, 1, 7 * 86_400)?),
            },
            disable_after: parse_num(src, "WEBHOOK_DISABLE_AFTER", 100i32, 1, 100_000)?,
            poll_interval: Duration::from_millis(parse_num(src, "WEBHOOK_POLL_MS", 1000u64, 10, 60_000)?),
            concurrency: parse_num(src, "WEBHOOK_CONCURRENCY", 8usize, 1, 256)?,
        };
        let online = parse_online(src, app_env)?;
        Ok(Config {
            app_env,
            data_dir,
            log_format,
            db: DbConfig {
                url,
                pool_size,
                connect_timeout: Duration::from_millis(connect_timeout_ms),
                statement_timeout: Duration::from_millis(statement_timeout_ms),
                local_server,
                private_cluster_fsync,
            },
            http: HttpConfig {
                bind_addr,
                body_limit,
                workers,
                shutdown_timeout: Duration::from_secs(shutdown_secs),
                cors_allowed_origins,
            },
            auth: AuthConfig {
                secret,
                public_keys,
                issuer: src.get("JWT_ISSUER").unwrap_or_else(|| "nemid-desk".into()),
                audience: src.get("JWT_AUDIENCE").unwrap_or_else(|| "nemid-desk".into()),
                leeway_secs,
            },
            domain: DomainConfig {
                posting_window_days,
                retention_days,
                photo_id_types,
                secondary_document_types,
                collection_days,
                appeal_guidance,
            },
            cpr,
            webhooks,
            oidc,
            online,
        })
    }
}

fn parse_online(src: &dyn Source, app_env: AppEnv) -> Result<OnlineConfig, ConfigError> {
    let urls = ["CPR_REGISTER_URL", "PASSPORT_REGISTER_URL", "DRIVERS_LICENCE_REGISTER_URL"];
    let remote =
        || -> Result<RegistersConfig, ConfigError> {
            let mut found = Vec::new();
            for var in urls {
                found.push(parse_url(src, var, app_env, false)?.ok_or_else(|| {
                    ConfigError::new(var, "is required with REGISTERS=remote: the register's base URL")
                })?);
            }
            let file = |var: &'static str| -> Result<Option<PathBuf>, ConfigError> {
                match src.get(var) {
                    None => Ok(None),
                    Some(p) if std::path::Path::new(&p).is_file() => Ok(Some(PathBuf::from(p))),
                    Some(p) => Err(ConfigError::new(var, format!("expected a readable PEM file, got `{p}`"))),
                }
            };
            Ok(RegistersConfig::Remote(RemoteRegisters {
                drivers_licence_url: found.pop().unwrap_or_default(),
                passport_url: found.pop().unwrap_or_default(),
                cpr_url: found.pop().unwrap_or_default(),
                client_identity: file("REGISTER_CLIENT_IDENTITY")?,
                ca: file("REGISTER_CA")?,
                timeout: Duration::from_millis(parse_num(src, "REGISTER_TIMEOUT_MS", 5000u64, 100, 60_000)?),
            }))
        };
    let registers = match (src.get("REGISTERS").as_deref().map(str::trim), app_env) {
        (Some("off"), _) => RegistersConfig::Off,
        (Some("remote"), _) => remote()?,
        (Some("local"), AppEnv::Development) | (None, AppEnv::Development) => RegistersConfig::Local,
        (Some("local"), AppEnv::Production) => {
            return Err(ConfigError::new(
                "REGISTERS",
                "local registers are for development; production uses remote (with CPR_REGISTER_URL, \
                 PASSPORT_REGISTER_URL, DRIVERS_LICENCE_REGISTER_URL) or off",
            ));
        }
        // Production without registers named: on if they are configured, else off.
        (None, AppEnv::Production) if urls.iter().any(|v| src.get(v).is_some()) => remote()?,
        (None, AppEnv::Production) => RegistersConfig::Off,
        (Some(other), _) => {
            return Err(ConfigError::new("REGISTERS", format!("expected remote, local or off, got `{other}`")));
        }
    };
    let office_code = src.get("ONLINE_OFFICE").map(|v| v.trim().to_string()).unwrap_or_else(|| "ONLINE".into());
    if let Err(why) = crate::domain::office::check_code(&office_code) {
        return Err(ConfigError::new("ONLINE_OFFICE", format!("an office code {why}")));
    }
    let limits = |hour: &'static str, day: &'static str, h: u32, d: u32| -> Result<_, ConfigError> {
        Ok(crate::domain::online::Limits {
            per_hour: parse_num(src, hour, h, 1, 10_000)?,
            per_day: parse_num(src, day, d, 1, 100_000)?,
        })
    };
    Ok(OnlineConfig {
        registers,
        office_code,
        posting_days: parse_num(src, "ONLINE_POSTING_DAYS", 10u32, 1, 60)?,
        per_client: limits("ONLINE_LIMIT_CLIENT_PER_HOUR", "ONLINE_LIMIT_CLIENT_PER_DAY", 5, 20)?,
        per_cpr: limits("ONLINE_LIMIT_CPR_PER_HOUR", "ONLINE_LIMIT_CPR_PER_DAY", 3, 3)?,
        trust_forwarded_for: parse_bool(src, "TRUST_FORWARDED_FOR", false)?,
        retry_window: Duration::from_secs(parse_num(src, "ONLINE_REGISTER_RETRY_HOURS", 24u64, 1, 168)? * 3600),
        retry_base: Duration::from_millis(parse_num(src, "ONLINE_REGISTER_RETRY_BASE_MS", 5000u64, 10, 600_000)?),
        retention_days: parse_num(src, "ONLINE_ORDER_RETENTION_DAYS", 365u32, 30, 3650)?,
    })
}

/// `true` or `false`.
fn parse_bool(src: &dyn Source, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match src.get(var).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ConfigError::new(var, format!("expected true or false, got `{other}`"))),
    }
}

/// An `https://` address (`http://` outside production) without credentials, query or fragment.
fn parse_url(
    src: &dyn Source,
    var: &'static str,
    app_env: AppEnv,
    origin_only: bool,
) -> Result<Option<String>, ConfigError> {
    let Some(v) = src.get(var) else { return Ok(None) };
    let v = v.trim().to_string();
    let ok = url::Url::parse(&v).ok().is_some_and(|u| {
        (u.scheme() == "https" || (u.scheme() == "http" && app_env == AppEnv::Development))
            && u.host().is_some()
            && u.username().is_empty()
            && u.password().is_none()
            && u.query().is_none()
            && u.fragment().is_none()
            && (!origin_only || (u.path() == "/" && !v.ends_with('/')))
    });
    if !ok {
        let what = if origin_only { "an origin such as https://desk.kommune.dk (no path)" } else { "an https:// URL" };
        let env_note = if app_env == AppEnv::Production { "; http:// is for development only" } else { "" };
        return Err(ConfigError::new(var, format!("expected {what}{env_note}, got `{v}`")));
    }
    // An origin as browsers send it in `Origin`: lower-case host, no default port.
    if origin_only && let Ok(u) = url::Url::parse(&v) {
        return Ok(Some(u.origin().ascii_serialization()));
    }
    Ok(Some(v))
}

/// `group-or-role=clerk,other=supervisor`; each value maps to one of the four roles.
fn parse_role_map(v: &str) -> Result<Vec<(String, Role)>, ConfigError> {
    let err = |why: String| ConfigError::new("OIDC_ROLE_MAP", why);
    let mut out: Vec<(String, Role)> = Vec::new();
    for entry in v.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (value, role) = entry
            .rsplit_once('=')
            .ok_or_else(|| err(format!("entry `{entry}` is not of the form claim-value=role")))?;
        let role = Role::parse(role.trim())
            .ok_or_else(|| err(format!("`{}` is not one of clerk, bank, supervisor, admin", role.trim())))?;
        let value = value.trim();
        if value.is_empty() || out.iter().any(|(v, _)| v == value) {
            return Err(err(format!("the value `{value}` is empty or mapped twice")));
        }
        out.push((value.to_string(), role));
    }
    if out.is_empty() {
        return Err(err("maps no value to a role".into()));
    }
    Ok(out)
}

fn claim_path(src: &dyn Source, var: &'static str, default: &str) -> Result<String, ConfigError> {
    let v = src.get(var).unwrap_or_else(|| default.to_string()).trim().to_string();
    let ok = v.len() <= 200
        && v.split('.').all(|p| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c.is_control()));
    if !ok {
        return Err(ConfigError::new(
            var,
            format!("expected a claim name or a dotted path such as realm_access.roles, got `{v}`"),
        ));
    }
    Ok(v)
}

fn parse_oidc(src: &dyn Source, app_env: AppEnv) -> Result<Option<OidcConfig>, ConfigError> {
    let Some(issuer) = parse_url(src, "OIDC_ISSUER", app_env, false)? else {
        for var in ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP", "PUBLIC_URL", "OIDC_API_AUDIENCE"] {
            if src.get(var).is_some() {
                return Err(ConfigError::new(var, "is set, but OIDC_ISSUER is not"));
            }
        }
        return Ok(None);
    };
    let client_id = src.get("OIDC_CLIENT_ID").map(|v| v.trim().to_string()).ok_or_else(|| {
        ConfigError::new("OIDC_CLIENT_ID", "is required with OIDC_ISSUER: the desk's client id at the provider")
    })?;
    let public_url = parse_url(src, "PUBLIC_URL", app_env, true)?.ok_or_else(|| {
        ConfigError::new(
            "PUBLIC_URL",
            "is required with OIDC_ISSUER: the desk's own origin, such as https://desk.kommune.dk",
        )
    })?;
    let role_map = parse_role_map(&src.get("OIDC_ROLE_MAP").ok_or_else(|| {
        ConfigError::new("OIDC_ROLE_MAP", "is required with OIDC_ISSUER: which claim values give which role")
    })?)?;
    let api_audience = src.get("OIDC_API_AUDIENCE").map(|v| v.trim().to_string());
    if api_audience.as_deref() == Some(client_id.as_str()) {
        return Err(ConfigError::new(
            "OIDC_API_AUDIENCE",
            "must differ from OIDC_CLIENT_ID: the desk's ID tokens carry the client id as their audience and must \
             not pass as access tokens; register the API as a resource of its own (Entra ID: Expose an API)",
        ));
    }
    let scopes = src.get("OIDC_SCOPES").unwrap_or_else(|| "openid profile".into());
    if !scopes.split_whitespace().any(|s| s == "openid") || scopes.chars().any(|c| c.is_control() || c == '"') {
        return Err(ConfigError::new("OIDC_SCOPES", "expected space-separated scopes including openid"));
    }
    let lifetime = parse_num(src, "SESSION_LIFETIME_SECS", 8 * 3600u64, 1, 7 * 86_400)?;
    let idle = parse_num(src, "SESSION_IDLE_TIMEOUT_SECS", 1800u64, 1, 7 * 86_400)?;
    Ok(Some(OidcConfig {
        issuer,
        client_id,
        client_secret: src.get("OIDC_CLIENT_SECRET"),
        public_url,
        scopes: scopes.split_whitespace().collect::<Vec<_>>().join(" "),
        api_audience,
        claims: ClaimMap {
            roles_claim: claim_path(src, "OIDC_ROLES_CLAIM", "roles")?,
            role_map,
            office_claim: claim_path(src, "OIDC_OFFICE_CLAIM", "office")?,
            name_claim: claim_path(src, "OIDC_NAME_CLAIM", "name")?,
        },
        jwks_refresh: Duration::from_secs(parse_num(src, "OIDC_JWKS_REFRESH_SECS", 300u64, 1, 86_400)?),
        jwks_min_interval: Duration::from_millis(parse_num(
            src,
            "OIDC_JWKS_MIN_INTERVAL_MS",
            30_000u64,
            100,
            3_600_000,
        )?),
        http_timeout: Duration::from_millis(parse_num(src, "OIDC_HTTP_TIMEOUT_MS", 5000u64, 100, 60_000)?),
        session_lifetime: Duration::from_secs(lifetime),
        session_idle_timeout: Duration::from_secs(idle.min(lifetime)),
    }))
}

fn parse_num<T>(src: &dyn Source, var: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match src.get(var) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(ConfigError::new(var, format!("expected a whole number from {min} to {max}, got `{v}`"))),
        },
    }
}

/// `https://desk.example,http://localhost:5173`: scheme, host and optional port, nothing else
/// (an origin, not a URL); `*` is refused, as credentials (bearer tokens) are sent.
fn parse_origins(v: &str) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for o in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let ok = url::Url::parse(o).ok().is_some_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.path() == "/"
                && !o.ends_with('/')
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty()
        });
        if !ok {
            return Err(ConfigError::new(
                "CORS_ALLOWED_ORIGINS",
                format!("`{o}` is not an origin such as https://desk.example or http://localhost:5173"),
            ));
        }
        out.push(o.to_string());
    }
    Ok(out)
}

/// `65536`, `64KiB`, `64kb`, `1MiB`, `1mb`.
fn parse_size(v: &str) -> Option<usize> {
    let v = v.trim().to_ascii_lowercase();
    let (digits, mult) =
        if let Some(d) = v.strip_suffix("kib").or_else(|| v.strip_suffix("kb")).or_else(|| v.strip_suffix('k')) {
            (d, 1024)
        } else if let Some(d) = v.strip_suffix("mib").or_else(|| v.strip_suffix("mb")).or_else(|| v.strip_suffix('m')) {
            (d, 1024 * 1024)
        } else {
            (v.as_str(), 1)
        };
    digits.trim().parse::<usize>().ok()?.checked_mul(mult)
}

/// `kid=ALG:/path/key.pem,kid2=ALG:/path2.pem`. The algorithm is fixed per key by the operator,
/// never taken from a token's header.
fn parse_public_keys(v: &str) -> Result<Vec<PublicKeySpec>, ConfigError> {
    let err = |why: String| ConfigError::new("JWT_PUBLIC_KEYS", why);
    let mut out: Vec<PublicKeySpec> = Vec::new();
    for entry in v.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (kid, rest) =
            entry.split_once('=').ok_or_else(|| err(format!("entry `{entry}` is not of the form kid=ALG:path")))?;
        let (alg, path) = rest
            .split_once(':')
            .ok_or_else(|| err(format!("entry for kid `{kid}` is not of the form kid=ALG:path")))?;
        let alg = alg.trim().to_ascii_uppercase();
        if !matches!(alg.as_str(), "RS256" | "RS384" | "RS512" | "PS256" | "ES256" | "ES384" | "EDDSA") {
            return Err(err(format!(
                "kid `{kid}`: algorithm `{alg}` is not one of RS256, RS384, RS512, PS256, ES256, ES384, EdDSA"
            )));
        }
        if kid.trim().is_empty() || out.iter().any(|k| k.kid == kid.trim()) {
            return Err(err(format!("kid `{kid}` is empty or given twice")));
        }
        out.push(PublicKeySpec { kid: kid.trim().to_string(), algorithm: alg, path: PathBuf::from(path.trim()) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_source(&map)
    }

    #[test]
    fn defaults_need_no_environment() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.http.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.db.pool_size, 10);
        assert_eq!(c.db.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.http.body_limit, 65536);
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.app_env, AppEnv::Development);
        assert!(c.db.url.is_none());
        // The private cluster is durable unless the development speed switch says otherwise.
        assert!(c.db.private_cluster_fsync);
        assert_eq!(c.db.local_server, Some("127.0.0.1:5432".parse().unwrap()));
        assert!(!cfg(&[("DEV_UNSAFE_NO_FSYNC", "true")]).unwrap().db.private_cluster_fsync);
        assert_eq!(cfg(&[("LOCAL_POSTGRES_ADDR", "off")]).unwrap().db.local_server, None);
    }

    #[test]
    fn production_keeps_fsync_on() {
        let e = cfg(&[("APP_ENV", "production"), ("DEV_UNSAFE_NO_FSYNC", "true")]).unwrap_err();
        assert_eq!(e.var, "DEV_UNSAFE_NO_FSYNC");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, val) in [
            ("DB_POOL_SIZE", "zero"),
            ("DEV_UNSAFE_NO_FSYNC", "yes"),
            ("LOCAL_POSTGRES_ADDR", "somewhere"),
            ("DB_POOL_SIZE", "0"),
            ("DB_CONNECT_TIMEOUT_MS", "60000"),
            ("BIND_ADDR", "localhost"),
            ("REQUEST_BODY_LIMIT", "12"),
            ("REQUEST_BODY_LIMIT", "lots"),
            ("LOG_FORMAT", "xml"),
            ("DATABASE_URL", "mysql://x"),
            ("RUST_LOG", "info,[[["),
            ("APP_ENV", "staging"),
            ("JWT_SECRET", "short"),
            ("JWT_PUBLIC_KEYS", "k1=HS256:/x.pem"),
            ("JWT_PUBLIC_KEYS", "k1"),
            ("JWT_LEEWAY_SECS", "31"),
            ("PHOTO_ID_TYPES", "Passport"),
            ("POSTING_WINDOW_DAYS", "0"),
            ("WEBHOOK_TIMEOUT_MS", "0"),
            ("WEBHOOK_DISABLE_AFTER", "0"),
            ("WEBHOOK_RETRY_WINDOW_SECS", "forever"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            ("CORS_ALLOWED_ORIGINS", "https://desk.example/"),
            ("CORS_ALLOWED_ORIGINS", "https://desk.example/app"),
            ("CORS_ALLOWED_ORIGINS", "ftp://desk.example"),
        ] {
            let e = cfg(&[(var, val)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={val} gave {e}");
        }
    }

    #[test]
    fn sizes_accept_units() {
        assert_eq!(parse_size("64KiB"), Some(65536));
        assert_eq!(parse_size("1mb"), Some(1 << 20));
        assert_eq!(parse_size("2048"), Some(2048));
        assert_eq!(parse_size("x"), None);
    }

    fn oidc(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut pairs = vec![
            ("OIDC_ISSUER", "https://login.example/tenant/v2.0"),
            ("OIDC_CLIENT_ID", "nemid-desk"),
            ("PUBLIC_URL", "https://desk.kommune.example"),
            ("OIDC_ROLE_MAP", "desk-clerks=clerk, desk-supervisors=supervisor"),
        ];
        pairs.extend_from_slice(extra);
        cfg(&pairs)
    }

    #[test]
    fn oidc_settings_parse_and_name_their_variable() {
        let c = oidc(&[]).unwrap().oidc.unwrap();
        assert_eq!(
            c.claims.role_map,
            vec![("desk-clerks".into(), Role::Clerk), ("desk-supervisors".into(), Role::Supervisor)]
        );
        assert_eq!(c.claims.roles_claim, "roles");
        assert_eq!(c.scopes, "openid profile");
        assert_eq!(c.session_idle_timeout, Duration::from_secs(1800));
        assert!(cfg(&[]).unwrap().oidc.is_none());
        // The origin as a browser sends it.
        let c = oidc(&[("PUBLIC_URL", "https://Desk.Kommune.example:443")]).unwrap().oidc.unwrap();
        assert_eq!(c.public_url, "https://desk.kommune.example");
        assert_eq!(oidc(&[("OIDC_API_AUDIENCE", "nemid-desk")]).unwrap_err().var, "OIDC_API_AUDIENCE");
        for (var, val) in [
            ("OIDC_ROLE_MAP", "desk-clerks=root"),
            ("OIDC_ROLE_MAP", "desk-clerks"),
            ("OIDC_ROLE_MAP", "a=clerk,a=bank"),
            ("PUBLIC_URL", "https://desk.kommune.example/app"),
            ("PUBLIC_URL", "https://desk.kommune.example/"),
            ("OIDC_ISSUER", "ftp://login.example"),
            ("OIDC_SCOPES", "profile"),
            ("OIDC_ROLES_CLAIM", "realm access"),
            ("SESSION_IDLE_TIMEOUT_SECS", "0"),
        ] {
            assert_eq!(oidc(&[(var, val)]).unwrap_err().var, var, "{var}={val}");
        }
        assert_eq!(cfg(&[("OIDC_CLIENT_ID", "x")]).unwrap_err().var, "OIDC_CLIENT_ID");
        assert_eq!(cfg(&[("OIDC_ISSUER", "https://login.example")]).unwrap_err().var, "OIDC_CLIENT_ID");
        // http is for development only.
        assert!(oidc(&[("OIDC_ISSUER", "http://127.0.0.1:9000")]).is_ok());
        let prod = oidc(&[("APP_ENV", "production"), ("OIDC_ISSUER", "http://login.example")]);
        assert_eq!(prod.unwrap_err().var, "OIDC_ISSUER");
        // The identity provider alone is enough keys for production.
        let keys = [("APP_ENV", "production"), ("CPR_ENCRYPTION_KEYS", "k:x"), ("CPR_INDEX_KEY", "y")];
        assert!(oidc(&keys).is_ok());
    }

    #[test]
    fn production_requires_keys() {
        let e = cfg(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(e.var, "JWT_PUBLIC_KEYS");
        let secret = "s".repeat(32);
        let e = cfg(&[("APP_ENV", "production"), ("JWT_SECRET", &secret)]).unwrap_err();
        assert_eq!(e.var, "CPR_ENCRYPTION_KEYS");
        assert!(
            cfg(&[
                ("APP_ENV", "production"),
                ("JWT_SECRET", &secret),
                ("CPR_ENCRYPTION_KEYS", "k:x"),
                ("CPR_INDEX_KEY", "y")
            ])
            .is_ok()
        );
    }

    #[test]
    fn public_keys_parse() {
        let c = cfg(&[("JWT_PUBLIC_KEYS", "a=RS256:/k/a.pem, b=EdDSA:/k/b.pem")]).unwrap();
        assert_eq!(c.auth.public_keys.len(), 2);
        assert_eq!(c.auth.public_keys[1].algorithm, "EDDSA");
        assert!(cfg(&[("JWT_PUBLIC_KEYS", "a=RS256:/x,a=RS256:/y")]).is_err());
    }

    #[test]
    fn online_ordering_is_local_in_development_and_needs_registers_in_production() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.online.registers, RegistersConfig::Local);
        assert_eq!(c.online.office_code, "ONLINE");
        assert_eq!(c.online.posting_days, 10);
        assert_eq!(c.online.per_client, crate::domain::online::Limits { per_hour: 5, per_day: 20 });
        assert_eq!(c.online.per_cpr, crate::domain::online::Limits { per_hour: 3, per_day: 3 });
        let prod = [
            ("APP_ENV", "production"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("CPR_ENCRYPTION_KEYS", "k"),
            ("CPR_INDEX_KEY", "k"),
        ];
        // Production without registers: off, and local is refused.
        assert_eq!(cfg(&prod).unwrap().online.registers, RegistersConfig::Off);
        let mut local = prod.to_vec();
        local.push(("REGISTERS", "local"));
        assert_eq!(cfg(&local).unwrap_err().var, "REGISTERS");
        // One URL named: all three are required, over https.
        let mut some = prod.to_vec();
        some.push(("CPR_REGISTER_URL", "https://cpr.example"));
        assert_eq!(cfg(&some).unwrap_err().var, "PASSPORT_REGISTER_URL");
        let mut all = some.clone();
        all.extend([
            ("PASSPORT_REGISTER_URL", "https://pas.example"),
            ("DRIVERS_LICENCE_REGISTER_URL", "http://k.example"),
        ]);
        assert_eq!(cfg(&all).unwrap_err().var, "DRIVERS_LICENCE_REGISTER_URL");
        all.pop();
        all.push(("DRIVERS_LICENCE_REGISTER_URL", "https://k.example"));
        let RegistersConfig::Remote(r) = cfg(&all).unwrap().online.registers else { panic!("remote expected") };
        assert_eq!(r.cpr_url, "https://cpr.example");
        assert_eq!(r.drivers_licence_url, "https://k.example");
        assert_eq!(r.timeout, Duration::from_secs(5));
        assert_eq!(cfg(&[("REGISTERS", "sometimes")]).unwrap_err().var, "REGISTERS");
        assert_eq!(cfg(&[("ONLINE_OFFICE", "-x")]).unwrap_err().var, "ONLINE_OFFICE");
        assert_eq!(cfg(&[("TRUST_FORWARDED_FOR", "yes")]).unwrap_err().var, "TRUST_FORWARDED_FOR");
        assert_eq!(
            cfg(&[
                ("REGISTER_CLIENT_IDENTITY", "/nope.pem"),
                ("REGISTERS", "remote"),
                ("CPR_REGISTER_URL", "http://a"),
                ("PASSPORT_REGISTER_URL", "http://b"),
                ("DRIVERS_LICENCE_REGISTER_URL", "http://c")
            ])
            .unwrap_err()
            .var,
            "REGISTER_CLIENT_IDENTITY"
        );
    }
}
