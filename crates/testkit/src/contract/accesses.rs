//! The contract of [`AccessRepository`](anteroom_domain::access::AccessRepository): one
//! `pub async fn` per documented behaviour, run by
//! [`repository_contract_tests!`](crate::repository_contract_tests), including the atomic
//! "a room keeps at least one owner" rule under concurrency.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anteroom_domain::Error;
use anteroom_domain::access::{AccessCursor, AccessWithUser, ResourceAccess, Role};
use anteroom_domain::id::{AccessId, RoomId, UserId};
use anteroom_domain::page::Page;
use anteroom_domain::user::User;
use chrono::TimeDelta;
use tokio::sync::Barrier;

use super::Repositories;
use super::repositories::{
    assert_already_exists, assert_last_owner, assert_not_found, grant, new_access, new_user, now,
    page, seed_room, seed_user,
};

/// How many rounds the concurrency cases race.
const ROUNDS: usize = 20;

/// The ids of listed accesses, in the listing's order.
fn ids(listed: &[AccessWithUser]) -> Vec<AccessId> {
    listed.iter().map(|a| a.access.id).collect()
}

/// `accesses` newest first (by id, descending).
fn newest_first(mut accesses: Vec<ResourceAccess>) -> Vec<AccessId> {
    accesses.sort_by_key(|a| std::cmp::Reverse(a.id));
    accesses.into_iter().map(|a| a.id).collect()
}

/// Every page of what `user` administers, following the cursors.
async fn all_administered(
    repos: &Repositories,
    user: UserId,
    room: Option<RoomId>,
    size: i32,
) -> Vec<AccessWithUser> {
    let mut after: Option<AccessCursor> = None;
    let mut items = Vec::new();
    for _ in 0..100 {
        let request = page(size, after);
        let fetched = repos
            .accesses
            .list_administered_by(user, room, &request)
            .await
            .expect("list_administered_by");
        assert!(fetched.len() <= request.size.get() as usize + 1);
        let page = Page::from_overfetch(fetched, request.size, |a| a.access.id);
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return items,
        }
    }
    panic!("list_administered_by never reached its last page");
}

/// The owner accesses of a room.
async fn owners(repos: &Repositories, room: RoomId) -> Vec<AccessId> {
    repos
        .accesses
        .list_for_room(room)
        .await
        .expect("list_for_room")
        .into_iter()
        .filter(|a| a.access.role == Role::Owner)
        .map(|a| a.access.id)
        .collect()
}

/// An access reads back identically; `role_of` tells its role.
pub async fn insert_then_get_and_role_of(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Accesses").await;
    let access = new_access(room.id, member.id, Role::Administrator);
    repos.accesses.insert(&access).await.expect("insert");

    assert_eq!(repos.accesses.get(access.id).await.expect("get"), access);
    assert_eq!(
        repos
            .accesses
            .role_of(room.id, member.id)
            .await
            .expect("role"),
        Some(Role::Administrator)
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

/// A second access of the same user to the same room is `AlreadyExists` on `user`.
pub async fn duplicate_access_is_already_exists_on_user(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Once").await;
    grant(repos, room.id, member.id, Role::Member).await;

    let again = new_access(room.id, member.id, Role::Administrator);
    assert_already_exists(repos.accesses.insert(&again).await, "user");
    assert_not_found(repos.accesses.get(again.id).await);
    assert_eq!(
        repos
            .accesses
            .role_of(room.id, member.id)
            .await
            .expect("role"),
        Some(Role::Member)
    );

    let (other_room, _) = seed_room(repos, &owner, "Elsewhere").await;
    grant(repos, other_room.id, member.id, Role::Member).await;
}

/// An access to a room or for a user that does not exist is `NotFound`.
pub async fn access_to_unknown_room_or_user_is_not_found(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Known").await;

    let unknown_room = new_access(RoomId::new(), owner.id, Role::Member);
    assert_not_found(repos.accesses.insert(&unknown_room).await);
    let unknown_user = new_access(room.id, UserId::new(), Role::Member);
    assert_not_found(repos.accesses.insert(&unknown_user).await);

    assert_not_found(repos.accesses.get(unknown_room.id).await);
    assert_not_found(repos.accesses.get(unknown_user.id).await);
}

/// Unknown accesses are `NotFound`; `role_of` without an access is `None`.
pub async fn unknown_access_is_not_found(repos: &Repositories) {
    assert_not_found(repos.accesses.get(AccessId::new()).await);
    let owner = seed_user(repos).await;
    let stranger = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Private").await;
    assert_eq!(
        repos
            .accesses
            .role_of(room.id, stranger.id)
            .await
            .expect("role"),
        None
    );
    assert_eq!(
        repos
            .accesses
            .role_of(RoomId::new(), owner.id)
            .await
            .expect("role"),
        None
    );
}

/// `list_for_room` lists every access of the room with its user, newest first.
pub async fn list_for_room_is_newest_first_with_users(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Listed").await;
    let (other_room, _) = seed_room(repos, &owner, "Not listed").await;
    let mut accesses = vec![owner_access];
    let mut users = vec![owner];
    for role in [Role::Member, Role::Administrator, Role::Owner] {
        let user = seed_user(repos).await;
        accesses.push(grant(repos, room.id, user.id, role).await);
        grant(repos, other_room.id, user.id, Role::Member).await;
        users.push(user);
    }

    let listed = repos
        .accesses
        .list_for_room(room.id)
        .await
        .expect("list_for_room");
    assert_eq!(ids(&listed), newest_first(accesses.clone()));
    for entry in &listed {
        let access = accesses
            .iter()
            .find(|a| a.id == entry.access.id)
            .expect("a listed access was inserted");
        assert_eq!(&entry.access, access);
        let user: &User = users
            .iter()
            .find(|u| u.id == access.user)
            .expect("its user");
        assert_eq!(&entry.user, user, "each access comes with its user");
    }
    assert!(
        repos
            .accesses
            .list_for_room(RoomId::new())
            .await
            .expect("list_for_room")
            .is_empty()
    );
}

/// Administrators and owners see every access of the rooms they administer (their own
/// included), newest first, and nothing of the rooms where they are members.
pub async fn list_administered_by_shows_every_access_of_administered_rooms(repos: &Repositories) {
    let admin = seed_user(repos).await;
    let other = seed_user(repos).await;
    let (administered, _) = seed_room(repos, &other, "Administered").await;
    let (owned, owned_access) = seed_room(repos, &admin, "Owned").await;
    let (membered, _) = seed_room(repos, &other, "Membered").await;
    seed_room(repos, &other, "Unrelated").await;

    let mut expected = repos
        .accesses
        .list_for_room(administered.id)
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.access)
        .collect::<Vec<_>>();
    expected.push(grant(repos, administered.id, admin.id, Role::Administrator).await);
    expected.push(owned_access);
    grant(repos, membered.id, admin.id, Role::Member).await;
    for _ in 0..2 {
        let user = seed_user(repos).await;
        expected.push(grant(repos, administered.id, user.id, Role::Member).await);
        expected.push(grant(repos, owned.id, user.id, Role::Administrator).await);
        grant(repos, membered.id, user.id, Role::Member).await;
    }

    let listed = repos
        .accesses
        .list_administered_by(admin.id, None, &page(100, None))
        .await
        .expect("list_administered_by");
    assert_eq!(ids(&listed), newest_first(expected));
    for entry in &listed {
        assert_eq!(
            entry.user.id, entry.access.user,
            "each access comes with its user"
        );
    }
}

/// Members and users without any access administer nothing.
pub async fn list_administered_by_shows_nothing_to_members_and_strangers(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let stranger = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Members only").await;
    grant(repos, room.id, member.id, Role::Member).await;
    for user in [member.id, stranger.id, UserId::new()] {
        for filter in [None, Some(room.id)] {
            assert!(
                repos
                    .accesses
                    .list_administered_by(user, filter, &page(100, None))
                    .await
                    .expect("list_administered_by")
                    .is_empty()
            );
        }
    }
}

/// With a room, only that room's accesses are listed, and only if the user administers it.
pub async fn list_administered_by_filters_by_room(repos: &Repositories) {
    let admin = seed_user(repos).await;
    let other = seed_user(repos).await;
    let (first, first_access) = seed_room(repos, &admin, "First").await;
    let (second, _) = seed_room(repos, &admin, "Second").await;
    let (membered, _) = seed_room(repos, &other, "Membered").await;
    grant(repos, membered.id, admin.id, Role::Member).await;
    let member_of_first = grant(repos, first.id, other.id, Role::Member).await;
    grant(repos, second.id, other.id, Role::Member).await;

    let listed = repos
        .accesses
        .list_administered_by(admin.id, Some(first.id), &page(100, None))
        .await
        .expect("list_administered_by");
    assert_eq!(
        ids(&listed),
        newest_first(vec![first_access, member_of_first])
    );
    for room in [membered.id, RoomId::new()] {
        assert!(
            repos
                .accesses
                .list_administered_by(admin.id, Some(room), &page(100, None))
                .await
                .expect("list_administered_by")
                .is_empty()
        );
    }
}

/// Pages follow one another through the cursor (strictly after it), newest first, with
/// `size + 1` items fetched.
pub async fn list_administered_by_pages_with_the_cursor(repos: &Repositories) {
    let admin = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &admin, "Paged").await;
    let mut accesses = vec![owner_access];
    for _ in 0..6 {
        let user = seed_user(repos).await;
        accesses.push(grant(repos, room.id, user.id, Role::Member).await);
    }
    let expected = newest_first(accesses);

    let first = repos
        .accesses
        .list_administered_by(admin.id, None, &page(2, None))
        .await
        .expect("first page");
    assert_eq!(ids(&first), expected[..3], "a page fetches size + 1 items");
    let second = repos
        .accesses
        .list_administered_by(admin.id, Some(room.id), &page(2, Some(expected[1])))
        .await
        .expect("second page");
    assert_eq!(ids(&second), expected[2..5], "strictly after the cursor");

    for size in [1, 2, 3, 7, 100] {
        for filter in [None, Some(room.id)] {
            assert_eq!(
                ids(&all_administered(repos, admin.id, filter, size).await),
                expected,
                "size {size}"
            );
        }
    }
}

/// `update_role` changes the role and `updated_at` and returns the updated access.
pub async fn update_role_changes_and_returns_the_access(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Promotions").await;
    let access = grant(repos, room.id, member.id, Role::Member).await;

    for role in [Role::Administrator, Role::Owner, Role::Member] {
        let at = now() + TimeDelta::seconds(10);
        let updated = repos
            .accesses
            .update_role(access.id, role, at)
            .await
            .expect("update_role");
        let expected = ResourceAccess {
            role,
            updated_at: at,
            ..access.clone()
        };
        assert_eq!(updated, expected);
        assert_eq!(repos.accesses.get(access.id).await.expect("get"), expected);
        assert_eq!(
            repos
                .accesses
                .role_of(room.id, member.id)
                .await
                .expect("role"),
            Some(role)
        );
    }
    assert_eq!(
        repos.accesses.get(owner_access.id).await.expect("owner"),
        owner_access,
        "other accesses are untouched"
    );

    let at = now();
    let kept = repos
        .accesses
        .update_role(owner_access.id, Role::Owner, at)
        .await
        .expect("an owner stays owner");
    assert_eq!(kept.role, Role::Owner);
}

/// Changing the role of an access that does not exist is `NotFound`.
pub async fn update_role_of_unknown_access_is_not_found(repos: &Repositories) {
    for role in [Role::Member, Role::Administrator, Role::Owner] {
        assert_not_found(
            repos
                .accesses
                .update_role(AccessId::new(), role, now())
                .await,
        );
    }
}

/// The last owner cannot become administrator or member; nothing is written.
pub async fn last_owner_cannot_be_demoted(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let admin = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Single owner").await;
    grant(repos, room.id, admin.id, Role::Administrator).await;

    for role in [Role::Administrator, Role::Member] {
        assert_last_owner(
            repos
                .accesses
                .update_role(owner_access.id, role, now() + TimeDelta::seconds(1))
                .await,
        );
    }
    assert_eq!(
        repos.accesses.get(owner_access.id).await.expect("get"),
        owner_access
    );
}

/// The last owner access cannot be deleted.
pub async fn last_owner_cannot_be_deleted(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Keep me").await;
    let member = seed_user(repos).await;
    grant(repos, room.id, member.id, Role::Member).await;

    assert_last_owner(repos.accesses.delete(owner_access.id).await);
    assert_eq!(
        repos.accesses.get(owner_access.id).await.expect("get"),
        owner_access
    );
    assert_eq!(owners(repos, room.id).await, vec![owner_access.id]);
}

/// With a second owner, an owner may be demoted or deleted, until one owner is left.
pub async fn second_owner_allows_demotion_and_deletion(repos: &Repositories) {
    let first = seed_user(repos).await;
    let second = seed_user(repos).await;
    let third = seed_user(repos).await;
    let (room, first_access) = seed_room(repos, &first, "Co-owned").await;
    let second_access = grant(repos, room.id, second.id, Role::Owner).await;
    let third_access = grant(repos, room.id, third.id, Role::Owner).await;

    let demoted = repos
        .accesses
        .update_role(first_access.id, Role::Administrator, now())
        .await
        .expect("demote one of three owners");
    assert_eq!(demoted.role, Role::Administrator);
    repos
        .accesses
        .delete(second_access.id)
        .await
        .expect("delete one of two owners");
    assert_eq!(owners(repos, room.id).await, vec![third_access.id]);

    assert_last_owner(
        repos
            .accesses
            .update_role(third_access.id, Role::Member, now())
            .await,
    );
    assert_last_owner(repos.accesses.delete(third_access.id).await);

    // Demoting or deleting non-owners is always allowed.
    repos
        .accesses
        .update_role(first_access.id, Role::Member, now())
        .await
        .expect("demote an administrator");
    repos
        .accesses
        .delete(first_access.id)
        .await
        .expect("delete a member");
}

/// `delete` removes the access (the user loses its role); deleting it again is `NotFound`.
pub async fn delete_removes_the_access(repos: &Repositories) {
    let owner = seed_user(repos).await;
    let member = seed_user(repos).await;
    let (room, owner_access) = seed_room(repos, &owner, "Leaving").await;
    let access = grant(repos, room.id, member.id, Role::Administrator).await;

    repos.accesses.delete(access.id).await.expect("delete");
    assert_not_found(repos.accesses.get(access.id).await);
    assert_eq!(
        repos
            .accesses
            .role_of(room.id, member.id)
            .await
            .expect("role"),
        None
    );
    assert_eq!(
        ids(&repos.accesses.list_for_room(room.id).await.expect("list")),
        vec![owner_access.id]
    );
    assert_not_found(repos.accesses.delete(access.id).await);
    assert_not_found(repos.accesses.delete(AccessId::new()).await);
    assert_eq!(
        repos.users.get(member.id).await.expect("user stays"),
        member
    );
}

/// A room with two owners and their accesses.
async fn two_owner_room(repos: &Repositories) -> (RoomId, ResourceAccess, ResourceAccess) {
    let first = new_user();
    let second = new_user();
    for user in [&first, &second] {
        repos.users.insert(user).await.expect("insert a user");
    }
    let (room, first_access) = seed_room(repos, &first, "Race").await;
    let second_access = grant(repos, room.id, second.id, Role::Owner).await;
    (room.id, first_access, second_access)
}

/// Runs `a` and `b` on two tasks released at the same instant, and returns both results.
async fn race<T: Send + 'static>(
    a: impl Future<Output = T> + Send + 'static,
    b: impl Future<Output = T> + Send + 'static,
) -> [T; 2] {
    let barrier = Arc::new(Barrier::new(2));
    let spawn = |work: Pin<Box<dyn Future<Output = T> + Send>>| {
        let barrier = Arc::clone(&barrier);
        tokio::spawn(async move {
            barrier.wait().await;
            work.await
        })
    };
    let (a, b) = (spawn(Box::pin(a)), spawn(Box::pin(b)));
    [a.await.expect("task"), b.await.expect("task")]
}

/// Checks a race's outcome: exactly one operation succeeded, the other was refused as the
/// last owner, and the room has one owner left.
async fn one_of_two_won<T: std::fmt::Debug>(
    repos: &Repositories,
    room: RoomId,
    round: usize,
    results: [Result<T, Error>; 2],
) {
    let [a, b] = results;
    match (&a, &b) {
        (Ok(_), Err(Error::PermissionDenied(_))) | (Err(Error::PermissionDenied(_)), Ok(_)) => {}
        _ => panic!("round {round}: expected one success and one refusal, got {a:?} and {b:?}"),
    }
    for result in [a, b] {
        if result.is_err() {
            assert_last_owner(result);
        }
    }
    assert_eq!(
        owners(repos, room).await.len(),
        1,
        "round {round}: the room keeps exactly one owner"
    );
}

/// Two owners demoting themselves at the same time: exactly one succeeds, every time.
pub async fn concurrent_owner_demotions_keep_an_owner(repos: &Repositories) {
    for round in 0..ROUNDS {
        let (room, first, second) = two_owner_room(repos).await;
        let (a, b) = (repos.accesses.clone(), repos.accesses.clone());
        let results = race(
            async move { a.update_role(first.id, Role::Member, now()).await },
            async move { b.update_role(second.id, Role::Administrator, now()).await },
        )
        .await;
        one_of_two_won(repos, room, round, results).await;
    }
}

/// Two owners leaving (or one leaving, one demoted) at the same time: exactly one succeeds.
pub async fn concurrent_owner_deletions_keep_an_owner(repos: &Repositories) {
    for round in 0..ROUNDS {
        let (room, first, second) = two_owner_room(repos).await;
        let (a, b) = (repos.accesses.clone(), repos.accesses.clone());
        let demote = round % 2 == 1;
        let results = race(async move { a.delete(first.id).await }, async move {
            if demote {
                b.update_role(second.id, Role::Member, now())
                    .await
                    .map(|_| ())
            } else {
                b.delete(second.id).await
            }
        })
        .await;
        one_of_two_won(repos, room, round, results).await;
    }
}
