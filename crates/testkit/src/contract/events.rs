//! The contract of [`EventBus`]: every adapter (in memory, Redis) runs these same cases.
//!
//! Each case is a `pub async fn` taking [`Buses`]: a publishing bus and a subscribing bus.
//! For an in-process bus both are the same instance ([`Buses::single`]); for a shared bus
//! they can be two instances with separate connections, standing for two replicas
//! ([`Buses::pair`]), so that every case also checks that events cross processes. Rooms are
//! random, so cases can share one server and run in parallel.
//!
//! The [`event_bus_contract_tests!`](crate::event_bus_contract_tests) macro expands to one
//! `#[tokio::test(flavor = "multi_thread")]` per case in the calling test binary, which must
//! have `tokio` (with the `macros` and `rt-multi-thread` features) among its dev-dependencies:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemoryEventBus;
//! use anteroom_testkit::contract::events::Buses;
//!
//! anteroom_testkit::event_bus_contract_tests!(Buses::single(Arc::new(MemoryEventBus::new())));
//! ```
//!
//! The expression is evaluated inside each (async) test body, so it may `.await`, and may
//! `return` to skip the test (say, when no Redis server is available).

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::id::{ParticipantId, RoomId, UserId};
use anteroom_domain::lobby::{EventBus, EventStream, LobbyEntry, LobbyEvent, LobbyStatus};
use futures_util::StreamExt;
use tokio::time::timeout;

use super::lobby::{new_entry, now_ms};

/// A bus under test, as the cases take it.
pub type SharedEventBus = Arc<dyn EventBus>;

/// How long a case waits for an event that must come.
const DELIVERY: Duration = Duration::from_secs(5);
/// How long a case waits to be fairly sure that an event will not come.
const SILENCE: Duration = Duration::from_millis(300);

/// The buses a case runs on: events are published on one and subscribed to on the other.
#[derive(Clone)]
pub struct Buses {
    /// The bus events are published on.
    pub publisher: SharedEventBus,
    /// The bus subscriptions are made on.
    pub subscriber: SharedEventBus,
}

impl Buses {
    /// One bus, publishing and subscribing.
    pub fn single(bus: SharedEventBus) -> Self {
        Self {
            publisher: Arc::clone(&bus),
            subscriber: bus,
        }
    }

    /// Two buses, as two replicas would have: events published on `publisher` must reach
    /// the subscribers of `subscriber`.
    pub fn pair(publisher: SharedEventBus, subscriber: SharedEventBus) -> Self {
        Self {
            publisher,
            subscriber,
        }
    }
}

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::events`](crate::contract::events), each running against the
/// [`Buses`](crate::contract::events::Buses) that `$make` evaluates to (afresh in each test's
/// async body).
#[macro_export]
macro_rules! event_bus_contract_tests {
    ($make:expr) => {
        $crate::event_bus_contract_tests!(@cases $make;
            subscriber_receives_its_rooms_events_in_order,
            every_kind_of_event_arrives_intact,
            several_subscribers_each_get_every_event,
            events_published_before_subscribing_are_not_replayed,
            dropping_a_subscriber_does_not_break_the_others,
            a_room_can_be_subscribed_again_after_its_last_subscriber_left,
            publishing_without_subscribers_succeeds,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let buses: $crate::contract::events::Buses = $make;
                $crate::contract::events::$case(buses).await;
            }
        )+
    };
}

/// A waiting-participant event in `room`.
fn waiting(room: RoomId) -> LobbyEvent {
    LobbyEvent::ParticipantWaiting(new_entry(room, now_ms()))
}

async fn publish(bus: &SharedEventBus, event: &LobbyEvent) {
    bus.publish(event).await.expect("publish");
}

async fn subscribe(bus: &SharedEventBus, room: RoomId) -> EventStream {
    bus.subscribe(room).await.expect("subscribe")
}

/// The next event of `stream`, which must come within [`DELIVERY`].
async fn next(stream: &mut EventStream) -> LobbyEvent {
    timeout(DELIVERY, stream.next())
        .await
        .unwrap_or_else(|_| panic!("no event within {DELIVERY:?}"))
        .expect("the stream ended")
}

/// Expects no event on `stream` for [`SILENCE`].
async fn assert_silent(stream: &mut EventStream) {
    if let Ok(item) = timeout(SILENCE, stream.next()).await {
        panic!("expected no event, got {item:?}");
    }
}

/// A subscriber gets its room's events, in publication order, and no other room's.
pub async fn subscriber_receives_its_rooms_events_in_order(buses: Buses) {
    let (room, other) = (RoomId::new(), RoomId::new());
    let mut stream = subscribe(&buses.subscriber, room).await;
    let mut elsewhere = subscribe(&buses.subscriber, other).await;
    let events: Vec<_> = (0..20).map(|_| waiting(room)).collect();
    for (i, event) in events.iter().enumerate() {
        if i % 5 == 0 {
            publish(&buses.publisher, &waiting(other)).await;
        }
        publish(&buses.publisher, event).await;
    }
    for expected in &events {
        let event = next(&mut stream).await;
        assert_eq!(&event, expected, "in publication order");
    }
    assert_silent(&mut stream).await;
    for _ in 0..4 {
        assert_eq!(next(&mut elsewhere).await.room(), other);
    }
    assert_silent(&mut elsewhere).await;
}

/// Every kind of event arrives as published, entries field for field.
pub async fn every_kind_of_event_arrives_intact(buses: Buses) {
    let room = RoomId::new();
    let mut stream = subscribe(&buses.subscriber, room).await;
    let entry = LobbyEntry {
        username: "Zoë \"the\" <tester> 🎉".to_owned(),
        identity: format!("user-{}", UserId::new()),
        ..new_entry(room, now_ms())
    };
    let decided = |status| LobbyEntry {
        status,
        decided_at: Some(now_ms()),
        decided_by: Some(UserId::new()),
        ..entry.clone()
    };
    let events = [
        LobbyEvent::ParticipantWaiting(entry.clone()),
        LobbyEvent::ParticipantAdmitted(decided(LobbyStatus::Accepted)),
        LobbyEvent::ParticipantDenied(decided(LobbyStatus::Denied)),
        LobbyEvent::ParticipantLeft {
            room,
            participant: ParticipantId::random(),
        },
    ];
    for event in &events {
        publish(&buses.publisher, event).await;
    }
    for expected in &events {
        assert_eq!(&next(&mut stream).await, expected);
    }
}

/// Several subscribers of a room each get every event.
pub async fn several_subscribers_each_get_every_event(buses: Buses) {
    let room = RoomId::new();
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(subscribe(&buses.subscriber, room).await);
    }
    // One more on the publishing side (the same bus, or another replica).
    streams.push(subscribe(&buses.publisher, room).await);
    let events: Vec<_> = (0..5).map(|_| waiting(room)).collect();
    for event in &events {
        publish(&buses.publisher, event).await;
    }
    for stream in &mut streams {
        for expected in &events {
            assert_eq!(&next(stream).await, expected);
        }
    }
}

/// Events published before a subscription are not replayed to it.
pub async fn events_published_before_subscribing_are_not_replayed(buses: Buses) {
    let room = RoomId::new();
    let mut early = subscribe(&buses.subscriber, room).await;
    let before = waiting(room);
    publish(&buses.publisher, &before).await;
    // Once the early subscriber has it, it has been delivered everywhere it would be.
    assert_eq!(next(&mut early).await, before);
    let mut late = subscribe(&buses.subscriber, room).await;
    let after = waiting(room);
    publish(&buses.publisher, &after).await;
    assert_eq!(
        next(&mut late).await,
        after,
        "the first event after subscribing"
    );
    assert_eq!(next(&mut early).await, after);
    assert_silent(&mut late).await;
}

/// Dropping a subscriber's stream leaves the other subscribers of the room served.
pub async fn dropping_a_subscriber_does_not_break_the_others(buses: Buses) {
    let room = RoomId::new();
    let first = subscribe(&buses.subscriber, room).await;
    let mut second = subscribe(&buses.subscriber, room).await;
    drop(first);
    let event = waiting(room);
    publish(&buses.publisher, &event).await;
    assert_eq!(next(&mut second).await, event);
    // Give a bus that cleans up after dropped subscribers the time to do it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = subscribe(&buses.subscriber, room).await;
    let event = waiting(room);
    publish(&buses.publisher, &event).await;
    assert_eq!(next(&mut second).await, event);
    assert_eq!(next(&mut third).await, event);
}

/// A room whose every subscriber left can be subscribed to again, and is served.
pub async fn a_room_can_be_subscribed_again_after_its_last_subscriber_left(buses: Buses) {
    let room = RoomId::new();
    for round in 0..3 {
        let mut stream = subscribe(&buses.subscriber, room).await;
        let event = waiting(room);
        publish(&buses.publisher, &event).await;
        assert_eq!(next(&mut stream).await, event, "round {round}");
        drop(stream);
        // Once without, once with the time for a bus to clean up after the last subscriber.
        if round == 1 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Publishing to a room nobody listens to succeeds.
pub async fn publishing_without_subscribers_succeeds(buses: Buses) {
    let room = RoomId::new();
    publish(&buses.publisher, &waiting(room)).await;
    publish(
        &buses.publisher,
        &LobbyEvent::ParticipantLeft {
            room,
            participant: ParticipantId::random(),
        },
    )
    .await;
}
