//! The contract of [`RateLimiter`]: every adapter (in memory, Redis) runs these same cases.
//!
//! Each case is a `pub async fn` taking a fresh [`SharedRateLimiter`]; keys are random, so
//! cases can share one server and run in parallel. Windows are real: the cases that need a
//! window to end use short ones (300 ms) and `tokio::time::sleep`; the others use windows of
//! a minute, so that a slow machine cannot end them.
//!
//! The [`rate_limiter_contract_tests!`](crate::rate_limiter_contract_tests) macro expands to
//! one `#[tokio::test(flavor = "multi_thread")]` per case in the calling test binary, which
//! must have `tokio` (with the `macros` and `rt-multi-thread` features) among its
//! dev-dependencies:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemoryRateLimiter;
//!
//! anteroom_testkit::rate_limiter_contract_tests!(Arc::new(MemoryRateLimiter::new()));
//! ```

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::lobby::{RateLimit, RateLimiter};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tokio::time::sleep;
use uuid::Uuid;

/// The limiter under test, as the cases take it.
pub type SharedRateLimiter = Arc<dyn RateLimiter>;

/// A short window, for the cases that wait for a window to end.
const SHORT_WINDOW: Duration = Duration::from_millis(300);
/// How long past a window's end the cases wait.
const MARGIN: Duration = Duration::from_millis(100);

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::rate`](crate::contract::rate), each running against the limiter that `$make`
/// evaluates to (a [`SharedRateLimiter`](crate::contract::rate::SharedRateLimiter),
/// evaluated afresh in each test's async body).
#[macro_export]
macro_rules! rate_limiter_contract_tests {
    ($make:expr) => {
        $crate::rate_limiter_contract_tests!(@cases $make;
            allows_the_limit_then_tells_how_long_to_wait,
            keys_are_counted_separately,
            a_new_window_allows_again,
            retry_after_counts_down_within_the_window,
            concurrent_hits_are_counted_exactly,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let limiter: $crate::contract::rate::SharedRateLimiter = $make;
                $crate::contract::rate::$case(limiter).await;
            }
        )+
    };
}

/// A key no other case uses.
fn new_key() -> String {
    format!("contract:{}", Uuid::new_v4())
}

async fn hit(limiter: &SharedRateLimiter, key: &str, limit: RateLimit) -> Option<Duration> {
    limiter.hit(key, limit).await.expect("hit")
}

/// Expects a refusal with a delay within the window.
#[track_caller]
fn assert_limited(answer: Option<Duration>, limit: RateLimit) -> Duration {
    let Some(retry_after) = answer else {
        panic!("expected a refusal over the limit");
    };
    assert!(
        retry_after > Duration::ZERO && retry_after <= limit.window,
        "0 < retry_after ({retry_after:?}) <= window ({:?})",
        limit.window
    );
    retry_after
}

/// `limit` hits are allowed; the next ones are refused with a delay within the window.
pub async fn allows_the_limit_then_tells_how_long_to_wait(limiter: SharedRateLimiter) {
    let limit = RateLimit {
        limit: 5,
        window: Duration::from_mins(1),
    };
    let key = new_key();
    for i in 0..limit.limit {
        assert_eq!(hit(&limiter, &key, limit).await, None, "hit {i} is allowed");
    }
    for _ in 0..3 {
        assert_limited(hit(&limiter, &key, limit).await, limit);
    }
}

/// One key over its limit does not limit another.
pub async fn keys_are_counted_separately(limiter: SharedRateLimiter) {
    let limit = RateLimit {
        limit: 2,
        window: Duration::from_mins(1),
    };
    let (busy, quiet) = (new_key(), new_key());
    for _ in 0..limit.limit {
        assert_eq!(hit(&limiter, &busy, limit).await, None);
    }
    assert_limited(hit(&limiter, &busy, limit).await, limit);
    for _ in 0..limit.limit {
        assert_eq!(hit(&limiter, &quiet, limit).await, None);
    }
    assert_limited(hit(&limiter, &quiet, limit).await, limit);
}

/// Once the window is over (after the delay the refusal gave), the key is allowed again,
/// for a whole new limit.
pub async fn a_new_window_allows_again(limiter: SharedRateLimiter) {
    let limit = RateLimit {
        limit: 2,
        window: SHORT_WINDOW,
    };
    let key = new_key();
    for _ in 0..limit.limit {
        assert_eq!(hit(&limiter, &key, limit).await, None);
    }
    let retry_after = assert_limited(hit(&limiter, &key, limit).await, limit);
    sleep(retry_after + MARGIN).await;
    for i in 0..limit.limit {
        assert_eq!(
            hit(&limiter, &key, limit).await,
            None,
            "hit {i} of the new window is allowed"
        );
    }
    assert_limited(hit(&limiter, &key, limit).await, limit);
}

/// The delay shrinks as the window goes by: it is the rest of the window, not a constant.
pub async fn retry_after_counts_down_within_the_window(limiter: SharedRateLimiter) {
    let limit = RateLimit {
        limit: 1,
        window: Duration::from_secs(2),
    };
    let key = new_key();
    assert_eq!(hit(&limiter, &key, limit).await, None);
    let first = assert_limited(hit(&limiter, &key, limit).await, limit);
    sleep(Duration::from_millis(300)).await;
    let later = assert_limited(hit(&limiter, &key, limit).await, limit);
    assert!(
        later + Duration::from_millis(200) <= first,
        "the delay counts down: {first:?} then {later:?}"
    );
}

/// Hits racing on one key are counted exactly: `limit` of them are allowed, no more.
pub async fn concurrent_hits_are_counted_exactly(limiter: SharedRateLimiter) {
    const HITS: u32 = 40;
    let limit = RateLimit {
        limit: 15,
        window: Duration::from_mins(1),
    };
    let key = new_key();
    let barrier = Arc::new(Barrier::new(HITS as usize));
    let mut tasks = JoinSet::new();
    for _ in 0..HITS {
        let (limiter, barrier, key) = (Arc::clone(&limiter), Arc::clone(&barrier), key.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            limiter.hit(&key, limit).await.expect("hit")
        });
    }
    let answers = tasks.join_all().await;
    let allowed = answers.iter().filter(|answer| answer.is_none()).count();
    assert_eq!(allowed, limit.limit as usize, "{answers:?}");
    for answer in answers.into_iter().flatten() {
        assert_limited(Some(answer), limit);
    }
}
