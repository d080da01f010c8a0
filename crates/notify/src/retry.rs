//! Bounded retries with exponential backoff.

use std::future::Future;
use std::time::Duration;

/// How a notification is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many attempts at most (at least one is made).
    pub attempts: u32,
    /// The delay before the second attempt; each later delay doubles.
    pub first_delay: Duration,
    /// How long one notification may take, attempts and delays included.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_delay: Duration::from_millis(500),
            deadline: Duration::from_secs(30),
        }
    }
}

/// What one attempt gave.
#[derive(Debug)]
pub(crate) enum Attempt<T> {
    /// It worked.
    Done(T),
    /// It failed in a way another attempt may fix (unreachable, timeout, 5xx, 4xx SMTP).
    Retry(String),
    /// It failed for good (refused, misconfigured).
    Fail(String),
}

/// Runs `attempt` until it is done, fails for good, the attempts are spent or the deadline
/// passes; the error says why.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    mut attempt: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let attempts = policy.attempts.max(1);
    let run = async {
        let mut delay = policy.first_delay;
        let mut last = String::new();
        for number in 1..=attempts {
            match attempt().await {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(reason) => return Err(reason),
                Attempt::Retry(reason) => {
                    tracing::debug!(attempt = number, reason = %reason, "notification attempt failed");
                    last = reason;
                    if number < attempts {
                        tokio::time::sleep(delay).await;
                        delay = delay.saturating_mul(2);
                    }
                }
            }
        }
        Err(format!("{last} (after {attempts} attempts)"))
    };
    tokio::time::timeout(policy.deadline, run)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer within {} s",
                policy.deadline.as_secs_f32()
            ))
        })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            first_delay: Duration::from_millis(10),
            deadline: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn retries_transient_failures_a_bounded_number_of_times() {
        let calls = AtomicU32::new(0);
        let result: Result<(), String> = with_retries(policy(3), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Attempt::Retry("down".to_owned()) }
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(result.unwrap_err(), "down (after 3 attempts)");

        let calls = AtomicU32::new(0);
        let result = with_retries(policy(3), || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Attempt::Retry("down".to_owned())
                } else {
                    Attempt::Done(n)
                }
            }
        })
        .await;
        assert_eq!(result, Ok(1));
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), String> = with_retries(policy(5), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Attempt::Fail("refused".to_owned()) }
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(result.unwrap_err(), "refused");
    }

    #[tokio::test]
    async fn the_deadline_bounds_everything() {
        let slow = RetryPolicy {
            attempts: 10,
            first_delay: Duration::from_secs(10),
            deadline: Duration::from_millis(50),
        };
        let started = std::time::Instant::now();
        let result: Result<(), String> =
            with_retries(slow, || async { Attempt::Retry("down".to_owned()) }).await;
        assert!(result.unwrap_err().starts_with("no answer within"));
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
