//! Request rate limits shared by every replica.

use std::time::Duration;

use async_trait::async_trait;

use crate::Error;

/// How many requests a key may make per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The most requests per window.
    pub limit: u32,
    /// The window.
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            limit: 150,
            window: Duration::from_mins(1),
        }
    }
}

/// Counts requests per key in fixed windows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `key`; answers how long to wait when it is over the limit.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the counter store cannot be reached.
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<Option<Duration>, Error>;
}
