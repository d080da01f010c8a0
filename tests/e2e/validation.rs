//! Bad input gets INVALID_ARGUMENT naming the field (a `BadRequest` field violation), never
//! INTERNAL or UNKNOWN. Runs on the embedded SQLite default, with a token issuer.

use anteroom_proto::v1::{
    Access, AccessLevel, CreateRoomRequest, MediaSource, MediaSourceList, Role, Room,
    RoomConfiguration, UpdateAccessRequest,
};
use tonic::Code;

use crate::harness::{
    Options, SharedGuard, SharedServer, expect_code, expect_invalid, mask, unique,
};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || Some(Options::embedded().with_issuer())).await
}

fn named(name: &str) -> CreateRoomRequest {
    CreateRoomRequest {
        name: Some(name.to_owned()),
        ..CreateRoomRequest::default()
    }
}

fn configured(configuration: RoomConfiguration) -> CreateRoomRequest {
    CreateRoomRequest {
        name: Some(format!("Configured {}", unique())),
        configuration: Some(configuration),
        ..CreateRoomRequest::default()
    }
}

#[tokio::test]
async fn create_room_refuses_bad_names_levels_and_configurations() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;

    expect_invalid(alice.create_room(named(&"a".repeat(501))).await, "name");
    expect_invalid(alice.create_room(named("   ")).await, "name");
    expect_invalid(alice.create_room(named("!!!")).await, "slug");
    let status = expect_invalid(
        alice
            .create_room(named("7f8bd06c-1b0b-4c38-a4f6-7bd1d0c6d0b6"))
            .await,
        "slug",
    );
    assert!(status.message().contains("reserved"), "{status:?}");
    expect_invalid(
        alice
            .create_room(CreateRoomRequest {
                name: Some(format!("Level {}", unique())),
                access_level: 99,
                configuration: None,
                callback_id: None,
            })
            .await,
        "access_level",
    );
    expect_invalid(
        alice
            .create_room(configured(RoomConfiguration {
                max_participants: Some(0),
                ..RoomConfiguration::default()
            }))
            .await,
        "configuration.max_participants",
    );
    expect_invalid(
        alice
            .create_room(configured(RoomConfiguration {
                can_publish_sources: Some(MediaSourceList {
                    sources: vec![MediaSource::Camera.into(), MediaSource::Unspecified.into()],
                }),
                ..RoomConfiguration::default()
            }))
            .await,
        "configuration.can_publish_sources",
    );
    expect_invalid(
        alice
            .create_room(configured(RoomConfiguration {
                can_publish_sources: Some(MediaSourceList { sources: vec![77] }),
                ..RoomConfiguration::default()
            }))
            .await,
        "configuration.can_publish_sources",
    );

    // None of those created anything; a 500-character name is fine.
    assert!(alice.all_rooms().await.expect("listed").is_empty());
    let long = alice
        .create_room(named(&format!("{} {}", unique(), "!".repeat(487))))
        .await
        .expect("500 characters are allowed");
    assert_eq!(long.name.chars().count(), 500);
}

#[tokio::test]
async fn room_references_and_page_parameters_are_checked() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let anonymous = server.anonymous();

    expect_invalid(anonymous.get_room("").await, "room");
    expect_invalid(anonymous.get_room("   ").await, "room");
    expect_invalid(anonymous.get_room(&"r".repeat(3000)).await, "room");
    expect_invalid(alice.delete_room(&"r".repeat(3000)).await, "room");

    expect_invalid(alice.list_rooms(-1, "").await, "page_size");
    expect_invalid(alice.list_rooms(0, "garbage!").await, "page_token");
    expect_invalid(alice.list_rooms(0, "bm9wZQ").await, "page_token");
    expect_invalid(alice.list_accesses("", -5, "").await, "page_size");
    expect_invalid(alice.list_accesses("", 0, "garbage!").await, "page_token");
    // Too large a page size is capped, not refused.
    alice.list_rooms(100_000, "").await.expect("capped");
}

#[tokio::test]
async fn access_identifiers_roles_and_masks_are_checked() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let room = alice
        .create_named(&format!("Checked {}", unique()))
        .await
        .expect("created");

    expect_invalid(
        alice.grant(&room.id, "nope", Role::Member).await,
        "access.user_id",
    );
    expect_invalid(
        alice.grant(&room.id, &bob.id, Role::Unspecified).await,
        "access.role",
    );
    expect_invalid(
        alice.grant("", &bob.id, Role::Member).await,
        "access.room_id",
    );
    let access = alice
        .grant(&room.id, &bob.id, Role::Member)
        .await
        .expect("granted");

    let status = expect_invalid(
        alice
            .accesses()
            .update_access(alice.request(UpdateAccessRequest {
                access: Some(Access {
                    id: access.id.clone(),
                    user_id: alice.id.clone(),
                    role: Role::Owner.into(),
                    ..Access::default()
                }),
                update_mask: mask(&["user_id"]),
            }))
            .await,
        "update_mask",
    );
    assert!(status.message().contains("user_id"), "{status:?}");
    expect_invalid(alice.set_role("nope", Role::Member).await, "access.id");
    expect_invalid(
        alice.set_role(&access.id, Role::Unspecified).await,
        "access.role",
    );
    expect_invalid(alice.revoke("nope").await, "id");
    expect_code(
        alice
            .accesses()
            .create_access(alice.request(anteroom_proto::v1::CreateAccessRequest { access: None }))
            .await,
        Code::InvalidArgument,
    );

    // Nothing changed.
    let accesses = alice.all_accesses(&room.id).await.expect("listed");
    let bobs = crate::harness::access_of(&accesses, &bob.id).expect("bob's access");
    assert_eq!(bobs.role(), Role::Member);
}

#[tokio::test]
async fn room_updates_refuse_unknown_mask_paths_and_bad_values() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let tag = unique();
    let room = alice
        .create_named(&format!("Masked {tag}"))
        .await
        .expect("created");
    let with_id = |room_: Room| Room {
        id: room.id.clone(),
        ..room_
    };

    expect_invalid(
        alice
            .update_room(
                with_id(Room {
                    slug: "hijacked".to_owned(),
                    ..Room::default()
                }),
                &["slug"],
            )
            .await,
        "update_mask",
    );
    expect_invalid(
        alice
            .update_room(
                with_id(Room {
                    name: "x".repeat(501),
                    ..Room::default()
                }),
                &["name"],
            )
            .await,
        "room.name",
    );
    expect_invalid(
        alice
            .update_room(
                with_id(Room {
                    access_level: 99,
                    ..Room::default()
                }),
                &["access_level"],
            )
            .await,
        "room.access_level",
    );
    expect_invalid(
        alice
            .update_room(
                with_id(Room {
                    configuration: Some(RoomConfiguration {
                        max_participants: Some(0),
                        ..RoomConfiguration::default()
                    }),
                    ..Room::default()
                }),
                &["configuration"],
            )
            .await,
        "room.configuration.max_participants",
    );
    expect_invalid(
        alice
            .update_room(
                Room {
                    name: "No id".to_owned(),
                    ..Room::default()
                },
                &["name"],
            )
            .await,
        "room.id",
    );

    let read = alice.get_room(&room.id).await.expect("read back");
    assert_eq!(read.name, format!("Masked {tag}"));
    assert_eq!(read.slug, format!("masked-{tag}"));
    assert_eq!(read.access_level(), AccessLevel::Public);
    assert_eq!(read.configuration, Some(RoomConfiguration::default()));
}

#[tokio::test]
async fn an_oversized_request_is_refused_and_the_server_stays_up() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;

    let status = alice
        .create_room(named(&"n".repeat(300 * 1024)))
        .await
        .expect_err("a 300 KiB request is over the 256 KiB limit");
    eprintln!(
        "an oversized request gets {:?}: {}",
        status.code(),
        status.message()
    );
    assert!(
        matches!(
            status.code(),
            Code::OutOfRange | Code::ResourceExhausted | Code::InvalidArgument
        ),
        "{status:?}"
    );

    // The server still answers, on the same connection and on a new one.
    let room = alice
        .create_named(&format!("After the flood {}", unique()))
        .await
        .expect("created");
    server
        .user("bob")
        .await
        .get_room(&room.slug)
        .await
        .expect("read on a new connection");
}
