//! Redis versions of Anteroom's shared, short-lived state, for running several replicas.
//!
//! With Redis configured, every replica sees the same lobby, events, rate counters and
//! handled webhooks:
//!
//! - [`RedisLobbyStore`]: the lobby entries ([`anteroom_domain::lobby::LobbyStore`]), every
//!   transition one Lua script, so that it is atomic across replicas;
//! - [`RedisEventBus`]: lobby events over Redis pub/sub ([`anteroom_domain::lobby::EventBus`]),
//!   one shared pub/sub connection per process;
//! - [`RedisRateLimiter`]: fixed-window request counts
//!   ([`anteroom_domain::lobby::RateLimiter`]);
//! - [`RedisEventLedger`]: the ids of handled webhooks
//!   ([`anteroom_domain::webhook::EventLedger`]);
//! - [`RedisSessionStore`]: browser sessions ([`anteroom_domain::session::SessionStore`]);
//! - [`RedisCreationCallbacks`]: new rooms' slugs left for the creation callback, taken once
//!   (`GETDEL`) ([`anteroom_domain::room::CreationCallbacks`]).
//!
//! They all take a [`RedisPool`], built by [`connect`] from a [`RedisConfig`]. Every call is
//! bounded by the configured timeout: when Redis cannot be reached, calls fail fast with
//! [`anteroom_domain::Error::Unavailable`] (dependency `"redis"`), nothing panics, and service
//! resumes by itself when Redis is back (broken connections are replaced, Lua scripts are
//! loaded again on `NOSCRIPT`).
//!
//! Every key starts with `anteroom:`; a lobby room's keys share the hash tag `{<room id>}`.
//! No call scans the keyspace.
//!
//! ```no_run
//! # async fn wire() -> Result<(), anteroom_domain::Error> {
//! use std::sync::Arc;
//!
//! use anteroom_redis::{RedisConfig, RedisEventBus, RedisLobbyStore, connect};
//!
//! let pool = connect(&RedisConfig::new("redis://127.0.0.1:6379")).await?;
//! let store = Arc::new(RedisLobbyStore::new(pool.clone()));
//! let bus = Arc::new(RedisEventBus::new(pool));
//! # Ok(())
//! # }
//! ```

mod creation_callbacks;
mod events;
mod ledger;
mod lobby;
mod pool;
mod rate;
mod sessions;

pub use creation_callbacks::RedisCreationCallbacks;
pub use events::RedisEventBus;
pub use ledger::RedisEventLedger;
pub use lobby::RedisLobbyStore;
pub use pool::{DEPENDENCY, RedisConfig, RedisPool, connect};
pub use rate::RedisRateLimiter;
pub use sessions::RedisSessionStore;
