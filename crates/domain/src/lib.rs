//! Anteroom's domain: the rules of rooms, users, accesses, recordings and the lobby.
//!
//! This crate holds the entities and the value types that validate on construction
//! ([`room::RoomName`], [`room::Slug`], [`access::Role`], [`room::RoomConfiguration`], …), the
//! permission policy as pure functions ([`policy`], [`access::policy`]), the ports that the
//! outbound adapters implement ([`room::RoomRepository`], [`access::AccessRepository`],
//! [`user::UserRepository`], [`recording::RecordingRepository`], [`lobby::LobbyStore`],
//! [`auth::BearerVerifier`], [`clock::Clock`]) and the use cases that the gRPC services and the
//! REST gateway both call ([`room::RoomService`], [`access::AccessService`],
//! [`user::UserService`], [`auth::Authenticator`], [`recording::RecordingService`] with its
//! ports [`recording::RecordingNotifier`] and [`recording::ObjectSigner`],
//! [`invitation::InvitationService`] with its port [`invitation::InvitationMailer`]).
//!
//! It depends on no I/O crate: no async runtime, database driver, RPC or HTTP framework. Every
//! port method documents the [`Error`] variants an adapter must return, so that both inbound
//! adapters can map them to gRPC status codes and HTTP statuses through one table each.

pub mod access;
pub mod auth;
pub mod caller;
pub mod clock;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod id;
pub mod invitation;
pub mod lobby;
pub mod media;
pub mod moderation;
pub mod page;
pub mod policy;
pub mod recording;
pub mod room;
pub mod session;
pub mod use_cases;
pub mod user;
pub mod webhook;

pub use caller::Caller;
pub use error::{Error, FieldViolation, Invalid};
pub use use_cases::{Ports, Settings, UseCases};
