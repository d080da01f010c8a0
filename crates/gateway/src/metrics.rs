//! Request counts and latencies per route, rendered in Prometheus' text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Latency histogram bounds, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// One route's latencies.
#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Counts per bucket (not cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Series {
    /// (method, route, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → latencies.
    latency: BTreeMap<(String, String), Histogram>,
}

/// The gateway's metrics.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    series: Mutex<Series>,
}

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Counts one answered request of `route` (its pattern, never the raw path).
    pub(crate) fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        *series
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = series
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            histogram.buckets[i] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP anteroom_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE anteroom_http_requests_total counter\n");
        for ((method, route, status), count) in &series.requests {
            let _ = writeln!(
                out,
                "anteroom_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                label(method),
                label(route)
            );
        }
        out.push_str("# HELP anteroom_http_request_duration_seconds Time to answer HTTP requests (to the first byte for streams).\n");
        out.push_str("# TYPE anteroom_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &series.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(histogram.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "anteroom_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "anteroom_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "anteroom_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "anteroom_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/api/v1.0/rooms/", 200, Duration::from_millis(3));
        metrics.observe("GET", "/api/v1.0/rooms/", 200, Duration::from_millis(30));
        metrics.observe("GET", "/api/v1.0/rooms/", 404, Duration::from_secs(20));
        let text = metrics.render();
        assert!(text.contains(
            "anteroom_http_requests_total{method=\"GET\",route=\"/api/v1.0/rooms/\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "anteroom_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1.0/rooms/\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "anteroom_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1.0/rooms/\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "anteroom_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1.0/rooms/\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains(
            "anteroom_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1.0/rooms/\"} 3"
        ));
    }
}
