//! Contract suites: the same test cases run against every adapter of a port, so that the
//! adapters behave alike.

pub mod accesses;
pub mod creation_callbacks;
pub mod events;
pub mod ledger;
pub mod lobby;
pub mod rate;
pub mod recordings;
pub mod repositories;
pub mod rooms;
pub mod sessions;
pub mod users;

pub use repositories::Repositories;
