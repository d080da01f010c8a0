//! Remembering which events were handled.

use std::time::Duration;

use async_trait::async_trait;

use crate::Error;

/// Remembers keys for a while (shared by replicas when Redis is configured).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventLedger: Send + Sync {
    /// Whether `key` is remembered.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn seen(&self, key: &str) -> Result<bool, Error>;

    /// Remembers `key` for `ttl`.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn remember(&self, key: &str, ttl: Duration) -> Result<(), Error>;
}
