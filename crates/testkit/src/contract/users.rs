//! The contract of [`UserRepository`](anteroom_domain::user::UserRepository): one
//! `pub async fn` per documented behaviour, run by
//! [`repository_contract_tests!`](crate::repository_contract_tests).

use anteroom_domain::id::UserId;
use anteroom_domain::room::{AccessLevel, MediaSource, RoomConfiguration};
use anteroom_domain::user::{Email, Language, Subject, Timezone, User};
use chrono::TimeDelta;

use super::Repositories;
use super::repositories::{
    assert_already_exists, assert_not_found, new_user, now, seed_user, unique,
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
