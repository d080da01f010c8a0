//! The media server (LiveKit) as ports: join tokens, room and participant operations, egress,
//! SIP, and the webhooks it sends. Everything LiveKit-specific stays in the adapter.

mod egress;
mod join;
mod participant;
mod ports;
mod sip;
mod token;
mod webhook;

pub use egress::{EgressInfo, EgressRequest, EgressStatus};
pub use join::{JoinSettings, color_of, grant_for, identity_of};
pub use participant::{
    DataMessage, Participant, ParticipantPermission, ParticipantState, ParticipantUpdate, Track,
};
pub use ports::{
    MediaServer, MediaTokenVerifier, RecordingEgress, SipGateway, TokenIssuer, WebhookVerifier,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{
    MockMediaServer, MockMediaTokenVerifier, MockRecordingEgress, MockSipGateway, MockTokenIssuer,
    MockWebhookVerifier,
};
pub use sip::{DispatchRule, SipParticipant, SipTrunk};
pub use token::{JoinAnswer, JoinGrant, MediaClaims};
pub use webhook::{ReceivedWebhook, WebhookEvent, WebhookKind};
