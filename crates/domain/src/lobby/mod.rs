//! The lobby (waiting room): entries, their status machine and lifetimes, and the store port.
//! (The join use cases arrive with the lobby feature.)

mod model;
mod ports;

pub use model::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus};
pub use ports::LobbyStore;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockLobbyStore;
