//! The state replicas share — lobby entries, lobby events, rate limits, handled webhook ids —
//! kept in process (the embedded default, one node).

use std::sync::Arc;

use anteroom_domain::lobby::{EventBus, LobbyStore, RateLimiter};
use anteroom_domain::webhook::EventLedger;
use anteroom_memory::{MemoryEventBus, MemoryEventLedger, MemoryLobbyStore, MemoryRateLimiter};

/// The adapters of the shared-state ports.
pub(crate) struct SharedState {
    pub(crate) lobby: Arc<dyn LobbyStore>,
    pub(crate) events: Arc<dyn EventBus>,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) ledger: Arc<dyn EventLedger>,
}

/// Builds the shared-state adapters.
pub(crate) fn build() -> SharedState {
    tracing::info!("shared state in process (single node)");
    SharedState {
        lobby: Arc::new(MemoryLobbyStore::new()),
        events: Arc::new(MemoryEventBus::new()),
        limiter: Arc::new(MemoryRateLimiter::new()),
        ledger: Arc::new(MemoryEventLedger::new()),
    }
}
