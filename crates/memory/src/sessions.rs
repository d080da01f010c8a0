//! An in-process [`SessionStore`]: sessions with their expiry, under one mutex.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::session::{Session, SessionKey, SessionStore};
use async_trait::async_trait;

/// How many sessions are kept before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Keeps browser sessions in memory until they expire (one node only).
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<SessionKey, (Session, Instant)>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<SessionKey, (Session, Instant)>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn put(&self, key: &SessionKey, session: &Session, ttl: Duration) -> Result<(), Error> {
        let now = Instant::now();
        let expiry = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_hours(24 * 365));
        let mut sessions = self.sessions();
        if sessions.len() >= SWEEP_ABOVE {
            sessions.retain(|_, (_, expiry)| *expiry > now);
        }
        sessions.insert(key.clone(), (session.clone(), expiry));
        Ok(())
    }

    async fn get(&self, key: &SessionKey) -> Result<Option<Session>, Error> {
        Ok(self
            .sessions()
            .get(key)
            .filter(|(_, expiry)| *expiry > Instant::now())
            .map(|(session, _)| session.clone()))
    }

    async fn take(&self, key: &SessionKey) -> Result<Option<Session>, Error> {
        Ok(self
            .sessions()
            .remove(key)
            .filter(|(_, expiry)| *expiry > Instant::now())
            .map(|(session, _)| session))
    }
}
