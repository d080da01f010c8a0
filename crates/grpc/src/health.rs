//! gRPC health reporting for the three services.

use anteroom_proto::v1::access_service_server::AccessServiceServer;
use anteroom_proto::v1::room_service_server::RoomServiceServer;
use anteroom_proto::v1::user_service_server::UserServiceServer;
use tonic_health::pb::health_server::{Health as HealthService, HealthServer};
use tonic_health::server::HealthReporter;

use crate::access::AccessApi;
use crate::room::RoomApi;
use crate::user::UserApi;

/// Flips the health of every Anteroom service at once.
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
}

impl Health {
    pub(crate) fn new() -> (Self, HealthServer<impl HealthService>) {
        let (reporter, service) = tonic_health::server::health_reporter();
        (Self { reporter }, service)
    }

    /// Reports every service SERVING (once its dependencies are up).
    pub async fn serving(&self) {
        self.reporter
            .set_serving::<RoomServiceServer<RoomApi>>()
            .await;
        self.reporter
            .set_serving::<AccessServiceServer<AccessApi>>()
            .await;
        self.reporter
            .set_serving::<UserServiceServer<UserApi>>()
            .await;
        self.reporter
            .set_service_status("", tonic_health::ServingStatus::Serving)
            .await;
    }

    /// Reports every service NOT_SERVING (while shutting down).
    pub async fn not_serving(&self) {
        self.reporter
            .set_not_serving::<RoomServiceServer<RoomApi>>()
            .await;
        self.reporter
            .set_not_serving::<AccessServiceServer<AccessApi>>()
            .await;
        self.reporter
            .set_not_serving::<UserServiceServer<UserApi>>()
            .await;
        self.reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    }
}
