//! Moderation through the real binary, checked on the fake LiveKit server: hosts mute, remove,
//! update participants and set their roles; participants raise hands and rename themselves
//! with their LiveKit token; LiveKit down fails moderation fast while room updates go on.

use std::time::{Duration, Instant};

use anteroom_livekit_fake::proto::{ParticipantInfo, TrackSource};
use anteroom_livekit_fake::{ParticipantSpec, TrackSpec};
use anteroom_proto::v1::participant_service_client::ParticipantServiceClient;
use anteroom_proto::v1::{
    AccessLevel, Attributes, CreateRoomRequest, EntryDecision, JoinRoomResponse, LobbyStatus,
    MediaSource, MediaSourceList, MuteParticipantRequest, ParticipantPermission,
    RemoveParticipantRequest, RenameParticipantRequest, Role, Room, RoomConfiguration,
    SetHandRaisedRequest, SetParticipantRoleRequest, SetParticipantRoleResponse,
    UpdateParticipantRequest,
};
use prost::Message as _;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_reflection::pb::v1;

use crate::harness::{
    Server, Session, SharedGuard, SharedServer, expect_code, expect_invalid, free_port, unique,
};
use crate::lobby::{
    assert_accepted, database, decide, fake, join, list_waiting, restricted_room, room_name,
    wait_in, with_fake_livekit,
};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || Some(with_fake_livekit(database()))).await
}

/// A participant service client of `server`.
fn participants(server: &Server) -> ParticipantServiceClient<Channel> {
    ParticipantServiceClient::new(server.channel())
}

/// `message` carrying `token` in the `livekit-token` metadata (and no bearer token).
fn with_livekit_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "livekit-token",
        token.parse().expect("a valid metadata value"),
    );
    request
}

/// A public room of `owner`, optionally configured.
async fn public_room(owner: &Session, configuration: Option<RoomConfiguration>) -> Room {
    owner
        .create_room(CreateRoomRequest {
            name: Some(room_name("meeting")),
            access_level: AccessLevel::Public.into(),
            configuration,
            callback_id: None,
        })
        .await
        .expect("the room is created")
}

/// Puts `identity` in the LiveKit room `room` on the fake.
fn connect(room: &str, identity: &str) -> ParticipantInfo {
    fake()
        .add_participant(room, ParticipantSpec::new(identity).with_name(identity))
        .expect("the participant joins the fake room")
}

/// The participant `identity` of `room` on the fake.
fn on_fake(room: &str, identity: &str) -> ParticipantInfo {
    fake()
        .participant(room, identity)
        .unwrap_or_else(|| panic!("{identity} is not in the fake room {room}"))
}

/// An anonymous guest who joined a public room (ACCEPTED) and connected to its LiveKit room.
async fn connected_guest(server: &Server, room: &str, name: &str) -> JoinRoomResponse {
    let answer = join(&server.anonymous(), room, name, "")
        .await
        .expect("JoinRoom");
    assert_accepted(&answer, room);
    connect(room, &answer.participant_id);
    answer
}

fn token_of(answer: &JoinRoomResponse) -> &str {
    &answer.livekit.as_ref().expect("livekit").token
}

async fn mute(
    server: &Server,
    request: Request<MuteParticipantRequest>,
) -> Result<anteroom_proto::v1::Track, Status> {
    participants(server)
        .mute_participant(request)
        .await
        .map(|r| r.into_inner().track.expect("MuteParticipantResponse.track"))
}

fn mute_request(room: &str, identity: &str, track_sid: &str) -> MuteParticipantRequest {
    MuteParticipantRequest {
        room: room.to_owned(),
        participant_identity: identity.to_owned(),
        track_sid: track_sid.to_owned(),
    }
}

fn track_muted(room: &str, identity: &str, sid: &str) -> bool {
    on_fake(room, identity)
        .tracks
        .iter()
        .find(|t| t.sid == sid)
        .expect("the track is published")
        .muted
}

#[tokio::test]
async fn hosts_and_present_token_holders_mute_tracks() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let room = public_room(&alice, None).await;
    let speaker = format!("speaker-{}", unique());
    connect(&room.id, &speaker);
    let mic = fake()
        .publish_track(&room.id, &speaker, TrackSpec::microphone())
        .expect("published");
    let camera = fake()
        .publish_track(&room.id, &speaker, TrackSpec::camera())
        .expect("published");
    assert_eq!(camera.source(), TrackSource::Camera);

    let track = mute(
        &server,
        alice.request(mute_request(&room.id, &speaker, &mic.sid)),
    )
    .await
    .expect("the host mutes");
    assert_eq!(track.sid, mic.sid);
    assert!(track.muted);
    assert!(
        track_muted(&room.id, &speaker, &mic.sid),
        "muted on LiveKit"
    );
    assert!(!track_muted(&room.id, &speaker, &camera.sid));

    let status = expect_code(
        mute(
            &server,
            alice.request(mute_request(&room.id, &speaker, "TR_nothing")),
        )
        .await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Participant not found.");
    expect_code(
        mute(
            &server,
            alice.request(mute_request(&room.id, "nobody", &mic.sid)),
        )
        .await,
        Code::NotFound,
    );
    // Neither a user without a role nor an anonymous caller, without a LiveKit token.
    expect_code(
        mute(
            &server,
            bob.request(mute_request(&room.id, &speaker, &camera.sid)),
        )
        .await,
        Code::PermissionDenied,
    );
    expect_code(
        mute(
            &server,
            Request::new(mute_request(&room.id, &speaker, &camera.sid)),
        )
        .await,
        Code::Unauthenticated,
    );
    assert!(!track_muted(&room.id, &speaker, &camera.sid));

    // A participant present in the meeting may (everyone_can_mute is not false).
    let guest = connected_guest(&server, &room.id, "Guest").await;
    let track = mute(
        &server,
        with_livekit_token(
            mute_request(&room.id, &speaker, &camera.sid),
            token_of(&guest),
        ),
    )
    .await
    .expect("a present participant mutes");
    assert!(track.muted);
    assert!(track_muted(&room.id, &speaker, &camera.sid));

    // Not once it left.
    let screen = fake()
        .publish_track(&room.id, &speaker, TrackSpec::screen_share())
        .expect("published");
    fake()
        .remove_participant(&room.id, &guest.participant_id)
        .expect("the guest leaves");
    let status = expect_code(
        mute(
            &server,
            with_livekit_token(
                mute_request(&room.id, &speaker, &screen.sid),
                token_of(&guest),
            ),
        )
        .await,
        Code::PermissionDenied,
    );
    assert_eq!(status.message(), "Could not verify caller presence");
    assert!(!track_muted(&room.id, &speaker, &screen.sid));
}

#[tokio::test]
async fn token_holders_may_not_mute_when_everyone_can_mute_is_false() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = public_room(
        &alice,
        Some(RoomConfiguration {
            everyone_can_mute: Some(false),
            ..RoomConfiguration::default()
        }),
    )
    .await;
    let speaker = format!("speaker-{}", unique());
    connect(&room.id, &speaker);
    let mic = fake()
        .publish_track(&room.id, &speaker, TrackSpec::microphone())
        .expect("published");
    let guest = connected_guest(&server, &room.id, "Guest").await;
    expect_code(
        mute(
            &server,
            with_livekit_token(mute_request(&room.id, &speaker, &mic.sid), token_of(&guest)),
        )
        .await,
        Code::PermissionDenied,
    );
    assert!(!track_muted(&room.id, &speaker, &mic.sid), "still live");
    // The host still may.
    mute(
        &server,
        alice.request(mute_request(&room.id, &speaker, &mic.sid)),
    )
    .await
    .expect("the host mutes");
    assert!(track_muted(&room.id, &speaker, &mic.sid));
}

async fn remove(server: &Server, host: &Session, room: &str, identity: &str) -> Result<(), Status> {
    participants(server)
        .remove_participant(host.request(RemoveParticipantRequest {
            room: room.to_owned(),
            participant_identity: identity.to_owned(),
        }))
        .await
        .map(drop)
}

#[tokio::test]
async fn removed_participants_leave_livekit_and_must_wait_again() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let room = restricted_room(&alice, None).await;
    alice
        .grant(&room.id, &bob.id, Role::Member)
        .await
        .expect("bob is a member");

    // An anonymous participant (identity: its participant id) and an authenticated one
    // (identity: its `sub`), both admitted and connected.
    let guest = server.anonymous();
    let anonymous = wait_in(&guest, &room.id, "Guest").await.participant_id;
    let carols = wait_in(&carol, &room.id, "Carol").await.participant_id;
    for (session, id, identity) in [
        (&guest, anonymous.as_str(), anonymous.as_str()),
        (&carol, carols.as_str(), carol.sub.as_str()),
    ] {
        decide(&server, &alice, &room.id, id, EntryDecision::Allow)
            .await
            .expect("admitted");
        let answer = join(session, &room.id, "Again", id)
            .await
            .expect("JoinRoom");
        assert_accepted(&answer, &room.id);
        connect(&room.id, identity);
    }

    expect_code(
        remove(&server, &bob, &room.id, &anonymous).await,
        Code::PermissionDenied,
    );
    assert!(fake().participant(&room.id, &anonymous).is_some());
    for (session, id, identity) in [
        (&guest, anonymous.as_str(), anonymous.as_str()),
        (&carol, carols.as_str(), carol.sub.as_str()),
    ] {
        remove(&server, &alice, &room.id, identity)
            .await
            .expect("removed");
        assert!(
            fake().participant(&room.id, identity).is_none(),
            "{identity} is gone from LiveKit"
        );
        let answer = join(session, &room.id, "Again", id)
            .await
            .expect("JoinRoom");
        assert_eq!(
            answer.status(),
            LobbyStatus::Waiting,
            "{identity}'s admission is not reusable: {answer:?}"
        );
    }
    let listed = list_waiting(&server, &alice, &room.id)
        .await
        .expect("listed");
    assert_eq!(listed.len(), 2, "both wait again: {listed:?}");

    let status = expect_code(
        remove(&server, &alice, &room.id, "nobody").await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Participant not found.");
}

async fn update(
    server: &Server,
    host: &Session,
    request: UpdateParticipantRequest,
) -> Result<(), Status> {
    participants(server)
        .update_participant(host.request(request))
        .await
        .map(drop)
}

#[tokio::test]
async fn hosts_update_participants_on_livekit() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let room = public_room(&alice, None).await;
    let target = format!("target-{}", unique());
    fake()
        .add_participant(
            &room.id,
            ParticipantSpec::new(&target)
                .with_name("Before")
                .with_attribute("keep", "1"),
        )
        .expect("joined");
    let base = UpdateParticipantRequest {
        room: room.id.clone(),
        participant_identity: target.clone(),
        ..UpdateParticipantRequest::default()
    };

    update(
        &server,
        &alice,
        UpdateParticipantRequest {
            attributes: Some(Attributes {
                values: [("badge".to_owned(), "gold".to_owned())].into(),
            }),
            ..base.clone()
        },
    )
    .await
    .expect("attributes merged");
    let seen = on_fake(&room.id, &target);
    assert_eq!(seen.attributes.get("keep").map(String::as_str), Some("1"));
    assert_eq!(
        seen.attributes.get("badge").map(String::as_str),
        Some("gold")
    );

    update(
        &server,
        &alice,
        UpdateParticipantRequest {
            name: Some("After".to_owned()),
            metadata: Some(r#"{"note":"hi"}"#.to_owned()),
            permission: Some(ParticipantPermission {
                can_publish: Some(false),
                can_publish_sources: Some(MediaSourceList {
                    sources: vec![MediaSource::Microphone.into()],
                }),
                ..ParticipantPermission::default()
            }),
            ..base.clone()
        },
    )
    .await
    .expect("name, metadata and permission updated");
    let seen = on_fake(&room.id, &target);
    assert_eq!(seen.name, "After");
    assert_eq!(seen.metadata, r#"{"note":"hi"}"#);
    let permission = seen.permission.expect("a permission");
    assert!(!permission.can_publish);
    assert_eq!(
        permission.can_publish_sources,
        [TrackSource::Microphone as i32]
    );
    assert!(!permission.hidden, "never hidden");
    assert_eq!(seen.attributes.len(), 2, "{:?}", seen.attributes);

    expect_invalid(update(&server, &alice, base.clone()).await, "update");
    expect_invalid(
        update(
            &server,
            &alice,
            UpdateParticipantRequest {
                name: Some("  ".to_owned()),
                ..base.clone()
            },
        )
        .await,
        "name",
    );
    let rename = UpdateParticipantRequest {
        name: Some("Hijacked".to_owned()),
        ..base.clone()
    };
    expect_code(
        update(&server, &bob, rename.clone()).await,
        Code::PermissionDenied,
    );
    assert_eq!(on_fake(&room.id, &target).name, "After");
    let status = expect_code(
        update(
            &server,
            &alice,
            UpdateParticipantRequest {
                participant_identity: "nobody".to_owned(),
                ..rename
            },
        )
        .await,
        Code::NotFound,
    );
    assert_eq!(status.message(), "Participant not found.");
}

#[tokio::test]
async fn the_permission_message_cannot_express_hidden_recorder_or_agent() {
    use v1::server_reflection_client::ServerReflectionClient;
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let Some(server) = server().await else { return };

    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "anteroom.v1.ParticipantPermission".to_owned(),
        )),
    };
    let mut answers = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection answers")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("a reflection answer")
        .expect("one message");
    let Some(MessageResponse::FileDescriptorResponse(files)) = answer.message_response else {
        panic!("unexpected reflection answer");
    };
    let permission = files
        .file_descriptor_proto
        .iter()
        .map(|bytes| prost_types::FileDescriptorProto::decode(bytes.as_slice()).expect("a file"))
        .flat_map(|file| file.message_type)
        .find(|m| m.name() == "ParticipantPermission")
        .expect("ParticipantPermission is served");
    let fields: Vec<&str> = permission
        .field
        .iter()
        .map(prost_types::FieldDescriptorProto::name)
        .collect();
    assert!(fields.contains(&"can_publish"), "{fields:?}");
    for power in ["hidden", "recorder", "agent"] {
        assert!(
            !fields.contains(&power),
            "{power} is in the API: {fields:?}"
        );
    }
}

async fn set_role(
    server: &Server,
    host: &Session,
    room: &str,
    identity: &str,
    role: Role,
) -> Result<SetParticipantRoleResponse, Status> {
    participants(server)
        .set_participant_role(host.request(SetParticipantRoleRequest {
            room: room.to_owned(),
            participant_identity: identity.to_owned(),
            role: role.into(),
        }))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn hosts_in_the_meeting_set_roles_of_connected_users() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    let room = public_room(&alice, None).await;
    alice
        .grant(&room.id, &bob.id, Role::Member)
        .await
        .expect("member");
    alice
        .grant(&room.id, &carol.id, Role::Owner)
        .await
        .expect("owner");
    alice
        .grant(&room.id, &dave.id, Role::Administrator)
        .await
        .expect("administrator");
    for user in [&alice, &bob, &carol] {
        connect(&room.id, &user.sub);
    }

    let changed = set_role(&server, &alice, &room.id, &bob.sub, Role::Administrator)
        .await
        .expect("bob promoted");
    assert_eq!(changed.role(), Role::Administrator);
    assert!(changed.livekit_synced);
    assert_eq!(
        on_fake(&room.id, &bob.sub)
            .attributes
            .get("room_role")
            .map(String::as_str),
        Some("administrator")
    );
    let seen_by_bob = bob.get_room(&room.id).await.expect("GetRoom");
    assert_eq!(seen_by_bob.caller_role(), Role::Administrator, "persisted");

    let status = expect_code(
        set_role(&server, &alice, &room.id, &alice.sub, Role::Member).await,
        Code::PermissionDenied,
    );
    assert_eq!(status.message(), "You cannot change your own role.");
    let status = expect_code(
        set_role(&server, &alice, &room.id, &carol.sub, Role::Member).await,
        Code::PermissionDenied,
    );
    assert_eq!(status.message(), "Room owners cannot be demoted.");
    assert_eq!(
        carol
            .get_room(&room.id)
            .await
            .expect("GetRoom")
            .caller_role(),
        Role::Owner
    );
    expect_invalid(
        set_role(&server, &alice, &room.id, &bob.sub, Role::Owner).await,
        "role",
    );

    // Anonymous and absent targets.
    let guest = connected_guest(&server, &room.id, "Guest").await;
    expect_code(
        set_role(
            &server,
            &alice,
            &room.id,
            &guest.participant_id,
            Role::Member,
        )
        .await,
        Code::NotFound,
    );
    expect_code(
        set_role(&server, &alice, &room.id, "nobody", Role::Member).await,
        Code::NotFound,
    );
    // A host who is not in the meeting, and a non-host.
    expect_code(
        set_role(&server, &dave, &room.id, &bob.sub, Role::Member).await,
        Code::PermissionDenied,
    );
    let eve = server.user("eve").await;
    connect(&room.id, &eve.sub);
    expect_code(
        set_role(&server, &eve, &room.id, &bob.sub, Role::Member).await,
        Code::PermissionDenied,
    );
    assert_eq!(
        bob.get_room(&room.id).await.expect("GetRoom").caller_role(),
        Role::Administrator,
        "unchanged"
    );
}

async fn raise_hand(server: &Server, room: &str, token: &str, raised: bool) -> Result<(), Status> {
    participants(server)
        .set_hand_raised(with_livekit_token(
            SetHandRaisedRequest {
                room: room.to_owned(),
                raised,
            },
            token,
        ))
        .await
        .map(drop)
}

async fn rename(server: &Server, room: &str, token: &str, name: &str) -> Result<(), Status> {
    participants(server)
        .rename_participant(with_livekit_token(
            RenameParticipantRequest {
                room: room.to_owned(),
                name: name.to_owned(),
            },
            token,
        ))
        .await
        .map(drop)
}

#[tokio::test]
async fn participants_raise_hands_and_rename_themselves_with_their_token() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let room = public_room(&alice, None).await;
    let guest = connected_guest(&server, &room.id, "Guest").await;
    let (identity, token) = (guest.participant_id.as_str(), token_of(&guest));

    raise_hand(&server, &room.id, token, true)
        .await
        .expect("raised");
    let raised_at = on_fake(&room.id, identity)
        .attributes
        .get("handRaisedAt")
        .cloned()
        .expect("handRaisedAt is set");
    assert!(
        raised_at.len() >= 20 && raised_at.contains('T') && raised_at.ends_with('Z'),
        "an RFC 3339 time: {raised_at:?}"
    );
    raise_hand(&server, &room.id, token, false)
        .await
        .expect("lowered");
    assert_eq!(
        on_fake(&room.id, identity).attributes.get("handRaisedAt"),
        None,
        "lowering clears the attribute"
    );

    rename(&server, &room.id, token, "  Renamed Guest ")
        .await
        .expect("renamed");
    assert_eq!(on_fake(&room.id, identity).name, "Renamed Guest");
    expect_invalid(rename(&server, &room.id, token, " ").await, "name");

    // Only the token authenticates these calls.
    let status = expect_code(
        participants(&server)
            .set_hand_raised(alice.request(SetHandRaisedRequest {
                room: room.id.clone(),
                raised: true,
            }))
            .await,
        Code::PermissionDenied,
    );
    assert!(status.message().contains("livekit-token"), "{status:?}");
    expect_code(
        raise_hand(&server, &room.id, "not-a-token", true).await,
        Code::PermissionDenied,
    );
    // A token for another room.
    let other = public_room(&alice, None).await;
    let elsewhere = connected_guest(&server, &other.id, "Elsewhere").await;
    expect_code(
        raise_hand(&server, &room.id, token_of(&elsewhere), true).await,
        Code::PermissionDenied,
    );
    expect_code(
        rename(&server, &room.id, token_of(&elsewhere), "Intruder").await,
        Code::PermissionDenied,
    );
    let speaker = format!("speaker-{}", unique());
    connect(&room.id, &speaker);
    let mic = fake()
        .publish_track(&room.id, &speaker, TrackSpec::microphone())
        .expect("published");
    expect_code(
        mute(
            &server,
            with_livekit_token(
                mute_request(&room.id, &speaker, &mic.sid),
                token_of(&elsewhere),
            ),
        )
        .await,
        Code::PermissionDenied,
    );
    assert!(!track_muted(&room.id, &speaker, &mic.sid));
    assert_eq!(
        on_fake(&room.id, identity).attributes.get("handRaisedAt"),
        None
    );

    // A participant that left.
    fake().remove_participant(&room.id, identity).expect("left");
    expect_code(
        raise_hand(&server, &room.id, token, true).await,
        Code::NotFound,
    );
}

/// What is wrong with `result` of `what` while LiveKit is down (`None`: a fast UNAVAILABLE).
fn not_fast_unavailable<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, Status>,
    started: Instant,
) -> Option<String> {
    let took = started.elapsed();
    match result {
        Err(status) if status.code() == Code::Unavailable && took < Duration::from_secs(2) => None,
        Err(status) if status.code() == Code::Unavailable => {
            Some(format!("{what}: UNAVAILABLE only after {took:?}"))
        }
        other => Some(format!(
            "{what}: expected UNAVAILABLE while LiveKit is down, got {other:?}"
        )),
    }
}

#[tokio::test]
async fn livekit_down_fails_moderation_fast_and_room_updates_still_succeed() {
    let closed = free_port();
    let server = Server::start(
        database()
            .env(
                "ANTEROOM__LIVEKIT__URL",
                &format!("ws://127.0.0.1:{closed}"),
            )
            .env(
                "ANTEROOM__LIVEKIT__API_URL",
                &format!("http://127.0.0.1:{closed}"),
            ),
    )
    .await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut room = public_room(&alice, None).await;
    // Tokens are minted locally: joining still works.
    let guest = join(&server.anonymous(), &room.id, "Guest", "")
        .await
        .expect("JoinRoom");
    assert_eq!(guest.status(), LobbyStatus::Accepted);
    let token = token_of(&guest).to_owned();
    let id = guest.participant_id.clone();

    let mut problems = Vec::new();
    let started = Instant::now();
    let result = mute(&server, alice.request(mute_request(&room.id, &id, "TR_x"))).await;
    problems.extend(not_fast_unavailable(
        "host MuteParticipant",
        result,
        started,
    ));
    let started = Instant::now();
    let result = remove(&server, &alice, &room.id, &id).await;
    problems.extend(not_fast_unavailable("RemoveParticipant", result, started));
    let started = Instant::now();
    let result = update(
        &server,
        &alice,
        UpdateParticipantRequest {
            room: room.id.clone(),
            participant_identity: id.clone(),
            name: Some("New".to_owned()),
            ..UpdateParticipantRequest::default()
        },
    )
    .await;
    problems.extend(not_fast_unavailable("UpdateParticipant", result, started));
    let started = Instant::now();
    let result = raise_hand(&server, &room.id, &token, true).await;
    problems.extend(not_fast_unavailable("SetHandRaised", result, started));
    let started = Instant::now();
    let result = rename(&server, &room.id, &token, "New").await;
    problems.extend(not_fast_unavailable("RenameParticipant", result, started));
    // These two check presence on LiveKit first: they must still say LiveKit is down, not
    // blame the caller (a LiveKit outage is not an absence).
    let started = Instant::now();
    let result = set_role(&server, &alice, &room.id, &bob.sub, Role::Member).await;
    problems.extend(not_fast_unavailable("SetParticipantRole", result, started));
    let started = Instant::now();
    let result = mute(
        &server,
        with_livekit_token(mute_request(&room.id, &id, "TR_x"), &token),
    )
    .await;
    problems.extend(not_fast_unavailable(
        "MuteParticipant by a token holder",
        result,
        started,
    ));

    // Room updates sync LiveKit's metadata best effort: they succeed.
    room.name = room_name("renamed");
    room.configuration = Some(RoomConfiguration {
        everyone_can_mute: Some(false),
        ..RoomConfiguration::default()
    });
    let started = Instant::now();
    let updated = alice
        .update_room(room.clone(), &["name", "configuration"])
        .await
        .expect("UpdateRoom succeeds without LiveKit");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(updated.name, room.name);
    // A waiter's hosts are told through LiveKit best effort too.
    let restricted = restricted_room(&alice, None).await;
    wait_in(&server.anonymous(), &restricted.id, "Walter").await;

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
