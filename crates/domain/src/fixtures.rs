//! Test fixtures shared by the domain's unit tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use crate::Caller;
use crate::access::{ResourceAccess, Role};
use crate::clock::MockClock;
use crate::id::{AccessId, RoomId, UserId};
use crate::room::{AccessLevel, Room, RoomConfiguration, RoomName, Slug};
use crate::user::{Language, Subject, Timezone, User};

/// A fixed instant.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid date")
}

/// A clock stuck at [`now`].
pub(crate) fn clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Arc::new(clock)
}

/// An active user.
pub(crate) fn user(sub: &str) -> User {
    User {
        id: UserId::new(),
        sub: Some(Subject::parse(sub).expect("valid sub")),
        email: None,
        full_name: Some(format!("{sub} Full")),
        short_name: Some(sub.to_owned()),
        language: Language::EnUs,
        timezone: Timezone::default(),
        default_room_access_level: None,
        default_room_configuration: RoomConfiguration::default(),
        is_active: true,
        created_at: now(),
        updated_at: now(),
    }
}

/// A room with the given access level.
pub(crate) fn room(name: &str, access_level: AccessLevel) -> Room {
    Room {
        id: RoomId::new(),
        name: RoomName::parse(name).expect("valid name"),
        slug: Slug::from_name(name).expect("valid slug"),
        slug_is_random: false,
        access_level,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// An access of `user` to `room`.
pub(crate) fn access(room: RoomId, user: UserId, role: Role) -> ResourceAccess {
    ResourceAccess {
        id: AccessId::new(),
        room,
        user,
        role,
        created_at: now(),
        updated_at: now(),
    }
}

/// The five caller columns of the permission matrix: anonymous, authenticated without role,
/// member, administrator, owner.
pub(crate) fn matrix_callers() -> [(Caller, Option<Role>); 5] {
    [
        (Caller::anonymous(), None),
        (Caller::User(user("stranger")), None),
        (Caller::User(user("member")), Some(Role::Member)),
        (Caller::User(user("admin")), Some(Role::Administrator)),
        (Caller::User(user("owner")), Some(Role::Owner)),
    ]
}

/// Drives a future to completion (the domain has no async runtime).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

/// Classifies an outcome as the matrix writes it.
pub(crate) fn outcome<T>(result: &Result<T, crate::Error>) -> &'static str {
    match result {
        Ok(_) => "yes",
        Err(crate::Error::Unauthenticated(_)) => "401",
        Err(crate::Error::PermissionDenied(_)) => "403",
        Err(crate::Error::NotFound(_)) => "404",
        Err(crate::Error::Invalid(_)) => "400",
        Err(crate::Error::AlreadyExists { .. }) => "409",
        Err(other) => panic!("unexpected {other:?}"),
    }
}
