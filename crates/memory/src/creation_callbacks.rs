//! An in-process [`CreationCallbacks`]: slugs with their expiry, under one mutex, so that a
//! take is a read-and-delete no other take can interleave with.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::room::{CallbackId, CreationCallbacks, Slug};
use async_trait::async_trait;

/// How many slugs are kept before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Keeps new rooms' slugs in memory until taken or expired (one node only).
#[derive(Debug, Default)]
pub struct MemoryCreationCallbacks {
    slugs: Mutex<HashMap<CallbackId, (Slug, Instant)>>,
}

impl MemoryCreationCallbacks {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn slugs(&self) -> MutexGuard<'_, HashMap<CallbackId, (Slug, Instant)>> {
        self.slugs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl CreationCallbacks for MemoryCreationCallbacks {
    async fn put(&self, id: &CallbackId, slug: &Slug, ttl: Duration) -> Result<(), Error> {
        let now = Instant::now();
        let expiry = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_hours(24 * 365));
        let mut slugs = self.slugs();
        if slugs.len() >= SWEEP_ABOVE {
            slugs.retain(|_, (_, expiry)| *expiry > now);
        }
        slugs.insert(id.clone(), (slug.clone(), expiry));
        Ok(())
    }

    async fn take(&self, id: &CallbackId) -> Result<Option<Slug>, Error> {
        Ok(self
            .slugs()
            .remove(id)
            .filter(|(_, expiry)| *expiry > Instant::now())
            .map(|(slug, _)| slug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: usize) -> CallbackId {
        CallbackId::parse(&format!("cb-{n}")).unwrap()
    }

    #[tokio::test]
    async fn expired_slugs_are_swept_so_the_store_does_not_grow() {
        let store = MemoryCreationCallbacks::new();
        let slug = Slug::from_stored("daily".to_owned());
        for n in 0..SWEEP_ABOVE {
            store
                .put(&id(n), &slug, Duration::from_millis(1))
                .await
                .unwrap();
        }
        assert_eq!(store.slugs().len(), SWEEP_ABOVE);
        tokio::time::sleep(Duration::from_millis(5)).await;
        store
            .put(&id(SWEEP_ABOVE), &slug, Duration::from_mins(1))
            .await
            .unwrap();
        assert_eq!(store.slugs().len(), 1, "only the live slug is left");
    }
}
