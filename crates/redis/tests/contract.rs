//! The port contracts (lobby store, event bus, rate limiter, event ledger, session store,
//! creation callbacks), run against the Redis adapters on a throwaway `redis-server` (one for the whole binary;
//! cases use random rooms and keys).

mod common;

use std::sync::Arc;

use anteroom_redis::{
    RedisCreationCallbacks, RedisEventBus, RedisEventLedger, RedisLobbyStore, RedisRateLimiter,
    RedisSessionStore,
};
use anteroom_testkit::contract::events::Buses;

mod lobby {
    use super::*;

    anteroom_testkit::lobby_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Arc::new(RedisLobbyStore::new(pool))
    });
}

/// One bus publishing and subscribing.
mod bus_single {
    use super::*;

    anteroom_testkit::event_bus_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Buses::single(Arc::new(RedisEventBus::new(pool)))
    });
}

/// Two buses on separate clients and connections, as two replicas: events published on one
/// reach the subscribers of the other.
mod bus_across_replicas {
    use super::*;

    anteroom_testkit::event_bus_contract_tests!({
        let (Some(a), Some(b)) = (common::pool().await, common::pool().await) else {
            return;
        };
        Buses::pair(
            Arc::new(RedisEventBus::new(a)),
            Arc::new(RedisEventBus::new(b)),
        )
    });
}

mod rate {
    use super::*;

    anteroom_testkit::rate_limiter_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Arc::new(RedisRateLimiter::new(pool))
    });
}

mod ledger {
    use super::*;

    anteroom_testkit::event_ledger_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Arc::new(RedisEventLedger::new(pool))
    });
}

mod sessions {
    use super::*;

    anteroom_testkit::session_store_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Arc::new(RedisSessionStore::new(pool))
    });
}

mod creation_callbacks {
    use super::*;

    anteroom_testkit::creation_callbacks_contract_tests!({
        let Some(pool) = common::pool().await else {
            return;
        };
        Arc::new(RedisCreationCallbacks::new(pool))
    });
}
