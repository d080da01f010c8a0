//! `room_started` and `room_finished`.

use std::sync::Arc;

use async_trait::async_trait;

use super::WebhookHandler;
use crate::Error;
use crate::id::RoomId;
use crate::lobby::LobbyStore;
use crate::media::WebhookEvent;

/// The registered room an event is about, if its LiveKit name is a room id.
fn room_of(event: &WebhookEvent) -> Option<RoomId> {
    event.room.as_deref().and_then(|name| name.parse().ok())
}

/// `room_started`: nothing to prepare yet beyond acknowledging (telephony dispatch rules and
/// meeting status hook in here when those features exist).
#[derive(Debug, Clone, Copy, Default)]
pub struct RoomStarted;

#[async_trait]
impl WebhookHandler for RoomStarted {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        if let Some(room) = room_of(event) {
            tracing::info!(room_id = %room, "LiveKit room started");
        } else {
            tracing::debug!(room = ?event.room, "unregistered LiveKit room started");
        }
        Ok(())
    }
}

/// `room_finished`: every lobby entry of the room is deleted, so no stale admission survives
/// the meeting.
pub struct RoomFinished {
    lobby: Arc<dyn LobbyStore>,
}

impl RoomFinished {
    /// The handler over the lobby store.
    pub fn new(lobby: Arc<dyn LobbyStore>) -> Self {
        Self { lobby }
    }
}

#[async_trait]
impl WebhookHandler for RoomFinished {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        let Some(room) = room_of(event) else {
            tracing::debug!(room = ?event.room, "unregistered LiveKit room finished");
            return Ok(());
        };
        self.lobby.clear_room(room).await?;
        tracing::info!(room_id = %room, "LiveKit room finished: lobby cleared");
        Ok(())
    }
}
