//! Generated Rust code of the `anteroom.v1` gRPC contract (messages,
//! clients and servers), compiled from `proto/anteroom/v1/*.proto`.
//!
//! This crate holds only generated code; no hand-written logic lives here.

/// The `anteroom.v1` package: resources, requests, responses, and the
/// `RoomService`, `AccessService`, `UserService` and `ParticipantService` clients and
/// servers.
#[allow(clippy::pedantic, clippy::all, missing_docs, unreachable_pub)]
pub mod v1 {
    tonic::include_proto!("anteroom.v1");
}

/// The encoded `google.protobuf.FileDescriptorSet` of the `anteroom.v1`
/// contract (with its imports), used to serve gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/anteroom_descriptor.bin"));

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::FILE_DESCRIPTOR_SET;

    #[test]
    fn descriptor_set_contains_the_three_services() {
        let fds = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).unwrap();
        let services: Vec<String> = fds
            .file
            .iter()
            .flat_map(|f| {
                f.service
                    .iter()
                    .map(move |s| format!("{}.{}", f.package(), s.name()))
            })
            .collect();
        for expected in [
            "anteroom.v1.RoomService",
            "anteroom.v1.AccessService",
            "anteroom.v1.UserService",
            "anteroom.v1.ParticipantService",
            "anteroom.v1.LobbyService",
            "anteroom.v1.RecordingService",
        ] {
            assert!(services.iter().any(|s| s == expected), "{expected} missing");
        }
    }
}
