//! The in-memory state of the fake server: rooms, participants, tracks, egress, SIP, recorded
//! data messages and requests. Mutations return the webhook events they cause.

use std::collections::{BTreeMap, HashMap};

use livekit_protocol as proto;
use proto::participant_info::{Kind as ParticipantKind, State as ParticipantState};
use serde::Serialize;

use crate::auth::{Claims, unix_now};
use crate::ids;
use crate::twirp::InjectedFailure;
use crate::webhooks::event;

/// livekit-server's default `room.empty_timeout` (seconds).
pub(crate) const DEFAULT_EMPTY_TIMEOUT: u32 = 300;
/// livekit-server's default `room.departure_timeout` (seconds).
pub(crate) const DEFAULT_DEPARTURE_TIMEOUT: u32 = 20;

/// A participant to add through the control API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParticipantSpec {
    /// Identity (unique in the room).
    pub identity: String,
    /// Display name.
    pub name: String,
    /// Metadata.
    pub metadata: String,
    /// Attributes.
    pub attributes: HashMap<String, String>,
    /// Permission; `None` gives the server's default for a token with `canPublish`,
    /// `canSubscribe` and `canPublishData`.
    pub permission: Option<proto::ParticipantPermission>,
    /// Participant kind (standard, SIP, agent, …).
    pub kind: ParticipantKind,
}

impl ParticipantSpec {
    /// A standard participant with this identity.
    pub fn new(identity: impl Into<String>) -> Self {
        Self {
            identity: identity.into(),
            ..Self::default()
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// Adds an attribute.
    #[must_use]
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(key.into(), value.into());
        self
    }

    /// Sets the permission.
    #[must_use]
    pub fn with_permission(mut self, permission: proto::ParticipantPermission) -> Self {
        self.permission = Some(permission);
        self
    }

    /// Sets the kind.
    #[must_use]
    pub fn with_kind(mut self, kind: ParticipantKind) -> Self {
        self.kind = kind;
        self
    }
}

/// A track to publish through the control API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSpec {
    /// Audio or video.
    pub kind: proto::TrackType,
    /// Camera, microphone, screen share, …
    pub source: proto::TrackSource,
    /// Track name.
    pub name: String,
    /// Published muted.
    pub muted: bool,
}

impl TrackSpec {
    /// A microphone audio track.
    pub fn microphone() -> Self {
        Self {
            kind: proto::TrackType::Audio,
            source: proto::TrackSource::Microphone,
            name: "microphone".to_owned(),
            muted: false,
        }
    }

    /// A camera video track.
    pub fn camera() -> Self {
        Self {
            kind: proto::TrackType::Video,
            source: proto::TrackSource::Camera,
            name: "camera".to_owned(),
            muted: false,
        }
    }

    /// A screen-share video track.
    pub fn screen_share() -> Self {
        Self {
            kind: proto::TrackType::Video,
            source: proto::TrackSource::ScreenShare,
            name: "screen".to_owned(),
            muted: false,
        }
    }
}

/// A data message sent with `RoomService.SendData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentData {
    /// The room.
    pub room: String,
    /// The payload.
    pub data: Vec<u8>,
    /// `RELIABLE` or `LOSSY`.
    pub kind: String,
    /// The topic, if any.
    pub topic: Option<String>,
    /// Destination identities (empty: everyone).
    pub destination_identities: Vec<String>,
    /// The nonce the client sent (empty or 16 bytes).
    pub nonce: Vec<u8>,
}

/// A Twirp request as the fake received it (after authentication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// Service name, e.g. `RoomService`.
    pub service: String,
    /// Method name, e.g. `ListRooms`.
    pub method: String,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The verified token's claims, if a token was sent.
    pub claims: Option<Claims>,
}

/// Why a control-API operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// No such room.
    #[error("room {0:?} does not exist")]
    RoomNotFound(String),
    /// No such participant.
    #[error("participant {0:?} does not exist")]
    ParticipantNotFound(String),
    /// No such track.
    #[error("track {0:?} does not exist")]
    TrackNotFound(String),
    /// No such egress.
    #[error("egress {0:?} does not exist")]
    EgressNotFound(String),
    /// The participant identity is already in the room.
    #[error("participant {0:?} is already in the room")]
    DuplicateIdentity(String),
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
}

/// One room and its participants (in join order).
#[derive(Debug, Clone)]
pub(crate) struct RoomEntry {
    pub(crate) room: proto::Room,
    pub(crate) participants: Vec<proto::ParticipantInfo>,
}

/// Everything the fake remembers.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) rooms: BTreeMap<String, RoomEntry>,
    pub(crate) egress: BTreeMap<String, proto::EgressInfo>,
    pub(crate) inbound_trunks: BTreeMap<String, proto::SipInboundTrunkInfo>,
    pub(crate) outbound_trunks: BTreeMap<String, proto::SipOutboundTrunkInfo>,
    pub(crate) dispatch_rules: BTreeMap<String, proto::SipDispatchRuleInfo>,
    pub(crate) data: Vec<SentData>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) failures: HashMap<String, InjectedFailure>,
    pub(crate) webhooks: Vec<proto::WebhookEvent>,
}

/// The codecs livekit-server enables by default, as `Room.enabled_codecs` lists them.
fn default_codecs() -> Vec<proto::Codec> {
    [
        "audio/opus",
        "audio/red",
        "video/VP8",
        "video/H264",
        "video/VP9",
        "video/AV1",
        "video/H265",
    ]
    .into_iter()
    .map(|mime| proto::Codec {
        mime: mime.to_owned(),
        fmtp_line: String::new(),
    })
    .collect()
}

fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Nanoseconds since the epoch (egress timestamps).
pub(crate) fn unix_now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl RoomEntry {
    /// The room as the API returns it, with live counters.
    pub(crate) fn to_proto(&self, egress: &BTreeMap<String, proto::EgressInfo>) -> proto::Room {
        let mut room = self.room.clone();
        room.num_participants = u32::try_from(self.participants.len()).unwrap_or(u32::MAX);
        room.num_publishers =
            u32::try_from(self.participants.iter().filter(|p| p.is_publisher).count())
                .unwrap_or(u32::MAX);
        room.active_recording = egress.values().any(|e| {
            e.room_name == room.name
                && e.status < proto::EgressStatus::EgressComplete as i32
                && matches!(
                    e.request,
                    Some(proto::egress_info::Request::RoomComposite(_))
                )
        });
        room
    }
}

impl State {
    /// The room with live counters.
    pub(crate) fn room_proto(&self, name: &str) -> Option<proto::Room> {
        self.rooms.get(name).map(|r| r.to_proto(&self.egress))
    }

    /// `RoomManager.getOrCreateRoom`: returns the room, creating it (and emitting
    /// `room_started`) if needed. The bool says whether it was created.
    pub(crate) fn get_or_create_room(
        &mut self,
        request: &proto::CreateRoomRequest,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> (proto::Room, bool) {
        if let Some(room) = self.room_proto(&request.name) {
            return (room, false);
        }
        let room = proto::Room {
            sid: ids::new_id(ids::ROOM),
            name: request.name.clone(),
            empty_timeout: if request.empty_timeout == 0 {
                DEFAULT_EMPTY_TIMEOUT
            } else {
                request.empty_timeout
            },
            departure_timeout: if request.departure_timeout == 0 {
                DEFAULT_DEPARTURE_TIMEOUT
            } else {
                request.departure_timeout
            },
            max_participants: request.max_participants,
            creation_time: unix_now(),
            creation_time_ms: unix_now_ms(),
            metadata: request.metadata.clone(),
            enabled_codecs: default_codecs(),
            ..Default::default()
        };
        self.rooms.insert(
            room.name.clone(),
            RoomEntry {
                room: room.clone(),
                participants: Vec::new(),
            },
        );
        let room = self.room_proto(&request.name).unwrap_or(room);
        events.push(event("room_started").room(room.clone()).build());
        (room, true)
    }

    /// Deletes a room: disconnects everyone (`participant_left`), ends its active egress and
    /// emits `room_finished`.
    pub(crate) fn delete_room(
        &mut self,
        name: &str,
        reason: proto::DisconnectReason,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> Result<(), ControlError> {
        let entry = self
            .rooms
            .get(name)
            .cloned()
            .ok_or_else(|| ControlError::RoomNotFound(name.to_owned()))?;
        for participant in &entry.participants {
            self.remove_participant(name, &participant.identity, reason, events)?;
        }
        let active: Vec<String> = self
            .egress
            .values()
            .filter(|e| {
                e.room_name == name && e.status < proto::EgressStatus::EgressComplete as i32
            })
            .map(|e| e.egress_id.clone())
            .collect();
        for id in active {
            crate::egress::finish(self, &id, events);
        }
        let room = self.room_proto(name).unwrap_or(entry.room);
        self.rooms.remove(name);
        events.push(event("room_finished").room(room).build());
        Ok(())
    }

    /// A participant joins (already `ACTIVE`): creates the room if needed and emits
    /// `participant_joined`.
    pub(crate) fn add_participant(
        &mut self,
        room_name: &str,
        spec: ParticipantSpec,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> Result<proto::ParticipantInfo, ControlError> {
        if spec.identity.is_empty() {
            return Err(ControlError::Invalid("identity cannot be empty".to_owned()));
        }
        if room_name.is_empty() {
            return Err(ControlError::Invalid("no room name".to_owned()));
        }
        let create = proto::CreateRoomRequest {
            name: room_name.to_owned(),
            ..Default::default()
        };
        self.get_or_create_room(&create, events);
        let entry = self
            .rooms
            .get_mut(room_name)
            .ok_or_else(|| ControlError::RoomNotFound(room_name.to_owned()))?;
        if entry
            .participants
            .iter()
            .any(|p| p.identity == spec.identity)
        {
            return Err(ControlError::DuplicateIdentity(spec.identity));
        }
        let permission = spec.permission.unwrap_or(proto::ParticipantPermission {
            can_subscribe: true,
            can_publish: true,
            can_publish_data: true,
            ..Default::default()
        });
        let participant = proto::ParticipantInfo {
            sid: ids::new_id(ids::PARTICIPANT),
            identity: spec.identity,
            state: ParticipantState::Active as i32,
            metadata: spec.metadata,
            joined_at: unix_now(),
            joined_at_ms: unix_now_ms(),
            name: spec.name,
            version: 1,
            permission: Some(permission),
            kind: spec.kind as i32,
            attributes: spec.attributes,
            ..Default::default()
        };
        entry.participants.push(participant.clone());
        let room = self.room_proto(room_name);
        events.push(
            event("participant_joined")
                .room_opt(room)
                .participant(participant.clone())
                .build(),
        );
        Ok(participant)
    }

    /// A participant leaves: emits `participant_left` with the participant `DISCONNECTED`.
    pub(crate) fn remove_participant(
        &mut self,
        room_name: &str,
        identity: &str,
        reason: proto::DisconnectReason,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> Result<proto::ParticipantInfo, ControlError> {
        let entry = self
            .rooms
            .get_mut(room_name)
            .ok_or_else(|| ControlError::RoomNotFound(room_name.to_owned()))?;
        let index = entry
            .participants
            .iter()
            .position(|p| p.identity == identity)
            .ok_or_else(|| ControlError::ParticipantNotFound(identity.to_owned()))?;
        let mut participant = entry.participants.remove(index);
        participant.state = ParticipantState::Disconnected as i32;
        participant.disconnect_reason = reason as i32;
        participant.version += 1;
        let room = self.room_proto(room_name);
        events.push(
            event("participant_left")
                .room_opt(room)
                .participant(participant.clone())
                .build(),
        );
        Ok(participant)
    }

    /// The participant, mutably.
    pub(crate) fn participant_mut(
        &mut self,
        room_name: &str,
        identity: &str,
    ) -> Result<&mut proto::ParticipantInfo, ControlError> {
        self.rooms
            .get_mut(room_name)
            .ok_or_else(|| ControlError::RoomNotFound(room_name.to_owned()))?
            .participants
            .iter_mut()
            .find(|p| p.identity == identity)
            .ok_or_else(|| ControlError::ParticipantNotFound(identity.to_owned()))
    }

    /// Publishes a track for a participant and emits `track_published`.
    pub(crate) fn publish_track(
        &mut self,
        room_name: &str,
        identity: &str,
        spec: TrackSpec,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> Result<proto::TrackInfo, ControlError> {
        let participant = self.participant_mut(room_name, identity)?;
        let track = proto::TrackInfo {
            sid: ids::new_id(ids::TRACK),
            r#type: spec.kind as i32,
            name: spec.name,
            muted: spec.muted,
            source: spec.source as i32,
            mime_type: if spec.kind == proto::TrackType::Audio {
                "audio/opus".to_owned()
            } else {
                "video/VP8".to_owned()
            },
            width: if spec.kind == proto::TrackType::Video {
                1280
            } else {
                0
            },
            height: if spec.kind == proto::TrackType::Video {
                720
            } else {
                0
            },
            stream: if spec.kind == proto::TrackType::Video {
                "camera"
            } else {
                ""
            }
            .to_owned(),
            ..Default::default()
        };
        participant.tracks.push(track.clone());
        participant.is_publisher = true;
        participant.version += 1;
        let short = proto::ParticipantInfo {
            sid: participant.sid.clone(),
            identity: participant.identity.clone(),
            ..Default::default()
        };
        let room = self.room_proto(room_name);
        events.push(
            event("track_published")
                .room_opt(room)
                .participant(short)
                .track(track.clone())
                .build(),
        );
        Ok(track)
    }

    /// Unpublishes a track and emits `track_unpublished`.
    pub(crate) fn unpublish_track(
        &mut self,
        room_name: &str,
        identity: &str,
        track_sid: &str,
        events: &mut Vec<proto::WebhookEvent>,
    ) -> Result<proto::TrackInfo, ControlError> {
        let participant = self.participant_mut(room_name, identity)?;
        let index = participant
            .tracks
            .iter()
            .position(|t| t.sid == track_sid)
            .ok_or_else(|| ControlError::TrackNotFound(track_sid.to_owned()))?;
        let track = participant.tracks.remove(index);
        participant.is_publisher = !participant.tracks.is_empty();
        participant.version += 1;
        let short = proto::ParticipantInfo {
            sid: participant.sid.clone(),
            identity: participant.identity.clone(),
            ..Default::default()
        };
        let room = self.room_proto(room_name);
        events.push(
            event("track_unpublished")
                .room_opt(room)
                .participant(short)
                .track(track.clone())
                .build(),
        );
        Ok(track)
    }
}
