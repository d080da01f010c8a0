//! Browser sessions in Redis: one key per session, `anteroom:session:<key>`, holding the
//! session as JSON with the lifetime as the key's expiry (`SET PX`); taking is `GETDEL`, so
//! of concurrent takers exactly one gets it.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::session::{Session, SessionKey, SessionStore};
use async_trait::async_trait;
use deadpool_redis::redis;

use crate::pool::{RedisPool, millis};

/// Browser sessions in Redis, shared by every replica.
///
/// Fails with [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when
/// Redis cannot be reached.
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    pool: RedisPool,
}

impl RedisSessionStore {
    /// A store on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self { pool }
    }
}

fn key_of(key: &SessionKey) -> String {
    format!("anteroom:session:{}", key.as_str())
}

fn decode(raw: Option<String>) -> Result<Option<Session>, Error> {
    raw.map(|json| serde_json::from_str(&json).map_err(Error::internal))
        .transpose()
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn put(&self, key: &SessionKey, session: &Session, ttl: Duration) -> Result<(), Error> {
        let json = serde_json::to_string(session).map_err(Error::internal)?;
        let _: () = self
            .pool
            .query(
                redis::cmd("SET")
                    .arg(key_of(key))
                    .arg(json)
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(())
    }

    async fn get(&self, key: &SessionKey) -> Result<Option<Session>, Error> {
        decode(self.pool.query(redis::cmd("GET").arg(key_of(key))).await?)
    }

    async fn take(&self, key: &SessionKey) -> Result<Option<Session>, Error> {
        decode(
            self.pool
                .query(redis::cmd("GETDEL").arg(key_of(key)))
                .await?,
        )
    }
}
