//! The intake's routing, filtering and idempotency against mocked ports.

use std::sync::Arc;

use super::*;
use crate::fixtures::block_on;
use crate::id::RoomId;
use crate::lobby::MockLobbyStore;
use crate::media::MockWebhookVerifier;

fn event(kind: WebhookKind, id: &str, room: &str) -> WebhookEvent {
    WebhookEvent {
        id: id.to_owned(),
        kind,
        room: Some(room.to_owned()),
        participant: None,
        egress: None,
        created_at: 0,
    }
}

fn verifier_returning(received: ReceivedWebhook) -> Arc<MockWebhookVerifier> {
    let mut verifier = MockWebhookVerifier::new();
    verifier
        .expect_verify()
        .returning(move |_, _| Ok(received.clone()));
    Arc::new(verifier)
}

/// A ledger that remembers in a mutex-protected set.
#[derive(Default)]
struct SetLedger(std::sync::Mutex<std::collections::HashSet<String>>);

#[async_trait]
impl EventLedger for SetLedger {
    async fn seen(&self, key: &str) -> Result<bool, Error> {
        Ok(self.0.lock().unwrap().contains(key))
    }
    async fn remember(&self, key: &str, _ttl: Duration) -> Result<(), Error> {
        self.0.lock().unwrap().insert(key.to_owned());
        Ok(())
    }
}

#[test]
fn an_event_goes_to_its_one_handler_once() {
    let room = RoomId::new();
    let mut lobby = MockLobbyStore::new();
    lobby
        .expect_clear_room()
        .withf(move |r| *r == room)
        .times(1)
        .returning(|_| Ok(()));
    let service = WebhookService::new(
        verifier_returning(ReceivedWebhook::Event(Box::new(event(
            WebhookKind::RoomFinished,
            "EV_1",
            &room.to_string(),
        )))),
        Arc::new(SetLedger::default()),
        None,
    )
    .with_handler(
        WebhookKind::RoomFinished,
        Arc::new(RoomFinished::new(Arc::new(lobby))),
    );
    assert_eq!(
        block_on(service.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::Handled
    );
    assert_eq!(
        block_on(service.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::Duplicate
    );
}

#[test]
fn events_without_handler_are_acknowledged_and_unknown_ones_reported() {
    let service = WebhookService::new(
        verifier_returning(ReceivedWebhook::Event(Box::new(event(
            WebhookKind::TrackPublished,
            "EV_2",
            "r",
        )))),
        Arc::new(SetLedger::default()),
        None,
    );
    assert_eq!(
        block_on(service.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::Ignored
    );
    let unknown = WebhookService::new(
        verifier_returning(ReceivedWebhook::Unknown("room_exploded".to_owned())),
        Arc::new(SetLedger::default()),
        None,
    );
    assert_eq!(
        block_on(unknown.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::UnknownEvent("room_exploded".to_owned())
    );
}

struct Prefix(&'static str);

impl RoomFilter for Prefix {
    fn accepts(&self, room: &str) -> bool {
        room.starts_with(self.0)
    }
}

#[test]
fn rooms_outside_the_filter_are_ignored() {
    let mut handler = MockWebhookHandler::new();
    handler.expect_handle().never();
    let service = WebhookService::new(
        verifier_returning(ReceivedWebhook::Event(Box::new(event(
            WebhookKind::RoomFinished,
            "EV_3",
            "other-x",
        )))),
        Arc::new(SetLedger::default()),
        Some(Arc::new(Prefix("mine-"))),
    )
    .with_handler(WebhookKind::RoomFinished, Arc::new(handler));
    assert_eq!(
        block_on(service.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::Ignored
    );
}

#[test]
fn a_failed_handler_is_retried_on_redelivery() {
    let mut handler = MockWebhookHandler::new();
    let mut calls = 0;
    handler.expect_handle().times(2).returning(move |_| {
        calls += 1;
        if calls == 1 {
            Err(Error::unavailable("lobby", std::io::Error::other("down")))
        } else {
            Ok(())
        }
    });
    let service = WebhookService::new(
        verifier_returning(ReceivedWebhook::Event(Box::new(event(
            WebhookKind::RoomFinished,
            "EV_4",
            "r",
        )))),
        Arc::new(SetLedger::default()),
        None,
    )
    .with_handler(WebhookKind::RoomFinished, Arc::new(handler));
    assert!(block_on(service.receive("{}", Some("jwt"))).is_err());
    assert_eq!(
        block_on(service.receive("{}", Some("jwt"))).unwrap(),
        WebhookOutcome::Handled
    );
}

#[test]
fn verification_failures_reach_the_caller() {
    let mut verifier = MockWebhookVerifier::new();
    verifier
        .expect_verify()
        .returning(|_, _| Err(Error::Unauthenticated("no authorization".to_owned())));
    let service = WebhookService::new(Arc::new(verifier), Arc::new(SetLedger::default()), None);
    assert!(matches!(
        block_on(service.receive("{}", None)),
        Err(Error::Unauthenticated(_))
    ));
}

#[test]
fn unregistered_rooms_finishing_are_tolerated() {
    let mut lobby = MockLobbyStore::new();
    lobby.expect_clear_room().never();
    let handler = RoomFinished::new(Arc::new(lobby));
    block_on(handler.handle(&event(WebhookKind::RoomFinished, "EV_5", "some-slug"))).unwrap();
    block_on(RoomStarted.handle(&event(WebhookKind::RoomStarted, "EV_6", "x"))).unwrap();
}
