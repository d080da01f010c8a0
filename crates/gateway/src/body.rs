//! The JSON representations of the reference API (field names as La Suite Meet's
//! serializers), built from the domain's values.

use anteroom_domain::access::{AccessWithUser, ResourceAccess};
use anteroom_domain::lobby::{JoinOutcome, LobbyEntry};
use anteroom_domain::media::JoinAnswer;
use anteroom_domain::room::RoomView;
use anteroom_domain::user::User;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user, as `GET /users/me/` and nested accesses show it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserBody {
    pub(crate) id: Uuid,
    pub(crate) email: Option<String>,
    pub(crate) full_name: Option<String>,
    pub(crate) short_name: Option<String>,
    /// An IANA time zone.
    pub(crate) timezone: String,
    /// `en-us`, `fr-fr`, `nl-nl` or `de-de`.
    pub(crate) language: String,
    /// `public`, `trusted`, `restricted` or null.
    pub(crate) default_room_access_level: Option<String>,
    #[schema(value_type = Object)]
    pub(crate) default_room_configuration: Value,
}

impl From<&User> for UserBody {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.as_ref().map(|e| e.as_str().to_owned()),
            full_name: user.full_name.clone(),
            short_name: user.short_name.clone(),
            timezone: user.timezone.as_str().to_owned(),
            language: user.language.as_str().to_owned(),
            default_room_access_level: user
                .default_room_access_level
                .map(|l| l.as_str().to_owned()),
            default_room_configuration: user.default_room_configuration.to_json(),
        }
    }
}

/// An access with its user, as room administrators see it in the room payload.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RoomAccessBody {
    pub(crate) id: Uuid,
    pub(crate) user: UserBody,
    /// The room's id.
    pub(crate) resource: Uuid,
    /// `member`, `administrator` or `owner`.
    pub(crate) role: String,
}

impl From<&AccessWithUser> for RoomAccessBody {
    fn from(access: &AccessWithUser) -> Self {
        Self {
            id: access.access.id.as_uuid(),
            user: UserBody::from(&access.user),
            resource: access.access.room.as_uuid(),
            role: access.access.role.as_str().to_owned(),
        }
    }
}

/// A resource access, as `/resource-accesses/` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccessBody {
    pub(crate) id: Uuid,
    /// The user's id.
    pub(crate) user: Uuid,
    /// The room's id.
    pub(crate) resource: Uuid,
    /// `member`, `administrator` or `owner`.
    pub(crate) role: String,
}

impl From<&ResourceAccess> for AccessBody {
    fn from(access: &ResourceAccess) -> Self {
        Self {
            id: access.id.as_uuid(),
            user: access.user.as_uuid(),
            resource: access.room.as_uuid(),
            role: access.role.as_str().to_owned(),
        }
    }
}

/// What a client needs to connect to the LiveKit room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct LivekitBody {
    /// The LiveKit URL.
    pub(crate) url: String,
    /// The LiveKit room name.
    pub(crate) room: String,
    /// A LiveKit access token.
    pub(crate) token: String,
}

impl From<JoinAnswer> for LivekitBody {
    fn from(answer: JoinAnswer) -> Self {
        Self {
            url: answer.url,
            room: answer.room,
            token: answer.token,
        }
    }
}

/// A room as one caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RoomBody {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) slug: String,
    #[schema(value_type = Object)]
    pub(crate) configuration: Value,
    /// `public`, `trusted` or `restricted`.
    pub(crate) access_level: String,
    /// The telephony PIN: present (possibly null) only for callers who may join.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    #[allow(clippy::option_option)] // absent, null and a value are three different answers
    pub(crate) pin_code: Option<Option<String>>,
    /// Present only for callers who may join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) livekit: Option<LivekitBody>,
    /// Present only for the room's administrators and owners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) accesses: Option<Vec<RoomAccessBody>>,
}

impl RoomBody {
    /// The payload of `view`, with the join answer the caller got (if it may join).
    pub(crate) fn new(view: &RoomView, livekit: Option<JoinAnswer>) -> Self {
        let room = &view.room;
        Self {
            id: room.id.as_uuid(),
            name: room.name.as_str().to_owned(),
            slug: room.slug.as_str().to_owned(),
            configuration: room.configuration.to_json(),
            access_level: room.access_level.as_str().to_owned(),
            pin_code: view
                .may_join
                .then(|| view.visible_pin().map(|p| p.as_str().to_owned())),
            livekit: livekit.map(LivekitBody::from),
            accesses: view
                .accesses
                .as_ref()
                .map(|list| list.iter().map(RoomAccessBody::from).collect()),
        }
    }
}

/// A lobby participant, as hosts see it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LobbyParticipantBody {
    /// The participant id.
    pub(crate) id: Uuid,
    pub(crate) username: String,
    /// `waiting`, `accepted` or `denied`.
    pub(crate) status: String,
    pub(crate) color: String,
}

impl From<&LobbyEntry> for LobbyParticipantBody {
    fn from(entry: &LobbyEntry) -> Self {
        Self {
            id: entry.participant.as_uuid(),
            username: entry.username.clone(),
            status: entry.status.as_str().to_owned(),
            color: entry.color.clone(),
        }
    }
}

/// A participant's own lobby status (request-entry, and its event stream).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EntryBody {
    /// The participant id.
    pub(crate) id: Uuid,
    pub(crate) username: String,
    /// `waiting`, `accepted` or `denied`.
    pub(crate) status: String,
    pub(crate) color: String,
    /// The connection details once accepted, else null.
    pub(crate) livekit: Option<LivekitBody>,
}

impl From<JoinOutcome> for EntryBody {
    fn from(outcome: JoinOutcome) -> Self {
        Self {
            id: outcome.participant.as_uuid(),
            username: outcome.username,
            status: outcome.status.as_str().to_owned(),
            color: outcome.color,
            livekit: outcome.livekit.map(LivekitBody::from),
        }
    }
}

impl EntryBody {
    /// A stored entry with the connection details it gets.
    pub(crate) fn of(entry: &LobbyEntry, livekit: Option<JoinAnswer>) -> Self {
        Self {
            id: entry.participant.as_uuid(),
            username: entry.username.clone(),
            status: entry.status.as_str().to_owned(),
            color: entry.color.clone(),
            livekit: livekit.map(LivekitBody::from),
        }
    }
}

/// `{"participants": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ParticipantsBody {
    pub(crate) participants: Vec<LobbyParticipantBody>,
}

/// `{"participants": [ids]}`: who `enter-all` decided.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DecidedBody {
    pub(crate) participants: Vec<Uuid>,
}

/// `{"message": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MessageBody {
    pub(crate) message: String,
}

/// `{"status": "success"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatusBody {
    pub(crate) status: String,
}

impl StatusBody {
    pub(crate) fn success() -> Self {
        Self {
            status: "success".to_owned(),
        }
    }
}

/// An error body: `{"detail": "..."}` (field errors are `{"<field>": ["..."]}`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DetailBody {
    pub(crate) detail: String,
}

/// An error body of participant management: `{"error": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) error: String,
}

/// An OAuth 2.0 error body (the back-channel logout endpoint):
/// `{"error": "invalid_request", "error_description": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OAuthErrorBody {
    pub(crate) error: String,
    pub(crate) error_description: String,
}
