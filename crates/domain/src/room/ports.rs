//! The room ports: the repository, and the read-once store of the creation callback.

use std::time::Duration;

use async_trait::async_trait;

use super::{CallbackId, Room, RoomCursor, Slug};
use crate::Error;
use crate::access::{ResourceAccess, Role};
use crate::id::{RoomId, UserId};
use crate::page::PageRequest;

/// Stores rooms.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RoomRepository: Send + Sync {
    /// Inserts a room together with its creator's owner access, atomically.
    ///
    /// # Errors
    ///
    /// - [`Error::AlreadyExists`] with field `slug` when the slug is taken, or `pin_code` when
    ///   the PIN is taken (nothing is written);
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn insert(&self, room: &Room, owner: &ResourceAccess) -> Result<(), Error>;

    /// Reads a room by id.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no room has this id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, id: RoomId) -> Result<Room, Error>;

    /// Reads a room by its exact slug.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no room has this slug;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get_by_slug(&self, slug: &str) -> Result<Room, Error>;

    /// Lists the rooms on which `user` has a role, with that role, ordered by name then id,
    /// strictly after the page cursor, at most `page.size + 1` items (the extra one tells that
    /// more exist).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_for_user(
        &self,
        user: UserId,
        page: &PageRequest<RoomCursor>,
    ) -> Result<Vec<(Room, Role)>, Error>;

    /// Replaces a room's name, slug, access level, configuration and `updated_at`.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room no longer exists;
    /// - [`Error::AlreadyExists`] with field `slug` when the new slug is taken;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn update(&self, room: &Room) -> Result<(), Error>;

    /// Deletes a room with its accesses and recordings' rows.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn delete(&self, id: RoomId) -> Result<(), Error>;
}

/// Keeps the slug of a new room under the creation callback id its creator chose, for a
/// limited time, until someone takes it; shared by every replica.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CreationCallbacks: Send + Sync {
    /// Stores `slug` under `id` for `ttl`, replacing what `id` held (slug and lifetime).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached (nothing is stored).
    async fn put(&self, id: &CallbackId, slug: &Slug, ttl: Duration) -> Result<(), Error>;

    /// Reads and deletes the slug stored under `id`, atomically: of concurrent takers exactly
    /// one gets it. `None` when nothing is stored under `id`, it expired, or it was taken.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached (nothing is deleted).
    async fn take(&self, id: &CallbackId) -> Result<Option<Slug>, Error>;
}
