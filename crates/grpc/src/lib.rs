//! The `anteroom.v1` gRPC API: `RoomService`, `AccessService`, `UserService`,
//! `ParticipantService`, `LobbyService` and `RecordingService`, with gRPC
//! health and server reflection (v1 and v1alpha).
//!
//! Each service is a thin translation: it authenticates the caller from the `authorization`
//! metadata ([`caller`]), converts the request into domain values ([`convert`]), calls the
//! same use case the REST gateway calls, and converts the answer back. Domain errors become a
//! [`tonic::Status`] in exactly one place ([`status`]).

mod access;
mod caller;
mod convert;
mod health;
mod lobby;
mod page_token;
mod participant;
mod recording;
mod room;
mod status;
mod user;

use std::sync::Arc;

use anteroom_domain::UseCases;
use anteroom_proto::v1::access_service_server::AccessServiceServer;
use anteroom_proto::v1::lobby_service_server::LobbyServiceServer;
use anteroom_proto::v1::participant_service_server::ParticipantServiceServer;
use anteroom_proto::v1::recording_service_server::RecordingServiceServer;
use anteroom_proto::v1::room_service_server::RoomServiceServer;
use anteroom_proto::v1::user_service_server::UserServiceServer;
use tonic::service::Routes;

pub use health::Health;
pub use status::status_from;

/// The largest request message accepted, in bytes.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Builds the gRPC routes (the three services, health, reflection) and the health handle
/// that reports them.
///
/// # Errors
///
/// Fails when the reflection descriptors cannot be registered (a build defect).
pub fn routes(
    use_cases: Arc<UseCases>,
) -> Result<(Routes, Health), tonic_reflection::server::Error> {
    let (health, health_service) = Health::new();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(anteroom_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(anteroom_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let routes = Routes::new(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            RoomServiceServer::new(room::RoomApi::new(use_cases.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            AccessServiceServer::new(access::AccessApi::new(use_cases.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            LobbyServiceServer::new(lobby::LobbyApi::new(use_cases.clone(), health.draining()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ParticipantServiceServer::new(participant::ParticipantApi::new(use_cases.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            RecordingServiceServer::new(recording::RecordingApi::new(use_cases.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            UserServiceServer::new(user::UserApi::new(use_cases))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        );
    Ok((routes, health))
}
