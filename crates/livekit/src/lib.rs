//! Anteroom's LiveKit adapter: everything LiveKit-specific, behind the domain's media ports.
//!
//! - [`LivekitTokens`] mints join tokens ([`TokenIssuer`](anteroom_domain::media::TokenIssuer))
//!   and verifies the tokens participants present
//!   ([`MediaTokenVerifier`](anteroom_domain::media::MediaTokenVerifier));
//! - [`LivekitWebhooks`] verifies and reads LiveKit's webhooks
//!   ([`WebhookVerifier`](anteroom_domain::media::WebhookVerifier));
//! - [`LivekitServer`] calls the server API: rooms and participants
//!   ([`MediaServer`](anteroom_domain::media::MediaServer)), room composite recordings
//!   ([`RecordingEgress`](anteroom_domain::media::RecordingEgress)) and SIP
//!   ([`SipGateway`](anteroom_domain::media::SipGateway)).
//!
//! It is built on the `livekit-api` crate (Twirp over HTTP with protobuf bodies, rustls on
//! ring, no OpenSSL). Its errors become domain errors in one place (see the table in the
//! `error` module): `not_found` → `NotFound`, `already_exists` → `AlreadyExists`,
//! `failed_precondition` → `FailedPrecondition`, anything else — an unreachable server, a
//! timeout, refused credentials — → `Unavailable` with dependency `livekit`. Requests are
//! bounded by [`LivekitConfig::request_timeout`], so a LiveKit outage fails fast.
//!
//! One call avoids the crate: `MutePublishedTrack` is sent directly because the crate's
//! `mute_published_track` panics when the server answers without the track.

mod config;
mod convert;
mod egress;
mod error;
mod server;
mod sip;
mod tokens;
mod webhooks;

pub use config::{
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_TOKEN_TTL, LivekitConfig, S3Output, VideoEncoding,
    api_url_from,
};
pub use egress::VIDEO_LAYOUT;
pub use server::LivekitServer;
pub use tokens::LivekitTokens;
pub use webhooks::LivekitWebhooks;
