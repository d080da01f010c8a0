//! Compiles the `anteroom.v1` protobuf contract with protox (no system
//! `protoc` needed) and generates the Rust messages, clients and servers.

use std::env;
use std::error::Error;
use std::path::PathBuf;

use prost::Message as _;

const PROTO_FILES: [&str; 7] = [
    "anteroom/v1/resources.proto",
    "anteroom/v1/room_service.proto",
    "anteroom/v1/access_service.proto",
    "anteroom/v1/user_service.proto",
    "anteroom/v1/participant_service.proto",
    "anteroom/v1/lobby_service.proto",
    "anteroom/v1/recording_service.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("../../proto");
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    let files: Vec<PathBuf> = PROTO_FILES.iter().map(|f| proto_dir.join(f)).collect();
    let fds = protox::compile(&files, [&proto_dir])?;

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("anteroom_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
