//! The contract of [`RoomRepository`](anteroom_domain::room::RoomRepository): one
//! `pub async fn` per documented behaviour, run by
//! [`repository_contract_tests!`](crate::repository_contract_tests).

use anteroom_domain::access::Role;
use anteroom_domain::id::{RoomId, UserId};
use anteroom_domain::page::Page;
use anteroom_domain::recording::RecordingStatus;
use anteroom_domain::room::{AccessLevel, Room, RoomCursor, RoomName, Slug};

use super::Repositories;
use super::repositories::{
    assert_already_exists, assert_not_found, full_configuration, grant, new_access, new_room, now,
    random_pin, seed_recording, seed_room, seed_user, unique,
};

/// Every page of `user`'s rooms of `size`, following the cursors; checks that each call
/// returns at most `size + 1` items.
async fn all_pages(repos: &Repositories, user: UserId, size: i32) -> Vec<(Room, Role)> {
    let mut after: Option<RoomCursor> = None;
    let mut items = Vec::new();
    for _ in 0..100 {
        let request = super::repositories::page(size, after.clone());
        let fetched = repos
            .rooms
            .list_for_user(user, &request)
            .await
            .expect("list_for_user");
        assert!(
            fetched.len() <= request.size.get() as usize + 1,
            "at most size + 1 items, got {}",
            fetched.len()
        );
        let page = Page::from_overfetch(fetched, request.size, |(room, _)| room.cursor());
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return items,
        }
    }
    panic!("list_for_user never reached its last page");
}

/// A room reads back identically by id and by slug; its owner access is written with it.
pub async fn insert_then_get_by_id_and_by_slug(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let mut room = new_room("Daily stand-up");
    room.slug_is_random = false;
    room.slug = Slug::from_name(&format!("Daily stand-up {}", unique())).expect("a slug");
    room.access_level = AccessLevel::Restricted;
    room.configuration = full_configuration();
    room.pin_code = Some(random_pin());
    let access = new_access(room.id, owner.id, Role::Owner);
    repos.rooms.insert(&room, &access).await.expect("insert");

    assert_eq!(repos.rooms.get(room.id).await.expect("get"), room);
    assert_eq!(
        repos
            .rooms
            .get_by_slug(room.slug.as_str())
            .await
            .expect("get_by_slug"),
        room
    );
    assert_eq!(
        repos.accesses.get(access.id).await.expect("owner access"),
        access
    );
    assert_eq!(
        repos
            .accesses
            .role_of(room.id, owner.id)
            .await
            .expect("role"),
        Some(Role::Owner)
    );
}

/// Unknown ids and slugs are not found; slugs match exactly.
pub async fn unknown_room_or_slug_is_not_found(repos: &Repositories) {
    assert_not_found(repos.rooms.get(RoomId::new()).await);
    assert_not_found(repos.rooms.get_by_slug("no-such-room").await);

    let owner = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Exact").await;
    assert_not_found(
        repos
            .rooms
            .get_by_slug(&room.slug.as_str().to_uppercase())
            .await,
    );
    assert_not_found(
        repos
            .rooms
            .get_by_slug(&room.slug.as_str()[..room.slug.as_str().len() - 1])
            .await,
    );
}

/// A taken slug is refused with `AlreadyExists` on `slug`, and neither the room nor its owner
/// access is written.
pub async fn duplicate_slug_is_already_exists_and_writes_nothing(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let other = seed_user(repos).await;
    let (first, _) = seed_room(repos, &owner, "Taken").await;

    let mut second = new_room("Taken too");
    second.slug = first.slug.clone();
    let access = new_access(second.id, other.id, Role::Owner);
    assert_already_exists(repos.rooms.insert(&second, &access).await, "slug");

    assert_not_found(repos.rooms.get(second.id).await);
    assert_not_found(repos.accesses.get(access.id).await);
    assert_eq!(
        repos
            .accesses
            .role_of(second.id, other.id)
            .await
            .expect("role"),
        None
    );
    assert_eq!(repos.rooms.get(first.id).await.expect("first room"), first);
}

/// A taken PIN is refused with `AlreadyExists` on `pin_code`; rooms without a PIN never clash.
pub async fn duplicate_pin_code_is_already_exists(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let mut first = new_room("With a PIN");
    first.pin_code = Some(random_pin());
    repos
        .rooms
        .insert(&first, &new_access(first.id, owner.id, Role::Owner))
        .await
        .expect("insert");

    let mut second = new_room("Same PIN");
    second.pin_code.clone_from(&first.pin_code);
    let access = new_access(second.id, owner.id, Role::Owner);
    assert_already_exists(repos.rooms.insert(&second, &access).await, "pin_code");
    assert_not_found(repos.rooms.get(second.id).await);

    for name in ["No PIN 1", "No PIN 2"] {
        seed_room(repos, &owner, name).await;
    }
}

/// `list_for_user` lists exactly the rooms on which the user has a role, with that role,
/// ordered by name then id.
pub async fn list_for_user_orders_by_name_then_id_with_roles(repos: &Repositories) {
    let user = seed_user(repos).await;
    let other = seed_user(repos).await;
    let mut expected = Vec::new();
    for (name, role) in [
        ("Gamma", Role::Member),
        ("Alpha", Role::Owner),
        ("Beta", Role::Administrator),
        ("Alpha", Role::Member),
        ("Alpha", Role::Owner),
    ] {
        let (room, _) = if role == Role::Owner {
            seed_room(repos, &user, name).await
        } else {
            let seeded = seed_room(repos, &other, name).await;
            grant(repos, seeded.0.id, user.id, role).await;
            seeded
        };
        expected.push((room, role));
    }
    // Rooms of others without an access are not listed.
    seed_room(repos, &other, "Alpha").await;
    seed_room(repos, &other, "Delta").await;
    expected.sort_by(|(a, _), (b, _)| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));

    let listed = repos
        .rooms
        .list_for_user(user.id, &super::repositories::page(50, None))
        .await
        .expect("list_for_user");
    assert_eq!(listed, expected);
}

/// Pages follow one another through the cursor (strictly after it), with no gap and no
/// repetition, whatever the page size.
pub async fn list_for_user_pages_with_the_cursor(repos: &Repositories) {
    let user = seed_user(repos).await;
    let mut expected = Vec::new();
    for name in [
        "Room 3", "Room 1", "Room 2", "Room 1", "Room 5", "Room 4", "Room 1",
    ] {
        let (room, _) = seed_room(repos, &user, name).await;
        expected.push((room, Role::Owner));
    }
    expected.sort_by(|(a, _), (b, _)| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));

    let first = repos
        .rooms
        .list_for_user(user.id, &super::repositories::page(2, None))
        .await
        .expect("first page");
    assert_eq!(first.len(), 3, "a page fetches size + 1 items");
    assert_eq!(first, expected[..3]);

    let after = expected[1].0.cursor();
    let second = repos
        .rooms
        .list_for_user(user.id, &super::repositories::page(2, Some(after)))
        .await
        .expect("second page");
    assert_eq!(second, expected[2..5], "strictly after the cursor");

    for size in [1, 2, 3, 7, 100] {
        assert_eq!(
            all_pages(repos, user.id, size).await,
            expected,
            "size {size}"
        );
    }
}

/// A user without accesses (or unknown) has no rooms.
pub async fn list_for_user_is_empty_without_accesses(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let stranger = seed_user(repos).await;
    seed_room(repos, &owner, "Not yours").await;
    for user in [stranger.id, UserId::new()] {
        assert!(
            repos
                .rooms
                .list_for_user(user, &super::repositories::page(10, None))
                .await
                .expect("list_for_user")
                .is_empty()
        );
    }
}

/// `update` replaces name, slug, access level, configuration and `updated_at`, and keeps the
/// rest.
pub async fn update_replaces_name_slug_level_and_configuration(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Before").await;
    let mut pinned = room.clone();
    pinned.id = RoomId::new();
    pinned.slug = Slug::random();
    pinned.pin_code = Some(random_pin());
    repos
        .rooms
        .insert(&pinned, &new_access(pinned.id, owner.id, Role::Owner))
        .await
        .expect("insert");

    let mut renamed = pinned.clone();
    renamed.name = RoomName::parse("After").expect("a name");
    renamed.slug = Slug::from_name(&format!("after {}", unique())).expect("a slug");
    renamed.access_level = AccessLevel::Trusted;
    renamed.configuration = full_configuration();
    renamed.updated_at = now() + chrono::TimeDelta::seconds(5);
    repos.rooms.update(&renamed).await.expect("update");

    assert_eq!(repos.rooms.get(pinned.id).await.expect("get"), renamed);
    assert_eq!(
        repos
            .rooms
            .get_by_slug(renamed.slug.as_str())
            .await
            .expect("by new slug"),
        renamed
    );
    assert_not_found(repos.rooms.get_by_slug(pinned.slug.as_str()).await);
    assert_eq!(
        repos.rooms.get(room.id).await.expect("other room"),
        room,
        "other rooms are untouched"
    );
}

/// Renaming to a taken slug is refused with `AlreadyExists` on `slug`; nothing changes.
pub async fn update_to_a_taken_slug_is_already_exists(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let (first, _) = seed_room(repos, &owner, "First").await;
    let (second, _) = seed_room(repos, &owner, "Second").await;

    let mut clash = second.clone();
    clash.slug = first.slug.clone();
    clash.name = RoomName::parse("Clash").expect("a name");
    assert_already_exists(repos.rooms.update(&clash).await, "slug");
    assert_eq!(repos.rooms.get(second.id).await.expect("get"), second);
}

/// Updating a room that does not exist is `NotFound`.
pub async fn update_of_unknown_room_is_not_found(repos: &Repositories) {
    assert_not_found(repos.rooms.update(&new_room("Ghost")).await);
}

/// Deleting a room deletes its accesses and its recordings (and their accesses), not its
/// users.
pub async fn delete_cascades_to_accesses_and_recordings(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Doomed").await;
    let member_access = grant(repos, room.id, member.id, Role::Member).await;
    let recording = seed_recording(repos, room.id, owner.id, RecordingStatus::Saved).await;
    let (kept, kept_access) = seed_room(repos, &owner, "Kept").await;

    repos.rooms.delete(room.id).await.expect("delete");

    assert_not_found(repos.rooms.get(room.id).await);
    assert_not_found(repos.rooms.get_by_slug(room.slug.as_str()).await);
    assert_not_found(repos.accesses.get(owner_access.id).await);
    assert_not_found(repos.accesses.get(member_access.id).await);
    for user in [owner.id, member.id] {
        assert_eq!(
            repos.accesses.role_of(room.id, user).await.expect("role"),
            None
        );
    }
    assert!(
        repos
            .accesses
            .list_for_room(room.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_not_found(repos.recordings.get(recording.id).await);
    assert_eq!(
        repos
            .recordings
            .role_of(recording.id, owner.id)
            .await
            .expect("recording role"),
        None
    );
    assert_eq!(repos.users.get(owner.id).await.expect("owner stays"), owner);
    assert_eq!(
        repos.users.get(member.id).await.expect("member stays"),
        member
    );
    assert_eq!(repos.rooms.get(kept.id).await.expect("kept"), kept);
    assert_eq!(
        repos
            .accesses
            .get(kept_access.id)
            .await
            .expect("kept access"),
        kept_access
    );
}

/// Deleting a room that does not exist (or no longer) is `NotFound`.
pub async fn delete_of_unknown_room_is_not_found(repos: &Repositories) {
    assert_not_found(repos.rooms.delete(RoomId::new()).await);
    let owner = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Twice").await;
    repos.rooms.delete(room.id).await.expect("delete");
    assert_not_found(repos.rooms.delete(room.id).await);
}
