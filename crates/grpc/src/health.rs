//! gRPC health reporting for every Anteroom service, and the drain signal of live streams.

use anteroom_proto::v1::access_service_server::AccessServiceServer;
use anteroom_proto::v1::lobby_service_server::LobbyServiceServer;
use anteroom_proto::v1::participant_service_server::ParticipantServiceServer;
use anteroom_proto::v1::recording_service_server::RecordingServiceServer;
use anteroom_proto::v1::room_service_server::RoomServiceServer;
use anteroom_proto::v1::user_service_server::UserServiceServer;
use tokio::sync::watch;
use tonic::server::NamedService;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::{Health as HealthService, HealthServer};
use tonic_health::server::HealthReporter;

use crate::access::AccessApi;
use crate::lobby::LobbyApi;
use crate::participant::ParticipantApi;
use crate::recording::RecordingApi;
use crate::room::RoomApi;
use crate::user::UserApi;

/// The services reported, by their full gRPC names.
const SERVICES: [&str; 6] = [
    <RoomServiceServer<RoomApi> as NamedService>::NAME,
    <AccessServiceServer<AccessApi> as NamedService>::NAME,
    <UserServiceServer<UserApi> as NamedService>::NAME,
    <ParticipantServiceServer<ParticipantApi> as NamedService>::NAME,
    <LobbyServiceServer<LobbyApi> as NamedService>::NAME,
    <RecordingServiceServer<RecordingApi> as NamedService>::NAME,
];

/// Flips the health of every Anteroom service at once, and tells live streams to end when
/// the server drains.
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
    draining: watch::Sender<bool>,
}

impl Health {
    pub(crate) fn new() -> (Self, HealthServer<impl HealthService>) {
        let (reporter, service) = tonic_health::server::health_reporter();
        let (draining, _) = watch::channel(false);
        (Self { reporter, draining }, service)
    }

    async fn report(&self, status: ServingStatus) {
        for service in SERVICES {
            self.reporter.set_service_status(service, status).await;
        }
        self.reporter.set_service_status("", status).await;
    }

    /// Reports every service SERVING (once its dependencies are up).
    pub async fn serving(&self) {
        self.report(ServingStatus::Serving).await;
    }

    /// Reports every service NOT_SERVING and ends the live streams (shutting down).
    pub async fn not_serving(&self) {
        self.report(ServingStatus::NotServing).await;
        self.draining.send_replace(true);
    }

    /// A receiver that turns true when the server starts draining.
    pub(crate) fn draining(&self) -> watch::Receiver<bool> {
        self.draining.subscribe()
    }
}
