//! The media server ports.

use async_trait::async_trait;

use super::{
    DataMessage, DispatchRule, EgressInfo, EgressRequest, JoinAnswer, JoinGrant, MediaClaims,
    Participant, ParticipantUpdate, ReceivedWebhook, SipParticipant, SipTrunk, Track,
};
use crate::Error;

/// Mints join tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    /// Signs a token for the grant and returns what the client needs to connect.
    ///
    /// # Errors
    ///
    /// - [`Error::Internal`] when the grant cannot be signed (invalid credentials).
    fn issue(&self, grant: &JoinGrant) -> Result<JoinAnswer, Error>;
}

/// Verifies tokens the media server's clients hold (in-meeting actions).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait MediaTokenVerifier: Send + Sync {
    /// Checks a token's signature, issuer and expiry.
    ///
    /// # Errors
    ///
    /// - [`Error::PermissionDenied`] ("Invalid LiveKit token: …") when the token is missing an
    ///   identity or room grant, expired, or not signed with our credentials.
    fn verify(&self, token: &str) -> Result<MediaClaims, Error>;
}

/// Verifies the webhooks the media server sends.
// mockall needs the lifetime spelled out, and its generated code takes `&Option<&str>`.
#[allow(clippy::needless_lifetimes, clippy::ref_option_ref)]
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookVerifier: Send + Sync {
    /// Checks the signature (the bare JWT of the `Authorization` header and the body's
    /// sha256) and parses the body.
    ///
    /// # Errors
    ///
    /// - [`Error::Unauthenticated`] when `authorization` is absent;
    /// - [`Error::Invalid`] on `authorization` when the signature or the body hash does not
    ///   verify, or on `body` when the body is not an event.
    fn verify<'a>(
        &self,
        body: &str,
        authorization: Option<&'a str>,
    ) -> Result<ReceivedWebhook, Error>;
}

/// Live rooms and their participants on the media server.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MediaServer: Send + Sync {
    /// Reads a room's metadata, merges `set` into it and removes `remove`, then writes it
    /// back (the metadata is a JSON object).
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room is not live;
    /// - [`Error::Unavailable`] (dependency `livekit`) when the server cannot be reached or
    ///   refuses the credentials.
    async fn merge_room_metadata(
        &self,
        room: &str,
        set: serde_json::Map<String, serde_json::Value>,
        remove: Vec<String>,
    ) -> Result<(), Error>;

    /// Closes a live room, disconnecting everyone.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room is not live;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn delete_room(&self, room: &str) -> Result<(), Error>;

    /// The participants of a room (empty when the room is not live).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn list_participants(&self, room: &str) -> Result<Vec<Participant>, Error>;

    /// One participant.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the participant (or the room) does not exist;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn get_participant(&self, room: &str, identity: &str) -> Result<Participant, Error>;

    /// Disconnects a participant.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the participant does not exist;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn remove_participant(&self, room: &str, identity: &str) -> Result<(), Error>;

    /// Mutes a participant's published track and returns it.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the participant or the track does not exist (also when the
    ///   server answers without the track);
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn mute_track(&self, room: &str, identity: &str, track_sid: &str)
    -> Result<Track, Error>;

    /// Changes a participant's metadata, attributes (merged), permission or name.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the participant does not exist;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn update_participant(
        &self,
        room: &str,
        identity: &str,
        update: ParticipantUpdate,
    ) -> Result<Participant, Error>;

    /// Sends a reliable data message into a room.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room is not live;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn send_data(&self, room: &str, message: DataMessage) -> Result<(), Error>;
}

/// Recording egress on the media server.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecordingEgress: Send + Sync {
    /// Starts a room composite egress to the configured storage.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the room is not live;
    /// - [`Error::Unavailable`] when the server cannot be reached or the egress cannot start.
    async fn start(&self, request: EgressRequest) -> Result<EgressInfo, Error>;

    /// Stops an egress and returns its status after the request (ENDING when it stops
    /// normally).
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the egress does not exist;
    /// - [`Error::FailedPrecondition`] when it has already ended;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn stop(&self, egress_id: &str) -> Result<EgressInfo, Error>;

    /// The egresses of a room (all when `room` is `None`), optionally only active ones.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn list(&self, room: Option<String>, active_only: bool)
    -> Result<Vec<EgressInfo>, Error>;
}

/// SIP telephony on the media server.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SipGateway: Send + Sync {
    /// Creates a direct dispatch rule and returns it with its id.
    ///
    /// # Errors
    ///
    /// - [`Error::AlreadyExists`] when a rule with the same PIN exists (callers treat it as
    ///   present);
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn create_dispatch_rule(&self, rule: DispatchRule) -> Result<DispatchRule, Error>;

    /// Every dispatch rule.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn list_dispatch_rules(&self) -> Result<Vec<DispatchRule>, Error>;

    /// Deletes a dispatch rule.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when it does not exist;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn delete_dispatch_rule(&self, id: &str) -> Result<(), Error>;

    /// Creates a trunk (inbound when `trunk.inbound`) and returns it with its id.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] on `address` for an outbound trunk without one;
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn create_trunk(&self, trunk: SipTrunk) -> Result<SipTrunk, Error>;

    /// Every trunk, inbound and outbound.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn list_trunks(&self) -> Result<Vec<SipTrunk>, Error>;

    /// Deletes a trunk. Deleting an unknown id succeeds (LiveKit deletes without looking the
    /// trunk up), so repeating a deletion is harmless.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the server cannot be reached.
    async fn delete_trunk(&self, id: &str) -> Result<(), Error>;

    /// Dials `call_to` through an outbound trunk into a room.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the trunk does not exist;
    /// - [`Error::Unavailable`] when the call cannot be placed.
    async fn create_sip_participant(
        &self,
        trunk_id: &str,
        call_to: &str,
        room: &str,
        identity: &str,
    ) -> Result<SipParticipant, Error>;
}
