//! The creation callback's take against mocked ports: throttling, validation, read-once.

use std::net::Ipv4Addr;

use mockall::predicate::eq;

use super::*;
use crate::fixtures::{block_on, user};
use crate::lobby::MockRateLimiter;
use crate::room::MockCreationCallbacks;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));

fn service(store: MockCreationCallbacks, limiter: MockRateLimiter) -> CreationCallbackService {
    CreationCallbackService::new(
        Arc::new(store),
        Arc::new(limiter),
        CreationCallbackSettings::default(),
    )
}

/// A limiter that lets everything through, counting under `key` only.
fn allowing(key: &'static str) -> MockRateLimiter {
    let mut limiter = MockRateLimiter::new();
    limiter
        .expect_hit()
        .withf(move |k, _| k == key)
        .returning(|_, _| Ok(None));
    limiter
}

#[test]
fn the_defaults_are_the_references() {
    let settings = CreationCallbackSettings::default();
    assert_eq!(settings.ttl.as_secs(), 600);
    assert_eq!(
        settings.rate,
        RateLimit {
            limit: 600,
            window: Duration::from_mins(1),
        }
    );
}

#[test]
fn an_anonymous_taker_gets_what_the_store_gives_counted_per_address() {
    let mut store = MockCreationCallbacks::new();
    store
        .expect_take()
        .with(eq(CallbackId::parse("cb-1").unwrap()))
        .times(1)
        .returning(|_| Ok(Some(Slug::from_stored("daily".to_owned()))));
    let mut limiter = MockRateLimiter::new();
    limiter
        .expect_hit()
        .withf(|key, limit| {
            key == "creation-callback:203.0.113.9"
                && *limit == CreationCallbackSettings::default().rate
        })
        .times(1)
        .returning(|_, _| Ok(None));
    let svc = service(store, limiter);
    let slug = block_on(svc.take(&Caller::anonymous(), CLIENT, " cb-1 ")).unwrap();
    assert_eq!(
        slug.map(|s| s.as_str().to_owned()),
        Some("daily".to_owned())
    );
}

#[test]
fn nothing_stored_is_none() {
    let mut store = MockCreationCallbacks::new();
    store.expect_take().returning(|_| Ok(None));
    let svc = service(store, allowing("creation-callback:203.0.113.9"));
    assert_eq!(
        block_on(svc.take(&Caller::anonymous(), CLIENT, "unknown")).unwrap(),
        None
    );
}

#[test]
fn an_anonymous_taker_over_the_rate_is_refused_before_the_store_is_read() {
    let mut store = MockCreationCallbacks::new();
    store.expect_take().never();
    let mut limiter = MockRateLimiter::new();
    limiter
        .expect_hit()
        .returning(|_, _| Ok(Some(Duration::from_secs(12))));
    let svc = service(store, limiter);
    let refused = block_on(svc.take(&Caller::anonymous(), CLIENT, "cb-1"));
    assert!(
        matches!(refused, Err(Error::RateLimited { retry_after }) if retry_after == Duration::from_secs(12)),
        "{refused:?}"
    );
}

#[test]
fn invalid_ids_name_the_field_and_still_count() {
    let mut store = MockCreationCallbacks::new();
    store.expect_take().never();
    let mut limiter = MockRateLimiter::new();
    limiter.expect_hit().times(3).returning(|_, _| Ok(None));
    let svc = service(store, limiter);
    for raw in ["", "   ", &"x".repeat(256)] {
        let refused = block_on(svc.take(&Caller::anonymous(), CLIENT, raw));
        assert!(
            matches!(&refused, Err(Error::Invalid(v)) if v[0].field == "callback_id"),
            "{raw:?}: {refused:?}"
        );
    }
}

#[test]
fn authenticated_takers_are_not_throttled() {
    let mut store = MockCreationCallbacks::new();
    store.expect_take().returning(|_| Ok(None));
    let mut limiter = MockRateLimiter::new();
    limiter.expect_hit().never();
    let svc = service(store, limiter);
    let caller = Caller::User(user("poller"));
    assert_eq!(block_on(svc.take(&caller, CLIENT, "cb-1")).unwrap(), None);
}

#[test]
fn an_unreachable_store_or_counter_is_unavailable() {
    let down = || Error::unavailable("redis", std::io::Error::other("down"));
    let mut store = MockCreationCallbacks::new();
    store.expect_take().returning(move |_| Err(down()));
    let svc = service(store, allowing("creation-callback:203.0.113.9"));
    let failed = block_on(svc.take(&Caller::anonymous(), CLIENT, "cb-1"));
    assert!(
        matches!(failed, Err(Error::Unavailable { .. })),
        "{failed:?}"
    );

    let mut limiter = MockRateLimiter::new();
    limiter.expect_hit().returning(move |_, _| Err(down()));
    let svc = service(MockCreationCallbacks::new(), limiter);
    let failed = block_on(svc.take(&Caller::anonymous(), CLIENT, "cb-1"));
    assert!(
        matches!(failed, Err(Error::Unavailable { .. })),
        "{failed:?}"
    );
}

#[test]
fn room_creation_ignores_an_empty_id_and_validates_others() {
    assert_eq!(CreationCallbackService::requested(None).unwrap(), None);
    assert_eq!(CreationCallbackService::requested(Some("")).unwrap(), None);
    assert_eq!(
        CreationCallbackService::requested(Some("cb")).unwrap(),
        Some(CallbackId::parse("cb").unwrap())
    );
    let refused = CreationCallbackService::requested(Some("  "));
    assert!(
        matches!(&refused, Err(Error::Invalid(v)) if v[0].field == "callback_id"),
        "{refused:?}"
    );
}
