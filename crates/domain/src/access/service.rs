//! Access use cases: list, grant, change and remove roles on rooms.

use std::sync::Arc;

use super::policy::{authorize_change, authorize_grant, authorize_removal};
use super::{AccessCursor, AccessRepository, AccessWithUser, ResourceAccess, Role};
use crate::clock::Clock;
use crate::id::{AccessId, UserId};
use crate::page::{Page, PageRequest};
use crate::room::{RoomRef, RoomRepository};
use crate::user::UserRepository;
use crate::{Caller, Error};

/// The access use cases.
#[derive(Clone)]
pub struct AccessService {
    rooms: Arc<dyn RoomRepository>,
    accesses: Arc<dyn AccessRepository>,
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl AccessService {
    /// Builds the service over its ports.
    pub fn new(
        rooms: Arc<dyn RoomRepository>,
        accesses: Arc<dyn AccessRepository>,
        users: Arc<dyn UserRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            rooms,
            accesses,
            users,
            clock,
        }
    }

    /// The accesses of the rooms the caller administers (only `room` when given); members and
    /// strangers see an empty list.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers; [`Error::NotFound`] for an unknown
    /// `room`; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        caller: &Caller,
        room: Option<&RoomRef>,
        page: &PageRequest<AccessCursor>,
    ) -> Result<Page<AccessWithUser, AccessCursor>, Error> {
        let requester = caller.require_user()?;
        let room = match room {
            Some(reference) => Some(reference.resolve(self.rooms.as_ref()).await?.id),
            None => None,
        };
        let items = self
            .accesses
            .list_administered_by(requester.id, room, page)
            .await?;
        Ok(Page::from_overfetch(items, page.size, |a| a.access.id))
    }

    /// Grants `user` the `role` on `room`.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] for an unknown room;
    /// [`Error::PermissionDenied`] per [`super::policy`]; [`Error::Invalid`] on `user_id` for
    /// an unknown user; [`Error::AlreadyExists`] when the user already has a role there.
    #[tracing::instrument(skip_all, fields(user_id = %user, role = %role))]
    pub async fn create(
        &self,
        caller: &Caller,
        room: &RoomRef,
        user: UserId,
        role: Role,
    ) -> Result<AccessWithUser, Error> {
        let requester = caller.require_user()?;
        let room = room.resolve(self.rooms.as_ref()).await?;
        let requester_role = self.accesses.role_of(room.id, requester.id).await?;
        authorize_grant(requester_role, role)?;
        let user = match self.users.get(user).await {
            Err(Error::NotFound(_)) => {
                return Err(Error::invalid(
                    "user_id",
                    format!("Invalid pk \"{user}\" - object does not exist."),
                ));
            }
            other => other?,
        };
        let now = self.clock.now();
        let access = ResourceAccess {
            id: AccessId::new(),
            room: room.id,
            user: user.id,
            role,
            created_at: now,
            updated_at: now,
        };
        self.accesses.insert(&access).await?;
        Ok(AccessWithUser { access, user })
    }

    /// Changes the role of an access (`room` and `user` never change).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] for an unknown access;
    /// [`Error::PermissionDenied`] per [`super::policy`] and for the room's last owner.
    #[tracing::instrument(skip_all, fields(access_id = %id, role = %role))]
    pub async fn update(
        &self,
        caller: &Caller,
        id: AccessId,
        role: Role,
    ) -> Result<AccessWithUser, Error> {
        let requester = caller.require_user()?;
        let target = self.accesses.get(id).await?;
        let requester_role = self.accesses.role_of(target.room, requester.id).await?;
        authorize_change(requester.id, requester_role, &target, role)?;
        let access = self
            .accesses
            .update_role(id, role, self.clock.now())
            .await?;
        let user = self.users.get(access.user).await?;
        Ok(AccessWithUser { access, user })
    }

    /// Removes an access.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] for an unknown access;
    /// [`Error::PermissionDenied`] per [`super::policy`] and for the room's last owner.
    #[tracing::instrument(skip_all, fields(access_id = %id))]
    pub async fn delete(&self, caller: &Caller, id: AccessId) -> Result<(), Error> {
        let requester = caller.require_user()?;
        let target = self.accesses.get(id).await?;
        let requester_role = self.accesses.role_of(target.room, requester.id).await?;
        authorize_removal(requester.id, requester_role, &target)?;
        self.accesses.delete(id).await
    }
}

#[cfg(test)]
mod tests;
