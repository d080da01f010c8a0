//! Events the media server sends (webhooks), in domain terms.

use super::{EgressInfo, Participant};

/// The kinds of events LiveKit sends that Anteroom knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookKind {
    /// A room started.
    RoomStarted,
    /// A room finished.
    RoomFinished,
    /// A participant became active.
    ParticipantJoined,
    /// A participant left.
    ParticipantLeft,
    /// A participant's connection was aborted.
    ParticipantConnectionAborted,
    /// A track was published.
    TrackPublished,
    /// A track was unpublished.
    TrackUnpublished,
    /// An egress started.
    EgressStarted,
    /// An egress changed.
    EgressUpdated,
    /// An egress ended.
    EgressEnded,
    /// An ingress started.
    IngressStarted,
    /// An ingress ended.
    IngressEnded,
}

impl WebhookKind {
    /// Every known kind.
    pub const ALL: [Self; 12] = [
        Self::RoomStarted,
        Self::RoomFinished,
        Self::ParticipantJoined,
        Self::ParticipantLeft,
        Self::ParticipantConnectionAborted,
        Self::TrackPublished,
        Self::TrackUnpublished,
        Self::EgressStarted,
        Self::EgressUpdated,
        Self::EgressEnded,
        Self::IngressStarted,
        Self::IngressEnded,
    ];

    /// The event's wire name (`room_started`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RoomStarted => "room_started",
            Self::RoomFinished => "room_finished",
            Self::ParticipantJoined => "participant_joined",
            Self::ParticipantLeft => "participant_left",
            Self::ParticipantConnectionAborted => "participant_connection_aborted",
            Self::TrackPublished => "track_published",
            Self::TrackUnpublished => "track_unpublished",
            Self::EgressStarted => "egress_started",
            Self::EgressUpdated => "egress_updated",
            Self::EgressEnded => "egress_ended",
            Self::IngressStarted => "ingress_started",
            Self::IngressEnded => "ingress_ended",
        }
    }

    /// The kind of a wire name, if known.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A verified event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// Its id (`EV_…`), the idempotency key.
    pub id: String,
    /// Its kind.
    pub kind: WebhookKind,
    /// The LiveKit room name (from the room, or from the egress).
    pub room: Option<String>,
    /// The participant, for participant events.
    pub participant: Option<Participant>,
    /// The egress, for egress events.
    pub egress: Option<EgressInfo>,
    /// When LiveKit created it (unix seconds).
    pub created_at: i64,
}

/// What a verified webhook body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedWebhook {
    /// A known event.
    Event(Box<WebhookEvent>),
    /// A correctly signed event of a type Anteroom does not know.
    Unknown(String),
}
