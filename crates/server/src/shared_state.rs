//! The state replicas share — lobby entries, lobby events, rate limits, handled webhook ids,
//! browser sessions, creation callback slugs — in Redis when `redis.url` is set, otherwise in process (the embedded
//! default, one node).

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::lobby::{EventBus, LobbyStore, RateLimiter};
use anteroom_domain::room::CreationCallbacks;
use anteroom_domain::session::SessionStore;
use anteroom_domain::webhook::EventLedger;
use anteroom_memory::{
    MemoryCreationCallbacks, MemoryEventBus, MemoryEventLedger, MemoryLobbyStore,
    MemoryRateLimiter, MemorySessionStore,
};
use anteroom_redis::{
    RedisConfig, RedisCreationCallbacks, RedisEventBus, RedisEventLedger, RedisLobbyStore,
    RedisPool, RedisRateLimiter, RedisSessionStore,
};
use secrecy::ExposeSecret;

use crate::settings::RedisSettings;

/// The adapters of the shared-state ports.
pub(crate) struct SharedState {
    pub(crate) lobby: Arc<dyn LobbyStore>,
    pub(crate) events: Arc<dyn EventBus>,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) ledger: Arc<dyn EventLedger>,
    pub(crate) sessions: Arc<dyn SessionStore>,
    pub(crate) creation_callbacks: Arc<dyn CreationCallbacks>,
}

/// Builds the shared-state adapters. A Redis that is down at start is not fatal: the calls
/// that need it answer UNAVAILABLE until it is back, and the pool reconnects by itself.
///
/// # Errors
///
/// When `redis.url` cannot be parsed.
pub(crate) async fn build(settings: &RedisSettings) -> anyhow::Result<SharedState> {
    let Some(url) = &settings.url else {
        tracing::info!("shared state in process (single node): set redis.url for replicas");
        return Ok(SharedState {
            lobby: Arc::new(MemoryLobbyStore::new()),
            events: Arc::new(MemoryEventBus::new()),
            limiter: Arc::new(MemoryRateLimiter::new()),
            ledger: Arc::new(MemoryEventLedger::new()),
            sessions: Arc::new(MemorySessionStore::new()),
            creation_callbacks: Arc::new(MemoryCreationCallbacks::new()),
        });
    };
    let config = RedisConfig {
        url: url.expose_secret().to_owned(),
        pool_size: settings.pool_size,
        timeout: Duration::from_millis(settings.timeout_ms),
    };
    let pool = RedisPool::new(&config).map_err(|e| anyhow::anyhow!("redis.url: {e}"))?;
    match pool.ping().await {
        Ok(()) => tracing::info!("shared state in Redis"),
        Err(error) => {
            tracing::warn!(error = %error, "Redis is not reachable yet; lobby calls answer UNAVAILABLE until it is");
        }
    }
    Ok(SharedState {
        lobby: Arc::new(RedisLobbyStore::new(pool.clone())),
        events: Arc::new(RedisEventBus::new(pool.clone())),
        limiter: Arc::new(RedisRateLimiter::new(pool.clone())),
        ledger: Arc::new(RedisEventLedger::new(pool.clone())),
        sessions: Arc::new(RedisSessionStore::new(pool.clone())),
        creation_callbacks: Arc::new(RedisCreationCallbacks::new(pool)),
    })
}
