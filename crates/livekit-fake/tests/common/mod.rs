//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::too_many_lines)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anteroom_livekit_fake::{FakeConfig, FakeLiveKit};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use livekit_api::services::{ServerError, ServiceError};

/// API key used by the tests.
pub(crate) const KEY: &str = "devkey";
/// A secret of at least 32 characters (the server logs an error for shorter ones).
pub(crate) const SECRET: &str = "secret-secret-secret-secret-0123";

/// Starts a fake with the test key and optional webhook URL.
pub(crate) async fn start(webhook_url: Option<&str>) -> FakeLiveKit {
    let mut config = FakeConfig::with_key(KEY, SECRET);
    if let Some(url) = webhook_url {
        config = config.with_webhook_url(url);
    }
    config.egress_transition_delay = None;
    FakeLiveKit::start(config).await.expect("fake starts")
}

/// The Twirp code and message of a client error, panicking on any other shape.
pub(crate) fn twirp(err: &ServiceError) -> (String, String) {
    match err {
        ServiceError::Twirp(ServerError::Twirp(code)) => (code.code.clone(), code.msg.clone()),
        other => panic!("expected a Twirp error, got {other:?}"),
    }
}

/// One webhook request as received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `Authorization` header.
    pub(crate) authorization: String,
    /// `Content-Type` header.
    pub(crate) content_type: String,
    /// `User-Agent` header.
    pub(crate) user_agent: String,
    /// Raw body.
    pub(crate) body: String,
}

/// A tiny local HTTP server recording webhook requests.
pub(crate) struct Sink {
    /// Its URL.
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(
    State(received): State<Arc<Mutex<Vec<Received>>>>,
    headers: HeaderMap,
    body: String,
) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let item = Received {
        authorization: header("authorization"),
        content_type: header("content-type"),
        user_agent: header("user-agent"),
        body,
    };
    received.lock().expect("lock").push(item);
}

impl Sink {
    /// Starts the receiver.
    pub(crate) async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let router = axum::Router::new()
            .route("/webhook", post(record))
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        Self {
            url,
            received,
            task,
        }
    }

    /// Everything received so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until at least `n` requests arrived (at most 5 s).
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.received()
    }
}
