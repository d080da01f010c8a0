//! Cross-checks with LiveKit's own SDKs, the acceptance test of the spec: join tokens minted by
//! `LivekitTokens` verify with the Python `livekit-api` `TokenVerifier` and the npm
//! `livekit-server-sdk` `TokenVerifier`, which also check the grants and attributes; a webhook
//! signed by the Python SDK is accepted by `LivekitWebhooks`, and refused once tampered with.
//!
//! The SDKs are installed by `scripts/sdk/install.sh` into `target/sdk/venv` and
//! `target/sdk/node`. When they are missing the tests print SKIPPED, except under `CI=true`,
//! where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::access::Role;
use anteroom_domain::media::{
    JoinGrant, ReceivedWebhook, TokenIssuer, WebhookKind, WebhookVerifier,
};
use anteroom_domain::room::MediaSource;
use anteroom_livekit::{LivekitConfig, LivekitTokens, LivekitWebhooks};
use serde_json::{Value, json};

const KEY: &str = "devkey";
const SECRET: &str = "secret-secret-secret-secret-0123";
const ROOM: &str = "3f1c0f6e-7b8e-4e0c-9d2b-0a4c1c2f7a10";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    workspace().join("target/sdk/venv/bin/python")
}

fn node_dir() -> PathBuf {
    workspace().join("target/sdk/node")
}

/// Whether the SDK is there; if not, fails under CI and prints SKIPPED otherwise.
fn available(what: &str, marker: &Path) -> bool {
    if marker.exists() {
        return true;
    }
    let message = format!(
        "{what} is not installed ({} is missing): run scripts/sdk/install.sh",
        marker.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("SKIPPED: {message}");
    false
}

fn python_available() -> bool {
    available("the Python livekit-api SDK", &python())
}

fn node_available() -> bool {
    available(
        "the npm livekit-server-sdk",
        &node_dir().join("node_modules/livekit-server-sdk/package.json"),
    )
}

/// Runs `program args…` with `input` on stdin; returns stdout, panicking with both streams
/// on a non-zero exit.
fn run(program: &Path, args: &[&Path], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} {args:?} failed ({}):\n{stdout}\n{stderr}",
        program.display(),
        output.status
    );
    stdout
}

struct Case {
    label: &'static str,
    grant: JoinGrant,
    sources: Vec<&'static str>,
}

fn grant(identity: &str, name: &str, role: Option<Role>, sources: Vec<MediaSource>) -> JoinGrant {
    JoinGrant {
        identity: identity.to_owned(),
        name: name.to_owned(),
        room: ROOM.to_owned(),
        room_admin: role.is_some_and(Role::is_privileged),
        can_publish_sources: sources,
        color: "hsl(210, 60%, 45%)".to_owned(),
        room_role: role,
        is_authenticated: true,
        ttl: Duration::from_hours(6),
    }
}

/// An owner, a member of a room restricting sources, a stranger (authenticated, no role) in a
/// listen-only room, and an anonymous caller.
fn cases() -> Vec<Case> {
    let mut anonymous = grant(
        "0b7a3f0e-5d9c-4a43-8f5e-2b9c3d4e5f60",
        "Anonymous",
        None,
        MediaSource::ALL.to_vec(),
    );
    anonymous.is_authenticated = false;
    vec![
        Case {
            label: "owner",
            grant: grant(
                "sub-owner",
                "Olivia Owner",
                Some(Role::Owner),
                MediaSource::ALL.to_vec(),
            ),
            sources: vec!["camera", "microphone", "screen_share", "screen_share_audio"],
        },
        Case {
            label: "member",
            grant: grant(
                "sub-member",
                "Mia Member",
                Some(Role::Member),
                vec![MediaSource::Microphone, MediaSource::ScreenShare],
            ),
            sources: vec!["microphone", "screen_share"],
        },
        Case {
            label: "stranger",
            grant: grant("sub-stranger", "Sam Stranger", None, Vec::new()),
            sources: vec![],
        },
        Case {
            label: "anonymous",
            grant: anonymous,
            sources: vec!["camera", "microphone", "screen_share", "screen_share_audio"],
        },
    ]
}

/// The request both verification scripts read: the tokens and what each must contain.
fn verification_request() -> String {
    let tokens = LivekitTokens::new(&LivekitConfig::new("ws://127.0.0.1:7880", KEY, SECRET));
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|case| {
            let token = tokens.issue(&case.grant).unwrap().token;
            let grant = &case.grant;
            json!({
                "label": case.label,
                "token": token,
                "expect": {
                    "identity": grant.identity,
                    "name": grant.name,
                    "room": grant.room,
                    "room_admin": case.label == "owner",
                    "sources": case.sources,
                    "can_publish": !case.sources.is_empty(),
                    "attributes": {
                        "color": grant.color,
                        "room_role": grant.room_role.map_or("", |r| r.as_str()),
                        "is_authenticated": if grant.is_authenticated { "true" } else { "false" },
                    },
                },
            })
        })
        .collect();
    json!({"key": KEY, "secret": SECRET, "cases": cases}).to_string()
}

#[test]
fn tokens_verify_with_the_python_sdk() {
    if !python_available() {
        return;
    }
    let script = workspace().join("scripts/sdk/verify_token.py");
    let out = run(&python(), &[&script], &verification_request());
    print!("{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok python ")).count(),
        4,
        "{out}"
    );
}

#[test]
fn tokens_verify_with_the_node_sdk() {
    if !node_available() {
        return;
    }
    let script = workspace().join("scripts/sdk/verify_token.mjs");
    let out = run(
        Path::new("node"),
        &[&script, &node_dir()],
        &verification_request(),
    );
    print!("{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok node ")).count(),
        4,
        "{out}"
    );
}

#[test]
fn the_sdk_scripts_catch_a_wrong_grant() {
    // The scripts themselves are checked: a member token presented as an owner's must fail.
    if !python_available() || !node_available() {
        return;
    }
    let mut request: Value = serde_json::from_str(&verification_request()).unwrap();
    request["cases"][1]["expect"]["room_admin"] = json!(true);
    let input = request.to_string();
    for (program, args) in [
        (
            python(),
            vec![workspace().join("scripts/sdk/verify_token.py")],
        ),
        (
            PathBuf::from("node"),
            vec![workspace().join("scripts/sdk/verify_token.mjs"), node_dir()],
        ),
    ] {
        let mut child = Command::new(&program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{}: {stdout}", program.display());
        assert!(
            stdout.contains("FAIL") && stdout.contains("member"),
            "{stdout}"
        );
    }
}

/// A webhook event in the server's protojson form, signed by the Python SDK.
fn python_signed_webhook() -> (String, String) {
    let event = json!({
        "event": "participant_joined",
        "room": {"sid": "RM_abc", "name": ROOM, "creationTime": "1700000000"},
        "participant": {
            "sid": "PA_abc", "identity": "sub-member", "name": "Mia Member", "state": "ACTIVE",
            "attributes": {"room_role": "member", "is_authenticated": "true"},
            "joinedAt": "1700000001",
        },
        "id": "EV_python1",
        "createdAt": "1700000002",
    });
    let request = json!({"key": KEY, "secret": SECRET, "event": event}).to_string();
    let script = workspace().join("scripts/sdk/sign_webhook.py");
    let out: Value = serde_json::from_str(run(&python(), &[&script], &request).trim()).unwrap();
    (
        out["body"].as_str().unwrap().to_owned(),
        out["authorization"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_webhook_signed_by_the_python_sdk_is_accepted() {
    if !python_available() {
        return;
    }
    let (body, authorization) = python_signed_webhook();
    let webhooks = LivekitWebhooks::new(&LivekitConfig::new("ws://x", KEY, SECRET));
    let ReceivedWebhook::Event(event) = webhooks.verify(&body, Some(&authorization)).unwrap()
    else {
        panic!("a known event");
    };
    assert_eq!(event.kind, WebhookKind::ParticipantJoined);
    assert_eq!(event.id, "EV_python1");
    assert_eq!(event.created_at, 1_700_000_002);
    assert_eq!(event.room.as_deref(), Some(ROOM));
    let participant = event.participant.unwrap();
    assert_eq!(participant.identity, "sub-member");
    assert_eq!(participant.attributes["room_role"], "member");
}

#[test]
fn a_tampered_python_signed_webhook_is_refused() {
    if !python_available() {
        return;
    }
    let (body, authorization) = python_signed_webhook();
    let webhooks = LivekitWebhooks::new(&LivekitConfig::new("ws://x", KEY, SECRET));
    let tampered = body.replace("sub-member", "sub-intruder");
    assert_ne!(tampered, body);
    match webhooks.verify(&tampered, Some(&authorization)) {
        Err(Error::Invalid(violations)) => assert_eq!(violations[0].field, "authorization"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let other_secret = LivekitWebhooks::new(&LivekitConfig::new(
        "ws://x",
        KEY,
        "another-secret-another-secret-012",
    ));
    assert!(matches!(
        other_secret.verify(&body, Some(&authorization)),
        Err(Error::Invalid(_))
    ));
}
