//! New rooms' slugs left for the creation callback, in Redis: one key per callback id,
//! `anteroom:creation-callback:<id>`, holding the slug with the lifetime as the key's expiry
//! (`SET PX`, which also replaces an earlier slug and its lifetime); taking is `GETDEL`, so of
//! concurrent takers on any replica exactly one gets it.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::room::{CallbackId, CreationCallbacks, Slug};
use async_trait::async_trait;
use deadpool_redis::redis;

use crate::pool::{RedisPool, millis};

/// Creation callback slugs in Redis, shared by every replica.
///
/// Fails with [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when
/// Redis cannot be reached.
#[derive(Debug, Clone)]
pub struct RedisCreationCallbacks {
    pool: RedisPool,
}

impl RedisCreationCallbacks {
    /// A store on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self { pool }
    }
}

fn key_of(id: &CallbackId) -> String {
    format!("anteroom:creation-callback:{}", id.as_str())
}

#[async_trait]
impl CreationCallbacks for RedisCreationCallbacks {
    async fn put(&self, id: &CallbackId, slug: &Slug, ttl: Duration) -> Result<(), Error> {
        let _: () = self
            .pool
            .query(
                redis::cmd("SET")
                    .arg(key_of(id))
                    .arg(slug.as_str())
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(())
    }

    async fn take(&self, id: &CallbackId) -> Result<Option<Slug>, Error> {
        let slug: Option<String> = self
            .pool
            .query(redis::cmd("GETDEL").arg(key_of(id)))
            .await?;
        Ok(slug.map(Slug::from_stored))
    }
}
