//! An in-process [`SessionStore`]: sessions with their expiry, under one mutex; ending a
//! user's or a provider session's sessions scans them (a node holds few).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::id::UserId;
use anteroom_domain::session::{Session, SessionKey, SessionStore, UserSession};
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

    /// Removes the signed-in sessions `ends` selects (and every expired one); answers how
    /// many live sessions it ended.
    fn end_where(&self, ends: impl Fn(&UserSession) -> bool) -> u64 {
        let now = Instant::now();
        let mut ended = 0;
        self.sessions().retain(|_, (session, expiry)| {
            if *expiry <= now {
                return false;
            }
            let end = matches!(session, Session::User(user) if ends(user));
            ended += u64::from(end);
            !end
        });
        ended
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

    async fn end_user_sessions(&self, user: UserId) -> Result<u64, Error> {
        Ok(self.end_where(|session| session.user == user))
    }

    async fn end_provider_session(&self, provider_session: &str) -> Result<u64, Error> {
        Ok(self.end_where(|session| session.provider_session.as_deref() == Some(provider_session)))
    }
}
