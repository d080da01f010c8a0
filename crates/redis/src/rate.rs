//! The rate limiter in Redis: fixed windows, one counter per key, shared by every replica.
//!
//! A key's counter is `anteroom:rate:<key>`. Each hit runs one Lua script (`src/lua/rate_hit.lua`)
//! that `INCR`s the counter, starts the window with `PEXPIRE` on the first hit (or on a counter
//! that somehow lost its expiry), and replies with the count and the counter's `PTTL`: over
//! the limit, the remaining time of the window is the delay to wait.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::lobby::{RateLimit, RateLimiter};
use async_trait::async_trait;
use deadpool_redis::redis::Script;

use crate::pool::{RedisPool, millis};

/// Request counts in Redis, shared by every replica.
///
/// Fails with [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when
/// Redis cannot be reached; the caller decides whether to let the request through.
pub struct RedisRateLimiter {
    pool: RedisPool,
    script: Script,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// A limiter on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self {
            pool,
            script: Script::new(include_str!("lua/rate_hit.lua")),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<Option<Duration>, Error> {
        let window = millis(limit.window);
        let mut invocation = self.script.key(format!("anteroom:rate:{key}"));
        invocation.arg(window);
        let (count, ttl): (u64, i64) = self.pool.invoke(&invocation).await?;
        if count <= u64::from(limit.limit) {
            return Ok(None);
        }
        let remaining = u64::try_from(ttl).unwrap_or(window).clamp(1, window);
        Ok(Some(Duration::from_millis(remaining)))
    }
}
