//! RoomService through the real `livekit-api` Rust client (protobuf Twirp).

#![allow(clippy::too_many_lines)] // scenario tests read top to bottom

mod common;

use std::collections::HashMap;

use anteroom_livekit_fake::{ParticipantSpec, TrackSpec, proto};
use common::{KEY, SECRET, twirp};
use livekit_api::services::room::{
    CreateRoomOptions, RoomClient, SendDataOptions, UpdateParticipantOptions,
};

#[tokio::test]
async fn rooms_are_created_idempotently_listed_by_name_and_deleted() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    let options = CreateRoomOptions {
        metadata: "{\"a\":1}".to_owned(),
        max_participants: 5,
        ..Default::default()
    };
    let room = client
        .create_room("alpha", options.clone())
        .await
        .expect("create");
    assert!(room.sid.starts_with("RM_"), "{}", room.sid);
    assert_eq!(room.name, "alpha");
    assert_eq!(room.metadata, "{\"a\":1}");
    assert_eq!(room.max_participants, 5);
    assert_eq!(room.empty_timeout, 300);
    assert_eq!(room.departure_timeout, 20);
    assert!(room.creation_time > 1_600_000_000);
    assert_eq!(room.creation_time_ms / 1000, room.creation_time);
    let again = client
        .create_room("alpha", CreateRoomOptions::default())
        .await
        .expect("again");
    assert_eq!(again.sid, room.sid, "CreateRoom is idempotent");
    client
        .create_room("beta", CreateRoomOptions::default())
        .await
        .expect("beta");

    let all = client.list_rooms(vec![]).await.expect("list");
    assert_eq!(all.len(), 2);
    let some = client
        .list_rooms(vec!["beta".to_owned(), "missing".to_owned()])
        .await
        .expect("list by name");
    assert_eq!(
        some.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["beta"]
    );

    client.delete_room("alpha").await.expect("delete");
    let err = client.delete_room("alpha").await.expect_err("gone");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "requested room does not exist".to_owned()
        )
    );
    assert_eq!(client.list_rooms(vec![]).await.expect("list").len(), 1);
}

#[tokio::test]
async fn participants_are_listed_fetched_updated_and_removed() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    fake.add_participant(
        "room",
        ParticipantSpec::new("alice")
            .with_name("Alice")
            .with_metadata("m0")
            .with_attribute("a", "1")
            .with_attribute("b", "2"),
    )
    .expect("alice joins");
    fake.add_participant("room", ParticipantSpec::new("bob"))
        .expect("bob joins");

    let listed = client.list_participants("room").await.expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|p| p.identity.as_str())
            .collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert!(listed[0].sid.starts_with("PA_"));
    assert_eq!(
        listed[0].state,
        proto::participant_info::State::Active as i32
    );
    assert!(
        client
            .list_participants("nowhere")
            .await
            .expect("unknown room")
            .is_empty()
    );

    let alice = client.get_participant("room", "alice").await.expect("get");
    assert_eq!(
        (alice.name.as_str(), alice.metadata.as_str()),
        ("Alice", "m0")
    );
    let err = client
        .get_participant("room", "carol")
        .await
        .expect_err("missing");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "participant does not exist".to_owned()
        )
    );

    let updated = client
        .update_participant(
            "room",
            "alice",
            UpdateParticipantOptions {
                metadata: "m1".to_owned(),
                attributes: HashMap::from([
                    ("a".to_owned(), String::new()),
                    ("c".to_owned(), "3".to_owned()),
                ]),
                permission: Some(proto::ParticipantPermission {
                    can_subscribe: true,
                    ..Default::default()
                }),
                name: String::new(),
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.metadata, "m1");
    assert_eq!(updated.name, "Alice", "an empty name changes nothing");
    assert_eq!(
        updated.attributes,
        HashMap::from([
            ("b".to_owned(), "2".to_owned()),
            ("c".to_owned(), "3".to_owned())
        ])
    );
    assert!(
        updated
            .permission
            .is_some_and(|p| p.can_subscribe && !p.can_publish)
    );
    let err = client
        .update_participant("room", "carol", UpdateParticipantOptions::default())
        .await
        .expect_err("missing");
    assert_eq!(twirp(&err).0, "not_found");

    client
        .remove_participant("room", "bob")
        .await
        .expect("remove");
    let err = client
        .remove_participant("room", "bob")
        .await
        .expect_err("gone");
    assert_eq!(
        twirp(&err),
        ("not_found".to_owned(), "participant not found".to_owned())
    );
    assert_eq!(fake.participants("room").len(), 1);
    client
        .update_subscriptions("room", "alice", vec![], true)
        .await
        .expect("update subscriptions");
}

#[tokio::test]
async fn mute_published_track_always_returns_the_track() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    fake.add_participant("room", ParticipantSpec::new("alice"))
        .expect("join");
    let mic = fake
        .publish_track("room", "alice", TrackSpec::microphone())
        .expect("publish");
    assert!(mic.sid.starts_with("TR_"));

    let track = client
        .mute_published_track("room", "alice", &mic.sid, true)
        .await
        .expect("mute");
    assert_eq!(track.sid, mic.sid);
    assert!(track.muted);
    assert_eq!(track.r#type, proto::TrackType::Audio as i32);
    assert_eq!(track.source, proto::TrackSource::Microphone as i32);
    assert!(fake.participant("room", "alice").expect("alice").tracks[0].muted);

    let err = client
        .mute_published_track("room", "alice", &mic.sid, false)
        .await
        .expect_err("remote unmute is disabled by default");
    assert_eq!(
        twirp(&err),
        (
            "failed_precondition".to_owned(),
            "remote unmute not enabled".to_owned()
        )
    );
    let err = client
        .mute_published_track("room", "alice", "TR_nope", true)
        .await
        .expect_err("unknown track");
    assert_eq!(
        twirp(&err),
        ("not_found".to_owned(), "track is not found".to_owned())
    );
    let err = client
        .mute_published_track("room", "zed", &mic.sid, true)
        .await
        .expect_err("unknown participant");
    assert_eq!(twirp(&err).0, "not_found");
}

#[tokio::test]
async fn room_metadata_and_data_messages() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    client
        .create_room("room", CreateRoomOptions::default())
        .await
        .expect("create");
    let room = client
        .update_room_metadata("room", "{\"x\":2}")
        .await
        .expect("metadata");
    assert_eq!(room.metadata, "{\"x\":2}");
    assert_eq!(fake.room("room").expect("room").metadata, "{\"x\":2}");
    let err = client
        .update_room_metadata("nope", "m")
        .await
        .expect_err("unknown");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "requested room does not exist".to_owned()
        )
    );

    client
        .send_data(
            "room",
            b"hello".to_vec(),
            SendDataOptions {
                kind: proto::data_packet::Kind::Reliable,
                destination_identities: vec!["alice".to_owned()],
                topic: Some("chat".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("send");
    let sent = fake.data_messages("room");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data, b"hello");
    assert_eq!(sent[0].kind, "RELIABLE");
    assert_eq!(sent[0].topic.as_deref(), Some("chat"));
    assert_eq!(sent[0].destination_identities, ["alice"]);
    assert_eq!(sent[0].nonce.len(), 16);
    let err = client
        .send_data("nope", b"x".to_vec(), SendDataOptions::default())
        .await
        .expect_err("unknown room");
    assert_eq!(twirp(&err).0, "not_found");
}

#[tokio::test]
async fn requests_are_recorded_with_their_grants() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    client.list_rooms(vec![]).await.expect("list");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.service.as_str(), request.method.as_str()),
        ("RoomService", "ListRooms")
    );
    assert_eq!(request.content_type, "application/protobuf");
    assert!(
        request.user_agent.starts_with("livekit-server-sdk-rust/"),
        "{}",
        request.user_agent
    );
    let claims = request.claims.as_ref().expect("claims");
    assert_eq!(claims.iss, KEY);
    assert!(claims.video.as_ref().is_some_and(|v| v.room_list));
}
