//! Join tokens: what Anteroom grants a participant, and what it reads back from one.

use std::time::Duration;

use crate::access::Role;
use crate::room::MediaSource;

/// What a participant is allowed in a LiveKit room; the adapter turns it into a signed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinGrant {
    /// The LiveKit identity (user `sub`, lobby participant id, or a random UUID).
    pub identity: String,
    /// The display name.
    pub name: String,
    /// The LiveKit room name.
    pub room: String,
    /// Whether the participant administers the room (administrators and owners).
    pub room_admin: bool,
    /// What the participant may publish; empty → listen-only (`canPublish` false).
    pub can_publish_sources: Vec<MediaSource>,
    /// The `color` attribute.
    pub color: String,
    /// The `room_role` attribute.
    pub room_role: Option<Role>,
    /// The `is_authenticated` attribute.
    pub is_authenticated: bool,
    /// How long the token is valid.
    pub ttl: Duration,
}

/// What a caller needs to connect: `{url, room, token}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinAnswer {
    /// The LiveKit URL clients connect to.
    pub url: String,
    /// The LiveKit room name.
    pub room: String,
    /// The signed access token.
    pub token: String,
}

/// What a verified LiveKit token vouches for (in-meeting actions: raise hand, rename, mute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaClaims {
    /// The participant's identity.
    pub identity: String,
    /// The LiveKit room the token is for.
    pub room: String,
}
