//! Settings: built-in defaults, then `monoweb.toml`, then `MONOWEB_*` environment variables, then
//! command-line flags; a later layer wins. Every value is parsed here, once, into a typed
//! [`Settings`]; an invalid value becomes a [`ConfigError`] naming the setting and where it came
//! from, which the CLI prints as one line before exiting with code 2.
//!
//! The loader takes the environment as a map, not from the process, so the layering is testable
//! without touching global state.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// One setting. Everything about it but its parser is declared once, in [`SETTINGS`]: the key
/// in `monoweb.toml`, the environment variable and the flag derive from its name, and the help
/// text, the default and the README's table from its [`Spec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Bind,
    PublicUrl,
    DataDir,
    DatabaseUrl,
    SecretKeyFile,
    MonoApiUrl,
    Registration,
    Log,
    LogFormat,
    TrustedProxies,
    AllowedHosts,
    SessionIdleSecs,
    SessionMaxSecs,
    SessionRememberDays,
    SyncHistoryDays,
    BodyTimeoutSecs,
    MetricsToken,
    MonoMode,
    ProviderKeyFile,
    ProviderPermissions,
}

/// A setting's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    /// This text, read by the setting's own parser as if it had been given.
    Value(&'static str),
    /// Worked out from other settings, as the text says.
    Derived(&'static str),
    /// No value (an empty list, say), as the text says.
    Empty(&'static str),
}

impl DefaultValue {
    /// How `--help` and the README show it.
    pub fn shown(self) -> &'static str {
        match self {
            DefaultValue::Value(text) | DefaultValue::Derived(text) | DefaultValue::Empty(text) => {
                text
            }
        }
    }
}

/// The declaration of one setting.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub key: Key,
    /// The key in `monoweb.toml`; `MONOWEB_` + its upper case is the environment variable,
    /// `--` + it with dashes the flag.
    pub name: &'static str,
    /// The placeholder in `--help` (`ADDR`, `URL`, …).
    pub value_name: &'static str,
    /// One line for `--help` and the README.
    pub help: &'static str,
    pub default: DefaultValue,
    /// Its values may hold credentials and are never echoed in errors.
    pub secret: bool,
}

/// Every setting, in the order `--help` and the README list them.
pub const SETTINGS: [Spec; 20] = [
    Spec {
        key: Key::Bind,
        name: "bind",
        value_name: "ADDR",
        help: "Address to listen on",
        default: DefaultValue::Value("127.0.0.1:8080"),
        secret: false,
    },
    Spec {
        key: Key::PublicUrl,
        name: "public_url",
        value_name: "URL",
        help: "URL people use to reach monoweb: cookies, CSRF origin, webhook URL",
        default: DefaultValue::Derived("http://<bind address>"),
        secret: false,
    },
    Spec {
        key: Key::DataDir,
        name: "data_dir",
        value_name: "DIR",
        help: "Directory for the database and the secret key",
        default: DefaultValue::Value("./data"),
        secret: false,
    },
    Spec {
        key: Key::DatabaseUrl,
        name: "database_url",
        value_name: "URL",
        help: "The database: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
        default: DefaultValue::Derived("sqlite://<data dir>/monoweb.db"),
        secret: true,
    },
    Spec {
        key: Key::SecretKeyFile,
        name: "secret_key_file",
        value_name: "FILE",
        help: "Master secret file, created with mode 0600 on first start",
        default: DefaultValue::Derived("<data dir>/secret.key"),
        secret: false,
    },
    Spec {
        key: Key::MonoApiUrl,
        name: "mono_api_url",
        value_name: "URL",
        help: "Monobank API base URL",
        default: DefaultValue::Value("https://api.monobank.ua"),
        secret: false,
    },
    Spec {
        key: Key::MonoMode,
        name: "mono_mode",
        value_name: "MODE",
        help: "How users reach Monobank: personal (their own token), provider (the signed provider API, users approve in the Monobank app) or both",
        default: DefaultValue::Value("personal"),
        secret: false,
    },
    Spec {
        key: Key::ProviderKeyFile,
        name: "provider_key_file",
        value_name: "FILE",
        help: "The provider's secp256k1 private key (PEM), written by `monoweb provider keygen`",
        default: DefaultValue::Derived("provider.key beside the secret key file"),
        secret: false,
    },
    Spec {
        key: Key::ProviderPermissions,
        name: "provider_permissions",
        value_name: "LETTERS",
        help: "Permission letters an access request names (s statements, p personal data, f FOP accounts); none: the company's own",
        default: DefaultValue::Empty("none"),
        secret: false,
    },
    Spec {
        key: Key::Registration,
        name: "registration",
        value_name: "MODE",
        help: "Who may register: open, or closed (only admins create users)",
        default: DefaultValue::Value("open"),
        secret: false,
    },
    Spec {
        key: Key::Log,
        name: "log",
        value_name: "FILTER",
        help: "Log filter, any tracing filter such as info or monoweb=debug,info",
        default: DefaultValue::Value("info"),
        secret: false,
    },
    Spec {
        key: Key::LogFormat,
        name: "log_format",
        value_name: "FORMAT",
        help: "Log format: text or json",
        default: DefaultValue::Value("text"),
        secret: false,
    },
    Spec {
        key: Key::TrustedProxies,
        name: "trusted_proxies",
        value_name: "LIST",
        help: "Proxies whose X-Forwarded-For is trusted: comma-separated IPs or CIDRs (a list in the file)",
        default: DefaultValue::Empty("none"),
        secret: false,
    },
    Spec {
        key: Key::AllowedHosts,
        name: "allowed_hosts",
        value_name: "LIST",
        help: "Host names served besides the public URL's: comma-separated names or IPs (a list in the file)",
        default: DefaultValue::Empty("none"),
        secret: false,
    },
    Spec {
        key: Key::SessionIdleSecs,
        name: "session_idle_secs",
        value_name: "SECS",
        help: "Session idle timeout, seconds",
        default: DefaultValue::Value("1800"),
        secret: false,
    },
    Spec {
        key: Key::SessionMaxSecs,
        name: "session_max_secs",
        value_name: "SECS",
        help: "Session absolute timeout, seconds",
        default: DefaultValue::Value("43200"),
        secret: false,
    },
    Spec {
        key: Key::SessionRememberDays,
        name: "session_remember_days",
        value_name: "DAYS",
        help: "How long \"stay signed in on this device\" keeps a session, days (0: not offered)",
        default: DefaultValue::Value("30"),
        secret: false,
    },
    Spec {
        key: Key::SyncHistoryDays,
        name: "sync_history_days",
        value_name: "DAYS",
        help: "History depth to sync, days",
        default: DefaultValue::Value("365"),
        secret: false,
    },
    Spec {
        key: Key::BodyTimeoutSecs,
        name: "body_timeout_secs",
        value_name: "SECS",
        help: "Time a request body has to arrive in full, seconds (then 408)",
        default: DefaultValue::Value("10"),
        secret: false,
    },
    Spec {
        key: Key::MetricsToken,
        name: "metrics_token",
        value_name: "TOKEN",
        help: "Bearer token Prometheus sends to GET /metrics (at least 16 characters)",
        default: DefaultValue::Empty("none: /metrics is off (404)"),
        secret: true,
    },
];

impl Key {
    /// The setting's declaration.
    pub fn spec(self) -> &'static Spec {
        // Every key has exactly one entry (a unit test checks it); the fallback is never taken.
        SETTINGS
            .iter()
            .find(|s| s.key == self)
            .unwrap_or(&SETTINGS[0])
    }

    /// The key in `monoweb.toml`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The environment variable, `MONOWEB_` + the upper-cased key.
    pub fn env_var(self) -> String {
        format!("MONOWEB_{}", self.name().to_ascii_uppercase())
    }

    /// The command-line flag, `--` + the key with dashes.
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }

    fn from_name(name: &str) -> Option<Key> {
        SETTINGS.iter().find(|s| s.name == name).map(|s| s.key)
    }

    fn is_secret(self) -> bool {
        self.spec().secret
    }
}

/// Where a value came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Env,
    Flag,
}

/// A configuration problem; its `Display` is the single line the CLI prints.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("invalid setting {setting}: {reason}")]
    Invalid { setting: String, reason: String },
    #[error("{file}: unknown setting `{key}` (known settings: {known})")]
    UnknownKey {
        file: String,
        key: String,
        known: String,
    },
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
}

/// Which database the app talks to. The Postgres URL may hold a password, so it is a secret.
#[derive(Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// The backend's name, for logs and `monoweb check`.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://./data/monoweb.db".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let url = Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL ({e})"))?;
            if url.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                return Err("the PostgreSQL URL needs a host".into());
            }
            return Ok(DatabaseUrl::Postgres(SecretString::from(raw.to_owned())));
        }
        Err("expected sqlite://PATH or postgres://USER:PASSWORD@HOST/DB".into())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match Url::parse(url.expose_secret()) {
                Ok(url) => write!(
                    f,
                    "postgres://{}{}",
                    url.host_str().unwrap_or_default(),
                    url.path()
                ),
                Err(_) => f.write_str("postgres://[redacted]"),
            },
        }
    }
}

/// Who may create accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Anyone who can reach the site may register.
    Open,
    /// Only admins create users (CLI or admin page).
    Closed,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated settings of one monoweb process.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub secret_key_file: PathBuf,
    pub mono_api_url: Url,
    pub registration: Registration,
    pub log: String,
    pub log_format: LogFormat,
    pub trusted_proxies: Vec<IpNet>,
    /// Host names (lower case, no port) served besides the public URL's.
    pub allowed_hosts: Vec<String>,
    pub session_idle_secs: u64,
    pub session_max_secs: u64,
    /// How long a session started with "stay signed in on this device" lasts, idle or not, in
    /// days; 0 when the login page does not offer it.
    pub session_remember_days: u32,
    pub sync_history_days: u32,
    /// Time a request body has to arrive in full, in seconds.
    pub body_timeout_secs: u64,
    /// The bearer token of `GET /metrics`; `None`: metrics are off.
    pub metrics_token: Option<SecretString>,
    /// How users reach Monobank.
    pub mono_mode: MonoMode,
    /// The provider's private key file (read in provider and both modes).
    pub provider_key_file: PathBuf,
    /// The `X-Permissions` letters of access requests (empty: none sent).
    pub provider_permissions: String,
    /// How the background sync runs (not a setting: tests and embedders adjust it).
    pub sync: SyncMode,
}

/// How users reach Monobank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonoMode {
    /// Each user attaches a personal token (Monobank's terms: the owner, their family).
    Personal,
    /// Each user approves this server's provider key in the Monobank app.
    Provider,
    /// Either, as each user chooses.
    Both,
}

impl MonoMode {
    /// Whether users may attach personal tokens.
    pub fn personal(self) -> bool {
        matches!(self, MonoMode::Personal | MonoMode::Both)
    }

    /// Whether users may connect through the provider API.
    pub fn provider(self) -> bool {
        matches!(self, MonoMode::Provider | MonoMode::Both)
    }
}

/// The background sync's pace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncMode {
    /// Whether this instance runs the sync at all.
    pub enabled: bool,
    /// How often it looks for work when nothing wakes it, in milliseconds.
    pub tick_ms: u64,
    /// Seconds between two calls on one token's lane: Monobank's minute, or less when `monoweb
    /// demo` runs its sandbox with a faster clock.
    pub lane_secs: i64,
}

impl Default for SyncMode {
    fn default() -> Self {
        SyncMode {
            enabled: true,
            tick_ms: 5_000,
            lane_secs: monobank::limit::LANE_SECS,
        }
    }
}

impl Settings {
    /// Whether cookies must be `Secure` (the public URL is https).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// Whether a request's `Host` (a name or IP, any port) is one this instance serves: the
    /// public URL's, one of `allowed_hosts`, or, when the public URL is on this machine, any
    /// loopback name.
    pub fn serves_host(&self, host_header: &str) -> bool {
        let host = strip_port(host_header).to_ascii_lowercase();
        let public = self.public_url.host_str().unwrap_or_default();
        let loopback = |name: &str| matches!(name, "localhost" | "127.0.0.1" | "[::1]");
        host == public
            || self.allowed_hosts.contains(&host)
            || (loopback(public) && loopback(&host))
    }
}

/// The inputs of [`load`]: an explicit config file, the environment, and flag values.
#[derive(Debug, Default)]
pub struct Layers {
    /// `--config FILE`; when absent, `MONOWEB_CONFIG`, then `./monoweb.toml` if it exists.
    pub config_file: Option<PathBuf>,
    pub env: HashMap<String, String>,
    pub flags: Vec<(Key, String)>,
}

/// Environment variables that start with `MONOWEB_` but are not settings; they are not typos.
const OTHER_ENV_VARS: [&str; 2] = ["MONOWEB_CONFIG", "MONOWEB_TEST_"];

/// `MONOWEB_*` variables in `env` that name no setting (likely typos), for a warning.
pub fn unknown_env_vars(env: &HashMap<String, String>) -> Vec<String> {
    let known: Vec<String> = SETTINGS.iter().map(|s| s.key.env_var()).collect();
    let mut unknown: Vec<String> = env
        .keys()
        .filter(|name| name.starts_with("MONOWEB_"))
        .filter(|name| !known.contains(name))
        .filter(|name| !OTHER_ENV_VARS.iter().any(|other| name.starts_with(other)))
        .cloned()
        .collect();
    unknown.sort();
    unknown
}

/// Builds the settings from the layers: defaults, file, environment, flags.
pub fn load(layers: &Layers) -> Result<Settings, ConfigError> {
    let mut values: BTreeMap<Key, (String, Source)> = BTreeMap::new();
    if let Some(path) = config_file_path(layers) {
        for (key, value) in read_file(&path)? {
            values.insert(key, (value, Source::File(path.clone())));
        }
    }
    for key in SETTINGS.map(|s| s.key) {
        if let Some(value) = layers.env.get(&key.env_var()) {
            values.insert(key, (value.clone(), Source::Env));
        }
    }
    for (key, value) in &layers.flags {
        values.insert(*key, (value.clone(), Source::Flag));
    }
    Resolver { values }.resolve()
}

fn config_file_path(layers: &Layers) -> Option<PathBuf> {
    if let Some(path) = &layers.config_file {
        return Some(path.clone());
    }
    if let Some(path) = layers.env.get("MONOWEB_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let default = PathBuf::from("monoweb.toml");
    default.is_file().then_some(default)
}

/// Reads `monoweb.toml` into raw strings, rejecting unknown keys and values of the wrong kind.
fn read_file(path: &Path) -> Result<Vec<(Key, String)>, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        reason: format!("cannot read the configuration file ({e})"),
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|span| text[..span.start].matches('\n').count() + 1)
            .unwrap_or(1);
        ConfigError::File {
            file: file.clone(),
            reason: format!("line {line}: {}", e.message().trim()),
        }
    })?;
    let mut out = Vec::new();
    for (name, value) in table {
        let Some(key) = Key::from_name(&name) else {
            return Err(ConfigError::UnknownKey {
                file,
                key: name,
                known: SETTINGS.map(|s| s.name).join(", "),
            });
        };
        let raw = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s),
                    _ => Err(()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|()| ConfigError::Invalid {
                    setting: format!("`{name}` in {file}"),
                    reason: "expected a list of strings".into(),
                })?
                .join(","),
            other => {
                return Err(ConfigError::Invalid {
                    setting: format!("`{name}` in {file}"),
                    reason: format!("expected a string or a number, found {}", other.type_str()),
                })
            }
        };
        out.push((key, raw));
    }
    Ok(out)
}

struct Resolver {
    values: BTreeMap<Key, (String, Source)>,
}

impl Resolver {
    /// Parses the value of `key` if one was given, naming the setting and its source on failure.
    fn get<T>(
        &self,
        key: Key,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let Some((raw, source)) = self.values.get(&key) else {
            return Ok(None);
        };
        parse(raw.trim()).map(Some).map_err(|reason| {
            let shown = if key.is_secret() {
                String::new()
            } else {
                format!("={raw:?}")
            };
            let setting = match source {
                Source::File(path) => format!("`{}`{shown} in {}", key.name(), path.display()),
                Source::Env => format!("{}{shown} (environment)", key.env_var()),
                Source::Flag => format!("{}{shown} (command line)", key.flag()),
            };
            ConfigError::Invalid { setting, reason }
        })
    }

    /// The value of `key`: given, or its declared default read by the same parser.
    fn value<T>(
        &self,
        key: Key,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        if let Some(value) = self.get(key, &parse)? {
            return Ok(value);
        }
        match key.spec().default {
            DefaultValue::Value(text) => parse(text).map_err(|reason| ConfigError::Invalid {
                setting: format!("the default of {}", key.name()),
                reason,
            }),
            DefaultValue::Derived(_) | DefaultValue::Empty(_) => Err(ConfigError::Invalid {
                setting: key.name().into(),
                reason: "has no default value of its own".into(),
            }),
        }
    }

    fn resolve(self) -> Result<Settings, ConfigError> {
        let bind = self.value(Key::Bind, parse_bind)?;
        let public_url = match self.get(Key::PublicUrl, parse_public_url)? {
            Some(url) => url,
            None => default_public_url(bind)?,
        };
        let data_dir = self.value(Key::DataDir, parse_path)?;
        let database_url = self
            .get(Key::DatabaseUrl, DatabaseUrl::parse)?
            .unwrap_or_else(|| DatabaseUrl::Sqlite(data_dir.join("monoweb.db")));
        let secret_key_file = self
            .get(Key::SecretKeyFile, parse_path)?
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let mono_api_url = self.value(Key::MonoApiUrl, parse_api_url)?;
        let mono_mode = self.value(Key::MonoMode, |raw| match raw {
            "personal" => Ok(MonoMode::Personal),
            "provider" => Ok(MonoMode::Provider),
            "both" => Ok(MonoMode::Both),
            _ => Err("expected `personal`, `provider` or `both`".into()),
        })?;
        let provider_key_file = self
            .get(Key::ProviderKeyFile, parse_path)?
            .unwrap_or_else(|| secret_key_file.with_file_name("provider.key"));
        let provider_permissions = self
            .get(Key::ProviderPermissions, |raw| {
                let mut letters: Vec<char> = raw.chars().collect();
                letters.sort_unstable();
                letters.dedup();
                if letters.len() != raw.chars().count() || !raw.chars().all(|c| "spfj".contains(c))
                {
                    return Err("expected distinct letters among s, p, f and j".to_owned());
                }
                Ok(raw.to_owned())
            })?
            .unwrap_or_default();
        let registration = self.value(Key::Registration, |raw| match raw {
            "open" => Ok(Registration::Open),
            "closed" => Ok(Registration::Closed),
            _ => Err("expected `open` or `closed`".into()),
        })?;
        let log = self.value(Key::Log, parse_log_filter)?;
        let log_format = self.value(Key::LogFormat, |raw| match raw {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".into()),
        })?;
        let trusted_proxies = self
            .get(Key::TrustedProxies, parse_proxies)?
            .unwrap_or_default();
        let allowed_hosts = self
            .get(Key::AllowedHosts, parse_hosts)?
            .unwrap_or_default();
        let session_idle_secs = self.value(Key::SessionIdleSecs, |raw| {
            parse_number(raw, 60, 30 * 86_400)
        })?;
        let body_timeout_secs =
            self.value(Key::BodyTimeoutSecs, |raw| parse_number(raw, 1, 600))?;
        let metrics_token = self.get(Key::MetricsToken, |raw| {
            if raw.chars().count() < 16 || raw.chars().any(|c| c.is_control() || c == ' ') {
                return Err("expected at least 16 characters without spaces".to_owned());
            }
            Ok(SecretString::from(raw.to_owned()))
        })?;
        let session_max_secs = self.value(Key::SessionMaxSecs, |raw| {
            parse_number(raw, 60, 365 * 86_400)
        })?;
        if session_max_secs < session_idle_secs {
            return Err(ConfigError::Invalid {
                setting: Key::SessionMaxSecs.name().into(),
                reason: format!(
                    "the absolute session timeout ({session_max_secs} s) is shorter than the idle \
                     timeout ({session_idle_secs} s)"
                ),
            });
        }
        let session_remember_days =
            self.value(Key::SessionRememberDays, |raw| parse_number(raw, 0, 365))?;
        let sync_history_days =
            self.value(Key::SyncHistoryDays, |raw| parse_number(raw, 1, 3650))?;
        Ok(Settings {
            bind,
            public_url,
            data_dir,
            database_url,
            secret_key_file,
            mono_api_url,
            registration,
            log,
            log_format,
            trusted_proxies,
            allowed_hosts,
            session_idle_secs,
            session_max_secs,
            session_remember_days: u32::try_from(session_remember_days).unwrap_or(30),
            sync_history_days: u32::try_from(sync_history_days).unwrap_or(365),
            body_timeout_secs,
            metrics_token,
            mono_mode,
            provider_key_file,
            provider_permissions,
            sync: SyncMode::default(),
        })
    }
}

fn parse_bind(raw: &str) -> Result<SocketAddr, String> {
    SocketAddr::from_str(raw)
        .map_err(|_| "expected an IP address and port, like 127.0.0.1:8080 or [::]:8080".into())
}

fn default_public_url(bind: SocketAddr) -> Result<Url, ConfigError> {
    // An unspecified bind address (0.0.0.0) is not a place a browser can go; name loopback.
    let host = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_owned(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let text = format!("http://{host}:{}", bind.port());
    Url::parse(&text).map_err(|e| ConfigError::Invalid {
        setting: Key::PublicUrl.name().into(),
        reason: format!("cannot derive it from bind {bind} ({e})"),
    })
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("expected an http:// or https:// URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL needs a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("the URL must not carry credentials, a query or a fragment".into());
    }
    Ok(url)
}

fn parse_public_url(raw: &str) -> Result<Url, String> {
    let url = parse_http_url(raw)?;
    if url.path() != "/" {
        return Err(
            "expected an origin like https://money.example.com (serving under a path is not \
             supported)"
                .into(),
        );
    }
    Ok(url)
}

fn parse_api_url(raw: &str) -> Result<Url, String> {
    parse_http_url(raw)
}

fn parse_path(raw: &str) -> Result<PathBuf, String> {
    if raw.is_empty() {
        return Err("expected a path".into());
    }
    Ok(PathBuf::from(raw))
}

fn parse_log_filter(raw: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(raw)
        .map(|_| raw.to_owned())
        .map_err(|e| format!("not a log filter like `info` or `monoweb=debug,info` ({e})"))
}

fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            IpNet::from_str(item)
                .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                .map_err(|_| format!("`{item}` is not an IP address or CIDR range"))
        })
        .collect()
}

/// A `Host` header's name, without its port (`[::1]:8080` → `[::1]`).
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

fn parse_hosts(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match url::Host::parse(item) {
            Ok(host) if !item.contains([':', '/', '@']) || item.starts_with('[') => {
                Ok(host.to_string().to_ascii_lowercase())
            }
            _ => Err(format!(
                "`{item}` is not a host name or IP address (no scheme, port or path)"
            )),
        })
        .collect()
}

fn parse_number(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    let n: u64 = raw
        .parse()
        .map_err(|_| format!("expected a whole number from {min} to {max}"))?;
    if !(min..=max).contains(&n) {
        return Err(format!("expected a whole number from {min} to {max}"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load_with(
        file: Option<&str>,
        env_pairs: &[(&str, &str)],
        flags: &[(Key, &str)],
    ) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let config_file = file.map(|text| {
            let path = dir.path().join("monoweb.toml");
            std::fs::write(&path, text).unwrap();
            path
        });
        let mut env = env(env_pairs);
        if config_file.is_none() {
            // Never pick up a stray ./monoweb.toml of the developer's.
            env.insert(
                "MONOWEB_CONFIG".into(),
                dir.path().join("none.toml").display().to_string(),
            );
            std::fs::write(dir.path().join("none.toml"), "").unwrap();
        }
        load(&Layers {
            config_file,
            env,
            flags: flags.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        })
    }

    #[test]
    fn defaults_work_for_a_laptop() {
        let s = load_with(None, &[], &[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert!(
            matches!(&s.database_url, DatabaseUrl::Sqlite(p) if p == Path::new("./data/monoweb.db"))
        );
        assert_eq!(s.secret_key_file, PathBuf::from("./data/secret.key"));
        assert_eq!(s.mono_api_url.as_str(), "https://api.monobank.ua/");
        assert_eq!(s.registration, Registration::Open);
        assert_eq!(s.log, "info");
        assert_eq!(s.log_format, LogFormat::Text);
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(
            (s.session_idle_secs, s.session_max_secs, s.sync_history_days),
            (1800, 43_200, 365)
        );
    }

    #[test]
    fn later_layers_win_file_then_env_then_flag() {
        let file =
            "bind = \"127.0.0.1:1111\"\nregistration = \"closed\"\nsession_idle_secs = 600\n\
                    log_format = \"json\"\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n";
        let s = load_with(
            Some(file),
            &[
                ("MONOWEB_BIND", "127.0.0.1:2222"),
                ("MONOWEB_SESSION_IDLE_SECS", "900"),
            ],
            &[(Key::Bind, "127.0.0.1:3333")],
        )
        .unwrap();
        assert_eq!(s.bind.port(), 3333, "flag beats env and file");
        assert_eq!(s.session_idle_secs, 900, "env beats file");
        assert_eq!(s.registration, Registration::Closed, "file beats default");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(
            s.public_url.as_str(),
            "http://127.0.0.1:3333/",
            "public URL follows the final bind"
        );
    }

    #[test]
    fn served_hosts_are_the_public_urls_and_the_allowed_ones() {
        let local = load_with(None, &[], &[]).unwrap();
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
        ] {
            assert!(local.serves_host(host), "{host}");
        }
        assert!(!local.serves_host("evil.example"));
        let public = load_with(
            None,
            &[
                ("MONOWEB_PUBLIC_URL", "https://money.example.com"),
                ("MONOWEB_ALLOWED_HOSTS", "money.internal, 10.0.0.5"),
            ],
            &[],
        )
        .unwrap();
        for host in [
            "money.example.com",
            "Money.Example.com:443",
            "money.internal",
            "10.0.0.5:8080",
        ] {
            assert!(public.serves_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "localhost",
            "127.0.0.1",
            "money.example.com.evil.example",
            "",
        ] {
            assert!(!public.serves_host(host), "{host}");
        }
        for bad in ["http://x.example", "x.example:80", "x.example/path", "a b"] {
            let err = load_with(None, &[("MONOWEB_ALLOWED_HOSTS", bad)], &[]).unwrap_err();
            assert!(err.to_string().contains("MONOWEB_ALLOWED_HOSTS"), "{err}");
        }
    }

    #[test]
    fn paths_derive_from_the_data_dir() {
        let s = load_with(None, &[("MONOWEB_DATA_DIR", "/srv/mw")], &[]).unwrap();
        assert!(
            matches!(&s.database_url, DatabaseUrl::Sqlite(p) if p == Path::new("/srv/mw/monoweb.db"))
        );
        assert_eq!(s.secret_key_file, PathBuf::from("/srv/mw/secret.key"));
    }

    #[test]
    fn unspecified_bind_gives_a_loopback_public_url() {
        let s = load_with(None, &[("MONOWEB_BIND", "0.0.0.0:9000")], &[]).unwrap();
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9000/");
    }

    #[test]
    fn bad_values_name_the_setting_and_source() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "MONOWEB_BIND",
                "nonsense",
                "MONOWEB_BIND=\"nonsense\" (environment)",
            ),
            ("MONOWEB_PUBLIC_URL", "ftp://x", "MONOWEB_PUBLIC_URL"),
            (
                "MONOWEB_PUBLIC_URL",
                "https://x.example/app",
                "serving under a path",
            ),
            ("MONOWEB_MONO_API_URL", "not a url", "MONOWEB_MONO_API_URL"),
            (
                "MONOWEB_REGISTRATION",
                "maybe",
                "expected `open` or `closed`",
            ),
            ("MONOWEB_LOG_FORMAT", "xml", "MONOWEB_LOG_FORMAT"),
            ("MONOWEB_LOG", "[[[", "MONOWEB_LOG"),
            ("MONOWEB_TRUSTED_PROXIES", "10.0.0.1,bogus", "`bogus`"),
            (
                "MONOWEB_SESSION_IDLE_SECS",
                "-5",
                "MONOWEB_SESSION_IDLE_SECS",
            ),
            ("MONOWEB_SESSION_IDLE_SECS", "10", "from 60"),
            (
                "MONOWEB_SYNC_HISTORY_DAYS",
                "0",
                "MONOWEB_SYNC_HISTORY_DAYS",
            ),
            ("MONOWEB_DATA_DIR", "", "MONOWEB_DATA_DIR"),
            (
                "MONOWEB_DATABASE_URL",
                "mysql://root:hunter2@db/x",
                "MONOWEB_DATABASE_URL (environment)",
            ),
        ];
        for (var, value, expected) in cases {
            let err = load_with(None, &[(var, value)], &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{var}={value:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn database_passwords_are_never_echoed() {
        let err = load_with(
            None,
            &[("MONOWEB_DATABASE_URL", "mysql://root:hunter2@db/x")],
            &[],
        )
        .unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let ok = load_with(
            None,
            &[("MONOWEB_DATABASE_URL", "postgres://u:hunter2@db:5432/mw")],
            &[],
        )
        .unwrap();
        assert!(!format!("{ok:?}").contains("hunter2"));
        assert!(format!("{ok:?}").contains("postgres://db/mw"));
    }

    #[test]
    fn idle_longer_than_absolute_is_rejected() {
        let err = load_with(
            None,
            &[
                ("MONOWEB_SESSION_IDLE_SECS", "7200"),
                ("MONOWEB_SESSION_MAX_SECS", "3600"),
            ],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("session_max_secs"), "{err}");
    }

    #[test]
    fn unknown_file_key_is_named() {
        let err = load_with(Some("bnd = \"x\"\n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown setting `bnd`"), "{err}");
    }

    #[test]
    fn file_syntax_errors_are_one_line_with_the_line_number() {
        let err = load_with(Some("bind = \"127.0.0.1:1\"\nlog = \n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn file_values_of_the_wrong_kind_are_rejected() {
        let err = load_with(Some("session_idle_secs = true\n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`session_idle_secs`"), "{err}");
        let err = load_with(Some("session_idle_secs = 5\n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`session_idle_secs`=\"5\" in"), "{err}");
    }

    #[test]
    fn a_missing_explicit_config_file_is_an_error() {
        let err = load(&Layers {
            config_file: Some(PathBuf::from("/nonexistent/monoweb.toml")),
            ..Layers::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
    }

    #[test]
    fn every_key_is_declared_once_and_its_value_defaults_parse() {
        for spec in SETTINGS {
            assert_eq!(
                SETTINGS.iter().filter(|s| s.key == spec.key).count(),
                1,
                "{:?}",
                spec.key
            );
            assert_eq!(spec.key.spec().name, spec.name);
        }
        // The defaults are read by the settings' own parsers: loading nothing must work.
        load_with(None, &[], &[]).unwrap();
    }

    #[test]
    fn the_readme_table_lists_every_setting_as_declared() {
        let readme = include_str!("../README.md");
        for spec in SETTINGS {
            let row = readme
                .lines()
                .find(|line| line.starts_with('|') && line.contains(&format!("(`{}`)", spec.name)))
                .unwrap_or_else(|| panic!("README has no row for `{}`", spec.name));
            for part in [
                spec.key.env_var(),
                spec.key.flag(),
                spec.default.shown().to_owned(),
            ] {
                assert!(
                    row.contains(&part),
                    "README row of `{}` lacks {part}: {row}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn misspelt_env_vars_are_reported() {
        let e = env(&[
            ("MONOWEB_BND", "x"),
            ("MONOWEB_BIND", "x"),
            ("MONOWEB_CONFIG", "x"),
            ("MONOWEB_TEST_POSTGRES_URL", "x"),
            ("HOME", "/"),
        ]);
        assert_eq!(unknown_env_vars(&e), vec!["MONOWEB_BND".to_owned()]);
    }
}
