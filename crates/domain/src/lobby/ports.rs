//! The lobby store port. Every status change is a compare-and-set in the store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{EntryDecision, LobbyEntry, LobbyLifetimes};
use crate::Error;
use crate::id::{ParticipantId, RoomId, UserId};

/// Stores lobby entries, shared by every replica.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LobbyStore: Send + Sync {
    /// Records a sign of life of `entry.participant`: creates a waiting entry (indexed in the
    /// room's arrival order) if there is none, refreshes a waiting entry's lifetime, and leaves
    /// a decided entry as it is. Returns the stored entry and whether it was created.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn request(
        &self,
        entry: &LobbyEntry,
        lifetimes: &LobbyLifetimes,
    ) -> Result<(LobbyEntry, bool), Error>;

    /// Reads an entry (`None` when absent or expired; a corrupted entry is removed and reads
    /// as absent).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(
        &self,
        room: RoomId,
        participant: ParticipantId,
    ) -> Result<Option<LobbyEntry>, Error>;

    /// Applies a host's decision to a waiting entry, atomically. Repeating the decision that
    /// took effect returns the entry unchanged.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] ("Participant not found.") when there is no live entry;
    /// - [`Error::Conflict`] ("Participant was already admitted." / "... denied.") when the
    ///   opposite decision took effect;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn decide(
        &self,
        room: RoomId,
        participant: ParticipantId,
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Result<LobbyEntry, Error>;

    /// Applies a decision to every entry waiting in the room, in one atomic step, and returns
    /// the decided entries.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn decide_all(
        &self,
        room: RoomId,
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Result<Vec<LobbyEntry>, Error>;

    /// The live waiting entries of a room in arrival order (O(waiting), no key scans).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_waiting(&self, room: RoomId) -> Result<Vec<LobbyEntry>, Error>;

    /// Deletes the room's entries whose LiveKit identity is `identity`, whatever their status.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn remove_identity(&self, room: RoomId, identity: &str) -> Result<(), Error>;

    /// Deletes every entry of a room.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn clear_room(&self, room: RoomId) -> Result<(), Error>;
}
