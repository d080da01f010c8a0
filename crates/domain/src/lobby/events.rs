//! Lobby events and the bus that carries them to every replica.

use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;

use super::LobbyEntry;
use crate::Error;
use crate::id::{ParticipantId, RoomId};

/// Something that happened in a room's lobby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LobbyEvent {
    /// A participant started waiting.
    ParticipantWaiting(LobbyEntry),
    /// A host admitted a participant.
    ParticipantAdmitted(LobbyEntry),
    /// A host denied a participant.
    ParticipantDenied(LobbyEntry),
    /// A waiting participant left (timeout, removal, or the meeting ended).
    ParticipantLeft {
        /// The room.
        room: RoomId,
        /// The participant.
        participant: ParticipantId,
    },
}

impl LobbyEvent {
    /// The room the event is about.
    pub fn room(&self) -> RoomId {
        match self {
            Self::ParticipantWaiting(e)
            | Self::ParticipantAdmitted(e)
            | Self::ParticipantDenied(e) => e.room,
            Self::ParticipantLeft { room, .. } => *room,
        }
    }

    /// The participant the event is about.
    pub fn participant(&self) -> ParticipantId {
        match self {
            Self::ParticipantWaiting(e)
            | Self::ParticipantAdmitted(e)
            | Self::ParticipantDenied(e) => e.participant,
            Self::ParticipantLeft { participant, .. } => *participant,
        }
    }
}

/// A live subscription to a room's lobby events.
pub type EventStream = Pin<Box<dyn Stream<Item = LobbyEvent> + Send>>;

/// Fans lobby events out to every subscriber, on every replica.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes an event to the subscribers of its room.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the bus cannot be reached.
    async fn publish(&self, event: &LobbyEvent) -> Result<(), Error>;

    /// Subscribes to a room's events. Events published after this returns are delivered;
    /// the stream ends when the bus shuts down or the subscriber falls too far behind (then
    /// it resubscribes and reads the current state again).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the bus cannot be reached.
    async fn subscribe(&self, room: RoomId) -> Result<EventStream, Error>;
}
