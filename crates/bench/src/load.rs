//! A closed-loop load generator: N clients each issue one request after the other for a fixed
//! time; every latency is recorded.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a run measured.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    first_error: Option<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[allow(clippy::cast_precision_loss)]
        let rate = self.requests as f64 / self.elapsed.as_secs_f64();
        write!(
            f,
            "{} | {} | {rate:.0} | {:.2} | {:.2}",
            self.requests,
            self.errors,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0
        )?;
        if let Some(error) = &self.first_error {
            write!(f, " (first error: {error})")?;
        }
        Ok(())
    }
}

/// Runs `call` from `concurrency` clients for `duration`.
pub(crate) async fn run<F, Fut>(concurrency: usize, duration: Duration, call: F) -> Report
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let deadline = start + duration;
    let mut clients = Vec::with_capacity(concurrency);
    for client in 0..concurrency {
        let call = call.clone();
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut first_error = None;
            let mut n = 0;
            while Instant::now() < deadline {
                let began = Instant::now();
                let result = call(client * 1_000_000 + n).await;
                latencies.push(began.elapsed());
                n += 1;
                if let Err(error) = result {
                    errors += 1;
                    first_error.get_or_insert(error);
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for client in clients {
        if let Ok((mut l, e, f)) = client.await {
            latencies.append(&mut l);
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(index).copied().unwrap_or_default()
    };
    Report {
        requests: latencies.len(),
        errors,
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
        first_error,
    }
}
