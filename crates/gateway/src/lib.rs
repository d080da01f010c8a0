//! The REST gateway: La Suite Meet's `/api/v1.0/` JSON API over Anteroom's use cases, plus
//! what that API lacks (a Server-Sent Events stream of lobby events, `enter-all`), an OpenAPI
//! 3.1 document, health and Prometheus metrics.
//!
//! Each handler is a thin translation, like the gRPC services: it resolves the caller from the
//! request's credentials ([`auth`]), turns the JSON body into domain values, calls the same use
//! case the gRPC service calls, and renders the answer with the reference's field names
//! ([`body`]). Domain errors become HTTP responses in exactly one place ([`error`]).
//!
//! The router hardens every response (security headers, CORS allow-list, body size limit,
//! request timeout, JSON errors for malformed bodies, unknown routes and wrong methods) and
//! logs one line per request without query strings, headers or bodies, so tokens and lobby
//! participant ids never reach the logs.

mod auth;
mod body;
mod client_ip;
mod error;
mod extract;
mod layers;
mod metrics;
mod openapi;
mod page;
mod routes;
mod session;
mod shutdown;

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::UseCases;
use anteroom_domain::room::AccessLevel;

pub use session::LoginSettings;
pub use shutdown::Shutdown;

/// The frontend configuration served by `GET /api/v1.0/config/`.
#[derive(Debug, Clone)]
pub struct FrontendSettings {
    /// The LiveKit URL clients connect to.
    pub livekit_url: String,
    /// The access level of new rooms when neither the request nor the creator chooses one.
    pub default_access_level: AccessLevel,
    /// Whether authenticated users may choose their display name in meetings.
    pub authenticated_can_edit_name: bool,
    /// The default interface language (`en-us`).
    pub language_code: String,
}

impl Default for FrontendSettings {
    fn default() -> Self {
        Self {
            livekit_url: "ws://localhost:7880".to_owned(),
            default_access_level: AccessLevel::Public,
            authenticated_can_edit_name: false,
            language_code: "en-us".to_owned(),
        }
    }
}

/// How the gateway behaves.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// Origins allowed to call the API from a browser (CORS); empty → none.
    pub cors_allowed_origins: Vec<String>,
    /// The largest request body accepted, in bytes (larger → 413).
    pub max_body_bytes: usize,
    /// How long a request may take to be answered (then 503). Event streams are not cut:
    /// only the time to their first byte counts.
    pub request_timeout: Duration,
    /// Whether cookies set by the gateway carry `Secure` (true unless developing over http).
    pub secure_cookies: bool,
    /// How often event streams send a keep-alive comment.
    pub keep_alive: Duration,
    /// What `GET /api/v1.0/config/` tells the frontend.
    pub frontend: FrontendSettings,
    /// Ends the event streams when the server shuts down.
    pub shutdown: Shutdown,
    /// The browser login flow and its sessions; `None` → no login routes, no sessions.
    pub login: Option<LoginSettings>,
    /// How many reverse proxies in front of the gateway append to `X-Forwarded-For` (0: the
    /// TCP peer is the client). Per-client throttles key on the client this designates.
    pub trusted_proxies: usize,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            cors_allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            secure_cookies: true,
            keep_alive: Duration::from_secs(15),
            frontend: FrontendSettings::default(),
            shutdown: Shutdown::new(),
            login: None,
            trusted_proxies: 0,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) use_cases: Arc<UseCases>,
    pub(crate) settings: Arc<GatewaySettings>,
    /// The browser login flow, when configured.
    pub(crate) login: Option<Arc<session::Login>>,
}

/// Builds the gateway: every route, with its hardening and metrics layers.
pub fn router(use_cases: Arc<UseCases>, settings: GatewaySettings) -> axum::Router {
    let metrics = Arc::new(metrics::Metrics::default());
    let login = settings.login.clone().and_then(|login| {
        session::Login::new(login)
            .inspect_err(|error| tracing::error!(error = %error, "browser login disabled"))
            .ok()
            .map(Arc::new)
    });
    let state = AppState {
        use_cases,
        settings: Arc::new(settings),
        login,
    };
    let routes = routes::all(metrics.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .with_state(state.clone());
    layers::harden(routes, &state.settings, metrics)
}

/// Serves the gateway on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (trigger [`GatewaySettings::shutdown`] first so event streams end).
///
/// # Errors
///
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests;
