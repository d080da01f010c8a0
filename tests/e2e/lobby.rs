//! The lobby through the real binary, with LiveKit played by the in-process fake: JoinRoom's
//! three answers (tokens checked by LiveKit's own Python SDK), hosts listing and deciding one
//! or all, who may do so, the two live streams, concurrent contradictory decisions, and the
//! rate limit.
//!
//! Also holds what `moderation` and `replicas` share: the fake LiveKit server, the options
//! pointing a binary at it, lobby helpers and the SDK cross-check.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anteroom_livekit_fake::{FakeConfig, FakeLiveKit};
use anteroom_proto::v1::lobby_service_client::LobbyServiceClient;
use anteroom_proto::v1::watch_lobby_response::Event;
use anteroom_proto::v1::{
    AccessLevel, CreateRoomRequest, DecideAllRequest, DecideEntryRequest, EntryDecision,
    JoinRoomRequest, JoinRoomResponse, ListWaitingParticipantsRequest, LobbyParticipant,
    LobbyStatus, MediaSource, MediaSourceList, Role, Room, RoomConfiguration, WatchEntryRequest,
    WatchEntryResponse, WatchLobbyRequest, WatchLobbyResponse,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tonic::transport::Channel;
use tonic::{Code, Status, Streaming};
use tonic_types::StatusExt as _;

use crate::harness::{Options, Server, Session, SharedGuard, SharedServer, expect_code, unique};

/// The LiveKit API key the fake and the binaries share.
pub(crate) const LIVEKIT_KEY: &str = "e2e-key";
/// Its secret (32 bytes and more, as LiveKit's SDKs recommend for HS256).
pub(crate) const LIVEKIT_SECRET: &str = "e2e-secret-of-thirty-two-bytes-or-more";
/// Every media source, in the order tokens list them.
pub(crate) const ALL_SOURCES: [&str; 4] =
    ["camera", "microphone", "screen_share", "screen_share_audio"];
/// How long a stream message may take before the test gives up.
pub(crate) const STREAM_WAIT: Duration = Duration::from_secs(5);
/// The body of the data message hosts' frontends get in the LiveKit room.
const PARTICIPANT_WAITING: &[u8] = br#"{"type":"participantWaiting"}"#;

/// The fake LiveKit server shared by the whole test process. It runs on a runtime of its own
/// (each test has its own runtime, which ends with the test).
pub(crate) fn fake() -> &'static FakeLiveKit {
    static FAKE: OnceLock<FakeLiveKit> = OnceLock::new();
    FAKE.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("fake-livekit".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("a runtime for the fake LiveKit server");
                runtime.block_on(async move {
                    let fake =
                        FakeLiveKit::start(FakeConfig::with_key(LIVEKIT_KEY, LIVEKIT_SECRET))
                            .await
                            .expect("the fake LiveKit server starts");
                    sender.send(fake).expect("the fake is handed over");
                    std::future::pending::<()>().await;
                });
            })
            .expect("the fake LiveKit thread starts");
        receiver.recv().expect("the fake LiveKit server")
    })
}

/// Points a binary at the shared fake LiveKit server.
pub(crate) fn with_fake_livekit(options: Options) -> Options {
    let fake = fake();
    options
        .env("ANTEROOM__LIVEKIT__URL", &fake.ws_url())
        .env("ANTEROOM__LIVEKIT__API_URL", &fake.url())
        .env("ANTEROOM__LIVEKIT__API_KEY", LIVEKIT_KEY)
        .env("ANTEROOM__LIVEKIT__API_SECRET", LIVEKIT_SECRET)
}

/// A fresh PostgreSQL database with a token issuer, or the embedded SQLite database with one
/// when PostgreSQL is not installed.
pub(crate) fn database() -> Options {
    Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer())
}

/// A binary on its own database, pointed at the fake, with `env` on top.
pub(crate) async fn start_with(env: &[(&str, &str)]) -> Server {
    let mut options = with_fake_livekit(database());
    for (key, value) in env {
        options = options.env(key, value);
    }
    Server::start(options).await
}

static SERVER: SharedServer = SharedServer::const_new();

/// The module's server: long waiting lifetime so that slow machines do not expire waiters
/// mid-test (the lifetime itself has its own test and server).
async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        Some(with_fake_livekit(database()).env("ANTEROOM__LOBBY__WAITING_TTL_MS", "30000"))
    })
    .await
}

/// A unique room name.
pub(crate) fn room_name(what: &str) -> String {
    format!("{what}-{}", unique())
}

/// A lobby client of `server`.
pub(crate) fn lobby(server: &Server) -> LobbyServiceClient<Channel> {
    LobbyServiceClient::new(server.channel())
}

/// A restricted room owned by `owner`, with `configuration`.
pub(crate) async fn restricted_room(
    owner: &Session,
    configuration: Option<RoomConfiguration>,
) -> Room {
    owner
        .create_room(CreateRoomRequest {
            name: Some(room_name("lobby")),
            access_level: AccessLevel::Restricted.into(),
            configuration,
            callback_id: None,
        })
        .await
        .expect("the restricted room is created")
}

/// `JoinRoom` (`participant_id` empty on the first call).
pub(crate) async fn join(
    session: &Session,
    room: &str,
    username: &str,
    participant_id: &str,
) -> Result<JoinRoomResponse, Status> {
    session
        .rooms()
        .join_room(session.request(JoinRoomRequest {
            room: room.to_owned(),
            username: username.to_owned(),
            participant_id: participant_id.to_owned(),
        }))
        .await
        .map(tonic::Response::into_inner)
}

/// A first `JoinRoom` that must answer WAITING; returns the answer.
pub(crate) async fn wait_in(session: &Session, room: &str, username: &str) -> JoinRoomResponse {
    let answer = join(session, room, username, "")
        .await
        .expect("JoinRoom answers");
    assert_eq!(answer.status(), LobbyStatus::Waiting, "{answer:?}");
    assert!(
        answer.livekit.is_none(),
        "a waiter gets no token: {answer:?}"
    );
    assert!(
        uuid::Uuid::parse_str(&answer.participant_id).is_ok(),
        "participant id {:?}",
        answer.participant_id
    );
    answer
}

/// `ListWaitingParticipants` on `server` by `host`.
pub(crate) async fn list_waiting(
    server: &Server,
    host: &Session,
    room: &str,
) -> Result<Vec<LobbyParticipant>, Status> {
    lobby(server)
        .list_waiting_participants(host.request(ListWaitingParticipantsRequest {
            room: room.to_owned(),
        }))
        .await
        .map(|r| r.into_inner().participants)
}

/// The ids of `participants`, in order.
pub(crate) fn ids(participants: &[LobbyParticipant]) -> Vec<String> {
    participants
        .iter()
        .map(|p| p.participant_id.clone())
        .collect()
}

/// `DecideEntry` on `server` by `host`.
pub(crate) async fn decide(
    server: &Server,
    host: &Session,
    room: &str,
    participant_id: &str,
    decision: EntryDecision,
) -> Result<LobbyParticipant, Status> {
    lobby(server)
        .decide_entry(host.request(DecideEntryRequest {
            room: room.to_owned(),
            participant_id: participant_id.to_owned(),
            decision: decision.into(),
        }))
        .await
        .map(|r| {
            r.into_inner()
                .participant
                .expect("DecideEntryResponse.participant")
        })
}

/// `DecideAll` on `server` by `host`.
pub(crate) async fn decide_all(
    server: &Server,
    host: &Session,
    room: &str,
    decision: EntryDecision,
) -> Result<Vec<LobbyParticipant>, Status> {
    lobby(server)
        .decide_all(host.request(DecideAllRequest {
            room: room.to_owned(),
            decision: decision.into(),
        }))
        .await
        .map(|r| r.into_inner().participants)
}

/// `WatchLobby` on `server` by `host`.
pub(crate) async fn watch_lobby(
    server: &Server,
    host: &Session,
    room: &str,
) -> Result<Streaming<WatchLobbyResponse>, Status> {
    lobby(server)
        .watch_lobby(host.request(WatchLobbyRequest {
            room: room.to_owned(),
        }))
        .await
        .map(tonic::Response::into_inner)
}

/// `WatchEntry` on `server`, anonymously (the participant id is the credential).
pub(crate) async fn watch_entry(
    server: &Server,
    room: &str,
    participant_id: &str,
) -> Result<Streaming<WatchEntryResponse>, Status> {
    lobby(server)
        .watch_entry(WatchEntryRequest {
            room: room.to_owned(),
            participant_id: participant_id.to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The next message of a stream, within [`STREAM_WAIT`]; `None` when the stream ended.
pub(crate) async fn next<T>(stream: &mut Streaming<T>) -> Option<T> {
    tokio::time::timeout(STREAM_WAIT, stream.message())
        .await
        .expect("a stream message within 5 s")
        .expect("the stream does not fail")
}

/// Reads lobby events until `wanted` picks one (within [`STREAM_WAIT`]); returns it and how
/// long it took from `since`.
pub(crate) async fn lobby_event(
    stream: &mut Streaming<WatchLobbyResponse>,
    since: Instant,
    wanted: impl Fn(&Event) -> bool,
) -> (Event, Duration) {
    loop {
        let message = next(stream).await.expect("the lobby stream stays open");
        let event = message.event.expect("WatchLobbyResponse.event");
        if wanted(&event) {
            return (event, since.elapsed());
        }
    }
}

/// The participant id of a `waiting`/`admitted`/`denied` event.
pub(crate) fn event_participant(event: &Event) -> Option<&str> {
    match event {
        Event::Waiting(p) | Event::Admitted(p) | Event::Denied(p) => Some(&p.participant_id),
        Event::Left(left) => Some(&left.participant_id),
        Event::Snapshot(_) => None,
    }
}

/// The claims of a JWT, decoded without verification (the SDK verifies).
pub(crate) fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("a base64url payload");
    serde_json::from_slice(&bytes).expect("a JSON payload")
}

/// What a join token must hold for the SDK cross-check.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub(crate) label: String,
    pub(crate) token: String,
    pub(crate) identity: String,
    pub(crate) name: String,
    pub(crate) room: String,
    pub(crate) room_admin: bool,
    pub(crate) sources: Vec<&'static str>,
    pub(crate) color: String,
    pub(crate) room_role: &'static str,
    pub(crate) authenticated: bool,
}

impl Expected {
    /// The expectation of an anonymous participant's token from an ACCEPTED answer.
    pub(crate) fn anonymous(label: &str, room: &str, answer: &JoinRoomResponse) -> Self {
        let livekit = answer.livekit.as_ref().expect("an accepted answer");
        Self {
            label: label.to_owned(),
            token: livekit.token.clone(),
            identity: answer.participant_id.clone(),
            name: answer.username.clone(),
            room: room.to_owned(),
            room_admin: false,
            sources: ALL_SOURCES.to_vec(),
            color: answer.color.clone(),
            room_role: "",
            authenticated: false,
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate lives in the workspace")
        .to_path_buf()
}

/// Verifies join tokens with LiveKit's Python SDK (`scripts/sdk/verify_token.py`). When the
/// SDK is missing: fails under `CI=true`, else prints SKIPPED (this check only).
pub(crate) fn sdk_verifies(cases: &[Expected]) {
    let python = workspace().join("target/sdk/venv/bin/python");
    if !python.is_file() {
        let message = format!(
            "LiveKit's Python SDK is not installed ({} is missing): run scripts/sdk/install.sh",
            python.display()
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("SKIPPED (token check with the Python SDK): {message}");
        return;
    }
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "label": c.label,
                "token": c.token,
                "expect": {
                    "identity": c.identity,
                    "name": c.name,
                    "room": c.room,
                    "room_admin": c.room_admin,
                    "sources": c.sources,
                    "can_publish": !c.sources.is_empty(),
                    "attributes": {
                        "color": c.color,
                        "room_role": c.room_role,
                        "is_authenticated": if c.authenticated { "true" } else { "false" },
                    },
                },
            })
        })
        .collect();
    let input = json!({"key": LIVEKIT_KEY, "secret": LIVEKIT_SECRET, "cases": cases});
    let mut child = Command::new(&python)
        .arg(workspace().join("scripts/sdk/verify_token.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python SDK runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("the tokens are sent to the SDK");
    let output = child.wait_with_output().expect("the SDK's verdict");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "LiveKit's Python SDK refused a token:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("ok python "))
            .count(),
        cases.len(),
        "{stdout}"
    );
}

/// Asserts an ACCEPTED answer with a LiveKit connection to `room` on the fake.
#[track_caller]
pub(crate) fn assert_accepted(answer: &JoinRoomResponse, room: &str) {
    assert_eq!(answer.status(), LobbyStatus::Accepted, "{answer:?}");
    let livekit = answer
        .livekit
        .as_ref()
        .expect("an ACCEPTED answer's LiveKit connection");
    assert_eq!(livekit.url, fake().ws_url(), "the configured ws URL");
    assert_eq!(livekit.room, room, "the LiveKit room is the room id");
    assert!(!livekit.token.is_empty());
    let claims = claims(&livekit.token);
    assert_eq!(claims["video"]["room"], room, "{claims}");
    assert_eq!(claims["video"]["roomJoin"], true, "{claims}");
}

#[tokio::test]
async fn public_and_member_joins_get_tokens_the_sdk_verifies() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    // Anonymous caller, public room.
    let public = alice
        .create_with_level(&room_name("public"), AccessLevel::Public)
        .await
        .expect("created");
    let guest = join(&server.anonymous(), &public.id, "  Guest  ", "")
        .await
        .expect("JoinRoom");
    assert_accepted(&guest, &public.id);
    assert_eq!(guest.username, "Guest", "the name is trimmed");
    assert!(!guest.color.is_empty());
    let guest_claims = claims(&guest.livekit.as_ref().expect("livekit").token);
    assert_eq!(guest_claims["sub"], guest.participant_id.as_str());
    assert_ne!(guest_claims["video"]["roomAdmin"], true, "{guest_claims}");

    // A member of a restricted room: its sources come from the room's configuration.
    let sources = [MediaSource::Microphone, MediaSource::ScreenShare];
    let restricted = restricted_room(
        &alice,
        Some(RoomConfiguration {
            can_publish_sources: Some(MediaSourceList {
                sources: sources.iter().map(|s| *s as i32).collect(),
            }),
            ..RoomConfiguration::default()
        }),
    )
    .await;
    alice
        .grant(&restricted.id, &bob.id, Role::Member)
        .await
        .expect("bob becomes a member");
    let member = join(&bob, &restricted.id, "Bobby", "")
        .await
        .expect("JoinRoom");
    assert_accepted(&member, &restricted.id);
    assert_eq!(
        member.username, "Bob Tester",
        "authenticated users keep their name"
    );
    let member_claims = claims(&member.livekit.as_ref().expect("livekit").token);
    assert_eq!(member_claims["sub"], bob.sub.as_str());
    assert_eq!(
        member_claims["video"]["canPublishSources"],
        json!(["microphone", "screen_share"])
    );

    // The owner: room admin, every source.
    let owner = join(&alice, &restricted.id, "Alice", "")
        .await
        .expect("JoinRoom");
    assert_accepted(&owner, &restricted.id);
    let owner_claims = claims(&owner.livekit.as_ref().expect("livekit").token);
    assert_eq!(owner_claims["video"]["roomAdmin"], true, "{owner_claims}");

    let token = |a: &JoinRoomResponse| a.livekit.as_ref().expect("livekit").token.clone();
    sdk_verifies(&[
        Expected::anonymous("anonymous in a public room", &public.id, &guest),
        Expected {
            label: "member of a restricted room".to_owned(),
            token: token(&member),
            identity: bob.sub.clone(),
            name: "Bob Tester".to_owned(),
            room: restricted.id.clone(),
            room_admin: false,
            sources: vec!["microphone", "screen_share"],
            color: member.color.clone(),
            room_role: "member",
            authenticated: true,
        },
        Expected {
            label: "owner".to_owned(),
            token: token(&owner),
            identity: alice.sub.clone(),
            name: owner.username.clone(),
            room: restricted.id.clone(),
            room_admin: true,
            sources: ALL_SOURCES.to_vec(),
            color: owner.color.clone(),
            room_role: "owner",
            authenticated: true,
        },
    ]);
}

#[tokio::test]
async fn anonymous_callers_wait_in_a_restricted_room_and_hosts_are_told() {
    let Some(server) = server().await else { return };
    let fake = fake();
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    fake.create_room(&room.id);

    let first = wait_in(&server.anonymous(), &room.id, "Walter").await;
    let sent = fake.data_messages(&room.id);
    assert_eq!(sent.len(), 1, "one participantWaiting message: {sent:?}");
    assert_eq!(sent[0].data, PARTICIPANT_WAITING);
    assert_eq!(sent[0].kind, "RELIABLE");

    // Polling again refreshes the entry and tells nobody again.
    let again = join(
        &server.anonymous(),
        &room.id,
        "Walter",
        &first.participant_id,
    )
    .await
    .expect("JoinRoom");
    assert_eq!(again.status(), LobbyStatus::Waiting);
    assert_eq!(again.participant_id, first.participant_id);
    assert_eq!(again.color, first.color);
    assert_eq!(fake.data_messages(&room.id).len(), 1, "no second message");

    let second = wait_in(&server.anonymous(), &room.id, "Wanda").await;
    let third = wait_in(&server.anonymous(), &room.id, "Wilma").await;
    assert_eq!(
        fake.data_messages(&room.id).len(),
        3,
        "one message per waiter"
    );

    let listed = list_waiting(&server, &alice, &room.id)
        .await
        .expect("listed");
    assert_eq!(
        ids(&listed),
        [&first, &second, &third].map(|a| a.participant_id.clone()),
        "arrival order"
    );
    assert_eq!(
        listed
            .iter()
            .map(|p| p.username.as_str())
            .collect::<Vec<_>>(),
        ["Walter", "Wanda", "Wilma"]
    );
    assert!(listed.iter().all(|p| p.status() == LobbyStatus::Waiting));
    assert!(
        listed
            .iter()
            .all(|p| p.request_time.is_some() && p.decide_time.is_none())
    );
    assert_eq!(listed[0].color, first.color);

    // A room LiveKit does not know yet: the waiter waits, no message, no error.
    let quiet = restricted_room(&alice, None).await;
    wait_in(&server.anonymous(), &quiet.id, "Quentin").await;
    assert!(fake.data_messages(&quiet.id).is_empty());
}

#[tokio::test]
async fn hosts_admit_and_deny_and_the_decision_that_took_effect_is_final() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let admitted = wait_in(&guest, &room.id, "Walter").await;
    let denied = wait_in(&guest, &room.id, "Wanda").await;
    let still = wait_in(&guest, &room.id, "Wilma").await;

    let entry = decide(
        &server,
        &alice,
        &room.id,
        &admitted.participant_id,
        EntryDecision::Allow,
    )
    .await
    .expect("admitted");
    assert_eq!(entry.status(), LobbyStatus::Accepted);
    assert_eq!(entry.participant_id, admitted.participant_id);
    assert!(entry.decide_time.is_some());

    let first = join(&guest, &room.id, "Walter", &admitted.participant_id)
        .await
        .expect("JoinRoom");
    assert_accepted(&first, &room.id);
    assert_eq!(first.color, admitted.color);
    // A second request gets a fresh token (a second later: JWT times are in seconds) for the
    // same identity, without a new approval.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = join(&guest, &room.id, "Walter", &admitted.participant_id)
        .await
        .expect("JoinRoom");
    assert_accepted(&second, &room.id);
    let (t1, t2) = (
        &first.livekit.as_ref().expect("livekit").token,
        &second.livekit.as_ref().expect("livekit").token,
    );
    assert_ne!(t1, t2, "a fresh token");
    assert_eq!(claims(t1)["sub"], admitted.participant_id.as_str());
    assert_eq!(claims(t2)["sub"], claims(t1)["sub"], "the same identity");
    // Repeating the decision that took effect is harmless.
    let repeated = decide(
        &server,
        &alice,
        &room.id,
        &admitted.participant_id,
        EntryDecision::Allow,
    )
    .await
    .expect("idempotent");
    assert_eq!(repeated.status(), LobbyStatus::Accepted);

    let entry = decide(
        &server,
        &alice,
        &room.id,
        &denied.participant_id,
        EntryDecision::Deny,
    )
    .await
    .expect("denied");
    assert_eq!(entry.status(), LobbyStatus::Denied);
    let refused = join(&guest, &room.id, "Wanda", &denied.participant_id)
        .await
        .expect("JoinRoom");
    assert_eq!(refused.status(), LobbyStatus::Denied);
    assert!(refused.livekit.is_none());

    // The opposite decision once one took effect.
    let status = expect_code(
        decide(
            &server,
            &alice,
            &room.id,
            &denied.participant_id,
            EntryDecision::Allow,
        )
        .await,
        Code::Aborted,
    );
    assert_eq!(status.message(), "Participant was already denied.");
    let status = expect_code(
        decide(
            &server,
            &alice,
            &room.id,
            &admitted.participant_id,
            EntryDecision::Deny,
        )
        .await,
        Code::Aborted,
    );
    assert_eq!(status.message(), "Participant was already admitted.");
    let refused = join(&guest, &room.id, "Wanda", &denied.participant_id)
        .await
        .expect("JoinRoom");
    assert_eq!(refused.status(), LobbyStatus::Denied, "still denied");

    let listed = list_waiting(&server, &alice, &room.id)
        .await
        .expect("listed");
    assert_eq!(ids(&listed), std::slice::from_ref(&still.participant_id));

    sdk_verifies(&[Expected::anonymous("admitted waiter", &room.id, &second)]);
}

#[tokio::test]
async fn unknown_participants_and_public_rooms_are_not_found() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let nobody = uuid::Uuid::new_v4().to_string();
    for decision in [EntryDecision::Allow, EntryDecision::Deny] {
        let status = expect_code(
            decide(&server, &alice, &room.id, &nobody, decision).await,
            Code::NotFound,
        );
        assert_eq!(status.message(), "Participant not found.");
    }

    let public = alice
        .create_with_level(&room_name("public"), AccessLevel::Public)
        .await
        .expect("created");
    let status = expect_code(
        decide(&server, &alice, &public.id, &nobody, EntryDecision::Allow).await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Room has no lobby system.");
    let status = expect_code(
        decide_all(&server, &alice, &public.id, EntryDecision::Allow).await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Room has no lobby system.");
    assert!(
        list_waiting(&server, &alice, &public.id)
            .await
            .expect("listed")
            .is_empty()
    );
    expect_code(
        list_waiting(&server, &alice, &uuid::Uuid::new_v4().to_string()).await,
        Code::NotFound,
    );
}

#[tokio::test]
async fn a_waiter_enters_once_the_room_is_public_and_keeps_its_colour() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let mut room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let waiting = wait_in(&guest, &room.id, "Walter").await;

    room.set_access_level(AccessLevel::Public);
    alice
        .update_room(room.clone(), &["access_level"])
        .await
        .expect("made public");
    let answer = join(&guest, &room.id, "Walter", &waiting.participant_id)
        .await
        .expect("JoinRoom");
    assert_accepted(&answer, &room.id);
    assert_eq!(answer.participant_id, waiting.participant_id);
    assert_eq!(answer.color, waiting.color, "the colour it waited with");
    let claims = claims(&answer.livekit.as_ref().expect("livekit").token);
    assert_eq!(claims["sub"], waiting.participant_id.as_str());
    assert_eq!(claims["attributes"]["color"], waiting.color.as_str());
}

#[tokio::test]
async fn decide_all_admits_or_denies_everyone_waiting() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let guest = server.anonymous();

    let room = restricted_room(&alice, None).await;
    let mut waiting = Vec::new();
    for name in ["Ann", "Ben", "Cid"] {
        waiting.push(wait_in(&guest, &room.id, name).await.participant_id);
    }
    let admitted = decide_all(&server, &alice, &room.id, EntryDecision::Allow)
        .await
        .expect("everyone admitted");
    assert_eq!(
        ids(&admitted).into_iter().collect::<HashSet<_>>(),
        waiting.iter().cloned().collect::<HashSet<_>>()
    );
    assert!(admitted.iter().all(|p| p.status() == LobbyStatus::Accepted));
    for id in &waiting {
        let answer = join(&guest, &room.id, "Again", id).await.expect("JoinRoom");
        assert_accepted(&answer, &room.id);
    }
    assert!(
        list_waiting(&server, &alice, &room.id)
            .await
            .expect("listed")
            .is_empty()
    );
    assert!(
        decide_all(&server, &alice, &room.id, EntryDecision::Allow)
            .await
            .expect("nobody left to admit")
            .is_empty()
    );

    let room = restricted_room(&alice, None).await;
    let first = wait_in(&guest, &room.id, "Dan").await.participant_id;
    let second = wait_in(&guest, &room.id, "Eve").await.participant_id;
    let denied = decide_all(&server, &alice, &room.id, EntryDecision::Deny)
        .await
        .expect("everyone denied");
    assert_eq!(denied.len(), 2);
    assert!(denied.iter().all(|p| p.status() == LobbyStatus::Denied));
    for id in [first, second] {
        let answer = join(&guest, &room.id, "Again", &id)
            .await
            .expect("JoinRoom");
        assert_eq!(answer.status(), LobbyStatus::Denied);
        assert!(answer.livekit.is_none());
    }
}

#[tokio::test]
async fn only_hosts_may_list_decide_and_watch() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    let room = restricted_room(&alice, None).await;
    alice
        .grant(&room.id, &bob.id, Role::Member)
        .await
        .expect("bob is a member");
    alice
        .grant(&room.id, &dave.id, Role::Administrator)
        .await
        .expect("dave is an administrator");
    let waiter = wait_in(&server.anonymous(), &room.id, "Walter").await;
    let id = waiter.participant_id.as_str();

    for (who, session, code) in [
        ("a member", &bob, Code::PermissionDenied),
        ("a stranger", &carol, Code::PermissionDenied),
        (
            "an anonymous caller",
            &server.anonymous(),
            Code::Unauthenticated,
        ),
    ] {
        let checks = [
            ("list", list_waiting(&server, session, &room.id).await.err()),
            (
                "decide",
                decide(&server, session, &room.id, id, EntryDecision::Allow)
                    .await
                    .err(),
            ),
            (
                "decide all",
                decide_all(&server, session, &room.id, EntryDecision::Deny)
                    .await
                    .err(),
            ),
            ("watch", watch_lobby(&server, session, &room.id).await.err()),
        ];
        for (what, error) in checks {
            let error = error.unwrap_or_else(|| panic!("{who} may {what}"));
            assert_eq!(error.code(), code, "{who} {what}: {error:?}");
        }
    }
    // Nothing was decided by them; an administrator hosts.
    let listed = list_waiting(&server, &dave, &room.id)
        .await
        .expect("listed");
    assert_eq!(ids(&listed), std::slice::from_ref(&waiter.participant_id));
    let entry = decide(&server, &dave, &room.id, id, EntryDecision::Allow)
        .await
        .expect("an administrator decides");
    assert_eq!(entry.status(), LobbyStatus::Accepted);
}

#[tokio::test]
async fn watch_lobby_sends_the_waiting_list_then_each_change() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let early = wait_in(&guest, &room.id, "Early").await;

    let mut stream = watch_lobby(&server, &alice, &room.id)
        .await
        .expect("WatchLobby");
    match next(&mut stream).await.and_then(|m| m.event) {
        Some(Event::Snapshot(snapshot)) => {
            assert_eq!(
                ids(&snapshot.participants),
                std::slice::from_ref(&early.participant_id)
            );
        }
        other => panic!("expected a snapshot first, got {other:?}"),
    }

    let started = Instant::now();
    let late = wait_in(&guest, &room.id, "Late").await;
    let (event, latency) = lobby_event(&mut stream, started, |e| {
        event_participant(e) == Some(late.participant_id.as_str())
    })
    .await;
    let Event::Waiting(waiting) = event else {
        panic!("expected `waiting`, got {event:?}")
    };
    assert_eq!(waiting.username, "Late");
    eprintln!("WatchLobby latency (one server): {latency:?}");
    assert!(
        latency < Duration::from_secs(1),
        "waiting event after {latency:?}"
    );

    decide(
        &server,
        &alice,
        &room.id,
        &late.participant_id,
        EntryDecision::Allow,
    )
    .await
    .expect("admitted");
    let (event, _) = lobby_event(&mut stream, Instant::now(), |e| {
        !matches!(e, Event::Left(_)) && event_participant(e).is_some()
    })
    .await;
    match event {
        Event::Admitted(p) => {
            assert_eq!(p.participant_id, late.participant_id);
            assert_eq!(p.status(), LobbyStatus::Accepted);
        }
        other => panic!("expected `admitted`, got {other:?}"),
    }
    decide(
        &server,
        &alice,
        &room.id,
        &early.participant_id,
        EntryDecision::Deny,
    )
    .await
    .expect("denied");
    let (event, _) = lobby_event(&mut stream, Instant::now(), |e| {
        !matches!(e, Event::Left(_)) && event_participant(e).is_some()
    })
    .await;
    match event {
        Event::Denied(p) => assert_eq!(p.participant_id, early.participant_id),
        other => panic!("expected `denied`, got {other:?}"),
    }
}

/// Asserts a WatchEntry message for `id` with `status`.
#[track_caller]
fn assert_entry(message: &WatchEntryResponse, id: &str, status: LobbyStatus) {
    let participant = message
        .participant
        .as_ref()
        .expect("WatchEntryResponse.participant");
    assert_eq!(participant.participant_id, id);
    assert_eq!(participant.status(), status, "{message:?}");
    assert_eq!(
        message.livekit.is_some(),
        status == LobbyStatus::Accepted,
        "a LiveKit connection exactly when accepted: {message:?}"
    );
}

#[tokio::test]
async fn watch_entry_sends_waiting_then_the_admission_with_a_connection() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let waiter = wait_in(&server.anonymous(), &room.id, "Walter").await;
    let id = waiter.participant_id.as_str();

    let mut stream = watch_entry(&server, &room.id, id)
        .await
        .expect("WatchEntry");
    let first = next(&mut stream).await.expect("the current status");
    assert_entry(&first, id, LobbyStatus::Waiting);

    decide(&server, &alice, &room.id, id, EntryDecision::Allow)
        .await
        .expect("admitted");
    let admitted = next(&mut stream).await.expect("the admission");
    assert_entry(&admitted, id, LobbyStatus::Accepted);
    let livekit = admitted.livekit.clone().expect("livekit");
    assert_eq!(livekit.url, fake().ws_url());
    assert_eq!(livekit.room, room.id);
    assert!(
        next(&mut stream).await.is_none(),
        "the stream ends after the decision"
    );

    let answer = JoinRoomResponse {
        participant_id: id.to_owned(),
        username: "Walter".to_owned(),
        color: waiter.color.clone(),
        status: LobbyStatus::Accepted.into(),
        livekit: Some(livekit),
        pin_code: None,
    };
    sdk_verifies(&[Expected::anonymous(
        "WatchEntry admission",
        &room.id,
        &answer,
    )]);

    expect_code(
        watch_entry(&server, &room.id, &uuid::Uuid::new_v4().to_string()).await,
        Code::NotFound,
    );
}

#[tokio::test]
async fn a_decision_made_while_the_waiter_was_away_is_its_first_message_on_return() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    for decision in [EntryDecision::Allow, EntryDecision::Deny] {
        let waiter = wait_in(&guest, &room.id, "Walter").await;
        let id = waiter.participant_id.as_str();
        let mut stream = watch_entry(&server, &room.id, id)
            .await
            .expect("WatchEntry");
        assert_entry(
            &next(&mut stream).await.expect("status"),
            id,
            LobbyStatus::Waiting,
        );
        drop(stream);
        tokio::time::sleep(Duration::from_millis(200)).await;

        decide(&server, &alice, &room.id, id, decision)
            .await
            .expect("decided while away");
        let expected = if decision == EntryDecision::Allow {
            LobbyStatus::Accepted
        } else {
            LobbyStatus::Denied
        };
        let mut stream = watch_entry(&server, &room.id, id)
            .await
            .expect("WatchEntry");
        assert_entry(&next(&mut stream).await.expect("status"), id, expected);
        assert!(
            next(&mut stream).await.is_none(),
            "nothing more to wait for"
        );
        let answer = join(&guest, &room.id, "Walter", id)
            .await
            .expect("JoinRoom");
        assert_eq!(answer.status(), expected);
        assert_eq!(answer.livekit.is_some(), expected == LobbyStatus::Accepted);
    }
}

#[tokio::test]
async fn an_open_watch_entry_keeps_the_entry_alive_without_polling() {
    let server = start_with(&[("ANTEROOM__LOBBY__WAITING_TTL_MS", "1000")]).await;
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let watched = wait_in(&guest, &room.id, "Watcher").await;
    let idle = wait_in(&guest, &room.id, "Idle").await;
    let mut stream = watch_entry(&server, &room.id, &watched.participant_id)
        .await
        .expect("WatchEntry");
    assert_entry(
        &next(&mut stream).await.expect("status"),
        &watched.participant_id,
        LobbyStatus::Waiting,
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    let listed = list_waiting(&server, &alice, &room.id)
        .await
        .expect("listed");
    assert_eq!(
        ids(&listed),
        std::slice::from_ref(&watched.participant_id),
        "the watched entry lives, the idle one expired after 1 s"
    );
    let status = expect_code(
        watch_entry(&server, &room.id, &idle.participant_id).await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Participant not found.");
    let status = expect_code(
        decide(
            &server,
            &alice,
            &room.id,
            &idle.participant_id,
            EntryDecision::Allow,
        )
        .await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Participant not found.");

    decide(
        &server,
        &alice,
        &room.id,
        &watched.participant_id,
        EntryDecision::Allow,
    )
    .await
    .expect("admitted");
    assert_entry(
        &next(&mut stream).await.expect("the admission"),
        &watched.participant_id,
        LobbyStatus::Accepted,
    );
}

#[tokio::test]
async fn fifty_contradictory_decisions_have_exactly_one_effect() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let waiter = wait_in(&guest, &room.id, "Contested").await;
    let outcomes =
        contradictory_decisions(&[&*server], &alice, &room.id, &waiter.participant_id).await;
    let answer = join(&guest, &room.id, "Contested", &waiter.participant_id)
        .await
        .expect("JoinRoom");
    assert_eq!(answer.status(), outcomes, "the waiter sees the outcome");
}

/// Sends 50 contradictory decisions (25 allow, 25 deny, interleaved, spread over `servers`)
/// at once; asserts exactly one took effect and returns the resulting status.
pub(crate) async fn contradictory_decisions(
    servers: &[&Server],
    host: &Session,
    room: &str,
    participant_id: &str,
) -> LobbyStatus {
    let mut calls = JoinSet::new();
    for i in 0..50_usize {
        let decision = if i % 2 == 0 {
            EntryDecision::Allow
        } else {
            EntryDecision::Deny
        };
        let mut client = lobby(servers[i % servers.len()]);
        let request = host.request(DecideEntryRequest {
            room: room.to_owned(),
            participant_id: participant_id.to_owned(),
            decision: decision.into(),
        });
        calls.spawn(async move { (decision, client.decide_entry(request).await) });
    }
    let mut won = Vec::new();
    let mut lost = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (decision, result) = joined.expect("the call task");
        match result {
            Ok(response) => {
                let entry = response.into_inner().participant.expect("participant");
                won.push((decision, entry.status()));
            }
            Err(status) => {
                assert_eq!(status.code(), Code::Aborted, "{status:?}");
                lost.push((decision, status.message().to_owned()));
            }
        }
    }
    assert_eq!(
        won.len(),
        25,
        "the winning side succeeds every time: {won:?}"
    );
    assert_eq!(
        lost.len(),
        25,
        "the other side is refused every time: {lost:?}"
    );
    let (decision, status) = won[0];
    assert!(won.iter().all(|w| *w == (decision, status)), "{won:?}");
    assert!(lost.iter().all(|(d, _)| *d != decision), "{lost:?}");
    let expected_message = match status {
        LobbyStatus::Accepted => "Participant was already admitted.",
        LobbyStatus::Denied => "Participant was already denied.",
        other => panic!("a decision left the entry {other:?}"),
    };
    assert!(lost.iter().all(|(_, m)| m == expected_message), "{lost:?}");
    status
}

#[tokio::test]
async fn join_requests_over_the_rate_limit_are_refused_with_a_retry_delay() {
    let server = start_with(&[("ANTEROOM__LOBBY__RATE_LIMIT", "3")]).await;
    let alice = server.user("alice").await;
    let mut room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let first = wait_in(&guest, &room.id, "Eager").await;
    let id = first.participant_id.as_str();
    for _ in 0..3 {
        let answer = join(&guest, &room.id, "Eager", id)
            .await
            .expect("under the limit");
        assert_eq!(answer.status(), LobbyStatus::Waiting);
    }
    let status = expect_code(
        join(&guest, &room.id, "Eager", id).await,
        Code::ResourceExhausted,
    );
    let retry = status
        .get_details_retry_info()
        .and_then(|r| r.retry_delay)
        .unwrap_or_else(|| panic!("a RetryInfo delay: {status:?}"));
    assert!(
        retry > Duration::ZERO && retry <= Duration::from_mins(1),
        "retry after {retry:?}"
    );

    // The limit is per participant: another one is not affected.
    wait_in(&guest, &room.id, "Patient").await;
    // Users are counted by account, whatever the room's access level.
    room.set_access_level(AccessLevel::Public);
    alice
        .update_room(room.clone(), &["access_level"])
        .await
        .expect("made public");
    let bob = server.user("bob").await;
    for _ in 0..3 {
        let answer = join(&bob, &room.id, "Bob", "")
            .await
            .expect("under the limit");
        assert_accepted(&answer, &room.id);
    }
    let status = expect_code(
        join(&bob, &room.id, "Bob", "").await,
        Code::ResourceExhausted,
    );
    assert!(status.get_details_retry_info().is_some(), "{status:?}");
}
