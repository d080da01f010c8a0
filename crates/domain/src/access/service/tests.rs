//! Access use cases against mocked ports: each rule of rooms-access.md.

use std::sync::Arc;

use super::*;
use crate::access::MockAccessRepository;
use crate::fixtures::{access, block_on, clock, matrix_callers, outcome, room, user};
use crate::room::{AccessLevel, MockRoomRepository, Room};
use crate::user::{MockUserRepository, User};

struct World {
    room: Room,
    target_user: User,
}

impl World {
    fn new() -> Self {
        Self {
            room: room("Daily", AccessLevel::Restricted),
            target_user: user("target"),
        }
    }

    /// A service where the requester holds `requester_role`, `target` is the stored access
    /// and writes succeed.
    fn service(
        &self,
        requester_role: Option<Role>,
        target: Option<ResourceAccess>,
    ) -> AccessService {
        let mut rooms = MockRoomRepository::new();
        let found = self.room.clone();
        rooms
            .expect_get_by_slug()
            .returning(move |_| Ok(found.clone()));
        let mut accesses = MockAccessRepository::new();
        let target_user = self.target_user.id;
        accesses.expect_role_of().returning(move |_, user| {
            Ok(if user == target_user {
                None
            } else {
                requester_role
            })
        });
        if let Some(target) = target {
            let read = target.clone();
            accesses.expect_get().returning(move |_| Ok(read.clone()));
            let updated = target;
            accesses.expect_update_role().returning(move |_, role, _| {
                let mut access = updated.clone();
                access.role = role;
                Ok(access)
            });
        }
        accesses.expect_insert().returning(|_| Ok(()));
        accesses.expect_delete().returning(|_| Ok(()));
        accesses
            .expect_list_administered_by()
            .returning(|_, _, _| Ok(Vec::new()));
        let mut users = MockUserRepository::new();
        let known = self.target_user.clone();
        users.expect_get().returning(move |_| Ok(known.clone()));
        AccessService::new(
            Arc::new(rooms),
            Arc::new(accesses),
            Arc::new(users),
            clock(),
        )
    }
}

#[test]
fn granting_follows_the_matrix() {
    let world = World::new();
    for (new_role, expected) in [
        (Role::Member, ["401", "403", "403", "yes", "yes"]),
        (Role::Administrator, ["401", "403", "403", "yes", "yes"]),
        (Role::Owner, ["401", "403", "403", "403", "yes"]),
    ] {
        let row: Vec<&str> = matrix_callers()
            .into_iter()
            .map(|(caller, role)| {
                let svc = world.service(role, None);
                let room = RoomRef::parse("daily");
                outcome(&block_on(svc.create(
                    &caller,
                    &room,
                    world.target_user.id,
                    new_role,
                )))
            })
            .collect();
        assert_eq!(row, expected, "granting {new_role}");
    }
}

#[test]
fn granting_to_an_unknown_user_names_the_field() {
    let world = World::new();
    let mut rooms = MockRoomRepository::new();
    let found = world.room.clone();
    rooms
        .expect_get_by_slug()
        .returning(move |_| Ok(found.clone()));
    let mut accesses = MockAccessRepository::new();
    accesses
        .expect_role_of()
        .returning(|_, _| Ok(Some(Role::Owner)));
    accesses.expect_insert().never();
    let mut users = MockUserRepository::new();
    users
        .expect_get()
        .returning(|_| Err(Error::NotFound("user".to_owned())));
    let svc = AccessService::new(
        Arc::new(rooms),
        Arc::new(accesses),
        Arc::new(users),
        clock(),
    );
    let result = block_on(svc.create(
        &Caller::User(user("owner")),
        &RoomRef::parse("daily"),
        UserId::new(),
        Role::Member,
    ));
    match result {
        Err(Error::Invalid(v)) => assert_eq!(v[0].field, "user_id"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn changing_a_member_access_follows_the_matrix() {
    let world = World::new();
    let target = access(world.room.id, world.target_user.id, Role::Member);
    let row: Vec<&str> = matrix_callers()
        .into_iter()
        .map(|(caller, role)| {
            let svc = world.service(role, Some(target.clone()));
            outcome(&block_on(svc.update(
                &caller,
                target.id,
                Role::Administrator,
            )))
        })
        .collect();
    assert_eq!(row, ["401", "403", "403", "yes", "yes"]);
}

#[test]
fn removing_a_member_access_follows_the_matrix() {
    let world = World::new();
    let target = access(world.room.id, world.target_user.id, Role::Member);
    let row: Vec<&str> = matrix_callers()
        .into_iter()
        .map(|(caller, role)| {
            let svc = world.service(role, Some(target.clone()));
            outcome(&block_on(svc.delete(&caller, target.id)))
        })
        .collect();
    assert_eq!(row, ["401", "403", "403", "yes", "yes"]);
}

#[test]
fn another_owners_access_is_untouchable_but_ones_own_is_not() {
    let world = World::new();
    let other_owner = access(world.room.id, world.target_user.id, Role::Owner);
    let svc = world.service(Some(Role::Owner), Some(other_owner.clone()));
    let me = Caller::User(user("owner"));
    assert_eq!(
        outcome(&block_on(svc.update(&me, other_owner.id, Role::Member))),
        "403"
    );
    assert_eq!(outcome(&block_on(svc.delete(&me, other_owner.id))), "403");

    let myself = user("owner");
    let mine = access(world.room.id, myself.id, Role::Owner);
    let svc = world.service(Some(Role::Owner), Some(mine.clone()));
    let me = Caller::User(myself);
    assert_eq!(
        outcome(&block_on(svc.update(&me, mine.id, Role::Administrator))),
        "yes"
    );
}

#[test]
fn the_last_owner_refusal_of_the_store_reaches_the_caller() {
    let myself = user("owner");
    let room = room("Daily", AccessLevel::Public);
    let mine = access(room.id, myself.id, Role::Owner);
    let mut accesses = MockAccessRepository::new();
    let read = mine.clone();
    accesses.expect_get().returning(move |_| Ok(read.clone()));
    accesses
        .expect_role_of()
        .returning(|_, _| Ok(Some(Role::Owner)));
    accesses.expect_update_role().returning(|_, _, _| {
        Err(Error::PermissionDenied(
            crate::access::LAST_OWNER.to_owned(),
        ))
    });
    accesses.expect_delete().returning(|_| {
        Err(Error::PermissionDenied(
            crate::access::LAST_OWNER.to_owned(),
        ))
    });
    let svc = AccessService::new(
        Arc::new(MockRoomRepository::new()),
        Arc::new(accesses),
        Arc::new(MockUserRepository::new()),
        clock(),
    );
    let me = Caller::User(myself);
    assert_eq!(
        outcome(&block_on(svc.update(&me, mine.id, Role::Member))),
        "403"
    );
    assert_eq!(outcome(&block_on(svc.delete(&me, mine.id))), "403");
}

#[test]
fn listing_needs_authentication_and_pages() {
    let world = World::new();
    let svc = world.service(None, None);
    let page = PageRequest::default();
    assert_eq!(
        outcome(&block_on(svc.list(&Caller::anonymous(), None, &page))),
        "401"
    );
    let listed = block_on(svc.list(
        &Caller::User(user("u")),
        Some(&RoomRef::parse("daily")),
        &page,
    ));
    assert!(listed.unwrap().items.is_empty());
}
