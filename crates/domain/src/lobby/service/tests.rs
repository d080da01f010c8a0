//! The join decision and the lobby use cases against mocked ports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::*;
use crate::access::MockAccessRepository;
use crate::fixtures::{block_on, clock, matrix_callers, now, outcome, room, user};
use crate::lobby::{MockLobbyStore, MockRateLimiter};
use crate::media::{MockMediaServer, MockTokenIssuer};
use crate::room::MockRoomRepository;

/// A bus that records what is published and whether subscribing came first.
#[derive(Default)]
struct RecordingBus {
    published: Mutex<Vec<LobbyEvent>>,
    log: Arc<Mutex<Vec<&'static str>>>,
    fail: bool,
}

#[async_trait]
impl EventBus for RecordingBus {
    async fn publish(&self, event: &LobbyEvent) -> Result<(), Error> {
        if self.fail {
            return Err(Error::unavailable("events", std::io::Error::other("down")));
        }
        self.published.lock().unwrap().push(event.clone());
        Ok(())
    }
    async fn subscribe(&self, _room: crate::id::RoomId) -> Result<EventStream, Error> {
        self.log.lock().unwrap().push("subscribe");
        Ok(futures_util::stream::empty().boxed())
    }
}

struct World {
    room: Room,
    role: Option<Role>,
    store: MockLobbyStore,
    limiter: MockRateLimiter,
    media: MockMediaServer,
    bus: Arc<RecordingBus>,
}

impl World {
    fn new(level: AccessLevel, role: Option<Role>) -> Self {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_hit().returning(|_, _| Ok(None));
        let mut media = MockMediaServer::new();
        media.expect_send_data().returning(|_, _| Ok(()));
        Self {
            room: room("Daily", level),
            role,
            store: MockLobbyStore::new(),
            limiter,
            media,
            bus: Arc::new(RecordingBus::default()),
        }
    }

    fn service(self) -> LobbyService {
        let mut rooms = MockRoomRepository::new();
        let found = self.room.clone();
        rooms
            .expect_get_by_slug()
            .returning(move |_| Ok(found.clone()));
        let mut accesses = MockAccessRepository::new();
        let role = self.role;
        accesses.expect_role_of().returning(move |_, _| Ok(role));
        let mut tokens = MockTokenIssuer::new();
        tokens.expect_issue().returning(|grant| {
            Ok(JoinAnswer {
                url: "ws://lk".to_owned(),
                room: grant.room.clone(),
                token: format!("{}|{}|{}", grant.identity, grant.name, grant.color),
            })
        });
        LobbyService::new(
            LobbyPorts {
                rooms: Arc::new(rooms),
                accesses: Arc::new(accesses),
                store: Arc::new(self.store),
                events: self.bus,
                limiter: Arc::new(self.limiter),
                tokens: Arc::new(tokens),
                media: Arc::new(self.media),
                clock: clock(),
            },
            LobbySettings::default(),
        )
    }
}

fn daily() -> RoomRef {
    RoomRef::parse("daily")
}

fn stored(world: &World, status: LobbyStatus, participant: ParticipantId) -> LobbyEntry {
    LobbyEntry {
        room: world.room.id,
        participant,
        identity: participant.to_string(),
        username: "Bob".to_owned(),
        color: "hsl(1, 45%, 45%)".to_owned(),
        status,
        requested_at: now(),
        decided_at: None,
        decided_by: None,
    }
}

#[test]
fn a_public_room_lets_everyone_in_without_touching_the_lobby() {
    let mut world = World::new(AccessLevel::Public, None);
    world.room.pin_code = Some(PinCode::from_stored("0123456789".to_owned()));
    world.store.expect_request().never();
    world.store.expect_get().never();
    let svc = world.service();
    let joined = block_on(svc.join(&Caller::anonymous(), &daily(), "Bob", None)).unwrap();
    assert_eq!(joined.status, LobbyStatus::Accepted);
    let answer = joined.livekit.unwrap();
    assert!(answer.token.starts_with(&joined.participant.to_string()));
    assert!(answer.token.contains("|Bob|"));
    assert_eq!(
        joined.pin.map(|p| p.as_str().to_owned()).as_deref(),
        Some("0123456789")
    );
}

#[test]
fn bypass_follows_the_access_level_and_role() {
    for (level, expected) in [
        (
            AccessLevel::Trusted,
            ["waiting", "accepted", "accepted", "accepted", "accepted"],
        ),
        (
            AccessLevel::Restricted,
            ["waiting", "waiting", "accepted", "accepted", "accepted"],
        ),
    ] {
        let row: Vec<&str> = matrix_callers()
            .into_iter()
            .map(|(caller, role)| {
                let mut world = World::new(level, role);
                let template = stored(&world, LobbyStatus::Waiting, ParticipantId::random());
                world.store.expect_request().returning(move |e, _| {
                    let mut entry = template.clone();
                    entry.identity.clone_from(&e.identity);
                    Ok((entry, true))
                });
                let svc = world.service();
                block_on(svc.join(&caller, &daily(), "Bob", None))
                    .unwrap()
                    .status
                    .as_str()
            })
            .collect();
        assert_eq!(row, expected, "{level}");
    }
}

#[test]
fn a_first_request_waits_and_tells_the_hosts_once() {
    let mut world = World::new(AccessLevel::Restricted, None);
    let participant = ParticipantId::random();
    let template = stored(&world, LobbyStatus::Waiting, participant);
    let mut calls = 0;
    world
        .store
        .expect_request()
        .times(2)
        .returning(move |entry, _| {
            calls += 1;
            assert_eq!(entry.status, LobbyStatus::Waiting);
            Ok((template.clone(), calls == 1))
        });
    world.media.checkpoint();
    world
        .media
        .expect_send_data()
        .withf(|_, message| message.payload == br#"{"type":"participantWaiting"}"#)
        .times(1)
        .returning(|_, _| Err(Error::NotFound("room not live".to_owned())));
    let bus = world.bus.clone();
    let svc = world.service();
    let anonymous = Caller::Anonymous {
        participant: Some(participant),
    };
    for _ in 0..2 {
        let answer = block_on(svc.join(&anonymous, &daily(), "Bob", Some(participant))).unwrap();
        assert_eq!(answer.status, LobbyStatus::Waiting);
        assert!(answer.livekit.is_none() && answer.pin.is_none());
    }
    let published = bus.published.lock().unwrap();
    assert_eq!(published.len(), 1);
    assert!(matches!(published[0], LobbyEvent::ParticipantWaiting(_)));
}

#[test]
fn decided_entries_answer_with_a_fresh_token_or_a_denial() {
    let participant = ParticipantId::random();
    let mut accepted = World::new(AccessLevel::Restricted, None);
    let entry = stored(&accepted, LobbyStatus::Accepted, participant);
    accepted
        .store
        .expect_request()
        .returning(move |_, _| Ok((entry.clone(), false)));
    let svc = accepted.service();
    let joined =
        block_on(svc.join(&Caller::anonymous(), &daily(), "Other", Some(participant))).unwrap();
    assert_eq!(joined.status, LobbyStatus::Accepted);
    let token = joined.livekit.unwrap().token;
    assert_eq!(token, format!("{participant}|Bob|hsl(1, 45%, 45%)"));

    let mut denied = World::new(AccessLevel::Restricted, None);
    let entry = stored(&denied, LobbyStatus::Denied, participant);
    denied
        .store
        .expect_request()
        .returning(move |_, _| Ok((entry.clone(), false)));
    let svc = denied.service();
    let joined =
        block_on(svc.join(&Caller::anonymous(), &daily(), "Bob", Some(participant))).unwrap();
    assert_eq!(joined.status, LobbyStatus::Denied);
    assert!(joined.livekit.is_none());
}

#[test]
fn a_waiter_let_in_because_the_room_opened_keeps_its_colour() {
    let participant = ParticipantId::random();
    let mut world = World::new(AccessLevel::Public, None);
    let entry = stored(&world, LobbyStatus::Waiting, participant);
    world
        .store
        .expect_get()
        .returning(move |_, _| Ok(Some(entry.clone())));
    let svc = world.service();
    let joined =
        block_on(svc.join(&Caller::anonymous(), &daily(), "Bob", Some(participant))).unwrap();
    assert_eq!(joined.status, LobbyStatus::Accepted);
    assert_eq!(joined.color, "hsl(1, 45%, 45%)");
}

#[test]
fn usernames_are_required_and_bounded() {
    let svc = World::new(AccessLevel::Public, None).service();
    for bad in ["", "   ", &"x".repeat(256)] {
        match block_on(svc.join(&Caller::anonymous(), &daily(), bad, None)) {
            Err(Error::Invalid(v)) => assert_eq!(v[0].field, "username"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn requests_are_rate_limited_per_participant_and_user_only() {
    let mut world = World::new(AccessLevel::Public, None);
    world.limiter.checkpoint();
    world
        .limiter
        .expect_hit()
        .withf(|key, _| key.starts_with("lobby:participant:") || key.starts_with("lobby:user:"))
        .times(2)
        .returning(|_, _| Ok(Some(Duration::from_secs(12))));
    let svc = world.service();
    let limited = block_on(svc.join(
        &Caller::anonymous(),
        &daily(),
        "Bob",
        Some(ParticipantId::random()),
    ));
    assert!(
        matches!(limited, Err(Error::RateLimited { retry_after }) if retry_after.as_secs() == 12)
    );
    let limited = block_on(svc.join(&Caller::User(user("u")), &daily(), "Bob", None));
    assert!(matches!(limited, Err(Error::RateLimited { .. })));
    // Without an id there is nothing to count against: the first request is not limited.
    assert!(block_on(svc.join(&Caller::anonymous(), &daily(), "Bob", None)).is_ok());
}

#[test]
fn a_bus_outage_does_not_lose_the_wait() {
    let mut world = World::new(AccessLevel::Restricted, None);
    let entry = stored(&world, LobbyStatus::Waiting, ParticipantId::random());
    world
        .store
        .expect_request()
        .returning(move |_, _| Ok((entry.clone(), true)));
    world.bus = Arc::new(RecordingBus {
        fail: true,
        ..RecordingBus::default()
    });
    let svc = world.service();
    let joined = block_on(svc.join(&Caller::anonymous(), &daily(), "Bob", None)).unwrap();
    assert_eq!(joined.status, LobbyStatus::Waiting);
}

#[test]
fn host_actions_follow_the_matrix() {
    let participant = ParticipantId::random();
    let row: Vec<String> = matrix_callers()
        .into_iter()
        .map(|(caller, role)| {
            let mut world = World::new(AccessLevel::Restricted, role);
            let entry = stored(&world, LobbyStatus::Waiting, participant);
            world
                .store
                .expect_list_waiting()
                .returning(move |_| Ok(vec![entry.clone()]));
            let decided = stored(&world, LobbyStatus::Accepted, participant);
            world
                .store
                .expect_decide()
                .returning(move |_, _, _, _, _, _| Ok(decided.clone()));
            let svc = world.service();
            let listed = outcome(&block_on(svc.list_waiting(&caller, &daily())));
            let decided = outcome(&block_on(svc.decide(
                &caller,
                &daily(),
                participant,
                EntryDecision::Admit,
            )));
            format!("{listed}/{decided}")
        })
        .collect();
    assert_eq!(row, ["401/401", "403/403", "403/403", "yes/yes", "yes/yes"]);
}

#[test]
fn a_public_room_has_no_lobby() {
    let mut world = World::new(AccessLevel::Public, Some(Role::Owner));
    world.store.expect_list_waiting().never();
    world.store.expect_decide().never();
    let svc = world.service();
    let owner = Caller::User(user("owner"));
    assert!(
        block_on(svc.list_waiting(&owner, &daily()))
            .unwrap()
            .is_empty()
    );
    match block_on(svc.decide(
        &owner,
        &daily(),
        ParticipantId::random(),
        EntryDecision::Deny,
    )) {
        Err(Error::NotFound(m)) => assert_eq!(m, "Room has no lobby system."),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        outcome(&block_on(svc.decide_all(
            &owner,
            &daily(),
            EntryDecision::Admit
        ))),
        "404"
    );
}

#[test]
fn decisions_are_published() {
    let mut world = World::new(AccessLevel::Restricted, Some(Role::Administrator));
    let admitted = stored(&world, LobbyStatus::Accepted, ParticipantId::random());
    let denied = stored(&world, LobbyStatus::Denied, ParticipantId::random());
    let both = vec![denied.clone(), denied];
    world
        .store
        .expect_decide()
        .returning(move |_, _, _, _, _, _| Ok(admitted.clone()));
    world
        .store
        .expect_decide_all()
        .returning(move |_, _, _, _, _| Ok(both.clone()));
    let bus = world.bus.clone();
    let svc = world.service();
    let admin = Caller::User(user("admin"));
    block_on(svc.decide(
        &admin,
        &daily(),
        ParticipantId::random(),
        EntryDecision::Admit,
    ))
    .unwrap();
    assert_eq!(
        block_on(svc.decide_all(&admin, &daily(), EntryDecision::Deny))
            .unwrap()
            .len(),
        2
    );
    let published = bus.published.lock().unwrap();
    assert!(matches!(published[0], LobbyEvent::ParticipantAdmitted(_)));
    assert!(matches!(published[1], LobbyEvent::ParticipantDenied(_)));
    assert_eq!(published.len(), 3);
}

#[test]
fn the_host_view_subscribes_before_reading_the_list() {
    let mut world = World::new(AccessLevel::Restricted, Some(Role::Owner));
    let log = world.bus.log.clone();
    let read_log = log.clone();
    let entry = stored(&world, LobbyStatus::Waiting, ParticipantId::random());
    world.store.expect_list_waiting().returning(move |_| {
        read_log.lock().unwrap().push("list");
        Ok(vec![entry.clone()])
    });
    let svc = world.service();
    let (_, waiting, _) = block_on(svc.watch_lobby(&Caller::User(user("o")), &daily())).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(*log.lock().unwrap(), vec!["subscribe", "list"]);
}

#[test]
fn keep_alive_refreshes_only_waiting_entries() {
    let participant = ParticipantId::random();
    let mut world = World::new(AccessLevel::Restricted, None);
    let waiting = stored(&world, LobbyStatus::Waiting, participant);
    let refreshed = waiting.clone();
    world
        .store
        .expect_get()
        .times(1)
        .returning(move |_, _| Ok(Some(waiting.clone())));
    world
        .store
        .expect_request()
        .times(1)
        .returning(move |_, _| Ok((refreshed.clone(), false)));
    let room = world.room.clone();
    let svc = world.service();
    assert!(
        block_on(svc.keep_alive(&room, participant))
            .unwrap()
            .is_some()
    );

    let mut decided = World::new(AccessLevel::Restricted, None);
    let accepted = stored(&decided, LobbyStatus::Accepted, participant);
    decided
        .store
        .expect_get()
        .returning(move |_, _| Ok(Some(accepted.clone())));
    decided.store.expect_request().never();
    let room = decided.room.clone();
    let svc = decided.service();
    let entry = block_on(svc.keep_alive(&room, participant))
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, LobbyStatus::Accepted);
    let answer = svc
        .admitted_answer(&Caller::anonymous(), &room, &entry)
        .unwrap()
        .unwrap();
    assert!(answer.token.starts_with(&participant.to_string()));
}
