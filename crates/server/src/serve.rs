//! `anteroom serve`: the composition root and the server's life cycle.

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::auth::BearerVerifier;
use anteroom_domain::clock::SystemClock;
use anteroom_domain::lobby::{LobbyLifetimes, RateLimit};
use anteroom_domain::media::JoinSettings;
use anteroom_domain::room::RoomSettings;
use anteroom_domain::webhook::RoomFilter;
use anteroom_domain::{Ports, Settings as DomainSettings, UseCases};
use anteroom_livekit::{LivekitConfig, LivekitServer, LivekitTokens, LivekitWebhooks};
use anteroom_oidc::JwksVerifier;
use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_stream::wrappers::TcpListenerStream;

use crate::settings::Settings;
use crate::{database, shared_state, shutdown};

/// Migrates, serves gRPC until SIGTERM/SIGINT, then drains in-flight calls.
///
/// # Errors
///
/// When a dependency or the listener cannot be set up, or the server fails.
pub(crate) async fn serve(settings: Settings) -> anyhow::Result<()> {
    let signal = shutdown::on_signal()?;
    let use_cases = Arc::new(compose(&settings).await?);
    let (routes, health) =
        anteroom_grpc::routes(use_cases).context("cannot build the gRPC routes")?;
    let addr = settings.grpc_addr()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on grpc.addr {addr}"))?;
    let local = listener.local_addr().context("listener has no address")?;
    tracing::info!(addr = %local, "gRPC listening");
    health.serving().await;

    let (stop, stopped) = oneshot::channel::<()>();
    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
            stopped.await.ok();
        });
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result.context("gRPC server failed"),
        name = signal => tracing::info!(signal = name, "shutting down: draining in-flight calls"),
    }
    health.not_serving().await;
    stop.send(()).ok();
    let grace = Duration::from_secs(settings.shutdown.grace_secs);
    if let Ok(result) = tokio::time::timeout(grace, server).await {
        result.context("gRPC server failed while draining")?;
    } else {
        tracing::warn!(grace_secs = grace.as_secs(), "grace period over, exiting");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Matches LiveKit room names against the configured regular expression.
struct RegexRoomFilter(regex::Regex);

impl RoomFilter for RegexRoomFilter {
    fn accepts(&self, room: &str) -> bool {
        self.0.is_match(room)
    }
}

fn livekit_config(settings: &Settings) -> LivekitConfig {
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
    config
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

/// Wires every adapter to the use cases.
async fn compose(settings: &Settings) -> anyhow::Result<UseCases> {
    let store = Arc::new(database::connect(&settings.database).await?);
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let livekit = livekit_config(settings);
    let media = Arc::new(
        LivekitServer::new(&livekit).map_err(|e| anyhow::anyhow!("livekit settings: {e}"))?,
    );
    let tokens = Arc::new(LivekitTokens::new(&livekit));
    let shared = shared_state::build();
    let ports = Ports {
        rooms: store.clone(),
        accesses: store.clone(),
        users: store,
        verifier: bearer_verifier(settings)?,
        media,
        tokens: tokens.clone(),
        media_tokens: tokens,
        webhooks: Arc::new(LivekitWebhooks::new(&livekit)),
        lobby: shared.lobby,
        events: shared.events,
        limiter: shared.limiter,
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
        },
        lobby: lobby_settings(settings),
        webhook_room_filter: settings
            .webhook_room_filter()?
            .map(|regex| Arc::new(RegexRoomFilter(regex)) as Arc<dyn RoomFilter>),
    };
    Ok(UseCases::new(ports, domain))
}
