//! User use cases against a mocked repository.

use std::sync::{Arc, Mutex};

use super::*;
use crate::fixtures::{block_on, clock, outcome, user};
use crate::room::AccessLevel;
use crate::user::{Language, MockUserRepository, Timezone};

fn claims(sub: &str) -> IdentityClaims {
    IdentityClaims {
        subject: sub.to_owned(),
        email: Some("Ana@Example.org".to_owned()),
        given_name: Some("Ana".to_owned()),
        family_name: Some("Lopes".to_owned()),
        usual_name: None,
        name: None,
    }
}

fn service(users: MockUserRepository) -> UserService {
    UserService::new(Arc::new(users), clock(), UserSettings::default())
}

fn listing(users: MockUserRepository) -> UserService {
    UserService::new(
        Arc::new(users),
        clock(),
        UserSettings {
            allow_listing: true,
        },
    )
}

fn page(size: i32, after: Option<UserCursor>) -> PageRequest<UserCursor> {
    PageRequest {
        size: crate::page::PageSize::from_request(size).unwrap(),
        after,
    }
}

#[test]
fn a_user_is_provisioned_on_first_sight_from_its_claims() {
    let stored = Arc::new(Mutex::new(None));
    let seen = stored.clone();
    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users.expect_insert().times(1).returning(move |u| {
        *seen.lock().unwrap() = Some(u.clone());
        Ok(())
    });
    let user = block_on(service(users).provision(&claims("sub-1"))).unwrap();
    assert_eq!(user.sub.as_ref().map(Subject::as_str), Some("sub-1"));
    assert_eq!(
        user.email.as_ref().map(Email::as_str),
        Some("Ana@example.org")
    );
    assert_eq!(user.full_name.as_deref(), Some("Ana Lopes"));
    assert_eq!(user.short_name.as_deref(), Some("Ana"));
    assert_eq!(user.language, Language::EnUs);
    assert_eq!(stored.lock().unwrap().as_ref(), Some(&user));
}

#[test]
fn usual_name_wins_over_family_name_and_name_is_the_fallback() {
    let mut with_usual = claims("s");
    with_usual.usual_name = Some("Usual".to_owned());
    assert_eq!(
        Profile::from_claims(&with_usual).full_name.as_deref(),
        Some("Ana Usual")
    );
    let only_name = IdentityClaims {
        subject: "s".to_owned(),
        name: Some("Just Name".to_owned()),
        ..IdentityClaims::default()
    };
    let profile = Profile::from_claims(&only_name);
    assert_eq!(profile.full_name.as_deref(), Some("Just Name"));
    assert_eq!(profile.short_name, None);
}

#[test]
fn a_concurrent_first_sight_reuses_the_user_the_other_request_created() {
    let winner = user("sub-1");
    let expected = winner.clone();
    let mut users = MockUserRepository::new();
    let mut lookups = 0;
    users.expect_get_by_sub().times(2).returning(move |_| {
        lookups += 1;
        Ok((lookups == 2).then(|| winner.clone()))
    });
    users.expect_insert().returning(|_| {
        Err(Error::AlreadyExists {
            field: "sub",
            message: "taken".to_owned(),
        })
    });
    assert_eq!(
        block_on(service(users).provision(&claims("sub-1"))).unwrap(),
        expected
    );
}

#[test]
fn existing_users_get_their_profile_refreshed_only_when_it_changed() {
    let mut known = user("sub-1");
    known.email = Email::parse("old@example.org").ok();
    let stored = known.clone();
    let mut users = MockUserRepository::new();
    users
        .expect_get_by_sub()
        .returning(move |_| Ok(Some(stored.clone())));
    users
        .expect_update()
        .times(1)
        .withf(|u| u.email.as_ref().map(Email::as_str) == Some("Ana@example.org"))
        .returning(|_| Ok(()));
    let user = block_on(service(users).provision(&claims("sub-1"))).unwrap();
    assert_eq!(user.id, known.id);
    assert_eq!(user.full_name.as_deref(), Some("Ana Lopes"));

    let mut unchanged = known.clone();
    unchanged.email = Email::parse("Ana@example.org").ok();
    unchanged.full_name = Some("Ana Lopes".to_owned());
    unchanged.short_name = Some("Ana".to_owned());
    let mut users = MockUserRepository::new();
    users
        .expect_get_by_sub()
        .returning(move |_| Ok(Some(unchanged.clone())));
    users.expect_update().never();
    block_on(service(users).provision(&claims("sub-1"))).unwrap();
}

#[test]
fn inactive_users_and_malformed_subjects_are_refused() {
    let mut inactive = user("sub-1");
    inactive.is_active = false;
    let mut users = MockUserRepository::new();
    users
        .expect_get_by_sub()
        .returning(move |_| Ok(Some(inactive.clone())));
    users.expect_update().returning(|_| Ok(()));
    let result = block_on(service(users).provision(&claims("sub-1")));
    assert_eq!(outcome(&result), "403");

    let result = block_on(service(MockUserRepository::new()).provision(&claims("bad sub")));
    assert_eq!(outcome(&result), "401");
}

#[test]
fn a_user_updates_only_itself_and_only_its_preferences() {
    let me = user("me");
    let mut users = MockUserRepository::new();
    let my_id = me.id;
    users
        .expect_update()
        .times(1)
        .withf(move |u| u.id == my_id)
        .returning(|_| Ok(()));
    let patch = UserPatch {
        language: Some(Language::FrFr),
        timezone: Some(Timezone::parse("Europe/Paris").unwrap()),
        default_room_access_level: Some(Some(AccessLevel::Trusted)),
        default_room_configuration: None,
    };
    let svc = service(users);
    let updated = block_on(svc.update_current(&Caller::User(me.clone()), patch.clone())).unwrap();
    assert_eq!(updated.language, Language::FrFr);
    assert_eq!(updated.timezone.as_str(), "Europe/Paris");
    assert_eq!(
        updated.default_room_access_level,
        Some(AccessLevel::Trusted)
    );
    assert_eq!((updated.email, updated.full_name), (me.email, me.full_name));

    assert_eq!(
        outcome(&block_on(svc.update_current(&Caller::anonymous(), patch))),
        "401"
    );
    assert_eq!(outcome(&svc.current(&Caller::anonymous())), "401");
}

fn fallback() -> Provisioning {
    Provisioning {
        fallback_to_email: true,
    }
}

#[test]
fn the_email_fallback_is_off_by_default() {
    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users.expect_find_by_email_ci().never();
    users.expect_insert().times(1).returning(|_| Ok(()));
    block_on(service(users).provision(&claims("new-sub"))).unwrap();
}

#[test]
fn the_email_fallback_takes_the_one_user_with_that_email_and_links_the_subject() {
    let mut known = user("old-sub");
    known.email = Email::parse("ana@example.org").ok();
    let stored = known.clone();
    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users
        .expect_find_by_email_ci()
        .withf(|email, limit| email.as_str() == "Ana@example.org" && *limit == 2)
        .returning(move |_, _| Ok(vec![stored.clone()]));
    users.expect_insert().never();
    users
        .expect_update()
        .times(1)
        .withf(|u| u.sub.as_ref().map(Subject::as_str) == Some("new-sub"))
        .returning(|_| Ok(()));
    let user = block_on(service(users).provision_with(&claims("new-sub"), fallback())).unwrap();
    assert_eq!(user.id, known.id);
    assert_eq!(user.full_name.as_deref(), Some("Ana Lopes"));
}

#[test]
fn the_email_fallback_refuses_ambiguous_emails_and_creates_when_none_matches() {
    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users
        .expect_find_by_email_ci()
        .returning(|_, _| Ok(vec![user("a"), user("b")]));
    users.expect_insert().never();
    users.expect_update().never();
    let result = block_on(service(users).provision_with(&claims("new-sub"), fallback()));
    assert_eq!(outcome(&result), "403");

    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users.expect_find_by_email_ci().returning(|_, _| Ok(vec![]));
    users.expect_insert().times(1).returning(|_| Ok(()));
    let created = block_on(service(users).provision_with(&claims("new-sub"), fallback())).unwrap();
    assert_eq!(created.sub.as_ref().map(Subject::as_str), Some("new-sub"));
}

#[test]
fn the_email_fallback_refuses_inactive_users() {
    let mut inactive = user("old-sub");
    inactive.is_active = false;
    let mut users = MockUserRepository::new();
    users.expect_get_by_sub().returning(|_| Ok(None));
    users
        .expect_find_by_email_ci()
        .returning(move |_, _| Ok(vec![inactive.clone()]));
    users.expect_update().returning(|_| Ok(()));
    let result = block_on(service(users).provision_with(&claims("new-sub"), fallback()));
    assert_eq!(outcome(&result), "403");
}

#[test]
fn a_session_user_counts_while_it_exists_and_is_active() {
    let active = user("a");
    let mut inactive = user("b");
    inactive.is_active = false;
    let (active_id, inactive_id) = (active.id, inactive.id);
    let mut users = MockUserRepository::new();
    users.expect_get().returning(move |id| {
        if id == active.id {
            Ok(active.clone())
        } else if id == inactive.id {
            Ok(inactive.clone())
        } else {
            Err(Error::NotFound("gone".to_owned()))
        }
    });
    let svc = service(users);
    assert!(block_on(svc.active(active_id)).unwrap().is_some());
    assert!(block_on(svc.active(inactive_id)).unwrap().is_none());
    assert!(block_on(svc.active(UserId::new())).unwrap().is_none());
}

#[test]
fn listing_is_off_by_default_and_then_never_queries_the_store() {
    // No expectation: a call to the repository would panic.
    let svc = service(MockUserRepository::new());
    let me = Caller::User(user("me"));
    for query in ["", "ana", &"x".repeat(300)] {
        let listed = block_on(svc.list(&me, query, &page(0, None))).unwrap();
        assert_eq!(listed.items, Vec::new());
        assert_eq!(listed.next, None);
    }
    assert_eq!(
        outcome(&block_on(svc.list(
            &Caller::anonymous(),
            "",
            &page(0, None)
        ))),
        "401"
    );
}

#[test]
fn anonymous_callers_cannot_list_even_when_listing_is_allowed() {
    let svc = listing(MockUserRepository::new());
    assert_eq!(
        outcome(&block_on(svc.list(
            &Caller::anonymous(),
            "ana",
            &page(0, None)
        ))),
        "401"
    );
}

#[test]
fn listing_passes_the_trimmed_fragment_and_the_page_to_the_store() {
    let found = vec![user("a"), user("b"), user("c")];
    let after = UserId::new();
    let mut users = MockUserRepository::new();
    let rows = found.clone();
    users
        .expect_list_active()
        .times(1)
        .withf(move |email, page| {
            email.as_ref().map(EmailFragment::as_str) == Some("Ana@Example")
                && page.size.get() == 2
                && page.after == Some(after)
        })
        .returning(move |_, _| Ok(rows.clone()));
    let listed = block_on(listing(users).list(
        &Caller::User(user("me")),
        "  Ana@Example ",
        &page(2, Some(after)),
    ))
    .unwrap();
    // The third row only tells that more exist: the next page starts after the second.
    assert_eq!(listed.items, found[..2].to_vec());
    assert_eq!(listed.next, Some(found[1].id));
}

#[test]
fn a_blank_query_lists_every_active_user_and_the_last_page_has_no_next() {
    let found = vec![user("a")];
    let mut users = MockUserRepository::new();
    let rows = found.clone();
    users
        .expect_list_active()
        .times(1)
        .withf(|email, page| email.is_none() && page.after.is_none())
        .returning(move |_, _| Ok(rows.clone()));
    let listed =
        block_on(listing(users).list(&Caller::User(user("me")), "   ", &page(0, None))).unwrap();
    assert_eq!(listed.items, found);
    assert_eq!(listed.next, None);
}

#[test]
fn an_overlong_query_is_invalid_on_q_and_never_reaches_the_store() {
    let svc = listing(MockUserRepository::new());
    let result = block_on(svc.list(&Caller::User(user("me")), &"a".repeat(255), &page(0, None)));
    match result {
        Err(Error::Invalid(violations)) => assert_eq!(violations[0].field, "q"),
        other => panic!("expected Invalid on q, got {other:?}"),
    }
}

#[test]
fn store_failures_are_passed_on() {
    let mut users = MockUserRepository::new();
    users
        .expect_list_active()
        .returning(|_, _| Err(Error::unavailable("database", "down")));
    let result = block_on(listing(users).list(&Caller::User(user("me")), "", &page(0, None)));
    assert!(
        matches!(result, Err(Error::Unavailable { .. })),
        "{result:?}"
    );
}
