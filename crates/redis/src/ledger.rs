//! The event ledger in Redis: one key per remembered event, `anteroom:ledger:<key>`, set with
//! `SET NX PX` (remembering again does not extend the first expiry) and read with `EXISTS`.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::webhook::EventLedger;
use async_trait::async_trait;
use deadpool_redis::redis;

use crate::pool::{RedisPool, millis};

/// Remembered keys in Redis, shared by every replica.
///
/// Fails with [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when
/// Redis cannot be reached.
#[derive(Debug, Clone)]
pub struct RedisEventLedger {
    pool: RedisPool,
}

impl RedisEventLedger {
    /// A ledger on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self { pool }
    }
}

fn key_of(key: &str) -> String {
    format!("anteroom:ledger:{key}")
}

#[async_trait]
impl EventLedger for RedisEventLedger {
    async fn seen(&self, key: &str) -> Result<bool, Error> {
        let count: u64 = self
            .pool
            .query(redis::cmd("EXISTS").arg(key_of(key)))
            .await?;
        Ok(count > 0)
    }

    async fn remember(&self, key: &str, ttl: Duration) -> Result<(), Error> {
        // `nil` when the key was already remembered.
        let _: Option<String> = self
            .pool
            .query(
                redis::cmd("SET")
                    .arg(key_of(key))
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(())
    }
}
