//! The contract of [`UserRepository`](anteroom_domain::user::UserRepository): one
//! `pub async fn` per documented behaviour, run by
//! [`repository_contract_tests!`](crate::repository_contract_tests).

use std::collections::HashSet;

use anteroom_domain::id::UserId;
use anteroom_domain::page::Page;
use anteroom_domain::room::{AccessLevel, MediaSource, RoomConfiguration};
use anteroom_domain::user::{Email, EmailFragment, Language, Subject, Timezone, User, UserCursor};
use chrono::TimeDelta;

use super::Repositories;
use super::repositories::{
    assert_already_exists, assert_not_found, new_user, now, page, seed_user, unique,
};

/// A provisional user: no subject and no optional field.
fn provisional_user() -> User {
    User {
        sub: None,
        email: None,
        full_name: None,
        short_name: None,
        language: Language::default(),
        timezone: Timezone::default(),
        default_room_access_level: None,
        default_room_configuration: RoomConfiguration::default(),
        ..new_user()
    }
}

/// A user reads back identically by id and by subject.
pub async fn insert_then_get_by_id_and_by_sub(repos: &Repositories) {
    let user = new_user();
    repos.users.insert(&user).await.expect("insert");
    assert_eq!(repos.users.get(user.id).await.expect("get"), user);
    let sub = user.sub.clone().expect("the fixture has a subject");
    assert_eq!(
        repos.users.get_by_sub(&sub).await.expect("get_by_sub"),
        Some(user)
    );
}

/// Users without a subject (provisional) round-trip, and several may exist.
pub async fn provisional_users_have_no_subject(repos: &Repositories) {
    let first = provisional_user();
    let second = provisional_user();
    for user in [&first, &second] {
        repos.users.insert(user).await.expect("insert");
    }
    assert_eq!(repos.users.get(first.id).await.expect("get"), first);
    assert_eq!(repos.users.get(second.id).await.expect("get"), second);
}

/// Unknown ids are `NotFound`; unknown subjects are `None`.
pub async fn unknown_user_is_not_found(repos: &Repositories) {
    assert_not_found(repos.users.get(UserId::new()).await);
    let sub = Subject::parse(&format!("nobody-{}", unique())).expect("a subject");
    assert_eq!(
        repos.users.get_by_sub(&sub).await.expect("get_by_sub"),
        None
    );

    let user = seed_user(repos).await;
    let upper = Subject::parse(
        &user
            .sub
            .as_ref()
            .expect("the fixture has a subject")
            .as_str()
            .to_uppercase(),
    )
    .expect("a subject");
    assert_eq!(
        repos.users.get_by_sub(&upper).await.expect("get_by_sub"),
        None,
        "subjects match exactly"
    );
}

/// A taken subject is refused with `AlreadyExists` on `sub`, and nothing is written.
pub async fn duplicate_sub_is_already_exists(repos: &Repositories) {
    let first = seed_user(repos).await;
    let second = User {
        id: UserId::new(),
        ..first.clone()
    };
    assert_already_exists(repos.users.insert(&second).await, "sub");
    assert_not_found(repos.users.get(second.id).await);
    let sub = first.sub.clone().expect("the fixture has a subject");
    assert_eq!(
        repos.users.get_by_sub(&sub).await.expect("get_by_sub"),
        Some(first)
    );
}

/// `update` replaces every field but the id and `created_at`.
pub async fn update_replaces_every_field_but_id_and_created_at(repos: &Repositories) {
    let user = seed_user(repos).await;
    let other = seed_user(repos).await;
    let later = now() + TimeDelta::seconds(30);
    let changed = User {
        id: user.id,
        sub: Some(Subject::parse(&format!("new-sub-{}", unique())).expect("a subject")),
        email: Some(Email::parse("new@example.com").expect("an email")),
        full_name: Some("Ana María López".to_owned()),
        short_name: None,
        language: Language::DeDe,
        timezone: Timezone::parse("America/Sao_Paulo").expect("a time zone"),
        default_room_access_level: Some(AccessLevel::Public),
        default_room_configuration: RoomConfiguration {
            can_publish_sources: Some(vec![MediaSource::Microphone]),
            ..RoomConfiguration::default()
        },
        is_active: false,
        created_at: later,
        updated_at: later,
    };
    repos.users.update(&changed).await.expect("update");

    let expected = User {
        created_at: user.created_at,
        ..changed.clone()
    };
    assert_eq!(repos.users.get(user.id).await.expect("get"), expected);
    assert_eq!(
        repos
            .users
            .get_by_sub(changed.sub.as_ref().expect("a subject"))
            .await
            .expect("get_by_sub"),
        Some(expected)
    );
    assert_eq!(
        repos
            .users
            .get_by_sub(user.sub.as_ref().expect("a subject"))
            .await
            .expect("get_by_sub"),
        None,
        "the old subject is gone"
    );
    assert_eq!(
        repos.users.get(other.id).await.expect("other user"),
        other,
        "other users are untouched"
    );

    let cleared = User {
        sub: None,
        email: None,
        full_name: None,
        default_room_access_level: None,
        ..changed
    };
    repos.users.update(&cleared).await.expect("update");
    assert_eq!(
        repos.users.get(user.id).await.expect("get"),
        User {
            created_at: user.created_at,
            ..cleared
        }
    );
}

/// Updating a user that does not exist is `NotFound`.
pub async fn update_of_unknown_user_is_not_found(repos: &Repositories) {
    assert_not_found(repos.users.update(&new_user()).await);
}

/// `find_by_email_ci` finds users whose e-mail equals the given one ignoring case, oldest
/// first, at most `limit`; other addresses and users without e-mail are not found.
pub async fn find_by_email_ignores_case_and_is_bounded(repos: &Repositories) {
    let tag = unique();
    let at = now();
    let with_email = |email: &str, offset: i64| User {
        email: Some(Email::parse(email).expect("an email")),
        created_at: at + TimeDelta::seconds(offset),
        updated_at: at + TimeDelta::seconds(offset),
        ..new_user()
    };
    let first = with_email(&format!("Ana.{tag}@Example.org"), 0);
    let second = with_email(&format!("ana.{tag}@example.org"), 1);
    let other = with_email(&format!("ana.{tag}.other@example.org"), 2);
    let no_email = User {
        email: None,
        ..new_user()
    };
    for user in [&second, &first, &other, &no_email] {
        repos.users.insert(user).await.expect("insert");
    }
    let email = Email::parse(&format!("ANA.{tag}@EXAMPLE.ORG")).expect("an email");
    let found = repos
        .users
        .find_by_email_ci(&email, 10)
        .await
        .expect("find_by_email_ci");
    assert_eq!(found, vec![first.clone(), second], "both, oldest first");
    let bounded = repos
        .users
        .find_by_email_ci(&email, 1)
        .await
        .expect("find_by_email_ci");
    assert_eq!(bounded, vec![first]);
    let nobody = Email::parse(&format!("nobody.{tag}@example.org")).expect("an email");
    assert!(
        repos
            .users
            .find_by_email_ci(&nobody, 10)
            .await
            .expect("find_by_email_ci")
            .is_empty()
    );
}

/// Inserts an active user with this e-mail address (or none).
async fn seed_with_email(repos: &Repositories, email: Option<&str>) -> User {
    let user = User {
        email: email.map(|e| Email::parse(e).expect("an email")),
        ..new_user()
    };
    repos.users.insert(&user).await.expect("insert a user");
    user
}

/// The fragment of a query.
fn fragment(query: &str) -> Option<EmailFragment> {
    EmailFragment::parse(query).expect("a valid query")
}

/// Every page of `list_active(query)` of `size`, following the cursors; checks that each
/// call returns at most `size + 1` items.
async fn all_active(repos: &Repositories, query: &str, size: i32) -> Vec<User> {
    let mut after: Option<UserCursor> = None;
    let mut items = Vec::new();
    for _ in 0..1000 {
        let request = page(size, after);
        let fetched = repos
            .users
            .list_active(fragment(query), &request)
            .await
            .expect("list_active");
        assert!(
            fetched.len() <= request.size.get() as usize + 1,
            "at most size + 1 items, got {}",
            fetched.len()
        );
        let page = Page::from_overfetch(fetched, request.size, |user| user.id);
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return items,
        }
    }
    panic!("the listing never ends");
}

/// `list_active` lists active users only, newest first (by id, descending); without a
/// fragment users without e-mail are listed too.
pub async fn list_active_is_newest_first_and_skips_inactive_users(repos: &Repositories) {
    let tag = unique();
    let older = seed_with_email(repos, Some(&format!("older.{tag}@example.org"))).await;
    let inactive = User {
        email: Some(Email::parse(&format!("gone.{tag}@example.org")).expect("an email")),
        is_active: false,
        ..new_user()
    };
    repos.users.insert(&inactive).await.expect("insert");
    let newer = seed_with_email(repos, Some(&format!("newer.{tag}@example.org"))).await;
    let no_email = seed_with_email(repos, None).await;

    assert_eq!(
        all_active(repos, &tag, 100).await,
        vec![newer.clone(), older.clone()],
        "the matching active users, newest first"
    );
    let everyone = all_active(repos, "", 100).await;
    for user in [&older, &newer, &no_email] {
        assert!(everyone.contains(user), "{:?} is listed", user.email);
    }
    assert!(
        everyone.iter().all(|u| u.is_active && u.id != inactive.id),
        "inactive users are never listed"
    );
    let ids: Vec<UserId> = everyone.iter().map(|u| u.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");
}

/// A fragment matches anywhere in the address (local part or domain), ignoring case.
pub async fn list_active_filters_by_fragment_ignoring_case(repos: &Repositories) {
    let tag = unique();
    let ana = seed_with_email(repos, Some(&format!("Ana.{tag}@Example.org"))).await;
    let bob = seed_with_email(repos, Some(&format!("bob.{tag}@sub.example.net"))).await;
    seed_with_email(repos, Some(&format!("carol.{}@example.org", unique()))).await;

    assert_eq!(
        all_active(repos, &format!("ANA.{}", tag.to_uppercase()), 100).await,
        vec![ana.clone()]
    );
    assert_eq!(
        all_active(repos, &format!("a.{tag}@EXAMPLE"), 100).await,
        vec![ana.clone()]
    );
    assert_eq!(
        all_active(repos, &tag.to_uppercase(), 100).await,
        vec![bob.clone(), ana]
    );
    assert_eq!(
        all_active(repos, &format!("{tag}@SUB.example.NET"), 100).await,
        vec![bob]
    );
    assert!(
        all_active(repos, &format!("nobody.{tag}"), 100)
            .await
            .is_empty()
    );
}

/// `%`, `_` and `\` in a fragment are plain characters, not wildcards nor escapes.
pub async fn list_active_treats_like_wildcards_literally(repos: &Repositories) {
    let tag = unique();
    let percent = seed_with_email(repos, Some(&format!("100%{tag}@example.org"))).await;
    let underscore = seed_with_email(repos, Some(&format!("a_b{tag}@example.org"))).await;
    let backslash = seed_with_email(repos, Some(&format!("c\\d{tag}@example.org"))).await;
    // What the fragments would match if they were patterns.
    seed_with_email(repos, Some(&format!("100x{tag}@example.org"))).await;
    seed_with_email(repos, Some(&format!("axb{tag}@example.org"))).await;
    seed_with_email(repos, Some(&format!("cd{tag}@example.org"))).await;

    assert_eq!(
        all_active(repos, &format!("0%{tag}"), 100).await,
        vec![percent]
    );
    assert_eq!(
        all_active(repos, &format!("a_b{tag}"), 100).await,
        vec![underscore]
    );
    assert_eq!(
        all_active(repos, &format!("c\\d{tag}"), 100).await,
        vec![backslash]
    );
    assert!(all_active(repos, &format!("%%{tag}"), 100).await.is_empty());
    assert!(all_active(repos, &format!("__{tag}"), 100).await.is_empty());
}

/// Pages follow the cursor: every matching user once, in order, whatever the page size.
pub async fn list_active_pages_completely_without_duplicates(repos: &Repositories) {
    let tag = unique();
    let mut expected = Vec::new();
    for n in 0..7 {
        expected.push(seed_with_email(repos, Some(&format!("user{n}.{tag}@example.org"))).await);
    }
    expected.reverse();

    let first = repos
        .users
        .list_active(fragment(&tag), &page(2, None))
        .await
        .expect("first page");
    assert_eq!(first, expected[..3], "a page fetches size + 1 items");
    let second = repos
        .users
        .list_active(fragment(&tag), &page(2, Some(expected[1].id)))
        .await
        .expect("second page");
    assert_eq!(second, expected[2..5], "strictly after the cursor");

    for size in [1, 2, 3, 7, 100] {
        let listed = all_active(repos, &tag, size).await;
        assert_eq!(listed, expected, "size {size}");
        let distinct: HashSet<UserId> = listed.iter().map(|u| u.id).collect();
        assert_eq!(distinct.len(), listed.len(), "no duplicates at size {size}");
    }
}
