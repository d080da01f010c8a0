//! Webhook intake: verify, filter, deduplicate, then route each event to its one handler.
//!
//! LiveKit promises neither ordering nor single delivery, so every handler is idempotent and
//! tolerant (a late `room_finished` for a room that was deleted is acknowledged), and an event
//! id that was handled once is not handled again (the [`EventLedger`]).

mod egress;
mod ledger;
mod room_lifecycle;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use egress::{EgressEnded, EgressUpdated};
pub use ledger::EventLedger;
#[cfg(any(test, feature = "mocks"))]
pub use ledger::MockEventLedger;
pub use room_lifecycle::{RoomFinished, RoomStarted};

use crate::Error;
use crate::media::{ReceivedWebhook, WebhookEvent, WebhookKind, WebhookVerifier};

/// How long a handled event id is remembered (LiveKit retries within minutes).
const REMEMBER_FOR: Duration = Duration::from_hours(24);

/// Handles one kind of event.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookHandler: Send + Sync {
    /// Applies the event. Must be idempotent.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when a dependency is down (LiveKit retries the delivery);
    /// - other variants for events that cannot be applied.
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error>;
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Its handler ran.
    Handled,
    /// Its id was handled before; nothing was done.
    Duplicate,
    /// Acknowledged without action (no handler, or the room does not match the filter).
    Ignored,
    /// A correctly signed event of an unknown type.
    UnknownEvent(String),
}

/// Matches the LiveKit room names this deployment handles (several deployments may share one
/// LiveKit server).
pub trait RoomFilter: Send + Sync {
    /// Whether events of `room` are handled here.
    fn accepts(&self, room: &str) -> bool;
}

/// The webhook use case.
#[derive(Clone)]
pub struct WebhookService {
    verifier: Arc<dyn WebhookVerifier>,
    ledger: Arc<dyn EventLedger>,
    handlers: BTreeMap<WebhookKind, Arc<dyn WebhookHandler>>,
    filter: Option<Arc<dyn RoomFilter>>,
}

impl WebhookService {
    /// A service with no handler yet.
    pub fn new(
        verifier: Arc<dyn WebhookVerifier>,
        ledger: Arc<dyn EventLedger>,
        filter: Option<Arc<dyn RoomFilter>>,
    ) -> Self {
        Self {
            verifier,
            ledger,
            handlers: BTreeMap::new(),
            filter,
        }
    }

    /// Registers the one handler of `kind` (a later registration replaces it).
    #[must_use]
    pub fn with_handler(mut self, kind: WebhookKind, handler: Arc<dyn WebhookHandler>) -> Self {
        self.handlers.insert(kind, handler);
        self
    }

    /// Verifies and applies one delivery.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] without `authorization`; [`Error::Invalid`] for a bad
    /// signature or body; the handler's error when it fails (the event is not remembered, so
    /// LiveKit's retry applies it).
    #[tracing::instrument(skip_all)]
    pub async fn receive(
        &self,
        body: &str,
        authorization: Option<&str>,
    ) -> Result<WebhookOutcome, Error> {
        let event = match self.verifier.verify(body, authorization)? {
            ReceivedWebhook::Unknown(name) => return Ok(WebhookOutcome::UnknownEvent(name)),
            ReceivedWebhook::Event(event) => *event,
        };
        let filtered_out = match (&self.filter, &event.room) {
            (Some(filter), Some(room)) => !filter.accepts(room),
            _ => false,
        };
        let Some(handler) = self.handlers.get(&event.kind).filter(|_| !filtered_out) else {
            tracing::debug!(
                kind = event.kind.as_str(),
                "webhook acknowledged without action"
            );
            return Ok(WebhookOutcome::Ignored);
        };
        let key = format!("webhook:{}", event.id);
        if !event.id.is_empty() && self.ledger.seen(&key).await? {
            tracing::debug!(event_id = %event.id, "duplicate webhook");
            return Ok(WebhookOutcome::Duplicate);
        }
        handler.handle(&event).await?;
        if !event.id.is_empty() {
            self.ledger.remember(&key, REMEMBER_FOR).await?;
        }
        tracing::info!(kind = event.kind.as_str(), event_id = %event.id, "webhook handled");
        Ok(WebhookOutcome::Handled)
    }
}

#[cfg(test)]
mod tests;
