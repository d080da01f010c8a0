//! `anteroom serve`: the composition root and the server's life cycle.

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::auth::BearerVerifier;
use anteroom_domain::clock::SystemClock;
use anteroom_domain::lobby::RateLimiter;
use anteroom_domain::lobby::{LobbyLifetimes, RateLimit};
use anteroom_domain::media::JoinSettings;
use anteroom_domain::room::{CreationCallbackSettings, RoomSettings};
use anteroom_domain::session::{BackChannelLogout, SessionStore};
use anteroom_domain::user::{UserRepository, UserSettings};
use anteroom_domain::webhook::EventLedger;
use anteroom_domain::webhook::RoomFilter;
use anteroom_domain::{Ports, Settings as DomainSettings, UseCases};
use anteroom_livekit::{LivekitConfig, LivekitServer, LivekitTokens, LivekitWebhooks};
use anteroom_oidc::{JwksLogoutVerifier, JwksVerifier};
use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::server::TcpIncoming;

use crate::settings::Settings;
use crate::{database, shared_state, shutdown};

/// Migrates, serves gRPC and the REST gateway until SIGTERM/SIGINT, then drains in-flight
/// calls and event streams on both.
///
/// # Errors
///
/// When a dependency or a listener cannot be set up, or a server fails.
pub(crate) async fn serve(settings: Settings) -> anyhow::Result<()> {
    let signal = shutdown::on_signal()?;
    let (use_cases, login_ports) = compose(&settings).await?;
    let use_cases = Arc::new(use_cases);
    let gateway = gateway_settings(&settings, login_ports)?;
    let streams = gateway.shutdown.clone();
    let http_routes = anteroom_gateway::router(use_cases.clone(), gateway);
    let (routes, health) =
        anteroom_grpc::routes(use_cases).context("cannot build the gRPC routes")?;
    let addr = settings.grpc_addr()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on grpc.addr {addr}"))?;
    let local = listener.local_addr().context("listener has no address")?;
    let http_addr = settings.http_addr()?;
    let http_listener = TcpListener::bind(http_addr)
        .await
        .with_context(|| format!("cannot listen on http.addr {http_addr}"))?;
    let http_local = http_listener
        .local_addr()
        .context("listener has no address")?;
    tracing::info!(addr = %local, "gRPC listening");
    tracing::info!(addr = %http_local, "HTTP listening");
    health.serving().await;

    let (stop, stopped) = oneshot::channel::<()>();
    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY, small answers wait for delayed ACKs (about 40 ms).
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            async {
                stopped.await.ok();
            },
        );
    let (http_stop, http_stopped) = oneshot::channel::<()>();
    let http = anteroom_gateway::serve(http_listener, http_routes, async {
        http_stopped.await.ok();
    });
    tokio::pin!(server);
    tokio::pin!(http);
    tokio::select! {
        result = &mut server => return result.context("gRPC server failed"),
        result = &mut http => return result.context("HTTP server failed"),
        name = signal => tracing::info!(signal = name, "shutting down: draining in-flight calls"),
    }
    health.not_serving().await;
    streams.trigger();
    stop.send(()).ok();
    http_stop.send(()).ok();
    let grace = Duration::from_secs(settings.shutdown.grace_secs);
    if let Ok((grpc, http)) =
        tokio::time::timeout(grace, async { tokio::join!(server, http) }).await
    {
        grpc.context("gRPC server failed while draining")?;
        http.context("HTTP server failed while draining")?;
    } else {
        tracing::warn!(grace_secs = grace.as_secs(), "grace period over, exiting");
    }
    tracing::info!("stopped");
    Ok(())
}

/// The browser login flow, when an issuer and a client id are configured.
/// The ports the browser login uses besides the use cases'.
struct LoginPorts {
    sessions: Arc<dyn SessionStore>,
    users: Arc<dyn UserRepository>,
    limiter: Arc<dyn RateLimiter>,
    ledger: Arc<dyn EventLedger>,
}

fn login_settings(
    settings: &Settings,
    ports: LoginPorts,
) -> anyhow::Result<Option<anteroom_gateway::LoginSettings>> {
    let oidc = &settings.auth.oidc;
    let (Some(issuer), Some(client_id)) = (&oidc.issuer, &oidc.client_id) else {
        tracing::info!("browser login off: set auth.oidc.issuer and auth.oidc.client_id");
        return Ok(None);
    };
    let keys = anteroom_oidc::OidcSettings::new(issuer.clone(), oidc.jwks_url.clone(), None);
    let logout_tokens =
        JwksLogoutVerifier::new(&keys, client_id).map_err(|e| anyhow::anyhow!("{e}"))?;
    let back_channel = BackChannelLogout::new(
        Arc::new(logout_tokens),
        ports.sessions.clone(),
        ports.users,
        ports.ledger,
    );
    Ok(Some(anteroom_gateway::LoginSettings {
        issuer: issuer.clone(),
        client_id: client_id.clone(),
        client_secret: oidc
            .client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        redirect_url: settings.login_redirect_url()?,
        allowed_return_origins: settings.return_to_allowed_origins()?,
        post_logout_redirect_url: oidc.post_logout_redirect_url.clone(),
        logout_redirect_url: oidc.logout_redirect_url.clone(),
        session_lifetime: Duration::from_secs(oidc.session_lifetime_secs),
        fallback_to_email: oidc.fallback_to_email,
        store: ports.sessions,
        limiter: ports.limiter,
        login_rate: RateLimit {
            limit: oidc.login_rate_limit,
            window: Duration::from_secs(oidc.login_rate_window_secs),
        },
        back_channel,
    }))
}

/// The REST gateway's settings.
fn gateway_settings(
    settings: &Settings,
    login_ports: LoginPorts,
) -> anyhow::Result<anteroom_gateway::GatewaySettings> {
    Ok(anteroom_gateway::GatewaySettings {
        secure_cookies: settings.http.secure_cookies,
        trusted_proxies: settings.http.trusted_proxies,
        login: login_settings(settings, login_ports)?,
        cors_allowed_origins: settings.cors_allowed_origins()?,
        max_body_bytes: settings.http.max_body_bytes,
        request_timeout: Duration::from_secs(settings.http.request_timeout_secs),
        frontend: anteroom_gateway::FrontendSettings {
            livekit_url: settings.livekit.url.clone(),
            default_access_level: settings.default_access_level()?,
            authenticated_can_edit_name: settings.rooms.authenticated_can_edit_name,
            ..anteroom_gateway::FrontendSettings::default()
        },
        ..anteroom_gateway::GatewaySettings::default()
    })
}

/// Matches LiveKit room names against the configured regular expression.
struct RegexRoomFilter(regex::Regex);

impl RoomFilter for RegexRoomFilter {
    fn accepts(&self, room: &str) -> bool {
        self.0.is_match(room)
    }
}

fn livekit_config(settings: &Settings) -> anyhow::Result<LivekitConfig> {
    let livekit = &settings.livekit;
    let mut config = LivekitConfig::new(
        livekit.url.clone(),
        livekit.api_key.clone(),
        livekit.api_secret.expose_secret().to_owned(),
    )
    .with_token_ttl(Duration::from_secs(livekit.token_ttl_secs));
    if let Some(api_url) = &livekit.api_url {
        config.api_url.clone_from(api_url);
    }
    if let Some(output) = settings.recordings.egress_output() {
        config = config.with_egress_storage(output);
    }
    if let Some(encoding) = settings.recordings.video_encoding()? {
        config = config.with_video_encoding(encoding);
    }
    Ok(config)
}

fn bearer_verifier(settings: &Settings) -> anyhow::Result<Option<Arc<dyn BearerVerifier>>> {
    let oidc = &settings.auth.oidc;
    let Some(issuer) = &oidc.issuer else {
        tracing::warn!(
            "auth.oidc.issuer is unset: bearer tokens are refused, callers are anonymous"
        );
        return Ok(None);
    };
    let oidc = anteroom_oidc::OidcSettings::new(
        issuer.clone(),
        oidc.jwks_url.clone(),
        oidc.audience.clone(),
    );
    let verifier = JwksVerifier::new(oidc).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Some(Arc::new(verifier)))
}

fn lobby_settings(settings: &Settings) -> anteroom_domain::lobby::LobbySettings {
    let lobby = &settings.lobby;
    anteroom_domain::lobby::LobbySettings {
        lifetimes: LobbyLifetimes {
            waiting: Duration::from_millis(lobby.waiting_ttl_ms),
            accepted: Duration::from_secs(lobby.accepted_ttl_secs),
            denied: Duration::from_millis(lobby.denied_ttl_ms),
        },
        rate: RateLimit {
            limit: lobby.rate_limit,
            window: Duration::from_secs(lobby.rate_window_secs),
        },
        // Taken from the room settings by the use cases.
        join: JoinSettings::default(),
    }
}

fn creation_callback_settings(settings: &Settings) -> CreationCallbackSettings {
    let rooms = &settings.rooms;
    CreationCallbackSettings {
        ttl: Duration::from_secs(rooms.creation_callback_ttl_secs),
        rate: RateLimit {
            limit: rooms.creation_callback_rate_limit,
            window: Duration::from_secs(rooms.creation_callback_rate_window_secs),
        },
    }
}

/// Wires every adapter to the use cases; also gives the ports of the browser login.
async fn compose(settings: &Settings) -> anyhow::Result<(UseCases, LoginPorts)> {
    let store = Arc::new(database::connect(&settings.database).await?);
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let livekit = livekit_config(settings)?;
    let media = Arc::new(
        LivekitServer::new(&livekit).map_err(|e| anyhow::anyhow!("livekit settings: {e}"))?,
    );
    let tokens = Arc::new(LivekitTokens::new(&livekit));
    let shared = shared_state::build(&settings.redis).await?;
    let login_ports = LoginPorts {
        sessions: shared.sessions.clone(),
        users: store.clone(),
        limiter: shared.limiter.clone(),
        ledger: shared.ledger.clone(),
    };
    let ports = Ports {
        rooms: store.clone(),
        accesses: store.clone(),
        recordings: store.clone(),
        users: store,
        egress: media.clone(),
        notifier: Arc::new(settings.recordings.notifier()?),
        signer: Arc::new(settings.recordings.signer()),
        invitations: settings.invitations.mailer()?,
        verifier: bearer_verifier(settings)?,
        media,
        tokens: tokens.clone(),
        media_tokens: tokens,
        webhooks: Arc::new(LivekitWebhooks::new(&livekit)),
        lobby: shared.lobby,
        events: shared.events,
        limiter: shared.limiter,
        creation_callbacks: shared.creation_callbacks,
        ledger: shared.ledger,
        clock: Arc::new(SystemClock),
    };
    let domain = DomainSettings {
        rooms: RoomSettings {
            default_access_level: settings.default_access_level()?,
            join: JoinSettings {
                token_ttl: Duration::from_secs(settings.livekit.token_ttl_secs),
                authenticated_can_edit_name: settings.rooms.authenticated_can_edit_name,
            },
            creation_callback: creation_callback_settings(settings),
        },
        lobby: lobby_settings(settings),
        webhook_room_filter: settings
            .webhook_room_filter()?
            .map(|regex| Arc::new(RegexRoomFilter(regex)) as Arc<dyn RoomFilter>),
        recordings: settings.recordings.domain(),
        users: UserSettings {
            allow_listing: settings.users.allow_listing,
        },
    };
    Ok((UseCases::new(ports, domain), login_ports))
}
