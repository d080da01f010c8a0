//! The webhook emitter, signing requests the way livekit-server's `URLNotifier` does.
//!
//! Each event is `POST`ed to every configured URL with `Content-Type: application/webhook+json`,
//! `User-Agent: LiveKit` and `Authorization: <jwt>` (no `Bearer`). The body is the protojson
//! `WebhookEvent` (camelCase, defaults omitted, int64 as strings); the JWT is HS256-signed with
//! the first API key, `iss` = key, valid for 5 minutes, with `sha256` = base64(sha256(body)).
//! Events are delivered in order, one at a time, with a few retries on failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use livekit_protocol as proto;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::auth::{body_sha256, sign_hs256, unix_now};
use crate::ids;

/// Builds a `WebhookEvent` with a fresh `EV_` id and `createdAt`.
pub(crate) struct EventBuilder(proto::WebhookEvent);

/// Starts an event of the given type (`room_started`, `participant_joined`, …).
pub(crate) fn event(name: &str) -> EventBuilder {
    EventBuilder(proto::WebhookEvent {
        event: name.to_owned(),
        id: ids::new_id(ids::WEBHOOK_EVENT),
        created_at: unix_now(),
        ..Default::default()
    })
}

impl EventBuilder {
    pub(crate) fn room(mut self, room: proto::Room) -> Self {
        self.0.room = Some(room);
        self
    }

    pub(crate) fn room_opt(mut self, room: Option<proto::Room>) -> Self {
        self.0.room = room;
        self
    }

    pub(crate) fn participant(mut self, participant: proto::ParticipantInfo) -> Self {
        self.0.participant = Some(participant);
        self
    }

    pub(crate) fn track(mut self, track: proto::TrackInfo) -> Self {
        self.0.track = Some(track);
        self
    }

    pub(crate) fn egress(mut self, info: proto::EgressInfo) -> Self {
        self.0.egress_info = Some(info);
        self
    }

    pub(crate) fn build(self) -> proto::WebhookEvent {
        self.0
    }
}

/// The `Authorization` value for a webhook body: a bare HS256 JWT carrying the body hash.
pub fn sign_webhook(body: &[u8], api_key: &str, api_secret: &str) -> String {
    let now = unix_now();
    let claims = json!({
        "iss": api_key,
        "nbf": now,
        "exp": now + 300,
        "sha256": body_sha256(body),
    });
    sign_hs256(&claims, api_secret)
}

/// Serializes an event the way Go's `protojson.Marshal` does with default options.
pub fn webhook_body(event: &proto::WebhookEvent) -> String {
    serde_json::to_string(event).unwrap_or_default()
}

/// Queues events and delivers them in order from a background task.
#[derive(Debug)]
pub(crate) struct WebhookEmitter {
    tx: mpsc::UnboundedSender<proto::WebhookEvent>,
    pending: Arc<AtomicUsize>,
}

impl WebhookEmitter {
    /// Starts the delivery task. Without URLs events are only counted through.
    pub(crate) fn start(
        urls: Vec<String>,
        key: Option<(String, String)>,
    ) -> (Self, JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<proto::WebhookEvent>();
        let pending = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&pending);
        let task = tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .ok();
            while let Some(event) = rx.recv().await {
                if let (Some(client), Some((api_key, secret))) = (&client, &key) {
                    let body = webhook_body(&event);
                    for url in &urls {
                        let auth = sign_webhook(body.as_bytes(), api_key, secret);
                        deliver(client, url, &body, &auth, &event.event).await;
                    }
                }
                counter.fetch_sub(1, Ordering::SeqCst);
            }
        });
        (Self { tx, pending }, task)
    }

    /// Queues an event.
    pub(crate) fn send(&self, event: proto::WebhookEvent) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.tx.send(event).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// How many queued events have not been delivered (or given up on) yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }
}

async fn deliver(client: &reqwest::Client, url: &str, body: &str, auth: &str, name: &str) {
    for attempt in 0..3u64 {
        let result = client
            .post(url)
            .header("Content-Type", "application/webhook+json")
            .header("Authorization", auth)
            .header("User-Agent", "LiveKit")
            .body(body.to_owned())
            .send()
            .await;
        match result {
            Ok(response) if !response.status().is_server_error() => {
                tracing::debug!(url, event = name, status = %response.status(), "webhook delivered");
                return;
            }
            Ok(response) => {
                tracing::warn!(url, event = name, status = %response.status(), "webhook failed");
            }
            Err(e) => tracing::warn!(url, event = name, error = %e, "webhook failed"),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
}
