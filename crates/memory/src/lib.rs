//! In-process versions of the Redis-backed ports, for the embedded single-node default.
//!
//! When no Redis is configured, Anteroom runs as one node and keeps its shared, short-lived
//! state in memory instead:
//!
//! - [`MemoryLobbyStore`]: the lobby entries ([`anteroom_domain::lobby::LobbyStore`]), with
//!   every status change a compare-and-set under one mutex;
//! - [`MemoryEventBus`]: lobby events to this process's subscribers
//!   ([`anteroom_domain::lobby::EventBus`]);
//! - [`MemoryRateLimiter`]: request counts per key ([`anteroom_domain::lobby::RateLimiter`]);
//! - [`MemoryEventLedger`]: the ids of handled webhooks
//!   ([`anteroom_domain::webhook::EventLedger`]);
//! - [`MemorySessionStore`]: browser sessions ([`anteroom_domain::session::SessionStore`]);
//! - [`MemoryCreationCallbacks`]: new rooms' slugs left for the creation callback
//!   ([`anteroom_domain::room::CreationCallbacks`]).
//!
//! Nothing here survives a restart, and nothing is shared between processes: these adapters
//! are for a single replica. They never return [`anteroom_domain::Error::Unavailable`].

mod creation_callbacks;
mod events;
mod ledger;
mod lobby;
mod rate;
mod sessions;

pub use creation_callbacks::MemoryCreationCallbacks;
pub use events::MemoryEventBus;
pub use ledger::MemoryEventLedger;
pub use lobby::MemoryLobbyStore;
pub use rate::MemoryRateLimiter;
pub use sessions::MemorySessionStore;
