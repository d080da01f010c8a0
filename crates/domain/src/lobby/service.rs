//! Joining a room and the lobby's use cases: the join decision (re-evaluated on every
//! request), waiting, hosts listing and deciding (one or all), and the live views of both.

use std::sync::Arc;

use futures_util::StreamExt;

use super::{
    EntryDecision, EventBus, EventStream, LobbyEntry, LobbyEvent, LobbyLifetimes, LobbyStatus,
    LobbyStore, RateLimit, RateLimiter,
};
use crate::access::{AccessRepository, Role};
use crate::clock::Clock;
use crate::id::ParticipantId;
use crate::media::{
    DataMessage, JoinAnswer, JoinSettings, MediaServer, TokenIssuer, color_of, grant_for,
};
use crate::policy::{RoomAction, authorize, may_join_directly};
use crate::room::{AccessLevel, PinCode, Room, RoomRef, RoomRepository};
use crate::user::Subject;
use crate::{Caller, Error};

/// The longest display name accepted.
const MAX_USERNAME_CHARS: usize = 255;

/// Deployment choices about the lobby.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LobbySettings {
    /// How long entries live in each status.
    pub lifetimes: LobbyLifetimes,
    /// How often one participant or user may ask to enter.
    pub rate: RateLimit,
    /// How join tokens are made.
    pub join: JoinSettings,
}

/// The ports the lobby runs on.
#[derive(Clone)]
pub struct LobbyPorts {
    /// Rooms.
    pub rooms: Arc<dyn RoomRepository>,
    /// Accesses.
    pub accesses: Arc<dyn AccessRepository>,
    /// Lobby entries.
    pub store: Arc<dyn LobbyStore>,
    /// Lobby events.
    pub events: Arc<dyn EventBus>,
    /// Request rates.
    pub limiter: Arc<dyn RateLimiter>,
    /// Join tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// The media server (the `participantWaiting` data message).
    pub media: Arc<dyn MediaServer>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// The answer to a request to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    /// The participant id (issued on the first request; present it again).
    pub participant: ParticipantId,
    /// The display name.
    pub username: String,
    /// The participant's colour.
    pub color: String,
    /// `Accepted`, `Waiting` or `Denied`.
    pub status: LobbyStatus,
    /// The LiveKit connection details, when accepted.
    pub livekit: Option<JoinAnswer>,
    /// The room's PIN, when accepted.
    pub pin: Option<PinCode>,
}

/// The lobby use cases.
#[derive(Clone)]
pub struct LobbyService {
    ports: LobbyPorts,
    settings: LobbySettings,
}

impl LobbyService {
    /// Builds the service over its ports.
    pub fn new(ports: LobbyPorts, settings: LobbySettings) -> Self {
        Self { ports, settings }
    }

    /// The lifetimes entries get.
    pub fn lifetimes(&self) -> LobbyLifetimes {
        self.settings.lifetimes
    }

    async fn role_of(&self, caller: &Caller, room: &Room) -> Result<Option<Role>, Error> {
        match caller.user() {
            Some(user) => self.ports.accesses.role_of(room.id, user.id).await,
            None => Ok(None),
        }
    }

    async fn limit(
        &self,
        caller: &Caller,
        participant: Option<ParticipantId>,
    ) -> Result<(), Error> {
        let key = match (caller.user(), participant) {
            (Some(user), _) => format!("lobby:user:{}", user.id),
            (None, Some(participant)) => format!("lobby:participant:{participant}"),
            // No id yet: nothing to count against (the first request issues one).
            (None, None) => return Ok(()),
        };
        match self.ports.limiter.hit(&key, self.settings.rate).await? {
            None => Ok(()),
            Some(retry_after) => Err(Error::RateLimited { retry_after }),
        }
    }

    /// Asks to join a room: accepted directly when the room's access level lets the caller
    /// in (re-evaluated on every request), else waiting in the lobby until a host decides.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `username`; [`Error::NotFound`] for an unknown room;
    /// [`Error::RateLimited`]; [`Error::Unavailable`] when the lobby store is down.
    #[tracing::instrument(skip_all, fields(participant = ?participant))]
    pub async fn join(
        &self,
        caller: &Caller,
        room: &RoomRef,
        username: &str,
        participant: Option<ParticipantId>,
    ) -> Result<JoinOutcome, Error> {
        let username = username.trim();
        if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS {
            return Err(Error::invalid(
                "username",
                format!("must be 1 to {MAX_USERNAME_CHARS} characters"),
            ));
        }
        let room = room.resolve(self.ports.rooms.as_ref()).await?;
        self.limit(caller, participant).await?;
        let role = self.role_of(caller, &room).await?;
        let known = participant.is_some();
        let participant = participant.unwrap_or_else(ParticipantId::random);
        let identity = match caller.user() {
            Some(user) => user
                .sub
                .as_ref()
                .map_or_else(|| user.id.to_string(), |s| Subject::as_str(s).to_owned()),
            None => participant.to_string(),
        };
        if may_join_directly(room.access_level, caller.is_authenticated(), role) {
            // A participant let in because the room opened keeps the colour it waited with.
            let waited = if known {
                self.ports.store.get(room.id, participant).await?
            } else {
                None
            };
            let color = waited.map_or_else(|| color_of(&identity), |e| e.color);
            return self.accepted(caller, &room, role, identity, username, participant, color);
        }
        let now = self.ports.clock.now();
        let entry = LobbyEntry {
            room: room.id,
            participant,
            color: color_of(&identity),
            identity,
            username: username.to_owned(),
            status: LobbyStatus::Waiting,
            requested_at: now,
            decided_at: None,
            decided_by: None,
        };
        let (stored, created) = self
            .ports
            .store
            .request(&entry, &self.settings.lifetimes)
            .await?;
        match stored.status {
            LobbyStatus::Waiting => {
                if created {
                    self.announce(&room, &stored).await;
                }
                Ok(Self::outcome(&stored, None, None))
            }
            LobbyStatus::Denied => Ok(Self::outcome(&stored, None, None)),
            LobbyStatus::Accepted => {
                let username = stored.username.clone();
                self.accepted(
                    caller,
                    &room,
                    None,
                    stored.identity,
                    &username,
                    participant,
                    stored.color,
                )
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn accepted(
        &self,
        caller: &Caller,
        room: &Room,
        role: Option<Role>,
        identity: String,
        username: &str,
        participant: ParticipantId,
        color: String,
    ) -> Result<JoinOutcome, Error> {
        let mut grant = grant_for(
            caller,
            room,
            role,
            identity,
            Some(username),
            &self.settings.join,
        );
        grant.color.clone_from(&color);
        let answer = self.ports.tokens.issue(&grant)?;
        Ok(JoinOutcome {
            participant,
            username: grant.name,
            color,
            status: LobbyStatus::Accepted,
            livekit: Some(answer),
            pin: room.pin_code.clone(),
        })
    }

    fn outcome(
        entry: &LobbyEntry,
        livekit: Option<JoinAnswer>,
        pin: Option<PinCode>,
    ) -> JoinOutcome {
        JoinOutcome {
            participant: entry.participant,
            username: entry.username.clone(),
            color: entry.color.clone(),
            status: entry.status,
            livekit,
            pin,
        }
    }

    /// Tells the hosts: on the event bus, and in the LiveKit room for frontends listening
    /// there. Neither failure fails the request (the entry is stored; hosts also poll).
    async fn announce(&self, room: &Room, entry: &LobbyEntry) {
        if let Err(error) = self
            .ports
            .events
            .publish(&LobbyEvent::ParticipantWaiting(entry.clone()))
            .await
        {
            tracing::warn!(room_id = %room.id, error = %error, "waiting event not published");
        }
        let message = DataMessage {
            payload: br#"{"type":"participantWaiting"}"#.to_vec(),
            topic: None,
            destinations: Vec::new(),
        };
        match self
            .ports
            .media
            .send_data(&room.livekit_name(), message)
            .await
        {
            Ok(()) | Err(Error::NotFound(_)) => {}
            Err(error) => {
                tracing::warn!(room_id = %room.id, error = %error, "participantWaiting not sent to LiveKit");
            }
        }
    }

    /// The room, once the caller is checked as one of its hosts.
    async fn hosted(
        &self,
        caller: &Caller,
        room: &RoomRef,
    ) -> Result<(Room, crate::user::User), Error> {
        let user = caller.require_user()?.clone();
        let room = room.resolve(self.ports.rooms.as_ref()).await?;
        let role = self.ports.accesses.role_of(room.id, user.id).await?;
        authorize(RoomAction::ManageLobby, true, role)?;
        Ok((room, user))
    }

    fn has_lobby(room: &Room) -> Result<(), Error> {
        if room.access_level == AccessLevel::Public {
            Err(Error::NotFound("Room has no lobby system.".to_owned()))
        } else {
            Ok(())
        }
    }

    /// The participants waiting in a room, in arrival order (a public room has none).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::PermissionDenied`] for non-hosts;
    /// [`Error::NotFound`]; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn list_waiting(
        &self,
        caller: &Caller,
        room: &RoomRef,
    ) -> Result<Vec<LobbyEntry>, Error> {
        let (room, _) = self.hosted(caller, room).await?;
        if room.access_level == AccessLevel::Public {
            return Ok(Vec::new());
        }
        self.ports.store.list_waiting(room.id).await
    }

    /// Admits or denies one waiting participant. Exactly one decision takes effect, whatever
    /// the concurrency; repeating it is harmless.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] ("Room has no lobby system." for public rooms, "Participant not
    /// found." for unknown or expired entries); [`Error::Conflict`] when the opposite decision
    /// took effect; [`Error::Unauthenticated`]; [`Error::PermissionDenied`];
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(participant = %participant, decision = ?decision))]
    pub async fn decide(
        &self,
        caller: &Caller,
        room: &RoomRef,
        participant: ParticipantId,
        decision: EntryDecision,
    ) -> Result<LobbyEntry, Error> {
        let (room, host) = self.hosted(caller, room).await?;
        Self::has_lobby(&room)?;
        let entry = self
            .ports
            .store
            .decide(
                room.id,
                participant,
                decision,
                host.id,
                self.ports.clock.now(),
                &self.settings.lifetimes,
            )
            .await?;
        self.publish_decision(&entry).await;
        Ok(entry)
    }

    /// Admits or denies every participant waiting at that moment, in one atomic step.
    ///
    /// # Errors
    ///
    /// As [`Self::decide`], without the per-participant ones.
    #[tracing::instrument(skip_all, fields(decision = ?decision))]
    pub async fn decide_all(
        &self,
        caller: &Caller,
        room: &RoomRef,
        decision: EntryDecision,
    ) -> Result<Vec<LobbyEntry>, Error> {
        let (room, host) = self.hosted(caller, room).await?;
        Self::has_lobby(&room)?;
        let entries = self
            .ports
            .store
            .decide_all(
                room.id,
                decision,
                host.id,
                self.ports.clock.now(),
                &self.settings.lifetimes,
            )
            .await?;
        for entry in &entries {
            self.publish_decision(entry).await;
        }
        Ok(entries)
    }

    async fn publish_decision(&self, entry: &LobbyEntry) {
        let event = match entry.status {
            LobbyStatus::Accepted => LobbyEvent::ParticipantAdmitted(entry.clone()),
            LobbyStatus::Denied => LobbyEvent::ParticipantDenied(entry.clone()),
            LobbyStatus::Waiting => return,
        };
        if let Err(error) = self.ports.events.publish(&event).await {
            tracing::warn!(room_id = %entry.room, error = %error, "decision event not published");
        }
    }

    /// A host's live view: the waiting list now, then every lobby event of the room.
    ///
    /// # Errors
    ///
    /// As [`Self::list_waiting`].
    pub async fn watch_lobby(
        &self,
        caller: &Caller,
        room: &RoomRef,
    ) -> Result<(Room, Vec<LobbyEntry>, EventStream), Error> {
        let (room, _) = self.hosted(caller, room).await?;
        // Subscribe before reading, so nothing falls between the snapshot and the stream.
        let events = self.ports.events.subscribe(room.id).await?;
        let waiting = if room.access_level == AccessLevel::Public {
            Vec::new()
        } else {
            self.ports.store.list_waiting(room.id).await?
        };
        Ok((room, waiting, events))
    }

    /// A waiting participant's live view: its entry now (`None` when absent or expired), then
    /// the events about it. The participant id is the credential (random, unguessable).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown room; [`Error::Unavailable`].
    pub async fn watch_entry(
        &self,
        room: &RoomRef,
        participant: ParticipantId,
    ) -> Result<(Room, Option<LobbyEntry>, EventStream), Error> {
        let room = room.resolve(self.ports.rooms.as_ref()).await?;
        let events = self.ports.events.subscribe(room.id).await?;
        let current = self.ports.store.get(room.id, participant).await?;
        let mine = events
            .filter(move |event| std::future::ready(event.participant() == participant))
            .boxed();
        Ok((room, current, mine))
    }

    /// A sign of life from a participant watching its entry: a waiting entry's lifetime is
    /// refreshed; the current entry is returned.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`].
    pub async fn keep_alive(
        &self,
        room: &Room,
        participant: ParticipantId,
    ) -> Result<Option<LobbyEntry>, Error> {
        match self.ports.store.get(room.id, participant).await? {
            Some(entry) if entry.status == LobbyStatus::Waiting => self
                .ports
                .store
                .request(&entry, &self.settings.lifetimes)
                .await
                .map(|(entry, _)| Some(entry)),
            other => Ok(other),
        }
    }

    /// A fresh token for the caller whose entry was accepted (a waiter's live view hands it
    /// over as soon as the decision arrives); `None` for entries not accepted.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the token cannot be signed.
    pub fn admitted_answer(
        &self,
        caller: &Caller,
        room: &Room,
        entry: &LobbyEntry,
    ) -> Result<Option<JoinAnswer>, Error> {
        if entry.status != LobbyStatus::Accepted {
            return Ok(None);
        }
        let mut grant = grant_for(
            caller,
            room,
            None,
            entry.identity.clone(),
            Some(&entry.username),
            &self.settings.join,
        );
        grant.color.clone_from(&entry.color);
        self.ports.tokens.issue(&grant).map(Some)
    }

    /// Announces that a waiter closed its live view.
    pub async fn left(&self, room: &Room, participant: ParticipantId) {
        let event = LobbyEvent::ParticipantLeft {
            room: room.id,
            participant,
        };
        if let Err(error) = self.ports.events.publish(&event).await {
            tracing::debug!(error = %error, "left event not published");
        }
    }
}

#[cfg(test)]
mod tests;
