//! The lobby (waiting room): joining a room, entries with their status machine and lifetimes,
//! the store, event bus and rate limiter ports, and the host and waiter use cases.

mod events;
mod model;
mod ports;
mod rate;
mod service;

pub use events::{EventBus, EventStream, LobbyEvent};
pub use model::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus};
pub use ports::LobbyStore;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockLobbyStore;
#[cfg(any(test, feature = "mocks"))]
pub use rate::MockRateLimiter;
pub use rate::{RateLimit, RateLimiter};
pub use service::{JoinOutcome, LobbyPorts, LobbyService, LobbySettings};
