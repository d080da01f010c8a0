//! Settings: compiled defaults, then an optional TOML file, then `ANTEROOM__SECTION__KEY`
//! environment variables. Invalid settings fail at start with a message naming the key.

use std::net::SocketAddr;
use std::path::Path;

use anteroom_domain::room::AccessLevel;
use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::invitations::InvitationsSettings;
pub use crate::recordings::RecordingsSettings;
pub use crate::smtp::SmtpSettings;

/// Every setting.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The database.
    pub database: DatabaseSettings,
    /// Redis, for state shared by replicas.
    pub redis: RedisSettings,
    /// The gRPC listener.
    pub grpc: ListenerSettings,
    /// The REST gateway.
    pub http: HttpSettings,
    /// The LiveKit server.
    pub livekit: LivekitSettings,
    /// Authentication.
    pub auth: AuthSettings,
    /// Rooms.
    pub rooms: RoomsSettings,
    /// Users.
    pub users: UsersSettings,
    /// The lobby.
    pub lobby: LobbySettings,
    /// Logs.
    pub log: LogSettings,
    /// Shutdown.
    pub shutdown: ShutdownSettings,
    /// Recordings.
    pub recordings: RecordingsSettings,
    /// E-mail invitations to rooms.
    pub invitations: InvitationsSettings,
}

/// `[database]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://...` (embedded default) or `postgres://...`.
    pub url: SecretString,
    /// The pool's size.
    pub max_connections: u32,
    /// Seconds to wait for a connection (then the call fails with UNAVAILABLE).
    pub timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("sqlite://data/anteroom.db?mode=rwc"),
            max_connections: 16,
            timeout_secs: 5,
        }
    }
}

/// `[redis]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://...`; unset → lobby, events, rate limits and webhook ids stay in process.
    pub url: Option<SecretString>,
    /// The pool's size.
    pub pool_size: usize,
    /// Milliseconds to wait for a connection or an answer (then the call fails with
    /// UNAVAILABLE).
    pub timeout_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            pool_size: 16,
            timeout_ms: 2000,
        }
    }
}

/// A listener's address.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListenerSettings {
    /// `host:port`.
    pub addr: String,
}

impl Default for ListenerSettings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:50051".to_owned(),
        }
    }
}

/// `[http]`: the REST gateway.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// `host:port`.
    pub addr: String,
    /// Origins allowed to call the API from browsers (CORS), comma-separated; empty → none.
    pub cors_allowed_origins: String,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a request may take to be answered (event streams: to their first byte).
    pub request_timeout_secs: u64,
    /// Whether the cookies the gateway sets carry `Secure` (turn off only for plain-http
    /// development on localhost).
    pub secure_cookies: bool,
    /// How many reverse proxies in front of the gateway append to `X-Forwarded-For`; 0 (the
    /// default) keys per-client throttles on the TCP peer and ignores the header.
    pub trusted_proxies: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".to_owned(),
            cors_allowed_origins: String::new(),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            secure_cookies: true,
            trusted_proxies: 0,
        }
    }
}

/// `[livekit]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LivekitSettings {
    /// The URL given to clients in join answers (`ws://` or `wss://`).
    pub url: String,
    /// Where the server API is called; derived from `url` when unset.
    pub api_url: Option<String>,
    /// The API key.
    pub api_key: String,
    /// The API secret.
    pub api_secret: SecretString,
    /// How long join tokens are valid, in seconds.
    pub token_ttl_secs: u64,
    /// Only webhooks of LiveKit rooms whose name matches this regular expression are handled
    /// (several deployments may share one LiveKit server); unset → all.
    pub webhook_room_filter: Option<String>,
}

impl Default for LivekitSettings {
    fn default() -> Self {
        Self {
            url: "ws://localhost:7880".to_owned(),
            api_url: None,
            api_key: "devkey".to_owned(),
            api_secret: SecretString::from("secret"),
            token_ttl_secs: 6 * 3600,
            webhook_room_filter: None,
        }
    }
}

/// `[auth]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// `[auth.oidc]`.
    pub oidc: OidcSettings,
}

/// `[auth.oidc]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The expected `iss` of bearer tokens; unset → no user login.
    pub issuer: Option<String>,
    /// The JWKS location; unset → OpenID discovery from the issuer.
    pub jwks_url: Option<String>,
    /// The expected `aud`; unset → not checked.
    pub audience: Option<String>,
    /// The browser login flow's client id.
    pub client_id: Option<String>,
    /// The browser login flow's client secret.
    pub client_secret: Option<SecretString>,
    /// Where the provider sends browsers back after login: this gateway's public
    /// `.../api/v1.0/callback/`; unset → `http://<http.addr>/api/v1.0/callback/`.
    pub redirect_url: Option<String>,
    /// Origins besides the gateway's own that `returnTo` may point at, comma-separated (the
    /// CORS origins are allowed too).
    pub return_to_allowed_origins: String,
    /// Where the provider sends browsers after logout (registered there); also where logout
    /// goes when the provider has no end-session endpoint; unset → the gateway's
    /// `.../api/v1.0/logout-callback/` next to the redirect URL.
    pub post_logout_redirect_url: Option<String>,
    /// Where `logout-callback/` sends browsers: a path of this site or an http(s) URL.
    pub logout_redirect_url: String,
    /// How long a browser session lasts, in seconds.
    pub session_lifetime_secs: u64,
    /// Whether a login whose subject is unknown takes the one user with the same e-mail
    /// (ignoring case; several such users refuse the login).
    pub fallback_to_email: bool,
    /// How many logins one client address may start per window (`authenticate/`).
    pub login_rate_limit: u32,
    /// The window of `login_rate_limit`, in seconds.
    pub login_rate_window_secs: u64,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            jwks_url: None,
            audience: None,
            client_id: None,
            client_secret: None,
            redirect_url: None,
            return_to_allowed_origins: String::new(),
            post_logout_redirect_url: None,
            logout_redirect_url: "/".to_owned(),
            session_lifetime_secs: 12 * 3600,
            fallback_to_email: false,
            login_rate_limit: 30,
            login_rate_window_secs: 60,
        }
    }
}

/// `[rooms]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomsSettings {
    /// The access level of new rooms when neither the request nor the creator chooses one.
    pub default_access_level: String,
    /// Whether authenticated users may choose their display name in meetings.
    pub authenticated_can_edit_name: bool,
    /// How long a new room's slug waits for the creation callback, in seconds.
    pub creation_callback_ttl_secs: u64,
    /// How many creation callback requests one anonymous client address may make per window.
    pub creation_callback_rate_limit: u32,
    /// The creation callback rate limit's window, in seconds.
    pub creation_callback_rate_window_secs: u64,
}

impl Default for RoomsSettings {
    fn default() -> Self {
        Self {
            default_access_level: "public".to_owned(),
            authenticated_can_edit_name: false,
            creation_callback_ttl_secs: 600,
            creation_callback_rate_limit: 600,
            creation_callback_rate_window_secs: 60,
        }
    }
}

/// `[users]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsersSettings {
    /// Whether authenticated callers may list every active user and search them by e-mail
    /// (off: the listing is always empty).
    pub allow_listing: bool,
}

/// `[lobby]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LobbySettings {
    /// How long a waiting entry lives after its last sign of life, in milliseconds.
    pub waiting_ttl_ms: u64,
    /// How long an admission lives, in seconds (the same participant gets a fresh token on
    /// each request meanwhile).
    pub accepted_ttl_secs: u64,
    /// How long a denial lives, in milliseconds (then a new request waits again).
    pub denied_ttl_ms: u64,
    /// How many entry requests one participant or user may make per window.
    pub rate_limit: u32,
    /// The rate limit's window, in seconds.
    pub rate_window_secs: u64,
}

impl Default for LobbySettings {
    fn default() -> Self {
        Self {
            waiting_ttl_ms: 3000,
            accepted_ttl_secs: 6 * 3600,
            denied_ttl_ms: 5000,
            rate_limit: 150,
            rate_window_secs: 60,
        }
    }
}

/// `[log]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A `tracing` filter (`info`, `anteroom=debug,info`); `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: "text".to_owned(),
            level: "info".to_owned(),
        }
    }
}

/// `[shutdown]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// Seconds in-flight calls get to finish after SIGTERM/SIGINT.
    pub grace_secs: u64,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self { grace_secs: 30 }
    }
}

impl Settings {
    /// Loads and validates the settings.
    ///
    /// # Errors
    ///
    /// An unreadable file, an unknown key or an invalid value, naming the key.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        let settings: Self = builder
            .add_source(
                config::Environment::with_prefix("ANTEROOM")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .context("invalid settings")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.recordings.validate()?;
        self.invitations.validate()?;
        let url = self.database.url.expose_secret();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("database.url (ANTEROOM__DATABASE__URL) must start with sqlite: or postgres://");
        }
        if let Some(url) = &self.redis.url
            && !(url.expose_secret().starts_with("redis://")
                || url.expose_secret().starts_with("rediss://"))
        {
            bail!("redis.url (ANTEROOM__REDIS__URL) must start with redis:// or rediss://");
        }
        if self.redis.pool_size == 0 || self.redis.timeout_ms == 0 {
            bail!(
                "redis.pool_size and redis.timeout_ms (ANTEROOM__REDIS__POOL_SIZE, __TIMEOUT_MS) must be positive"
            );
        }
        if self.database.max_connections == 0 {
            bail!(
                "database.max_connections (ANTEROOM__DATABASE__MAX_CONNECTIONS) must be positive"
            );
        }
        self.grpc_addr()?;
        self.http_addr()?;
        self.cors_allowed_origins()?;
        if self.http.max_body_bytes == 0 || self.http.request_timeout_secs == 0 {
            bail!(
                "http.max_body_bytes and http.request_timeout_secs (ANTEROOM__HTTP__MAX_BODY_BYTES, __REQUEST_TIMEOUT_SECS) must be positive"
            );
        }
        self.default_access_level()?;
        self.validate_creation_callback()?;
        if !(self.livekit.url.starts_with("ws://") || self.livekit.url.starts_with("wss://")) {
            bail!("livekit.url (ANTEROOM__LIVEKIT__URL) must start with ws:// or wss://");
        }
        if let Some(api_url) = &self.livekit.api_url
            && !(api_url.starts_with("http://") || api_url.starts_with("https://"))
        {
            bail!(
                "livekit.api_url (ANTEROOM__LIVEKIT__API_URL) must start with http:// or https://"
            );
        }
        if self.livekit.api_key.is_empty() || self.livekit.api_secret.expose_secret().is_empty() {
            bail!(
                "livekit.api_key and livekit.api_secret (ANTEROOM__LIVEKIT__API_KEY, __API_SECRET) must not be empty"
            );
        }
        if self.livekit.token_ttl_secs == 0 {
            bail!("livekit.token_ttl_secs (ANTEROOM__LIVEKIT__TOKEN_TTL_SECS) must be positive");
        }
        self.webhook_room_filter()?;
        let lobby = &self.lobby;
        if lobby.waiting_ttl_ms == 0 || lobby.accepted_ttl_secs == 0 || lobby.denied_ttl_ms == 0 {
            bail!(
                "lobby.waiting_ttl_ms, lobby.accepted_ttl_secs and lobby.denied_ttl_ms (ANTEROOM__LOBBY__…) must be positive"
            );
        }
        if lobby.rate_limit == 0 || lobby.rate_window_secs == 0 {
            bail!(
                "lobby.rate_limit and lobby.rate_window_secs (ANTEROOM__LOBBY__RATE_LIMIT, __RATE_WINDOW_SECS) must be positive"
            );
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format (ANTEROOM__LOG__FORMAT) must be `text` or `json`");
        }
        if self.auth.oidc.issuer.is_none() && self.auth.oidc.jwks_url.is_some() {
            bail!("auth.oidc.jwks_url (ANTEROOM__AUTH__OIDC__JWKS_URL) needs auth.oidc.issuer");
        }
        self.validate_login()?;
        Ok(())
    }

    /// The gRPC listener's address.
    ///
    /// # Errors
    ///
    /// When `grpc.addr` is not `host:port`.
    pub fn grpc_addr(&self) -> anyhow::Result<SocketAddr> {
        self.grpc.addr.parse().with_context(|| {
            format!(
                "grpc.addr (ANTEROOM__GRPC__ADDR) must be ip:port, got {:?}",
                self.grpc.addr
            )
        })
    }

    /// The REST gateway's listener address.
    ///
    /// # Errors
    ///
    /// When `http.addr` is not `host:port`.
    pub fn http_addr(&self) -> anyhow::Result<SocketAddr> {
        self.http.addr.parse().with_context(|| {
            format!(
                "http.addr (ANTEROOM__HTTP__ADDR) must be ip:port, got {:?}",
                self.http.addr
            )
        })
    }

    /// The CORS allow-list.
    ///
    /// # Errors
    ///
    /// When an origin of `http.cors_allowed_origins` is not `http(s)://host[:port]`.
    pub fn cors_allowed_origins(&self) -> anyhow::Result<Vec<String>> {
        self.http
            .cors_allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|origin| {
                let rest = origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"));
                match rest {
                    Some(host) if !host.is_empty() && !host.contains('/') => Ok(origin.to_owned()),
                    _ => bail!(
                        "http.cors_allowed_origins (ANTEROOM__HTTP__CORS_ALLOWED_ORIGINS): {origin:?} is not an origin (http(s)://host[:port])"
                    ),
                }
            })
            .collect()
    }

    fn validate_creation_callback(&self) -> anyhow::Result<()> {
        let rooms = &self.rooms;
        if rooms.creation_callback_ttl_secs == 0 {
            bail!(
                "rooms.creation_callback_ttl_secs (ANTEROOM__ROOMS__CREATION_CALLBACK_TTL_SECS) must be positive"
            );
        }
        if rooms.creation_callback_rate_limit == 0 || rooms.creation_callback_rate_window_secs == 0
        {
            bail!(
                "rooms.creation_callback_rate_limit and rooms.creation_callback_rate_window_secs (ANTEROOM__ROOMS__CREATION_CALLBACK_RATE_LIMIT, __CREATION_CALLBACK_RATE_WINDOW_SECS) must be positive"
            );
        }
        Ok(())
    }

    fn validate_login(&self) -> anyhow::Result<()> {
        let oidc = &self.auth.oidc;
        if oidc.client_id.is_some() && oidc.issuer.is_none() {
            bail!("auth.oidc.client_id (ANTEROOM__AUTH__OIDC__CLIENT_ID) needs auth.oidc.issuer");
        }
        if oidc.session_lifetime_secs == 0 {
            bail!(
                "auth.oidc.session_lifetime_secs (ANTEROOM__AUTH__OIDC__SESSION_LIFETIME_SECS) must be positive"
            );
        }
        self.login_redirect_url()?;
        self.return_to_allowed_origins()?;
        if let Some(url) = &oidc.post_logout_redirect_url
            && !is_http_url(url)
        {
            bail!(
                "auth.oidc.post_logout_redirect_url (ANTEROOM__AUTH__OIDC__POST_LOGOUT_REDIRECT_URL) must be an http(s) URL"
            );
        }
        let after = &oidc.logout_redirect_url;
        if !((after.starts_with('/') && !after.starts_with("//")) || is_http_url(after)) {
            bail!(
                "auth.oidc.logout_redirect_url (ANTEROOM__AUTH__OIDC__LOGOUT_REDIRECT_URL) must be a path (/...) or an http(s) URL"
            );
        }
        if oidc.login_rate_limit == 0 || oidc.login_rate_window_secs == 0 {
            bail!(
                "auth.oidc.login_rate_limit and auth.oidc.login_rate_window_secs (ANTEROOM__AUTH__OIDC__LOGIN_RATE_LIMIT, __LOGIN_RATE_WINDOW_SECS) must be positive"
            );
        }
        Ok(())
    }

    /// Where the identity provider sends browsers back after login.
    ///
    /// # Errors
    ///
    /// When `auth.oidc.redirect_url` is not an http(s) URL.
    pub fn login_redirect_url(&self) -> anyhow::Result<String> {
        match &self.auth.oidc.redirect_url {
            Some(url) if is_http_url(url) => Ok(url.clone()),
            Some(_) => bail!(
                "auth.oidc.redirect_url (ANTEROOM__AUTH__OIDC__REDIRECT_URL) must be an http(s) URL"
            ),
            None => Ok(format!("http://{}/api/v1.0/callback/", self.http.addr)),
        }
    }

    /// The origins `returnTo` may point at besides the gateway's own: the configured ones and
    /// the CORS origins.
    ///
    /// # Errors
    ///
    /// When an origin of `auth.oidc.return_to_allowed_origins` is not `http(s)://host[:port]`.
    pub fn return_to_allowed_origins(&self) -> anyhow::Result<Vec<String>> {
        let mut origins = Vec::new();
        for origin in self
            .auth
            .oidc
            .return_to_allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.contains('/')) {
                bail!(
                    "auth.oidc.return_to_allowed_origins (ANTEROOM__AUTH__OIDC__RETURN_TO_ALLOWED_ORIGINS): {origin:?} is not an origin (http(s)://host[:port])"
                );
            }
            origins.push(origin.to_owned());
        }
        origins.extend(self.cors_allowed_origins()?);
        Ok(origins)
    }

    /// The webhook room filter, compiled.
    ///
    /// # Errors
    ///
    /// When `livekit.webhook_room_filter` is not a valid regular expression.
    pub fn webhook_room_filter(&self) -> anyhow::Result<Option<regex::Regex>> {
        self.livekit
            .webhook_room_filter
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .context("livekit.webhook_room_filter (ANTEROOM__LIVEKIT__WEBHOOK_ROOM_FILTER) is not a valid regular expression")
    }

    /// The default access level of new rooms.
    ///
    /// # Errors
    ///
    /// When `rooms.default_access_level` is not public, trusted or restricted.
    pub fn default_access_level(&self) -> anyhow::Result<AccessLevel> {
        self.rooms.default_access_level.parse().map_err(|e| {
            anyhow::anyhow!(
                "rooms.default_access_level (ANTEROOM__ROOMS__DEFAULT_ACCESS_LEVEL): {e}"
            )
        })
    }
}

/// Whether `url` is `http(s)://` followed by a host.
fn is_http_url(url: &str) -> bool {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
}

/// The settings of a TOML file holding `toml` (and the environment), for tests.
#[cfg(test)]
pub(crate) fn from_toml(toml: &str) -> anyhow::Result<Settings> {
    use std::io::Write as _;
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile()?;
    file.write_all(toml.as_bytes())?;
    Settings::load(Some(file.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_ones() {
        let settings = from_toml("").unwrap();
        assert_eq!(
            settings.database.url.expose_secret(),
            "sqlite://data/anteroom.db?mode=rwc"
        );
        assert_eq!(settings.grpc_addr().unwrap().to_string(), "127.0.0.1:50051");
        assert_eq!(settings.http_addr().unwrap().to_string(), "127.0.0.1:8080");
        assert!(settings.cors_allowed_origins().unwrap().is_empty());
        assert_eq!(settings.livekit.api_key, "devkey");
        assert_eq!(
            settings.default_access_level().unwrap(),
            AccessLevel::Public
        );
        assert_eq!(settings.rooms.creation_callback_ttl_secs, 600);
        assert_eq!(settings.rooms.creation_callback_rate_limit, 600);
        assert_eq!(settings.rooms.creation_callback_rate_window_secs, 60);
        assert!(!settings.users.allow_listing);
    }

    #[test]
    fn user_listing_is_a_setting() {
        let settings = from_toml("[users]\nallow_listing = true\n").unwrap();
        assert!(settings.users.allow_listing);
    }

    #[test]
    fn the_file_sets_sections() {
        let settings = from_toml(
            "[grpc]\naddr = \"127.0.0.1:6000\"\n[rooms]\ndefault_access_level = \"restricted\"\n",
        )
        .unwrap();
        assert_eq!(settings.grpc_addr().unwrap().port(), 6000);
        assert_eq!(
            settings.default_access_level().unwrap(),
            AccessLevel::Restricted
        );
    }

    #[test]
    fn invalid_settings_name_the_key() {
        for (toml, key) in [
            ("[grpc]\naddr = \"nowhere\"\n", "grpc.addr"),
            ("[http]\naddr = \"nowhere\"\n", "http.addr"),
            (
                "[http]\ncors_allowed_origins = \"https://ok.example, *\"\n",
                "http.cors_allowed_origins",
            ),
            (
                "[rooms]\ndefault_access_level = \"open\"\n",
                "rooms.default_access_level",
            ),
            ("[database]\nurl = \"mysql://x\"\n", "database.url"),
            ("[redis]\nurl = \"http://x\"\n", "redis.url"),
            (
                "[recordings]\nvideo_encoding = \"vp9\"\n",
                "recordings.video_encoding",
            ),
            ("[log]\nformat = \"xml\"\n", "log.format"),
            ("[livekit]\nurl = \"http://x\"\n", "livekit.url"),
            ("[database]\nurll = \"x\"\n", "urll"),
            (
                "[livekit]\nwebhook_room_filter = \"(\"\n",
                "livekit.webhook_room_filter",
            ),
            ("[livekit]\napi_url = \"ws://x\"\n", "livekit.api_url"),
            (
                "[rooms]\ncreation_callback_ttl_secs = 0\n",
                "rooms.creation_callback_ttl_secs",
            ),
            (
                "[rooms]\ncreation_callback_rate_limit = 0\n",
                "rooms.creation_callback_rate_limit",
            ),
            (
                "[rooms]\ncreation_callback_rate_window_secs = 0\n",
                "rooms.creation_callback_rate_window_secs",
            ),
        ] {
            let error = format!("{:#}", from_toml(toml).unwrap_err());
            assert!(error.contains(key), "{error} should name {key}");
        }
    }

    #[test]
    fn login_settings_have_defaults_and_are_checked() {
        let settings = from_toml("").unwrap();
        assert_eq!(settings.auth.oidc.session_lifetime_secs, 43200);
        assert!(!settings.auth.oidc.fallback_to_email);
        assert!(settings.http.secure_cookies);
        assert_eq!(
            settings.login_redirect_url().unwrap(),
            "http://127.0.0.1:8080/api/v1.0/callback/"
        );
        let settings = from_toml(
            "[http]\ncors_allowed_origins = \"https://app.example\"\n[auth.oidc]\nissuer = \"https://id.example\"\nclient_id = \"c\"\nredirect_url = \"https://meet.example/api/v1.0/callback/\"\nreturn_to_allowed_origins = \"https://other.example\"\n",
        )
        .unwrap();
        assert_eq!(
            settings.return_to_allowed_origins().unwrap(),
            ["https://other.example", "https://app.example"]
        );
        for (toml, key) in [
            ("[auth.oidc]\nclient_id = \"c\"\n", "auth.oidc.client_id"),
            (
                "[auth.oidc]\nredirect_url = \"/callback/\"\n",
                "auth.oidc.redirect_url",
            ),
            (
                "[auth.oidc]\nsession_lifetime_secs = 0\n",
                "auth.oidc.session_lifetime_secs",
            ),
            (
                "[auth.oidc]\nreturn_to_allowed_origins = \"*\"\n",
                "auth.oidc.return_to_allowed_origins",
            ),
            (
                "[auth.oidc]\npost_logout_redirect_url = \"nowhere\"\n",
                "auth.oidc.post_logout_redirect_url",
            ),
            (
                "[auth.oidc]\nlogout_redirect_url = \"//evil.example\"\n",
                "auth.oidc.logout_redirect_url",
            ),
            (
                "[auth.oidc]\nlogin_rate_limit = 0\n",
                "auth.oidc.login_rate_limit",
            ),
        ] {
            let error = format!("{:#}", from_toml(toml).unwrap_err());
            assert!(error.contains(key), "{error} should name {key}");
        }
    }
}
