//! Fidelity of the fake with LiveKit's own server SDKs: the Python `livekit-api` package
//! (protobuf Twirp) and the npm `livekit-server-sdk` (JSON Twirp) run `scripts/sdk/*` against
//! an in-process fake, verify its webhooks with their own `WebhookReceiver`s, and a webhook
//! signed by the Python SDK verifies with the Rust crate.
//!
//! The SDKs are installed by `scripts/sdk/install.sh` into `target/sdk`. Without them the test
//! fails when `CI=true` and is skipped otherwise.

#![allow(clippy::too_many_lines)] // scenario tests read top to bottom

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{KEY, SECRET, Sink};
use livekit_api::access_token::TokenVerifier;
use livekit_api::webhooks::WebhookReceiver;
use serde_json::{Value, json};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn describe(name: &str, output: &Output) -> String {
    format!(
        "{name} exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn node_available() -> bool {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn run(
    program: &Path,
    script: &Path,
    url: &str,
    env: &[(&str, &Path)],
    node_dir: &Path,
) -> Output {
    let mut command = tokio::process::Command::new(program);
    command
        .arg(script)
        .env("LIVEKIT_URL", url)
        .env("LIVEKIT_API_KEY", KEY)
        .env("LIVEKIT_API_SECRET", SECRET)
        .env("LIVEKIT_SDK_NODE_DIR", node_dir)
        .env("NODE_PATH", node_dir.join("node_modules"))
        .env("PYTHONWARNINGS", "ignore::DeprecationWarning")
        .current_dir(node_dir)
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().await.expect("script runs")
}

fn dump_webhooks(sink: &Sink, path: &Path) -> usize {
    let hooks: Vec<Value> = sink
        .received()
        .iter()
        .map(|r| json!({ "body": r.body, "authorization": r.authorization }))
        .collect();
    std::fs::write(path, serde_json::to_vec(&hooks).expect("json")).expect("write webhooks");
    hooks.len()
}

#[tokio::test]
async fn livekit_sdks_agree_with_the_fake() {
    let root = workspace_root();
    let python = root.join("target/sdk/venv/bin/python");
    let node_dir = root.join("target/sdk/node");
    let ready = python.exists()
        && node_dir
            .join("node_modules/livekit-server-sdk/package.json")
            .exists()
        && node_available();
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the LiveKit SDKs are not installed: run scripts/sdk/install.sh"
        );
        eprintln!("SKIPPED: LiveKit SDKs not installed (run scripts/sdk/install.sh)");
        return;
    }
    let scripts = root.join("scripts/sdk");
    let work = std::env::temp_dir().join(format!("livekit-fake-sdk-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let signed = work.join("python-signed-webhook.json");
    let hooks_file = work.join("webhooks.json");

    let sink = Sink::start().await;
    let fake = common::start(Some(&sink.url)).await;
    let url = fake.url();

    let output = run(
        &python,
        &scripts.join("python_room.py"),
        &url,
        &[("SIGNED_WEBHOOK_OUT", &signed)],
        &node_dir,
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        describe("python_room.py", &output)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));

    fake.webhooks_settled().await;
    assert!(
        dump_webhooks(&sink, &hooks_file) >= 4,
        "the python run caused webhooks"
    );
    let output = run(
        Path::new("node"),
        &scripts.join("node_room.mjs"),
        &url,
        &[("WEBHOOKS_FILE", &hooks_file)],
        &node_dir,
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        describe("node_room.mjs", &output)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));

    fake.webhooks_settled().await;
    dump_webhooks(&sink, &hooks_file);
    let output = run(
        &python,
        &scripts.join("python_room.py"),
        &url,
        &[
            ("WEBHOOKS_FILE", &hooks_file),
            ("ONLY_WEBHOOKS", Path::new("1")),
        ],
        &node_dir,
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        describe("python_room.py (webhooks)", &output)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));

    // A webhook signed with the Python SDK's machinery verifies with the Rust crate.
    let signed: Value =
        serde_json::from_slice(&std::fs::read(&signed).expect("signed webhook")).expect("json");
    let receiver = WebhookReceiver::new(TokenVerifier::with_api_key(KEY, SECRET));
    let event = receiver
        .receive(
            signed["body"].as_str().expect("body"),
            signed["authorization"].as_str().expect("auth"),
        )
        .expect("python-signed webhook verifies in Rust");
    assert_eq!(event.event, "room_started");
    assert_eq!(event.room.map(|r| r.name), Some("py-signed".to_owned()));
    let _ = std::fs::remove_dir_all(&work);
}
