//! `egress_updated` and `egress_ended`: the recording use cases take them
//! ([`RecordingService::egress_updated`], [`RecordingService::egress_ended`]); these handlers
//! only route. An event without egress, or of an egress that made no recording, is logged and
//! acknowledged.

use async_trait::async_trait;

use super::WebhookHandler;
use crate::Error;
use crate::media::WebhookEvent;
use crate::recording::RecordingService;

/// `egress_updated`: mirrors the egress status into the room's metadata.
#[derive(Clone)]
pub struct EgressUpdated {
    recordings: RecordingService,
}

impl EgressUpdated {
    /// The handler over the recording use cases.
    pub fn new(recordings: RecordingService) -> Self {
        Self { recordings }
    }
}

#[async_trait]
impl WebhookHandler for EgressUpdated {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        let Some(egress) = &event.egress else {
            tracing::warn!(event_id = %event.id, "egress_updated without egress acknowledged");
            return Ok(());
        };
        self.recordings.egress_updated(egress).await
    }
}

/// `egress_ended`: cleans the room's metadata, handles limits and finalises.
#[derive(Clone)]
pub struct EgressEnded {
    recordings: RecordingService,
}

impl EgressEnded {
    /// The handler over the recording use cases.
    pub fn new(recordings: RecordingService) -> Self {
        Self { recordings }
    }
}

#[async_trait]
impl WebhookHandler for EgressEnded {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        let Some(egress) = &event.egress else {
            tracing::warn!(event_id = %event.id, "egress_ended without egress acknowledged");
            return Ok(());
        };
        self.recordings.egress_ended(egress).await
    }
}
