//! Shared by the integration tests: one throwaway Redis per test binary.

use std::sync::OnceLock;

use anteroom_redis::{RedisConfig, RedisPool, connect};
use anteroom_testkit::TestRedis;

/// The URL of this test binary's Redis, started on first use; `None` (after a loud
/// `SKIPPED:` line) when `redis-server` is missing and `CI` is not `true`.
pub(crate) fn redis_url() -> Option<String> {
    static REDIS: OnceLock<Option<TestRedis>> = OnceLock::new();
    REDIS
        .get_or_init(TestRedis::start_or_skip)
        .as_ref()
        .map(TestRedis::url)
}

/// A fresh pool on this binary's Redis (each test runs its own Tokio runtime, and a pool's
/// connections belong to the runtime that opened them).
pub(crate) async fn pool() -> Option<RedisPool> {
    let url = redis_url()?;
    Some(
        connect(&RedisConfig::new(url))
            .await
            .expect("connect to the test Redis"),
    )
}
