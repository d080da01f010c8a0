//! Room use cases against mocked ports: every rule and every cell of the matrix.

use std::sync::{Arc, Mutex};

use super::*;
use crate::access::MockAccessRepository;
use crate::fixtures::{access, block_on, clock, matrix_callers, outcome, room, user};
use crate::lobby::MockRateLimiter;
use crate::media::{MockMediaServer, MockTokenIssuer};
use crate::page::PageSize;
use crate::room::{MediaSource, MockCreationCallbacks, MockRoomRepository, PinCode};

fn service(rooms: MockRoomRepository, accesses: MockAccessRepository) -> RoomService {
    with_callbacks(rooms, accesses, MockCreationCallbacks::new())
}

/// A service whose creation callback store is `callbacks` (a mock without expectations
/// refuses every call).
fn with_callbacks(
    rooms: MockRoomRepository,
    accesses: MockAccessRepository,
    callbacks: MockCreationCallbacks,
) -> RoomService {
    let mut server = MockMediaServer::new();
    server
        .expect_merge_room_metadata()
        .returning(|_, _, _| Ok(()));
    server.expect_delete_room().returning(|_| Ok(()));
    build(rooms, accesses, server, callbacks)
}

fn with_media(
    rooms: MockRoomRepository,
    accesses: MockAccessRepository,
    server: MockMediaServer,
) -> RoomService {
    build(rooms, accesses, server, MockCreationCallbacks::new())
}

fn build(
    rooms: MockRoomRepository,
    accesses: MockAccessRepository,
    server: MockMediaServer,
    callbacks: MockCreationCallbacks,
) -> RoomService {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().returning(|grant| {
        Ok(JoinAnswer {
            url: "ws://livekit".to_owned(),
            room: grant.room.clone(),
            token: format!("token-for-{}", grant.identity),
        })
    });
    let media = RoomMedia {
        server: Arc::new(server),
        tokens: Arc::new(tokens),
    };
    let callbacks = CreationCallbackService::new(
        Arc::new(callbacks),
        Arc::new(MockRateLimiter::new()),
        CreationCallbackSettings::default(),
    );
    RoomService::new(
        Arc::new(rooms),
        Arc::new(accesses),
        media,
        callbacks,
        clock(),
        RoomSettings::default(),
    )
}

/// Repositories that know one room and give `role` to every user.
fn world(stored: &Room, role: Option<Role>) -> (MockRoomRepository, MockAccessRepository) {
    let mut rooms = MockRoomRepository::new();
    let by_slug = stored.clone();
    rooms
        .expect_get_by_slug()
        .returning(move |_| Ok(by_slug.clone()));
    let by_id = stored.clone();
    rooms.expect_get().returning(move |_| Ok(by_id.clone()));
    rooms.expect_update().returning(|_| Ok(()));
    rooms.expect_delete().returning(|_| Ok(()));
    let mut accesses = MockAccessRepository::new();
    accesses.expect_role_of().returning(move |_, _| Ok(role));
    let room_id = stored.id;
    accesses.expect_list_for_room().returning(move |_| {
        let owner = user("owner");
        Ok(vec![AccessWithUser {
            access: access(room_id, owner.id, Role::Owner),
            user: owner,
        }])
    });
    (rooms, accesses)
}

#[test]
fn anonymous_callers_cannot_create_rooms() {
    let svc = service(MockRoomRepository::new(), MockAccessRepository::new());
    let result = block_on(svc.create(&Caller::anonymous(), CreateRoom::default()));
    assert_eq!(outcome(&result), "401");
}

#[test]
fn the_creator_becomes_owner_and_the_slug_follows_the_name() {
    let creator = user("creator");
    let inserted = Arc::new(Mutex::new(None));
    let seen = inserted.clone();
    let mut rooms = MockRoomRepository::new();
    rooms
        .expect_insert()
        .times(1)
        .returning(move |room, owner| {
            *seen.lock().unwrap() = Some((room.clone(), owner.clone()));
            Ok(())
        });
    let svc = service(rooms, MockAccessRepository::new());
    let request = CreateRoom {
        name: Some("Réunion d'équipe".to_owned()),
        ..CreateRoom::default()
    };
    let view = block_on(svc.create(&Caller::User(creator.clone()), request)).unwrap();
    let (room, owner) = inserted.lock().unwrap().clone().unwrap();
    assert_eq!(room.slug.as_str(), "reunion-dequipe");
    assert_eq!(room.name.as_str(), "Réunion d'équipe");
    assert_eq!(room.access_level, AccessLevel::Public);
    assert!(!room.slug_is_random);
    assert_eq!(
        (owner.room, owner.user, owner.role),
        (room.id, creator.id, Role::Owner)
    );
    assert_eq!(view.caller_role, Some(Role::Owner));
    assert!(view.may_join);
    assert_eq!(view.accesses.unwrap().len(), 1);
}

#[test]
fn creator_defaults_apply_only_when_the_request_omits_them() {
    let mut creator = user("creator");
    creator.default_room_access_level = Some(AccessLevel::Restricted);
    creator.default_room_configuration = RoomConfiguration {
        everyone_can_mute: Some(false),
        ..RoomConfiguration::default()
    };
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().returning(|_, _| Ok(()));
    let svc = service(rooms, MockAccessRepository::new());
    let caller = Caller::User(creator.clone());

    let defaulted = block_on(svc.create(
        &caller,
        CreateRoom {
            name: Some("a".to_owned()),
            access_level: None,
            configuration: Some(RoomConfiguration::default()),
            callback_id: None,
        },
    ))
    .unwrap();
    assert_eq!(defaulted.room.access_level, AccessLevel::Restricted);
    assert_eq!(
        defaulted.room.configuration,
        creator.default_room_configuration
    );

    let chosen_config = RoomConfiguration {
        can_publish_sources: Some(vec![MediaSource::Microphone]),
        ..RoomConfiguration::default()
    };
    let explicit = block_on(svc.create(
        &caller,
        CreateRoom {
            name: Some("b".to_owned()),
            access_level: Some(AccessLevel::Trusted),
            configuration: Some(chosen_config.clone()),
            callback_id: None,
        },
    ))
    .unwrap();
    assert_eq!(explicit.room.access_level, AccessLevel::Trusted);
    assert_eq!(explicit.room.configuration, chosen_config);
}

#[test]
fn a_room_without_name_gets_a_random_slug_as_name_and_redraws_on_collision() {
    let mut rooms = MockRoomRepository::new();
    let mut calls = 0;
    rooms.expect_insert().times(2).returning(move |_, _| {
        calls += 1;
        if calls == 1 {
            Err(Error::AlreadyExists {
                field: "slug",
                message: "Room with this Slug already exists.".to_owned(),
            })
        } else {
            Ok(())
        }
    });
    let svc = service(rooms, MockAccessRepository::new());
    let view = block_on(svc.create(&Caller::User(user("u")), CreateRoom::default())).unwrap();
    assert!(view.room.slug_is_random);
    assert_eq!(view.room.name.as_str(), view.room.slug.as_str());
    assert_eq!(view.room.slug.as_str().len(), 12);
}

#[test]
fn a_named_slug_collision_is_reported_on_slug() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().times(1).returning(|_, _| {
        Err(Error::AlreadyExists {
            field: "slug",
            message: "Room with this Slug already exists.".to_owned(),
        })
    });
    let svc = service(rooms, MockAccessRepository::new());
    let request = CreateRoom {
        name: Some("My Room!".to_owned()),
        ..CreateRoom::default()
    };
    match block_on(svc.create(&Caller::User(user("u")), request)) {
        Err(Error::AlreadyExists { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn invalid_names_are_refused_before_any_write() {
    let svc = service(MockRoomRepository::new(), MockAccessRepository::new());
    let caller = Caller::User(user("u"));
    for (name, field) in [
        ("", "name"),
        ("7f8bd06c-1b0b-4c38-a4f6-7bd1d0c6d0b6", "slug"),
        (&"a".repeat(101), "slug"),
        (&"a".repeat(501), "name"),
    ] {
        let request = CreateRoom {
            name: Some(name.to_owned()),
            ..CreateRoom::default()
        };
        match block_on(svc.create(&caller, request)) {
            Err(Error::Invalid(violations)) => assert_eq!(violations[0].field, field, "{name}"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A creation request for `name` with a callback id.
fn with_callback(name: &str, callback_id: &str) -> CreateRoom {
    CreateRoom {
        name: Some(name.to_owned()),
        callback_id: Some(callback_id.to_owned()),
        ..CreateRoom::default()
    }
}

#[test]
fn a_callback_id_leaves_the_new_slug_for_the_configured_lifetime() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().times(1).returning(|_, _| Ok(()));
    rooms.expect_delete().never();
    let mut callbacks = MockCreationCallbacks::new();
    callbacks
        .expect_put()
        .withf(|id, slug, ttl| {
            id.as_str() == "cb-42"
                && slug.as_str() == "daily-standup"
                && *ttl == CreationCallbackSettings::default().ttl
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = with_callbacks(rooms, MockAccessRepository::new(), callbacks);
    let view = block_on(svc.create(
        &Caller::User(user("u")),
        with_callback("Daily standup", " cb-42 "),
    ))
    .unwrap();
    assert_eq!(view.room.slug.as_str(), "daily-standup");
}

#[test]
fn without_a_callback_id_or_with_an_empty_one_nothing_is_left() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().times(2).returning(|_, _| Ok(()));
    let mut callbacks = MockCreationCallbacks::new();
    callbacks.expect_put().never();
    let svc = with_callbacks(rooms, MockAccessRepository::new(), callbacks);
    let caller = Caller::User(user("u"));
    block_on(svc.create(&caller, with_callback("a", ""))).unwrap();
    let plain = CreateRoom {
        name: Some("b".to_owned()),
        ..CreateRoom::default()
    };
    block_on(svc.create(&caller, plain)).unwrap();
}

#[test]
fn an_invalid_callback_id_is_refused_before_any_write() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().never();
    let svc = with_callbacks(
        rooms,
        MockAccessRepository::new(),
        MockCreationCallbacks::new(),
    );
    let caller = Caller::User(user("u"));
    for raw in ["   ".to_owned(), "a\u{7}b".to_owned(), "x".repeat(256)] {
        match block_on(svc.create(&caller, with_callback("Room", &raw))) {
            Err(Error::Invalid(violations)) => {
                assert_eq!(violations[0].field, "callback_id", "{raw:?}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn a_callback_that_cannot_be_stored_undoes_the_creation() {
    let inserted = Arc::new(Mutex::new(None));
    let seen = inserted.clone();
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().times(1).returning(move |room, _| {
        *seen.lock().unwrap() = Some(room.id);
        Ok(())
    });
    let created = inserted.clone();
    rooms
        .expect_delete()
        .withf(move |id| Some(*id) == *created.lock().unwrap())
        .times(1)
        .returning(|_| Ok(()));
    let mut callbacks = MockCreationCallbacks::new();
    callbacks
        .expect_put()
        .times(1)
        .returning(|_, _, _| Err(Error::unavailable("redis", std::io::Error::other("down"))));
    let svc = with_callbacks(rooms, MockAccessRepository::new(), callbacks);
    let failed = block_on(svc.create(&Caller::User(user("u")), with_callback("Room", "cb")));
    assert!(
        matches!(
            failed,
            Err(Error::Unavailable {
                dependency: "redis",
                ..
            })
        ),
        "{failed:?}"
    );
}

#[test]
fn a_failed_undo_still_reports_the_callback_failure() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().returning(|_, _| Ok(()));
    rooms.expect_delete().times(1).returning(|_| {
        Err(Error::unavailable(
            "database",
            std::io::Error::other("gone"),
        ))
    });
    let mut callbacks = MockCreationCallbacks::new();
    callbacks
        .expect_put()
        .returning(|_, _, _| Err(Error::unavailable("redis", std::io::Error::other("down"))));
    let svc = with_callbacks(rooms, MockAccessRepository::new(), callbacks);
    let failed = block_on(svc.create(&Caller::User(user("u")), with_callback("Room", "cb")));
    assert!(
        matches!(
            failed,
            Err(Error::Unavailable {
                dependency: "redis",
                ..
            })
        ),
        "{failed:?}"
    );
}

#[test]
fn a_failed_insert_leaves_no_callback() {
    let mut rooms = MockRoomRepository::new();
    rooms.expect_insert().returning(|_, _| {
        Err(Error::unavailable(
            "database",
            std::io::Error::other("gone"),
        ))
    });
    let mut callbacks = MockCreationCallbacks::new();
    callbacks.expect_put().never();
    let svc = with_callbacks(rooms, MockAccessRepository::new(), callbacks);
    let failed = block_on(svc.create(&Caller::User(user("u")), with_callback("Room", "cb")));
    assert!(
        matches!(
            failed,
            Err(Error::Unavailable {
                dependency: "database",
                ..
            })
        ),
        "{failed:?}"
    );
}

#[test]
fn reading_a_room_follows_the_matrix() {
    // (access level, may_join per caller column)
    let expected = [
        (AccessLevel::Public, [true, true, true, true, true]),
        (AccessLevel::Trusted, [false, true, true, true, true]),
        (AccessLevel::Restricted, [false, false, true, true, true]),
    ];
    for (level, joins) in expected {
        let mut stored = room("Daily", level);
        stored.pin_code = Some(PinCode::from_stored("0123456789".to_owned()));
        for ((caller, role), may_join) in matrix_callers().into_iter().zip(joins) {
            let (rooms, accesses) = world(&stored, role);
            let view = block_on(service(rooms, accesses).get(&caller, "daily")).unwrap();
            assert_eq!(view.may_join, may_join, "{level} {role:?}");
            assert_eq!(view.visible_pin().is_some(), may_join, "{level} {role:?}");
            let privileged = matches!(role, Some(Role::Administrator | Role::Owner));
            assert_eq!(view.accesses.is_some(), privileged, "{level} {role:?}");
            assert_eq!(view.caller_role, role);
        }
    }
}

#[test]
fn rooms_resolve_by_id_by_slug_and_by_non_normalised_name() {
    let stored = room("Réunion", AccessLevel::Public);
    let mut rooms = MockRoomRepository::new();
    let by_slug = stored.clone();
    rooms
        .expect_get_by_slug()
        .withf(|slug| slug == "reunion")
        .times(2)
        .returning(move |_| Ok(by_slug.clone()));
    let by_id = stored.clone();
    let id = stored.id;
    rooms
        .expect_get()
        .withf(move |asked| *asked == id)
        .times(2)
        .returning(move |_| Ok(by_id.clone()));
    let svc = service(rooms, MockAccessRepository::new());
    let anonymous = Caller::anonymous();
    for reference in [
        "Réunion".to_owned(),
        "reunion".to_owned(),
        stored.id.to_string(),
        stored.id.as_uuid().simple().to_string(),
    ] {
        assert_eq!(
            block_on(svc.get(&anonymous, &reference)).unwrap().room.id,
            stored.id
        );
    }
}

#[test]
fn an_unknown_room_is_not_found_with_the_reference_message() {
    let mut rooms = MockRoomRepository::new();
    rooms
        .expect_get_by_slug()
        .returning(|_| Err(Error::NotFound("room".to_owned())));
    let svc = service(rooms, MockAccessRepository::new());
    match block_on(svc.get(&Caller::anonymous(), "nowhere")) {
        Err(Error::NotFound(message)) => assert_eq!(message, "No Room matches the given query."),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn listing_is_empty_for_anonymous_and_own_rooms_for_users() {
    let svc = service(MockRoomRepository::new(), MockAccessRepository::new());
    let page = PageRequest::default();
    let empty = block_on(svc.list(&Caller::anonymous(), &page)).unwrap();
    assert!(empty.items.is_empty() && empty.next.is_none());

    let me = user("me");
    let my_id = me.id;
    let mut rooms = MockRoomRepository::new();
    rooms
        .expect_list_for_user()
        .withf(move |user, _| *user == my_id)
        .returning(|_, _| {
            Ok(vec![
                (room("a", AccessLevel::Restricted), Role::Member),
                (room("b", AccessLevel::Public), Role::Owner),
                (room("c", AccessLevel::Public), Role::Owner),
            ])
        });
    let svc = service(rooms, MockAccessRepository::new());
    let page = PageRequest {
        size: PageSize::from_request(2).unwrap(),
        after: None,
    };
    let listed = block_on(svc.list(&Caller::User(me), &page)).unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(
        listed
            .items
            .iter()
            .all(|v| v.may_join && v.accesses.is_none())
    );
    assert_eq!(listed.next.map(|c| c.name), Some("b".to_owned()));
}

#[test]
fn updating_follows_the_matrix() {
    let stored = room("Daily", AccessLevel::Public);
    let row: Vec<&str> = matrix_callers()
        .into_iter()
        .map(|(caller, role)| {
            let (rooms, accesses) = world(&stored, role);
            let patch = RoomPatch {
                access_level: Some(AccessLevel::Restricted),
                ..RoomPatch::default()
            };
            outcome(&block_on(
                service(rooms, accesses).update(&caller, "daily", patch),
            ))
        })
        .collect();
    assert_eq!(row, ["401", "403", "403", "yes", "yes"]);
}

#[test]
fn deleting_follows_the_matrix() {
    let stored = room("Daily", AccessLevel::Public);
    let row: Vec<&str> = matrix_callers()
        .into_iter()
        .map(|(caller, role)| {
            let (rooms, accesses) = world(&stored, role);
            outcome(&block_on(service(rooms, accesses).delete(&caller, "daily")))
        })
        .collect();
    assert_eq!(row, ["401", "403", "403", "403", "yes"]);
}

#[test]
fn renaming_recomputes_the_slug_unless_it_was_random() {
    let owner = Caller::User(user("owner"));
    let rename = || RoomPatch {
        name: Some("New Name".to_owned()),
        ..RoomPatch::default()
    };

    let named = room("Old", AccessLevel::Public);
    let (rooms, accesses) = world(&named, Some(Role::Owner));
    let view = block_on(service(rooms, accesses).update(&owner, "old", rename())).unwrap();
    assert_eq!(view.room.slug.as_str(), "new-name");

    let mut random = room("abc-defg-hij", AccessLevel::Public);
    random.slug_is_random = true;
    let (rooms, accesses) = world(&random, Some(Role::Owner));
    let view = block_on(service(rooms, accesses).update(&owner, "abc-defg-hij", rename())).unwrap();
    assert_eq!(view.room.slug.as_str(), "abc-defg-hij");
    assert_eq!(view.room.name.as_str(), "New Name");
}

#[test]
fn an_update_is_validated_before_it_is_written() {
    let stored = room("Daily", AccessLevel::Public);
    let mut rooms = MockRoomRepository::new();
    let found = stored.clone();
    rooms
        .expect_get_by_slug()
        .returning(move |_| Ok(found.clone()));
    rooms.expect_update().never();
    let mut accesses = MockAccessRepository::new();
    accesses
        .expect_role_of()
        .returning(|_, _| Ok(Some(Role::Owner)));
    let patch = RoomPatch {
        name: Some("   ".to_owned()),
        ..RoomPatch::default()
    };
    let result =
        block_on(service(rooms, accesses).update(&Caller::User(user("o")), "daily", patch));
    assert_eq!(outcome(&result), "400");
}

#[test]
fn only_access_level_or_configuration_changes_reach_livekit_metadata() {
    let stored = room("Daily", AccessLevel::Public);
    let owner = Caller::User(user("owner"));
    let livekit_name = stored.livekit_name();
    for (patch, pushes) in [
        (
            RoomPatch {
                name: Some("Renamed".to_owned()),
                ..RoomPatch::default()
            },
            0,
        ),
        (
            RoomPatch {
                access_level: Some(AccessLevel::Public),
                ..RoomPatch::default()
            },
            0,
        ),
        (
            RoomPatch {
                access_level: Some(AccessLevel::Trusted),
                ..RoomPatch::default()
            },
            1,
        ),
        (
            RoomPatch {
                configuration: Some(RoomConfiguration {
                    everyone_can_mute: Some(false),
                    ..RoomConfiguration::default()
                }),
                ..RoomPatch::default()
            },
            1,
        ),
    ] {
        let (rooms, accesses) = world(&stored, Some(Role::Owner));
        let mut server = MockMediaServer::new();
        let expected_room = livekit_name.clone();
        server
            .expect_merge_room_metadata()
            .withf(move |room, set, remove| {
                room == expected_room
                    && set.contains_key("configuration")
                    && set.contains_key("access_level")
                    && remove.is_empty()
            })
            .times(pushes)
            .returning(|_, _, _| Ok(()));
        let svc = with_media(rooms, accesses, server);
        block_on(svc.update(&owner, "daily", patch)).unwrap();
    }
}

#[test]
fn livekit_failures_never_fail_an_update_or_a_delete() {
    let stored = room("Daily", AccessLevel::Public);
    let owner = Caller::User(user("owner"));
    for failure in [
        || Error::NotFound("requested room does not exist".to_owned()),
        || Error::unavailable("livekit", std::io::Error::other("refused")),
    ] {
        let (rooms, accesses) = world(&stored, Some(Role::Owner));
        let mut server = MockMediaServer::new();
        server
            .expect_merge_room_metadata()
            .returning(move |_, _, _| Err(failure()));
        server
            .expect_delete_room()
            .times(1)
            .returning(move |_| Err(failure()));
        let svc = with_media(rooms, accesses, server);
        let patch = RoomPatch {
            access_level: Some(AccessLevel::Restricted),
            ..RoomPatch::default()
        };
        assert!(block_on(svc.update(&owner, "daily", patch)).is_ok());
        assert!(block_on(svc.delete(&owner, "daily")).is_ok());
    }
}

#[test]
fn join_answers_go_only_to_callers_who_may_join() {
    let stored = room("Daily", AccessLevel::Restricted);
    for (caller, role, joins) in [
        (Caller::anonymous(), None, false),
        (Caller::User(user("stranger")), None, false),
        (Caller::User(user("member")), Some(Role::Member), true),
    ] {
        let (rooms, accesses) = world(&stored, role);
        let svc = service(rooms, accesses);
        let view = block_on(svc.get(&caller, "daily")).unwrap();
        let answer = svc.join_answer(&caller, &view, Some("Bob")).unwrap();
        assert_eq!(answer.is_some(), joins);
        if let Some(answer) = answer {
            assert_eq!(answer.room, stored.id.to_string());
            assert_eq!(answer.token, "token-for-member");
        }
    }
}
