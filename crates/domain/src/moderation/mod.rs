//! Moderation of live meetings: mute, remove, update participants, set their roles; and the
//! in-meeting actions a participant takes with its LiveKit token (raise hand, rename).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::access::{AccessRepository, ResourceAccess, Role};
use crate::clock::Clock;
use crate::id::AccessId;
use crate::lobby::LobbyStore;
use crate::media::{MediaServer, MediaTokenVerifier, ParticipantUpdate, Track};
use crate::policy::{RoomAction, authorize};
use crate::room::{Room, RoomRef, RoomRepository};
use crate::user::{Subject, UserRepository};
use crate::{Caller, Error};

/// The longest display name a participant may choose.
const MAX_NAME_CHARS: usize = 255;

/// The outcome of a role change: the role, and whether LiveKit's `room_role` attribute follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChange {
    /// The role the participant now has.
    pub role: Role,
    /// Whether the LiveKit attribute was updated (best effort).
    pub livekit_synced: bool,
}

/// The moderation use cases.
#[derive(Clone)]
pub struct ModerationService {
    rooms: Arc<dyn RoomRepository>,
    accesses: Arc<dyn AccessRepository>,
    users: Arc<dyn UserRepository>,
    media: Arc<dyn MediaServer>,
    media_tokens: Arc<dyn MediaTokenVerifier>,
    lobby: Arc<dyn LobbyStore>,
    clock: Arc<dyn Clock>,
}

/// The ports moderation runs on.
#[derive(Clone)]
pub struct ModerationPorts {
    /// Rooms.
    pub rooms: Arc<dyn RoomRepository>,
    /// Accesses.
    pub accesses: Arc<dyn AccessRepository>,
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// The media server.
    pub media: Arc<dyn MediaServer>,
    /// LiveKit token verification.
    pub media_tokens: Arc<dyn MediaTokenVerifier>,
    /// The lobby.
    pub lobby: Arc<dyn LobbyStore>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// Whether `identity` is in the live room: absent (or the room not live) is `false`; a media
/// server that cannot be reached is an error, not an absence.
async fn is_present(media: &dyn MediaServer, room: &str, identity: &str) -> Result<bool, Error> {
    match media.get_participant(room, identity).await {
        Ok(participant) => Ok(participant.is_present()),
        Err(Error::NotFound(_)) => Ok(false),
        Err(error) => Err(error),
    }
}

fn participant_not_found(error: Error) -> Error {
    match error {
        Error::NotFound(_) => Error::NotFound("Participant not found.".to_owned()),
        other => other,
    }
}

impl ModerationService {
    /// Builds the service over its ports.
    pub fn new(ports: ModerationPorts) -> Self {
        Self {
            rooms: ports.rooms,
            accesses: ports.accesses,
            users: ports.users,
            media: ports.media,
            media_tokens: ports.media_tokens,
            lobby: ports.lobby,
            clock: ports.clock,
        }
    }

    /// The room, and the caller's role on it once checked against `action`.
    async fn authorized(
        &self,
        caller: &Caller,
        room: &RoomRef,
        action: RoomAction,
    ) -> Result<(Room, Role), Error> {
        let user = caller.require_user()?;
        let room = room.resolve(self.rooms.as_ref()).await?;
        let role = self.accesses.role_of(room.id, user.id).await?;
        authorize(action, true, role)?;
        let role = role.ok_or_else(|| Error::internal("authorized without a role"))?;
        Ok((room, role))
    }

    /// The room a LiveKit token is for, checked against the room named in the request.
    async fn token_room(&self, token: &str, room: &RoomRef) -> Result<(Room, String), Error> {
        let claims = self.media_tokens.verify(token)?;
        let room = room.resolve(self.rooms.as_ref()).await?;
        if claims.room != room.livekit_name() {
            return Err(Error::PermissionDenied(
                "Invalid LiveKit token: it is for another room.".to_owned(),
            ));
        }
        Ok((room, claims.identity))
    }

    /// Mutes a participant's track. Administrators and owners may always; any participant
    /// holding a LiveKit token for this room may when the room's `everyone_can_mute` is not
    /// false and it is present in the meeting.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] / [`Error::PermissionDenied`] per the rule above;
    /// [`Error::NotFound`] for an unknown room, participant or track; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(identity = identity))]
    pub async fn mute(
        &self,
        caller: &Caller,
        livekit_token: Option<&str>,
        room: &RoomRef,
        identity: &str,
        track_sid: &str,
    ) -> Result<Track, Error> {
        let room = match (
            self.authorized(caller, room, RoomAction::Moderate).await,
            livekit_token,
        ) {
            (Ok((room, _)), _) => room,
            (Err(Error::Unauthenticated(_) | Error::PermissionDenied(_)), Some(token)) => {
                let (room, caller_identity) = self.token_room(token, room).await?;
                if room.configuration.everyone_can_mute == Some(false) {
                    return Err(Error::PermissionDenied(
                        "You do not have permission to perform this action.".to_owned(),
                    ));
                }
                let present =
                    is_present(self.media.as_ref(), &room.livekit_name(), &caller_identity).await?;
                if !present {
                    return Err(Error::PermissionDenied(
                        "Could not verify caller presence".to_owned(),
                    ));
                }
                room
            }
            (Err(error), _) => return Err(error),
        };
        self.media
            .mute_track(&room.livekit_name(), identity, track_sid)
            .await
            .map_err(participant_not_found)
    }

    /// Removes a participant from the meeting and deletes its lobby entry, so a cached
    /// admission cannot be reused.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::PermissionDenied`] for non-hosts;
    /// [`Error::NotFound`]; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(identity = identity))]
    pub async fn remove(
        &self,
        caller: &Caller,
        room: &RoomRef,
        identity: &str,
    ) -> Result<(), Error> {
        let (room, _) = self.authorized(caller, room, RoomAction::Moderate).await?;
        self.lobby.remove_identity(room.id, identity).await?;
        self.media
            .remove_participant(&room.livekit_name(), identity)
            .await
            .map_err(participant_not_found)
    }

    /// Changes a participant's metadata, attributes, permission or name.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an empty update; [`Error::Unauthenticated`];
    /// [`Error::PermissionDenied`] for non-hosts; [`Error::NotFound`]; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(identity = identity))]
    pub async fn update(
        &self,
        caller: &Caller,
        room: &RoomRef,
        identity: &str,
        update: ParticipantUpdate,
    ) -> Result<(), Error> {
        let (room, _) = self.authorized(caller, room, RoomAction::Moderate).await?;
        if update.is_empty() {
            return Err(Error::invalid(
                "update",
                "at least one of metadata, attributes, permission or name is required",
            ));
        }
        if let Some(name) = &update.name {
            check_name(name, "name")?;
        }
        self.media
            .update_participant(&room.livekit_name(), identity, update)
            .await
            .map(drop)
            .map_err(participant_not_found)
    }

    /// Gives a connected participant the member or administrator role. The database is the
    /// truth; LiveKit's `room_role` attribute follows when it can.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `role` for owner; [`Error::PermissionDenied`] for non-hosts,
    /// hosts not in the meeting, oneself and owners; [`Error::NotFound`] for absent or
    /// anonymous targets; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(identity = identity, role = %role))]
    pub async fn set_role(
        &self,
        caller: &Caller,
        room: &RoomRef,
        identity: &str,
        role: Role,
    ) -> Result<RoleChange, Error> {
        let (room, _) = self.authorized(caller, room, RoomAction::Moderate).await?;
        if role == Role::Owner {
            return Err(Error::invalid(
                "role",
                "Only member or administrator can be assigned.",
            ));
        }
        let actor = caller.require_user()?;
        let actor_identity = actor.sub.as_ref().map(Subject::as_str).unwrap_or_default();
        let livekit_room = room.livekit_name();
        let actor_present = is_present(self.media.as_ref(), &livekit_room, actor_identity).await?;
        if !actor_present {
            return Err(Error::PermissionDenied(
                "You must be in the meeting to change roles.".to_owned(),
            ));
        }
        if identity == actor_identity {
            return Err(Error::PermissionDenied(
                "You cannot change your own role.".to_owned(),
            ));
        }
        let target = self
            .media
            .get_participant(&livekit_room, identity)
            .await
            .map_err(participant_not_found)?;
        if !target.is_present() {
            return Err(Error::NotFound("Participant not found.".to_owned()));
        }
        let no_account = || {
            Error::NotFound(
                "This participant has no user account and cannot be assigned a role.".to_owned(),
            )
        };
        let sub = Subject::parse(identity).map_err(|_| no_account())?;
        let user = self.users.get_by_sub(&sub).await?.ok_or_else(no_account)?;
        let existing = self
            .accesses
            .list_for_room(room.id)
            .await?
            .into_iter()
            .find(|a| a.access.user == user.id)
            .map(|a| a.access);
        match existing {
            Some(access) if access.role == Role::Owner => {
                return Err(Error::PermissionDenied(
                    "Room owners cannot be demoted.".to_owned(),
                ));
            }
            Some(access) if access.role == role => {}
            Some(access) => {
                self.accesses
                    .update_role(access.id, role, self.clock.now())
                    .await?;
            }
            None => {
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
            }
        }
        let sync = ParticipantUpdate {
            attributes: Some(BTreeMap::from([(
                "room_role".to_owned(),
                role.as_str().to_owned(),
            )])),
            ..ParticipantUpdate::default()
        };
        let livekit_synced = match self
            .media
            .update_participant(&livekit_room, identity, sync)
            .await
        {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(error = %error, "room_role attribute not synced to LiveKit");
                false
            }
        };
        Ok(RoleChange {
            role,
            livekit_synced,
        })
    }

    /// Raises or lowers the hand of the token's participant (`handRaisedAt` attribute: the
    /// time, or empty).
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] for a token that does not verify or is for another room;
    /// [`Error::NotFound`] for an unknown room or a participant that left;
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(raised = raised))]
    pub async fn toggle_hand(
        &self,
        livekit_token: &str,
        room: &RoomRef,
        raised: bool,
    ) -> Result<(), Error> {
        let (room, identity) = self.token_room(livekit_token, room).await?;
        let at = if raised {
            self.clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        } else {
            String::new()
        };
        let update = ParticipantUpdate {
            attributes: Some(BTreeMap::from([("handRaisedAt".to_owned(), at)])),
            ..ParticipantUpdate::default()
        };
        self.media
            .update_participant(&room.livekit_name(), &identity, update)
            .await
            .map(drop)
            .map_err(participant_not_found)
    }

    /// Renames the token's participant.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `name`; otherwise as [`Self::toggle_hand`].
    #[tracing::instrument(skip_all)]
    pub async fn rename(
        &self,
        livekit_token: &str,
        room: &RoomRef,
        name: &str,
    ) -> Result<(), Error> {
        check_name(name, "name")?;
        let (room, identity) = self.token_room(livekit_token, room).await?;
        let update = ParticipantUpdate {
            name: Some(name.trim().to_owned()),
            ..ParticipantUpdate::default()
        };
        self.media
            .update_participant(&room.livekit_name(), &identity, update)
            .await
            .map(drop)
            .map_err(participant_not_found)
    }
}

fn check_name(name: &str, field: &str) -> Result<(), Error> {
    let length = name.trim().chars().count();
    if length == 0 || length > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
