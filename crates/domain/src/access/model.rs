//! The ResourceAccess entity.

use chrono::{DateTime, Utc};

use super::Role;
use crate::id::{AccessId, RoomId, UserId};
use crate::user::User;

/// A user's role on a room; one per (user, room). `room` and `user` never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceAccess {
    /// Its id.
    pub id: AccessId,
    /// The room.
    pub room: RoomId,
    /// The user.
    pub user: UserId,
    /// The role.
    pub role: Role,
    /// When it was granted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An access with its user's profile, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessWithUser {
    /// The access.
    pub access: ResourceAccess,
    /// Its user.
    pub user: User,
}

/// The position in an accesses listing (newest first, by id: ids are time-ordered).
pub type AccessCursor = AccessId;
