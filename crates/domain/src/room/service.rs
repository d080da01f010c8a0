//! Room use cases: create, read, list, update and delete, with the permission matrix applied.
//! Creation leaves the slug for the creation callback when asked (see
//! [`CreationCallbackService`]).

use std::sync::Arc;

use super::{
    AccessLevel, CallbackId, CreationCallbackService, CreationCallbackSettings, Room,
    RoomConfiguration, RoomCursor, RoomName, RoomRef, RoomRepository, RoomView, Slug,
};
use crate::access::{AccessRepository, AccessWithUser, ResourceAccess, Role};
use crate::clock::Clock;
use crate::id::{AccessId, RoomId};
use crate::media::{JoinAnswer, JoinSettings, MediaServer, TokenIssuer, grant_for, identity_of};
use crate::page::{Page, PageRequest};
use crate::policy::{RoomAction, authorize, may_join_directly, may_see_accesses};
use crate::{Caller, Error};

/// How many times a random slug is redrawn when it collides.
const RANDOM_SLUG_ATTEMPTS: usize = 3;

/// Deployment choices that shape rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomSettings {
    /// The access level of new rooms when neither the request nor the creator's defaults set
    /// one.
    pub default_access_level: AccessLevel,
    /// How join tokens are made.
    pub join: JoinSettings,
    /// The creation callback's lifetime and rate limit.
    pub creation_callback: CreationCallbackSettings,
}

impl Default for RoomSettings {
    fn default() -> Self {
        Self {
            default_access_level: AccessLevel::Public,
            join: JoinSettings::default(),
            creation_callback: CreationCallbackSettings::default(),
        }
    }
}

/// The media server as the room use cases need it.
#[derive(Clone)]
pub struct RoomMedia {
    /// Live rooms (metadata, closing).
    pub server: Arc<dyn MediaServer>,
    /// Join tokens.
    pub tokens: Arc<dyn TokenIssuer>,
}

/// What a caller asks for when creating a room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRoom {
    /// The name; absent → a random slug serves as name.
    pub name: Option<String>,
    /// The access level; absent → the creator's default, else the deployment's.
    pub access_level: Option<AccessLevel>,
    /// The configuration; absent or empty → the creator's default configuration.
    pub configuration: Option<RoomConfiguration>,
    /// A creation callback id: the new room's slug is left under it for the creation
    /// callback; absent or empty → none.
    pub callback_id: Option<String>,
}

/// The changes a caller asks for on a room; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomPatch {
    /// A new name (the slug follows unless it was random).
    pub name: Option<String>,
    /// A new access level.
    pub access_level: Option<AccessLevel>,
    /// A new configuration (replaces the old one).
    pub configuration: Option<RoomConfiguration>,
}

impl RoomRef {
    /// Finds the room this reference names.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] ("No Room matches the given query.") and [`Error::Unavailable`].
    pub async fn resolve(&self, rooms: &dyn RoomRepository) -> Result<Room, Error> {
        let found = match self {
            Self::Id(id) => rooms.get(*id).await,
            Self::Slug(slug) => rooms.get_by_slug(slug).await,
        };
        found.map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("No Room matches the given query.".to_owned()),
            other => other,
        })
    }
}

/// The room use cases.
#[derive(Clone)]
pub struct RoomService {
    rooms: Arc<dyn RoomRepository>,
    accesses: Arc<dyn AccessRepository>,
    media: RoomMedia,
    callbacks: CreationCallbackService,
    clock: Arc<dyn Clock>,
    settings: RoomSettings,
}

impl RoomService {
    /// Builds the service over its ports.
    pub fn new(
        rooms: Arc<dyn RoomRepository>,
        accesses: Arc<dyn AccessRepository>,
        media: RoomMedia,
        callbacks: CreationCallbackService,
        clock: Arc<dyn Clock>,
        settings: RoomSettings,
    ) -> Self {
        Self {
            rooms,
            accesses,
            media,
            callbacks,
            clock,
            settings,
        }
    }

    /// The LiveKit connection details for a caller who may join the room of `view` directly
    /// (`None` otherwise), with a fresh token.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the token cannot be signed.
    pub fn join_answer(
        &self,
        caller: &Caller,
        view: &RoomView,
        requested_name: Option<&str>,
    ) -> Result<Option<JoinAnswer>, Error> {
        if !view.may_join {
            return Ok(None);
        }
        let grant = grant_for(
            caller,
            &view.room,
            view.caller_role,
            identity_of(caller),
            requested_name,
            &self.settings.join,
        );
        self.media.tokens.issue(&grant).map(Some)
    }

    /// Pushes `{configuration, access_level}` into the live room's metadata; a room that is
    /// not live or a LiveKit error never fails the caller's request.
    async fn sync_metadata(&self, room: &Room) {
        let mut set = serde_json::Map::new();
        set.insert("configuration".to_owned(), room.configuration.to_json());
        set.insert(
            "access_level".to_owned(),
            serde_json::Value::String(room.access_level.as_str().to_owned()),
        );
        match self
            .media
            .server
            .merge_room_metadata(&room.livekit_name(), set, Vec::new())
            .await
        {
            Ok(()) => tracing::debug!(room_id = %room.id, "LiveKit room metadata updated"),
            Err(Error::NotFound(_)) => tracing::debug!(room_id = %room.id, "room not live"),
            Err(error) => {
                tracing::warn!(room_id = %room.id, error = %error, "LiveKit metadata not updated");
            }
        }
    }

    /// Creates a room owned by the caller; with a callback id, then leaves the room's slug
    /// under it for the creation callback.
    ///
    /// Creation and the callback note are two stores, so they are written one after the
    /// other: when the note cannot be left, the room just created is deleted again and the
    /// failure returned, so that nothing is half done and the same request can be retried (a
    /// room that cannot be deleted either is logged).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers; [`Error::Invalid`] on `name`, `slug`
    /// or `callback_id`; [`Error::AlreadyExists`] on `slug`; [`Error::Unavailable`] (database,
    /// or the creation callback store: then no room is left).
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, caller: &Caller, request: CreateRoom) -> Result<RoomView, Error> {
        authorize(RoomAction::Create, caller.is_authenticated(), None)?;
        let user = caller.require_user()?;
        let callback = CreationCallbackService::requested(request.callback_id.as_deref())?;
        let access_level = request
            .access_level
            .or(user.default_room_access_level)
            .unwrap_or(self.settings.default_access_level);
        let configuration = request
            .configuration
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| user.default_room_configuration.clone());
        let named = match &request.name {
            Some(raw) => Some((
                RoomName::parse(raw).map_err(|e| e.at("name"))?,
                Slug::from_name(raw).map_err(|e| e.at("slug"))?,
            )),
            None => None,
        };
        let attempts = if named.is_some() {
            1
        } else {
            RANDOM_SLUG_ATTEMPTS
        };
        let now = self.clock.now();
        let mut last_error = None;
        for _ in 0..attempts {
            let (name, slug, slug_is_random) = if let Some((name, slug)) = &named {
                (name.clone(), slug.clone(), false)
            } else {
                let slug = Slug::random();
                let name = RoomName::parse(slug.as_str()).map_err(Error::internal)?;
                (name, slug, true)
            };
            let room = Room {
                id: RoomId::new(),
                name,
                slug,
                slug_is_random,
                access_level,
                configuration: configuration.clone(),
                pin_code: None,
                created_at: now,
                updated_at: now,
            };
            let owner = ResourceAccess {
                id: AccessId::new(),
                room: room.id,
                user: user.id,
                role: Role::Owner,
                created_at: now,
                updated_at: now,
            };
            match self.rooms.insert(&room, &owner).await {
                Ok(()) => {
                    tracing::info!(room_id = %room.id, "room created");
                    if let Some(callback) = &callback {
                        self.leave_callback(callback, &room).await?;
                    }
                    let accesses = vec![AccessWithUser {
                        access: owner,
                        user: user.clone(),
                    }];
                    return Ok(RoomView {
                        room,
                        caller_role: Some(Role::Owner),
                        may_join: true,
                        accesses: Some(accesses),
                    });
                }
                Err(e @ Error::AlreadyExists { .. }) => last_error = Some(e),
                Err(other) => return Err(other),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::internal("no slug attempt was made")))
    }

    /// Leaves the slug of the room just created under `callback`; on failure, deletes the
    /// room again and returns the failure.
    async fn leave_callback(&self, callback: &CallbackId, room: &Room) -> Result<(), Error> {
        let Err(error) = self.callbacks.remember(callback, &room.slug).await else {
            return Ok(());
        };
        match self.rooms.delete(room.id).await {
            Ok(()) => {
                tracing::warn!(room_id = %room.id, error = %error, "creation callback not stored: room deleted again");
            }
            Err(undo) => {
                tracing::error!(room_id = %room.id, error = %error, undo = %undo, "creation callback not stored, and the room could not be deleted again");
            }
        }
        Err(error)
    }

    /// Reads a room as the caller sees it (accesses only for its administrators and owners).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] and [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(room = reference))]
    pub async fn get(&self, caller: &Caller, reference: &str) -> Result<RoomView, Error> {
        let room = RoomRef::parse(reference)
            .resolve(self.rooms.as_ref())
            .await?;
        self.view(caller, room).await
    }

    async fn view(&self, caller: &Caller, room: Room) -> Result<RoomView, Error> {
        let role = self.role_of(caller, room.id).await?;
        let may_join = may_join_directly(room.access_level, caller.is_authenticated(), role);
        let accesses = if may_see_accesses(role) {
            Some(self.accesses.list_for_room(room.id).await?)
        } else {
            None
        };
        Ok(RoomView {
            room,
            caller_role: role,
            may_join,
            accesses,
        })
    }

    async fn role_of(&self, caller: &Caller, room: RoomId) -> Result<Option<Role>, Error> {
        match caller.user() {
            Some(user) => self.accesses.role_of(room, user.id).await,
            None => Ok(None),
        }
    }

    /// Lists the rooms on which the caller has a role, by name; empty for anonymous callers.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        caller: &Caller,
        page: &PageRequest<RoomCursor>,
    ) -> Result<Page<RoomView, RoomCursor>, Error> {
        let Some(user) = caller.user() else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let rows = self.rooms.list_for_user(user.id, page).await?;
        let views = rows
            .into_iter()
            .map(|(room, role)| RoomView {
                room,
                caller_role: Some(role),
                may_join: true,
                accesses: None,
            })
            .collect();
        Ok(Page::from_overfetch(views, page.size, |v| v.room.cursor()))
    }

    /// Changes a room's name (and slug), access level or configuration.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`]; [`Error::PermissionDenied`] for
    /// callers who are not administrator or owner; [`Error::Invalid`] on `name`/`slug`;
    /// [`Error::AlreadyExists`] on `slug`; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(room = reference))]
    pub async fn update(
        &self,
        caller: &Caller,
        reference: &str,
        patch: RoomPatch,
    ) -> Result<RoomView, Error> {
        caller.require_user()?;
        let mut room = RoomRef::parse(reference)
            .resolve(self.rooms.as_ref())
            .await?;
        let role = self.role_of(caller, room.id).await?;
        authorize(RoomAction::Update, true, role)?;
        if let Some(raw) = &patch.name {
            room.name = RoomName::parse(raw).map_err(|e| e.at("name"))?;
            if !room.slug_is_random {
                room.slug = Slug::from_name(raw).map_err(|e| e.at("slug"))?;
            }
        }
        let before = (room.access_level, room.configuration.clone());
        if let Some(level) = patch.access_level {
            room.access_level = level;
        }
        if let Some(configuration) = patch.configuration {
            room.configuration = configuration;
        }
        room.updated_at = self.clock.now();
        self.rooms.update(&room).await?;
        if before != (room.access_level, room.configuration.clone()) {
            self.sync_metadata(&room).await;
        }
        self.view(caller, room).await
    }

    /// Deletes a room (owners only).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`]; [`Error::PermissionDenied`] for
    /// callers who are not owner; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(room = reference))]
    pub async fn delete(&self, caller: &Caller, reference: &str) -> Result<(), Error> {
        caller.require_user()?;
        let room = RoomRef::parse(reference)
            .resolve(self.rooms.as_ref())
            .await?;
        let role = self.role_of(caller, room.id).await?;
        authorize(RoomAction::Delete, true, role)?;
        self.rooms.delete(room.id).await?;
        tracing::info!(room_id = %room.id, "room deleted");
        match self.media.server.delete_room(&room.livekit_name()).await {
            Ok(()) => tracing::info!(room_id = %room.id, "live LiveKit room closed"),
            Err(Error::NotFound(_)) => {}
            Err(error) => {
                tracing::warn!(room_id = %room.id, error = %error, "LiveKit room not closed");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
