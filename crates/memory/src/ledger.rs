//! An in-process [`EventLedger`]: remembered keys with their expiry.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::webhook::EventLedger;
use async_trait::async_trait;

/// How many keys are kept before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Remembers keys in memory until they expire.
#[derive(Debug, Default)]
pub struct MemoryEventLedger {
    keys: Mutex<HashMap<String, Instant>>,
}

impl MemoryEventLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn keys(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl EventLedger for MemoryEventLedger {
    async fn seen(&self, key: &str) -> Result<bool, Error> {
        Ok(self
            .keys()
            .get(key)
            .is_some_and(|expiry| *expiry > Instant::now()))
    }

    async fn remember(&self, key: &str, ttl: Duration) -> Result<(), Error> {
        let now = Instant::now();
        let mut keys = self.keys();
        if keys.len() >= SWEEP_ABOVE {
            keys.retain(|_, expiry| *expiry > now);
        }
        let expiry = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_hours(24 * 365));
        keys.insert(key.to_owned(), expiry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn remembers_until_expiry() {
        let ledger = MemoryEventLedger::new();
        assert!(!ledger.seen("EV_1").await.unwrap());
        ledger
            .remember("EV_1", Duration::from_millis(100))
            .await
            .unwrap();
        assert!(ledger.seen("EV_1").await.unwrap());
        assert!(!ledger.seen("EV_2").await.unwrap());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(!ledger.seen("EV_1").await.unwrap());
    }
}
