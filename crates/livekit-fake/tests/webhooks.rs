//! Webhooks: delivered to a local receiver, accepted by `livekit_api::webhooks::WebhookReceiver`,
//! rejected when tampered with, and emitted for the right events in the right order.

#![allow(clippy::too_many_lines)] // scenario tests read top to bottom

mod common;

use anteroom_livekit_fake::{ParticipantSpec, TrackSpec, proto};
use common::{KEY, SECRET, Sink};
use livekit_api::access_token::TokenVerifier;
use livekit_api::services::egress::{EgressClient, EgressOutput, RoomCompositeOptions};
use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use livekit_api::webhooks::{WebhookError, WebhookReceiver};

fn receiver() -> WebhookReceiver {
    WebhookReceiver::new(TokenVerifier::with_api_key(KEY, SECRET))
}

#[tokio::test]
async fn webhooks_verify_with_the_rust_sdk_and_tampering_is_detected() {
    let sink = Sink::start().await;
    let fake = common::start(Some(&sink.url)).await;
    fake.add_participant("room", ParticipantSpec::new("alice").with_name("Alice"))
        .expect("join");
    let received = sink.wait_for(2).await;
    assert_eq!(received.len(), 2, "room_started + participant_joined");
    for request in &received {
        assert_eq!(request.content_type, "application/webhook+json");
        assert_eq!(request.user_agent, "LiveKit");
        assert!(!request.authorization.starts_with("Bearer"), "bare JWT");
        let event = receiver()
            .receive(&request.body, &request.authorization)
            .expect("verifies");
        assert!(event.id.starts_with("EV_"));
        assert!(event.created_at > 1_600_000_000);
    }
    let started = receiver()
        .receive(&received[0].body, &received[0].authorization)
        .expect("ok");
    assert_eq!(started.event, "room_started");
    assert_eq!(started.room.as_ref().map(|r| r.name.as_str()), Some("room"));
    let joined = receiver()
        .receive(&received[1].body, &received[1].authorization)
        .expect("ok");
    assert_eq!(joined.event, "participant_joined");
    assert_eq!(
        joined.participant.as_ref().map(|p| p.name.as_str()),
        Some("Alice")
    );

    // protojson on the wire: camelCase, int64 as a string.
    let body: serde_json::Value = serde_json::from_str(&received[0].body).expect("json");
    assert!(body["createdAt"].is_string(), "{body}");
    assert!(body["room"]["creationTime"].is_string(), "{body}");

    let tampered = received[1].body.replace("Alice", "Mallory");
    let err = receiver()
        .receive(&tampered, &received[1].authorization)
        .expect_err("tampered");
    assert!(matches!(err, WebhookError::InvalidSignature), "{err:?}");
    let wrong_key = WebhookReceiver::new(TokenVerifier::with_api_key(
        KEY,
        "not-the-secret-not-the-secret-00",
    ));
    assert!(
        wrong_key
            .receive(&received[1].body, &received[1].authorization)
            .is_err()
    );
}

#[tokio::test]
async fn room_participant_and_track_events_follow_the_server() {
    let sink = Sink::start().await;
    let fake = common::start(Some(&sink.url)).await;
    let rooms = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    rooms
        .create_room("room", CreateRoomOptions::default())
        .await
        .expect("create");
    rooms
        .create_room("room", CreateRoomOptions::default())
        .await
        .expect("idempotent");
    fake.add_participant("room", ParticipantSpec::new("alice"))
        .expect("alice");
    fake.add_participant("room", ParticipantSpec::new("bob"))
        .expect("bob");
    let track = fake
        .publish_track("room", "alice", TrackSpec::camera())
        .expect("camera");
    fake.unpublish_track("room", "alice", &track.sid)
        .expect("unpublish");
    fake.remove_participant("room", "bob").expect("bob leaves");
    rooms
        .remove_participant("room", "alice")
        .await
        .expect("kick alice");
    fake.add_participant("room", ParticipantSpec::new("carol"))
        .expect("carol");
    rooms.delete_room("room").await.expect("delete");
    fake.webhooks_settled().await;

    let events: Vec<proto::WebhookEvent> = sink
        .received()
        .iter()
        .map(|r| {
            receiver()
                .receive(&r.body, &r.authorization)
                .expect("verifies")
        })
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "room_started",
            "participant_joined",
            "participant_joined",
            "track_published",
            "track_unpublished",
            "participant_left",
            "participant_left",
            "participant_joined",
            "participant_left",
            "room_finished",
        ]
    );
    assert_eq!(fake.webhook_events().len(), names.len());
    let published = &events[3];
    assert_eq!(
        published.track.as_ref().map(|t| t.sid.as_str()),
        Some(track.sid.as_str())
    );
    assert_eq!(
        published.participant.as_ref().map(|p| p.identity.as_str()),
        Some("alice")
    );
    let kicked = events[6].participant.as_ref().expect("participant");
    assert_eq!(kicked.identity, "alice");
    assert_eq!(
        kicked.state,
        proto::participant_info::State::Disconnected as i32
    );
    assert_eq!(
        kicked.disconnect_reason,
        proto::DisconnectReason::ParticipantRemoved as i32
    );
    let deleted = events[8].participant.as_ref().expect("participant");
    assert_eq!(
        deleted.disconnect_reason,
        proto::DisconnectReason::RoomDeleted as i32
    );
}

#[tokio::test]
async fn egress_events_carry_the_egress_info_and_a_minimal_room() {
    let sink = Sink::start().await;
    let fake = common::start(Some(&sink.url)).await;
    let room = fake.create_room("room");
    let egress = EgressClient::with_api_key(&fake.url(), KEY, SECRET);
    let output = EgressOutput::File(proto::EncodedFileOutput {
        file_type: proto::EncodedFileType::Mp4 as i32,
        filepath: "x.mp4".to_owned(),
        ..Default::default()
    });
    let info = egress
        .start_room_composite_egress("room", vec![output], RoomCompositeOptions::default())
        .await
        .expect("start");
    fake.set_egress_status(&info.egress_id, proto::EgressStatus::EgressActive)
        .expect("active");
    egress.stop_egress(&info.egress_id).await.expect("stop");
    fake.set_egress_status(&info.egress_id, proto::EgressStatus::EgressComplete)
        .expect("complete");
    fake.webhooks_settled().await;
    let events: Vec<proto::WebhookEvent> = sink
        .received()
        .iter()
        .map(|r| {
            receiver()
                .receive(&r.body, &r.authorization)
                .expect("verifies")
        })
        .filter(|e| e.event.starts_with("egress_"))
        .collect();
    let summary: Vec<(&str, i32)> = events
        .iter()
        .map(|e| {
            (
                e.event.as_str(),
                e.egress_info.as_ref().map_or(-1, |i| i.status),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("egress_started", proto::EgressStatus::EgressStarting as i32),
            ("egress_updated", proto::EgressStatus::EgressActive as i32),
            ("egress_updated", proto::EgressStatus::EgressEnding as i32),
            ("egress_ended", proto::EgressStatus::EgressComplete as i32),
        ]
    );
    let ended = &events[3];
    assert_eq!(
        ended
            .room
            .as_ref()
            .map(|r| (r.sid.as_str(), r.name.as_str())),
        Some((room.sid.as_str(), "room"))
    );
    assert_eq!(
        ended.egress_info.as_ref().map(|i| i.file_results.len()),
        Some(1)
    );
}
