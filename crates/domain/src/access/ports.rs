//! The access repository port.

use async_trait::async_trait;

use super::{AccessCursor, AccessWithUser, ResourceAccess, Role};
use crate::Error;
use crate::id::{AccessId, RoomId, UserId};
use crate::page::PageRequest;

/// Stores resource accesses.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccessRepository: Send + Sync {
    /// The role `user` holds on `room`, if any.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn role_of(&self, room: RoomId, user: UserId) -> Result<Option<Role>, Error>;

    /// Reads one access.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no access has this id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, id: AccessId) -> Result<ResourceAccess, Error>;

    /// Every access of a room with its user, newest first.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_for_room(&self, room: RoomId) -> Result<Vec<AccessWithUser>, Error>;

    /// The accesses of every room on which `user` is administrator or owner (only `room` when
    /// given), newest first (by id, descending), strictly after the cursor, at most
    /// `page.size + 1` items.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_administered_by(
        &self,
        user: UserId,
        room: Option<RoomId>,
        page: &PageRequest<AccessCursor>,
    ) -> Result<Vec<AccessWithUser>, Error>;

    /// Inserts an access.
    ///
    /// # Errors
    ///
    /// - [`Error::AlreadyExists`] with field `user` when the user already has an access to the
    ///   room;
    /// - [`Error::NotFound`] when the room or the user does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn insert(&self, access: &ResourceAccess) -> Result<(), Error>;

    /// Changes an access's role and returns it updated. Atomically refuses to leave the room
    /// without an owner.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the access does not exist;
    /// - [`Error::PermissionDenied`] when it is the room's last owner access and `role` is not
    ///   owner (nothing is written);
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn update_role(
        &self,
        id: AccessId,
        role: Role,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ResourceAccess, Error>;

    /// Deletes an access. Atomically refuses to delete the room's last owner access.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the access does not exist;
    /// - [`Error::PermissionDenied`] when it is the room's last owner access;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn delete(&self, id: AccessId) -> Result<(), Error>;
}

/// The message of the "a room keeps at least one owner" refusal, shared by adapters.
pub const LAST_OWNER: &str = "A room keeps at least one owner.";
