//! Compiles the vendored LiveKit `.proto` files into a descriptor set used for JSON transcoding.

use std::path::PathBuf;

use prost::Message;

const FILES: [&str; 5] = [
    "livekit_room.proto",
    "livekit_egress.proto",
    "livekit_sip.proto",
    "livekit_ingress.proto",
    "livekit_webhook.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let set = protox::compile(FILES, ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("livekit_descriptors.bin");
    std::fs::write(out, set.encode_to_vec())?;
    Ok(())
}
