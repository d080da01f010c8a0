//! Webhooks signed the way the LiveKit server signs them, read by `LivekitWebhooks`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::media::{
    EgressStatus, ParticipantState, ReceivedWebhook, WebhookKind, WebhookVerifier,
};
use anteroom_livekit::{LivekitConfig, LivekitWebhooks};
use base64::Engine as _;
use livekit_api::access_token::AccessToken;
use sha2::{Digest, Sha256};

const KEY: &str = "devkey";
const SECRET: &str = "secret-secret-secret-secret-0123";

fn webhooks() -> LivekitWebhooks {
    LivekitWebhooks::new(&LivekitConfig::new("ws://127.0.0.1:7880", KEY, SECRET))
}

/// The bare JWT the server puts in `Authorization`: sha256 of the body, TTL 5 min.
fn sign(body: &str, secret: &str) -> String {
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    AccessToken::with_api_key(KEY, secret)
        .with_ttl(Duration::from_mins(5))
        .with_sha256(&digest)
        .to_jwt()
        .unwrap()
}

fn event(verifier: &LivekitWebhooks, body: &str) -> anteroom_domain::media::WebhookEvent {
    match verifier.verify(body, Some(&sign(body, SECRET))).unwrap() {
        ReceivedWebhook::Event(event) => *event,
        ReceivedWebhook::Unknown(name) => panic!("unknown {name}"),
    }
}

#[test]
fn reads_a_participant_event_in_protojson() {
    let body = r#"{"event":"participant_joined","room":{"sid":"RM_1","name":"room-a"},
        "participant":{"sid":"PA_1","identity":"ada","name":"Ada","state":"ACTIVE",
        "attributes":{"room_role":"owner"},"tracks":[{"sid":"TR_1","source":"MICROPHONE","muted":true}],
        "joinedAt":"1700000000"},"id":"EV_abc","createdAt":"1700000001"}"#;
    let event = event(&webhooks(), body);
    assert_eq!(event.kind, WebhookKind::ParticipantJoined);
    assert_eq!(event.id, "EV_abc");
    assert_eq!(event.created_at, 1_700_000_001);
    assert_eq!(event.room.as_deref(), Some("room-a"));
    let participant = event.participant.unwrap();
    assert_eq!(participant.identity, "ada");
    assert_eq!(participant.state, ParticipantState::Active);
    assert_eq!(participant.attributes["room_role"], "owner");
    assert_eq!(participant.tracks.len(), 1);
    assert!(participant.tracks[0].muted);
    assert!(event.egress.is_none());
}

#[test]
fn reads_an_egress_event_and_its_room_from_the_egress() {
    let body = r#"{"event":"egress_updated","egressInfo":{"egressId":"EG_1","roomName":"room-b",
        "status":"EGRESS_ENDING","error":""},"id":"EV_2","createdAt":"5"}"#;
    let event = event(&webhooks(), body);
    assert_eq!(event.kind, WebhookKind::EgressUpdated);
    assert_eq!(event.room.as_deref(), Some("room-b"));
    let egress = event.egress.unwrap();
    assert_eq!(egress.egress_id, "EG_1");
    assert_eq!(egress.status, EgressStatus::Ending);
    assert_eq!(egress.error, None);
}

#[test]
fn accepts_a_bearer_prefix_defensively() {
    let body = r#"{"event":"room_started","room":{"name":"r"},"id":"EV_3"}"#;
    let header = format!("Bearer {}", sign(body, SECRET));
    assert!(matches!(
        webhooks().verify(body, Some(&header)).unwrap(),
        ReceivedWebhook::Event(e) if e.kind == WebhookKind::RoomStarted
    ));
}

#[test]
fn an_unknown_event_type_is_reported_as_such() {
    let body = r#"{"event":"agent_job_started","id":"EV_4"}"#;
    assert_eq!(
        webhooks().verify(body, Some(&sign(body, SECRET))).unwrap(),
        ReceivedWebhook::Unknown("agent_job_started".to_owned())
    );
}

fn invalid_field(result: Result<ReceivedWebhook, Error>) -> String {
    match result {
        Err(Error::Invalid(violations)) => violations[0].field.clone(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn refuses_missing_forged_and_tampered_webhooks() {
    let verifier = webhooks();
    let body = r#"{"event":"room_finished","room":{"name":"r"},"id":"EV_5"}"#;
    assert!(matches!(
        verifier.verify(body, None),
        Err(Error::Unauthenticated(_))
    ));
    assert!(matches!(
        verifier.verify(body, Some("  ")),
        Err(Error::Unauthenticated(_))
    ));
    let auth = sign(body, SECRET);
    let tampered = body.replace("room_finished", "room_started");
    assert_eq!(
        invalid_field(verifier.verify(&tampered, Some(&auth))),
        "authorization"
    );
    let forged = sign(body, "another-secret-another-secret-012");
    assert_eq!(
        invalid_field(verifier.verify(body, Some(&forged))),
        "authorization"
    );
    assert_eq!(
        invalid_field(verifier.verify(body, Some("garbage"))),
        "authorization"
    );
    let not_json = "this is not json";
    assert_eq!(
        invalid_field(verifier.verify(not_json, Some(&sign(not_json, SECRET)))),
        "body"
    );
    let untyped = r#"{"id":"EV_6"}"#;
    assert_eq!(
        invalid_field(verifier.verify(untyped, Some(&sign(untyped, SECRET)))),
        "body"
    );
}

#[test]
fn tolerates_fields_a_newer_server_adds() {
    let body = r#"{"event":"room_finished","room":{"name":"r","someNewField":{"x":1}},
        "id":"EV_7","createdAt":"9","brandNewTopLevel":"yes"}"#;
    let event = event(&webhooks(), body);
    assert_eq!(event.kind, WebhookKind::RoomFinished);
    assert_eq!(event.room.as_deref(), Some("r"));
}
