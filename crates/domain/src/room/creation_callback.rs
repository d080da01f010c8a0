//! The room creation callback: a new room's slug, left under a callback id by its creator and
//! read once by anyone holding that id.
//!
//! Embedding contexts (an iframe, a popup, a calendar add-on) that cannot talk to the window
//! creating a room pass it a random callback id; the creation stores the slug under it for a
//! while ([`CreationCallbackSettings::ttl`]); the embedding context polls
//! [`CreationCallbackService::take`], anonymously, until the slug comes, exactly once.
//! Anonymous takers are throttled per client address, as La Suite Meet's `AnonRateThrottle`
//! does; authenticated takers are not.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::{CallbackId, CreationCallbacks, Slug};
use crate::lobby::{RateLimit, RateLimiter};
use crate::{Caller, Error};

/// The request field of the callback id.
const FIELD: &str = "callback_id";

/// Deployment choices about the creation callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreationCallbackSettings {
    /// How long a slug waits to be taken.
    pub ttl: Duration,
    /// How often one anonymous client address may ask.
    pub rate: RateLimit,
}

impl Default for CreationCallbackSettings {
    /// La Suite Meet's: 600 s (`ROOM_CREATION_CALLBACK_CACHE_TIMEOUT`), 600 requests a
    /// minute (`creation_callback` throttle rate).
    fn default() -> Self {
        Self {
            ttl: Duration::from_mins(10),
            rate: RateLimit {
                limit: 600,
                window: Duration::from_mins(1),
            },
        }
    }
}

/// The creation callback's use case, and the note room creation leaves for it.
#[derive(Clone)]
pub struct CreationCallbackService {
    store: Arc<dyn CreationCallbacks>,
    limiter: Arc<dyn RateLimiter>,
    settings: CreationCallbackSettings,
}

impl CreationCallbackService {
    /// Builds the service over its ports.
    pub fn new(
        store: Arc<dyn CreationCallbacks>,
        limiter: Arc<dyn RateLimiter>,
        settings: CreationCallbackSettings,
    ) -> Self {
        Self {
            store,
            limiter,
            settings,
        }
    }

    /// Validates the callback id a room creation request carries. An empty id means none, as
    /// La Suite Meet ignores a falsy `callback_id`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `callback_id`.
    pub(crate) fn requested(raw: Option<&str>) -> Result<Option<CallbackId>, Error> {
        raw.filter(|raw| !raw.is_empty())
            .map(|raw| CallbackId::parse(raw).map_err(|e| e.at(FIELD)))
            .transpose()
    }

    /// Leaves `slug` under `id` for the configured lifetime.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the store cannot be reached.
    pub(crate) async fn remember(&self, id: &CallbackId, slug: &Slug) -> Result<(), Error> {
        self.store.put(id, slug, self.settings.ttl).await
    }

    /// Takes the slug left under the callback id `raw`, once: later calls, unknown and
    /// expired ids get `None`. Anyone may call; anonymous callers are throttled per `client`
    /// address (counted before the id is checked, as the reference throttles first).
    ///
    /// # Errors
    ///
    /// [`Error::RateLimited`] for an anonymous client over the rate; [`Error::Invalid`] on
    /// `callback_id`; [`Error::Unavailable`] when the store or the rate counters cannot be
    /// reached.
    #[tracing::instrument(skip_all)]
    pub async fn take(
        &self,
        caller: &Caller,
        client: IpAddr,
        raw: &str,
    ) -> Result<Option<Slug>, Error> {
        if !caller.is_authenticated() {
            let key = format!("creation-callback:{client}");
            if let Some(retry_after) = self.limiter.hit(&key, self.settings.rate).await? {
                return Err(Error::RateLimited { retry_after });
            }
        }
        let id = CallbackId::parse(raw).map_err(|e| e.at(FIELD))?;
        let slug = self.store.take(&id).await?;
        tracing::debug!(found = slug.is_some(), "creation callback taken");
        Ok(slug)
    }
}

#[cfg(test)]
mod tests;
