//! Every moderation rule of livekit.md against mocked ports.

use std::sync::{Arc, Mutex};

use super::*;
use crate::access::{AccessWithUser, MockAccessRepository};
use crate::fixtures::{access, block_on, clock, outcome, room, user};
use crate::lobby::MockLobbyStore;
use crate::media::{
    MediaClaims, MockMediaServer, MockMediaTokenVerifier, Participant, ParticipantState,
};
use crate::room::{AccessLevel, MockRoomRepository};
use crate::user::{MockUserRepository, User};

fn participant(identity: &str) -> Participant {
    Participant {
        identity: identity.to_owned(),
        name: identity.to_owned(),
        state: ParticipantState::Active,
        metadata: String::new(),
        attributes: BTreeMap::new(),
        tracks: Vec::new(),
    }
}

/// A configurable world: one room, the caller's role, who is present in the meeting.
struct World {
    room: Room,
    caller_role: Option<Role>,
    present: Vec<String>,
    accounts: Vec<User>,
    accesses: Vec<AccessWithUser>,
    media: MockMediaServer,
    lobby: MockLobbyStore,
    token_room: Option<String>,
    inserted: Arc<Mutex<Vec<ResourceAccess>>>,
    updated_roles: Arc<Mutex<Vec<Role>>>,
}

impl World {
    fn new(caller_role: Option<Role>) -> Self {
        Self {
            room: room("Daily", AccessLevel::Public),
            caller_role,
            present: Vec::new(),
            accounts: Vec::new(),
            accesses: Vec::new(),
            media: MockMediaServer::new(),
            lobby: MockLobbyStore::new(),
            token_room: None,
            inserted: Arc::default(),
            updated_roles: Arc::default(),
        }
    }

    fn service(mut self) -> ModerationService {
        let mut rooms = MockRoomRepository::new();
        let found = self.room.clone();
        rooms
            .expect_get_by_slug()
            .returning(move |_| Ok(found.clone()));
        let mut accesses = MockAccessRepository::new();
        let caller_role = self.caller_role;
        accesses
            .expect_role_of()
            .returning(move |_, _| Ok(caller_role));
        let listed = self.accesses.clone();
        accesses
            .expect_list_for_room()
            .returning(move |_| Ok(listed.clone()));
        let inserted = self.inserted.clone();
        accesses.expect_insert().returning(move |a| {
            inserted.lock().unwrap().push(a.clone());
            Ok(())
        });
        let updated = self.updated_roles.clone();
        let template = access(self.room.id, crate::id::UserId::new(), Role::Member);
        accesses.expect_update_role().returning(move |_, role, _| {
            updated.lock().unwrap().push(role);
            Ok(template.clone())
        });
        let mut users = MockUserRepository::new();
        let accounts = self.accounts.clone();
        users.expect_get_by_sub().returning(move |sub| {
            Ok(accounts
                .iter()
                .find(|u| u.sub.as_ref() == Some(sub))
                .cloned())
        });
        let present = self.present.clone();
        self.media
            .expect_get_participant()
            .returning(move |_, identity| {
                if present.iter().any(|p| p == identity) {
                    Ok(participant(identity))
                } else {
                    Err(Error::NotFound("participant does not exist".to_owned()))
                }
            });
        let mut tokens = MockMediaTokenVerifier::new();
        let token_room = self
            .token_room
            .clone()
            .unwrap_or_else(|| self.room.livekit_name());
        tokens.expect_verify().returning(move |token| {
            if token == "bad" {
                Err(Error::PermissionDenied(
                    "Invalid LiveKit token: malformed.".to_owned(),
                ))
            } else {
                Ok(MediaClaims {
                    identity: token.to_owned(),
                    room: token_room.clone(),
                })
            }
        });
        ModerationService::new(ModerationPorts {
            rooms: Arc::new(rooms),
            accesses: Arc::new(accesses),
            users: Arc::new(users),
            media: Arc::new(self.media),
            media_tokens: Arc::new(tokens),
            lobby: Arc::new(self.lobby),
            clock: clock(),
        })
    }
}

fn daily() -> RoomRef {
    RoomRef::parse("daily")
}

fn muted_track() -> Track {
    Track {
        sid: "TR_1".to_owned(),
        source: None,
        muted: true,
    }
}

#[test]
fn hosts_mute_without_a_token_or_presence_check() {
    for role in [Role::Administrator, Role::Owner] {
        let mut world = World::new(Some(role));
        world
            .media
            .expect_mute_track()
            .times(1)
            .returning(|_, _, _| Ok(muted_track()));
        let svc = world.service();
        let track = block_on(svc.mute(&Caller::User(user("host")), None, &daily(), "bob", "TR_1"));
        assert!(track.unwrap().muted);
    }
}

#[test]
fn participants_mute_with_a_token_when_present_and_everyone_can_mute() {
    let mut world = World::new(None);
    world.present = vec!["carol".to_owned()];
    world
        .media
        .expect_mute_track()
        .times(1)
        .returning(|_, _, _| Ok(muted_track()));
    let svc = world.service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::anonymous(),
            Some("carol"),
            &daily(),
            "bob",
            "TR_1"
        ))),
        "yes"
    );
}

#[test]
fn token_holders_are_refused_when_absent_or_when_muting_is_for_hosts() {
    let absent = World::new(None).service();
    match block_on(absent.mute(&Caller::anonymous(), Some("carol"), &daily(), "bob", "TR_1")) {
        Err(Error::PermissionDenied(m)) => assert_eq!(m, "Could not verify caller presence"),
        other => panic!("unexpected {other:?}"),
    }
    // A token minted for an administrator, replayed without a session, grants nothing more.
    let mut hosts_only = World::new(None);
    hosts_only.room.configuration.everyone_can_mute = Some(false);
    hosts_only.present = vec!["admin".to_owned()];
    let svc = hosts_only.service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::anonymous(),
            Some("admin"),
            &daily(),
            "bob",
            "TR_1"
        ))),
        "403"
    );
}

#[test]
fn tokens_for_other_rooms_or_invalid_tokens_are_refused() {
    let mut other = World::new(None);
    other.token_room = Some("another-room".to_owned());
    other.present = vec!["carol".to_owned()];
    let svc = other.service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::anonymous(),
            Some("carol"),
            &daily(),
            "b",
            "t"
        ))),
        "403"
    );
    let svc = World::new(None).service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::anonymous(),
            Some("bad"),
            &daily(),
            "b",
            "t"
        ))),
        "403"
    );
}

#[test]
fn without_token_mute_follows_the_matrix() {
    let svc = World::new(None).service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::anonymous(),
            None,
            &daily(),
            "b",
            "t"
        ))),
        "401"
    );
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::User(user("s")),
            None,
            &daily(),
            "b",
            "t"
        ))),
        "403"
    );
    let svc = World::new(Some(Role::Member)).service();
    assert_eq!(
        outcome(&block_on(svc.mute(
            &Caller::User(user("m")),
            None,
            &daily(),
            "b",
            "t"
        ))),
        "403"
    );
}

#[test]
fn an_unknown_track_or_participant_is_not_found() {
    let mut world = World::new(Some(Role::Owner));
    world
        .media
        .expect_mute_track()
        .returning(|_, _, _| Err(Error::NotFound("track is not found".to_owned())));
    let svc = world.service();
    match block_on(svc.mute(&Caller::User(user("o")), None, &daily(), "b", "t")) {
        Err(Error::NotFound(m)) => assert_eq!(m, "Participant not found."),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn removing_deletes_the_lobby_entry_whatever_the_identity() {
    let mut world = World::new(Some(Role::Administrator));
    let room_id = world.room.id;
    world
        .lobby
        .expect_remove_identity()
        .withf(move |room, identity| *room == room_id && identity == "user-sub")
        .times(1)
        .returning(|_, _| Ok(()));
    world
        .media
        .expect_remove_participant()
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = world.service();
    assert_eq!(
        outcome(&block_on(svc.remove(
            &Caller::User(user("a")),
            &daily(),
            "user-sub"
        ))),
        "yes"
    );
    for (caller, role, expected) in [
        (Caller::anonymous(), None, "401"),
        (Caller::User(user("s")), None, "403"),
        (Caller::User(user("m")), Some(Role::Member), "403"),
    ] {
        let svc = World::new(role).service();
        assert_eq!(
            outcome(&block_on(svc.remove(&caller, &daily(), "x"))),
            expected
        );
    }
}

#[test]
fn updates_must_change_something() {
    let svc = World::new(Some(Role::Owner)).service();
    let empty = block_on(svc.update(
        &Caller::User(user("o")),
        &daily(),
        "b",
        ParticipantUpdate::default(),
    ));
    assert_eq!(outcome(&empty), "400");
    let mut world = World::new(Some(Role::Owner));
    world
        .media
        .expect_update_participant()
        .times(1)
        .returning(|_, id, _| Ok(participant(id)));
    let svc = world.service();
    let named = ParticipantUpdate {
        name: Some("Bob".to_owned()),
        ..ParticipantUpdate::default()
    };
    assert_eq!(
        outcome(&block_on(svc.update(
            &Caller::User(user("o")),
            &daily(),
            "b",
            named
        ))),
        "yes"
    );
}

fn role_world() -> World {
    let mut world = World::new(Some(Role::Owner));
    world.present = vec!["host".to_owned(), "bob".to_owned(), "guest".to_owned()];
    world.accounts = vec![user("bob")];
    world
}

#[test]
fn a_role_is_given_to_a_connected_user_and_synced() {
    let mut world = role_world();
    world
        .media
        .expect_update_participant()
        .withf(|_, identity, update| {
            identity == "bob"
                && update
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get("room_role"))
                    .map(String::as_str)
                    == Some("administrator")
        })
        .times(1)
        .returning(|_, id, _| Ok(participant(id)));
    let inserted = world.inserted.clone();
    let svc = world.service();
    let change = block_on(svc.set_role(
        &Caller::User(user("host")),
        &daily(),
        "bob",
        Role::Administrator,
    ))
    .unwrap();
    assert_eq!(
        change,
        RoleChange {
            role: Role::Administrator,
            livekit_synced: true
        }
    );
    assert_eq!(inserted.lock().unwrap()[0].role, Role::Administrator);
}

#[test]
fn a_failed_sync_keeps_the_role_and_says_so() {
    let mut world = role_world();
    let bob = world.accounts[0].clone();
    world.accesses = vec![AccessWithUser {
        access: access(world.room.id, bob.id, Role::Member),
        user: bob,
    }];
    world
        .media
        .expect_update_participant()
        .returning(|_, _, _| Err(Error::unavailable("livekit", std::io::Error::other("down"))));
    let updated = world.updated_roles.clone();
    let svc = world.service();
    let change = block_on(svc.set_role(
        &Caller::User(user("host")),
        &daily(),
        "bob",
        Role::Administrator,
    ))
    .unwrap();
    assert!(!change.livekit_synced);
    assert_eq!(*updated.lock().unwrap(), vec![Role::Administrator]);
}

#[test]
fn role_changes_refuse_owner_self_absent_anonymous_and_owners() {
    let host = Caller::User(user("host"));
    let svc = role_world().service();
    assert_eq!(
        outcome(&block_on(svc.set_role(&host, &daily(), "bob", Role::Owner))),
        "400"
    );
    assert_eq!(
        outcome(&block_on(svc.set_role(
            &host,
            &daily(),
            "host",
            Role::Member
        ))),
        "403"
    );
    assert_eq!(
        outcome(&block_on(svc.set_role(
            &host,
            &daily(),
            "nobody",
            Role::Member
        ))),
        "404"
    );
    match block_on(svc.set_role(&host, &daily(), "guest", Role::Member)) {
        Err(Error::NotFound(m)) => assert!(m.contains("no user account")),
        other => panic!("unexpected {other:?}"),
    }
    let mut owner_target = role_world();
    let bob = owner_target.accounts[0].clone();
    owner_target.accesses = vec![AccessWithUser {
        access: access(owner_target.room.id, bob.id, Role::Owner),
        user: bob,
    }];
    let svc = owner_target.service();
    assert_eq!(
        outcome(&block_on(svc.set_role(
            &host,
            &daily(),
            "bob",
            Role::Member
        ))),
        "403"
    );
    let mut absent_host = role_world();
    absent_host.present = vec!["bob".to_owned()];
    let svc = absent_host.service();
    assert_eq!(
        outcome(&block_on(svc.set_role(
            &host,
            &daily(),
            "bob",
            Role::Member
        ))),
        "403"
    );
    let svc = World::new(Some(Role::Member)).service();
    assert_eq!(
        outcome(&block_on(svc.set_role(
            &Caller::User(user("m")),
            &daily(),
            "bob",
            Role::Member
        ))),
        "403"
    );
}

#[test]
fn hands_are_raised_and_lowered_for_the_tokens_identity() {
    let mut world = World::new(None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    world
        .media
        .expect_update_participant()
        .times(2)
        .returning(move |_, identity, update| {
            let at = update
                .attributes
                .and_then(|a| a.get("handRaisedAt").cloned())
                .unwrap_or_default();
            record.lock().unwrap().push((identity.to_owned(), at));
            Ok(participant(identity))
        });
    let svc = world.service();
    block_on(svc.toggle_hand("carol", &daily(), true)).unwrap();
    block_on(svc.toggle_hand("carol", &daily(), false)).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "carol");
    assert!(seen[0].1.starts_with("2026-11-22T10:00:00"));
    assert_eq!(seen[1], ("carol".to_owned(), String::new()));
}

#[test]
fn renaming_checks_the_name_and_the_token() {
    let svc = World::new(None).service();
    assert_eq!(
        outcome(&block_on(svc.rename("carol", &daily(), "  "))),
        "400"
    );
    assert_eq!(
        outcome(&block_on(svc.rename("carol", &daily(), &"x".repeat(256)))),
        "400"
    );
    assert_eq!(
        outcome(&block_on(svc.rename("bad", &daily(), "Carol"))),
        "403"
    );
    let mut gone = World::new(None);
    gone.media
        .expect_update_participant()
        .returning(|_, _, _| Err(Error::NotFound("participant does not exist".to_owned())));
    let svc = gone.service();
    assert_eq!(
        outcome(&block_on(svc.rename("carol", &daily(), "Carol"))),
        "404"
    );
}

#[test]
fn a_media_server_outage_is_unavailable_not_a_refusal() {
    let down = || Error::unavailable("livekit", std::io::Error::other("connection refused"));
    let mut token_holder = World::new(None);
    token_holder
        .media
        .expect_get_participant()
        .returning(move |_, _| Err(down()));
    let svc = token_holder.service();
    let result = block_on(svc.mute(&Caller::anonymous(), Some("carol"), &daily(), "bob", "TR_1"));
    assert!(
        matches!(result, Err(Error::Unavailable { .. })),
        "{result:?}"
    );

    let mut host = World::new(Some(Role::Owner));
    host.media
        .expect_get_participant()
        .returning(move |_, _| Err(down()));
    let svc = host.service();
    let result = block_on(svc.set_role(&Caller::User(user("host")), &daily(), "bob", Role::Member));
    assert!(
        matches!(result, Err(Error::Unavailable { .. })),
        "{result:?}"
    );
}
