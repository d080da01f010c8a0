//! `anteroom serve`: the composition root and the server's life cycle.

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::clock::SystemClock;
use anteroom_domain::room::RoomSettings;
use anteroom_domain::{Ports, UseCases};
use anteroom_oidc::JwksVerifier;
use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_stream::wrappers::TcpListenerStream;

use crate::settings::Settings;
use crate::{database, shutdown};

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
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result.context("gRPC server failed while draining")?,
        Err(_) => tracing::warn!(grace_secs = grace.as_secs(), "grace period over, exiting"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Wires every adapter to the use cases.
async fn compose(settings: &Settings) -> anyhow::Result<UseCases> {
    let store = Arc::new(database::connect(&settings.database).await?);
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let verifier = match &settings.auth.oidc.issuer {
        Some(issuer) => {
            let oidc = anteroom_oidc::OidcSettings::new(
                issuer.clone(),
                settings.auth.oidc.jwks_url.clone(),
                settings.auth.oidc.audience.clone(),
            );
            let verifier = JwksVerifier::new(oidc).map_err(|e| anyhow::anyhow!("{e}"))?;
            Some(Arc::new(verifier) as Arc<dyn anteroom_domain::auth::BearerVerifier>)
        }
        None => {
            tracing::warn!(
                "auth.oidc.issuer is unset: bearer tokens are refused, callers are anonymous"
            );
            None
        }
    };
    let ports = Ports {
        rooms: store.clone(),
        accesses: store.clone(),
        users: store,
        verifier,
        clock: Arc::new(SystemClock),
    };
    let rooms = RoomSettings {
        default_access_level: settings.default_access_level()?,
    };
    Ok(UseCases::new(ports, rooms))
}
