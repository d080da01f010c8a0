//! Rooms on PostgreSQL: create, read by every kind of reference, list, update, delete.

use anteroom_proto::v1::{
    AccessLevel, CreateRoomRequest, MediaSource, MediaSourceList, Role, Room, RoomConfiguration,
};
use tonic::Code;

use crate::harness::{
    Options, SharedGuard, SharedServer, expect_code, expect_invalid, unique, violated_fields,
};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, Options::postgres).await
}

fn is_random_slug(slug: &str) -> bool {
    let parts: Vec<&str> = slug.split('-').collect();
    parts.iter().map(|p| p.len()).eq([3, 4, 3])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
}

#[tokio::test]
async fn a_created_room_is_found_by_slug_id_and_name() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;

    let room = alice.create_named("Daily Standup").await.expect("created");
    assert_eq!(room.name, "Daily Standup");
    assert_eq!(room.slug, "daily-standup");
    assert_eq!(room.caller_role(), Role::Owner);
    assert_eq!(room.access_level(), AccessLevel::Public);
    assert!(uuid::Uuid::parse_str(&room.id).is_ok(), "id {}", room.id);
    assert!(room.create_time.is_some() && room.update_time.is_some());
    assert_eq!(room.pin_code, None, "no telephony, no PIN");
    assert_eq!(room.accesses.len(), 1);
    let owner = &room.accesses[0];
    assert_eq!(owner.user_id, alice.id);
    assert_eq!(owner.room_id, room.id);
    assert_eq!(owner.role(), Role::Owner);
    assert_eq!(
        owner.user.as_ref().and_then(|u| u.sub.as_deref()),
        Some(alice.sub.as_str())
    );

    let without_dashes = room.id.replace('-', "");
    for reference in [
        "daily-standup",
        room.id.as_str(),
        without_dashes.as_str(),
        "Daily Standup",
        "  DAILY   standup ",
    ] {
        let found = alice
            .get_room(reference)
            .await
            .unwrap_or_else(|e| panic!("GetRoom({reference:?}): {e:?}"));
        assert_eq!(found.id, room.id, "GetRoom({reference:?})");
        assert_eq!(found.slug, "daily-standup");
        assert_eq!(found.caller_role(), Role::Owner);
        assert_eq!(found.accesses.len(), 1);
    }

    // Accents are stripped: `Réunion` finds `reunion`.
    let tag = unique();
    let accented = alice
        .create_named(&format!("Réunion Équipe {tag}"))
        .await
        .expect("created");
    assert_eq!(accented.slug, format!("reunion-equipe-{tag}"));
    let found = alice
        .get_room(&format!("reunion equipe {tag}"))
        .await
        .expect("found without accents");
    assert_eq!(found.id, accented.id);

    // Anonymous callers read the room but see neither role nor accesses.
    let seen = server
        .anonymous()
        .get_room("daily-standup")
        .await
        .expect("readable anonymously");
    assert_eq!(seen.id, room.id);
    assert_eq!(seen.caller_role(), Role::Unspecified);
    assert!(seen.accesses.is_empty());
}

#[tokio::test]
async fn list_rooms_paginates_by_name_and_shows_only_own_rooms() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let tag = unique();

    for letter in ["D", "B", "E", "A", "C"] {
        alice
            .create_named(&format!("{tag} Room {letter}"))
            .await
            .expect("created");
    }
    let mut names = Vec::new();
    let mut pages = 0;
    let mut token = String::new();
    loop {
        let page = alice.list_rooms(2, &token).await.expect("listed");
        pages += 1;
        assert!(page.rooms.len() <= 2, "page size respected");
        for room in &page.rooms {
            assert_eq!(room.caller_role(), Role::Owner);
            assert!(room.accesses.is_empty(), "listings carry no accesses");
        }
        names.extend(page.rooms.into_iter().map(|r| r.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = ["A", "B", "C", "D", "E"]
        .iter()
        .map(|l| format!("{tag} Room {l}"))
        .collect();
    assert_eq!(names, expected);

    // Page size 0 means the default, which holds all five.
    let all = alice.list_rooms(0, "").await.expect("listed");
    assert_eq!(all.rooms.len(), 5);
    assert!(all.next_page_token.is_empty());

    assert!(bob.all_rooms().await.expect("listed").is_empty());
}

#[tokio::test]
async fn renaming_a_room_recomputes_its_slug() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let tag = unique();
    let room = alice
        .create_named(&format!("Before {tag}"))
        .await
        .expect("created");
    assert_eq!(room.slug, format!("before-{tag}"));

    let renamed = alice
        .update_room(
            Room {
                id: room.id.clone(),
                name: format!("After {tag}"),
                // Not in the mask: must be ignored.
                access_level: AccessLevel::Restricted.into(),
                ..Room::default()
            },
            &["name"],
        )
        .await
        .expect("renamed");
    assert_eq!(renamed.name, format!("After {tag}"));
    assert_eq!(renamed.slug, format!("after-{tag}"));
    assert_eq!(renamed.access_level(), AccessLevel::Public);

    expect_code(
        alice.get_room(&format!("before-{tag}")).await,
        Code::NotFound,
    );
    let found = alice
        .get_room(&format!("after-{tag}"))
        .await
        .expect("found by its new slug");
    assert_eq!(found.id, room.id);
    assert_eq!(found.name, format!("After {tag}"));
    assert_eq!(found.access_level(), AccessLevel::Public);
}

#[tokio::test]
async fn room_configuration_and_access_level_updates_are_persisted() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let tag = unique();
    let room = alice
        .create_named(&format!("Configured {tag}"))
        .await
        .expect("created");
    assert_eq!(room.configuration, Some(RoomConfiguration::default()));

    let configuration = RoomConfiguration {
        can_publish_sources: Some(MediaSourceList {
            sources: vec![MediaSource::Microphone.into()],
        }),
        everyone_can_mute: Some(false),
        max_participants: Some(5),
        enable_transcription: None,
    };
    let updated = alice
        .update_room(
            Room {
                id: room.id.clone(),
                configuration: Some(configuration.clone()),
                ..Room::default()
            },
            &["configuration"],
        )
        .await
        .expect("updated");
    assert_eq!(updated.configuration.as_ref(), Some(&configuration));
    assert_eq!(updated.name, room.name, "the name is not in the mask");

    let read = alice.get_room(&room.id).await.expect("read back");
    assert_eq!(read.configuration, Some(configuration.clone()));
    assert_eq!(read.name, room.name);
    assert_eq!(read.slug, room.slug);

    // Only the access level now; the configuration stays.
    alice
        .update_room(
            Room {
                id: room.id.clone(),
                access_level: AccessLevel::Trusted.into(),
                ..Room::default()
            },
            &["access_level"],
        )
        .await
        .expect("updated");
    let read = alice.get_room(&room.slug).await.expect("read back");
    assert_eq!(read.access_level(), AccessLevel::Trusted);
    assert_eq!(read.configuration, Some(configuration));

    // An empty publish list ("nothing may be published") is not the same as no list.
    let listen_only = RoomConfiguration {
        can_publish_sources: Some(MediaSourceList { sources: vec![] }),
        ..RoomConfiguration::default()
    };
    alice
        .update_room(
            Room {
                id: room.id.clone(),
                configuration: Some(listen_only.clone()),
                ..Room::default()
            },
            &["configuration"],
        )
        .await
        .expect("updated");
    let read = alice.get_room(&room.id).await.expect("read back");
    assert_eq!(read.configuration, Some(listen_only));
}

#[tokio::test]
async fn a_slug_collision_is_already_exists() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let tag = unique();
    let first = alice
        .create_named(&format!("Clash {tag}"))
        .await
        .expect("created");

    let status = expect_code(
        bob.create_named(&format!("  clash  {}! ", tag.to_uppercase()))
            .await,
        Code::AlreadyExists,
    );
    assert_eq!(violated_fields(&status), ["slug"], "{status:?}");

    // Renaming another room onto the slug collides too, and changes nothing.
    let second = alice
        .create_named(&format!("Other {tag}"))
        .await
        .expect("created");
    expect_code(
        alice
            .update_room(
                Room {
                    id: second.id.clone(),
                    name: format!("CLASH {tag}"),
                    ..Room::default()
                },
                &["name"],
            )
            .await,
        Code::AlreadyExists,
    );
    let read = alice.get_room(&second.id).await.expect("read back");
    assert_eq!(read.slug, format!("other-{tag}"));
    assert_eq!(
        alice.get_room(&first.slug).await.expect("still there").id,
        first.id
    );
}

#[tokio::test]
async fn a_room_without_a_name_gets_a_random_slug_that_survives_renaming() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;

    let room = alice
        .create_room(CreateRoomRequest::default())
        .await
        .expect("created");
    assert!(is_random_slug(&room.slug), "slug {:?}", room.slug);
    assert_eq!(room.name, room.slug);
    let other = alice
        .create_room(CreateRoomRequest::default())
        .await
        .expect("created");
    assert_ne!(other.slug, room.slug);

    let found = alice.get_room(&room.slug).await.expect("found by slug");
    assert_eq!(found.id, room.id);

    let renamed = alice
        .update_room(
            Room {
                id: room.id.clone(),
                name: format!("Named later {}", unique()),
                ..Room::default()
            },
            &["name"],
        )
        .await
        .expect("renamed");
    assert_eq!(renamed.slug, room.slug, "a random slug is kept");
}

#[tokio::test]
async fn a_deleted_room_is_gone() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let tag = unique();
    let room = alice
        .create_named(&format!("Doomed {tag}"))
        .await
        .expect("created");
    let kept = alice
        .create_named(&format!("Kept {tag}"))
        .await
        .expect("created");

    alice.delete_room(&room.slug).await.expect("deleted");
    expect_code(alice.get_room(&room.id).await, Code::NotFound);
    expect_code(alice.get_room(&room.slug).await, Code::NotFound);
    expect_code(alice.delete_room(&room.id).await, Code::NotFound);
    let ids: Vec<String> = alice
        .all_rooms()
        .await
        .expect("listed")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, std::slice::from_ref(&kept.id));
    // Its accesses went with it.
    let accesses = alice.all_accesses("").await.expect("listed");
    assert!(
        accesses.iter().all(|a| a.room_id == kept.id),
        "{accesses:?}"
    );
    // The slug is free again.
    let again = alice
        .create_named(&format!("Doomed {tag}"))
        .await
        .expect("created again");
    assert_eq!(again.slug, room.slug);
    assert_ne!(again.id, room.id);

    expect_invalid(alice.delete_room("").await, "room");
}
