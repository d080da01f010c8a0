//! Browser sessions in Redis: one key per session, `anteroom:session:<key>`, holding the
//! session as JSON with the lifetime as the key's expiry (`SET PX`); taking is `GETDEL`, so
//! of concurrent takers exactly one gets it.
//!
//! A signed-in session is also listed in the set of its user
//! (`anteroom:session-user:<user id>`) and of its provider session
//! (`anteroom:session-sid:<sid>`), in the same script that stores it
//! (`src/lua/session_put.lua`), so that a back-channel logout finds what to end without
//! scanning; ending (`src/lua/session_end.lua`) deletes the listed sessions and the set in one
//! step. A set expires with its longest-lived session.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::id::UserId;
use anteroom_domain::session::{Session, SessionKey, SessionStore};
use async_trait::async_trait;
use deadpool_redis::redis::{self, Script};

use crate::pool::{RedisPool, millis};

/// Browser sessions in Redis, shared by every replica.
///
/// Fails with [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when
/// Redis cannot be reached.
#[derive(Clone)]
pub struct RedisSessionStore {
    pool: RedisPool,
    put: Script,
    end: Script,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// A store on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self {
            pool,
            put: Script::new(include_str!("lua/session_put.lua")),
            end: Script::new(include_str!("lua/session_end.lua")),
        }
    }

    async fn end(&self, index: String) -> Result<u64, Error> {
        let mut invocation = self.end.key(index);
        invocation.arg(SESSION_PREFIX);
        self.pool.invoke(&invocation).await
    }
}

/// The prefix of session keys.
const SESSION_PREFIX: &str = "anteroom:session:";

fn key_of(key: &SessionKey) -> String {
    format!("{SESSION_PREFIX}{}", key.as_str())
}

fn user_index(user: UserId) -> String {
    format!("anteroom:session-user:{user}")
}

fn provider_session_index(sid: &str) -> String {
    format!("anteroom:session-sid:{sid}")
}

fn decode(raw: Option<String>) -> Result<Option<Session>, Error> {
    raw.map(|json| serde_json::from_str(&json).map_err(Error::internal))
        .transpose()
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn put(&self, key: &SessionKey, session: &Session, ttl: Duration) -> Result<(), Error> {
        let json = serde_json::to_string(session).map_err(Error::internal)?;
        let mut invocation = self.put.key(key_of(key));
        if let Session::User(user) = session {
            invocation.key(user_index(user.user));
            if let Some(sid) = &user.provider_session {
                invocation.key(provider_session_index(sid));
            }
        }
        invocation.arg(json).arg(millis(ttl)).arg(key.as_str());
        let _: i64 = self.pool.invoke(&invocation).await?;
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

    async fn end_user_sessions(&self, user: UserId) -> Result<u64, Error> {
        self.end(user_index(user)).await
    }

    async fn end_provider_session(&self, provider_session: &str) -> Result<u64, Error> {
        self.end(provider_session_index(provider_session)).await
    }
}
