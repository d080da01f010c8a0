//! The recording repository port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Recording, RecordingAccess, RecordingStatus};
use crate::Error;
use crate::access::Role;
use crate::id::{RecordingId, RoomId, UserId};
use crate::page::PageRequest;

/// Stores recordings and their accesses.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecordingRepository: Send + Sync {
    /// Inserts a recording with its owner's access in one transaction.
    ///
    /// # Errors
    ///
    /// - [`Error::Conflict`] when the room already has an initiated or active recording
    ///   (enforced by the store, so concurrent starts yield exactly one; nothing is written);
    /// - [`Error::NotFound`] when the room or the user does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn create(&self, recording: &Recording, owner: &RecordingAccess) -> Result<(), Error>;

    /// Reads a recording.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no recording has this id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, id: RecordingId) -> Result<Recording, Error>;

    /// Reads the recording made by a LiveKit egress.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no recording has this worker id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get_by_worker(&self, worker_id: &str) -> Result<Recording, Error>;

    /// The room's recording in status `active`, if any.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn active_for_room(&self, room: RoomId) -> Result<Option<Recording>, Error>;

    /// The recordings `user` has any access to, newest first (by id, descending), strictly
    /// after the cursor, at most `page.size + 1` items.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_for_user(
        &self,
        user: UserId,
        page: &PageRequest<RecordingId>,
    ) -> Result<Vec<Recording>, Error>;

    /// The role `user` holds on a recording, if any.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn role_of(&self, recording: RecordingId, user: UserId) -> Result<Option<Role>, Error>;

    /// Moves a recording from `from` to `to` if it is still in `from` (compare-and-set), and
    /// records the egress id when given.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the recording does not exist;
    /// - [`Error::FailedPrecondition`] when it is no longer in `from` (nothing is written);
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn transition(
        &self,
        id: RecordingId,
        from: RecordingStatus,
        to: RecordingStatus,
        worker_id: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Recording, Error>;

    /// Deletes a recording and its accesses.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the recording does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn delete(&self, id: RecordingId) -> Result<(), Error>;
}
