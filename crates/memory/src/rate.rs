//! An in-process [`RateLimiter`]: fixed windows per key.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::lobby::{RateLimit, RateLimiter};
use async_trait::async_trait;

/// How many keys are kept before finished windows are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Counts requests per key in this process.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl MemoryRateLimiter {
    /// A limiter with no counts.
    pub fn new() -> Self {
        Self::default()
    }

    fn windows(&self) -> MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<Option<Duration>, Error> {
        let now = Instant::now();
        let mut windows = self.windows();
        if windows.len() >= SWEEP_ABOVE {
            windows.retain(|_, (ends, _)| *ends > now);
        }
        let window = windows
            .entry(key.to_owned())
            .or_insert((now + limit.window, 0));
        if window.0 <= now {
            *window = (now + limit.window, 0);
        }
        window.1 = window.1.saturating_add(1);
        Ok((window.1 > limit.limit).then(|| window.0.saturating_duration_since(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn allows_the_limit_then_tells_how_long_to_wait() {
        let limiter = MemoryRateLimiter::new();
        let limit = RateLimit {
            limit: 2,
            window: Duration::from_millis(200),
        };
        assert_eq!(limiter.hit("a", limit).await.unwrap(), None);
        assert_eq!(limiter.hit("a", limit).await.unwrap(), None);
        let wait = limiter.hit("a", limit).await.unwrap().unwrap();
        assert!(wait > Duration::ZERO && wait <= limit.window);
        assert_eq!(limiter.hit("b", limit).await.unwrap(), None);
        tokio::time::sleep(limit.window).await;
        assert_eq!(limiter.hit("a", limit).await.unwrap(), None);
    }
}
