//! Every `LivekitServer` method over real HTTP against the in-process fake LiveKit server
//! (`anteroom-livekit-fake`), plus the failure modes: LiveKit down, a hanging server, wrong
//! credentials, refused grants.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::media::{
    DataMessage, DispatchRule, EgressRequest, EgressStatus, MediaServer, ParticipantPermission,
    ParticipantState, ParticipantUpdate, RecordingEgress, SipGateway, SipTrunk,
};
use anteroom_domain::recording::RecordingMode;
use anteroom_domain::room::MediaSource;
use anteroom_livekit::{LivekitConfig, LivekitServer, S3Output, VIDEO_LAYOUT};
use anteroom_livekit_fake::{
    FakeConfig, FakeLiveKit, InjectedFailure, ParticipantSpec, TrackSpec, TwirpError, proto,
};
use serde_json::{Map, Value, json};

const KEY: &str = "devkey";
const SECRET: &str = "secret-secret-secret-secret-0123";

async fn fake() -> FakeLiveKit {
    FakeLiveKit::start(FakeConfig {
        egress_transition_delay: None,
        ..FakeConfig::with_key(KEY, SECRET)
    })
    .await
    .expect("the fake starts")
}

fn config_for(fake: &FakeLiveKit) -> LivekitConfig {
    LivekitConfig::new(fake.ws_url(), KEY, SECRET)
}

fn server(fake: &FakeLiveKit) -> LivekitServer {
    LivekitServer::new(&config_for(fake)).unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn room_metadata(fake: &FakeLiveKit, room: &str) -> Value {
    serde_json::from_str(&fake.room(room).unwrap().metadata).unwrap()
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
}

fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert!(
        matches!(
            result,
            Err(Error::Unavailable {
                dependency: "livekit",
                ..
            })
        ),
        "{result:?}"
    );
}

// ---------------------------------------------------------------- rooms

#[tokio::test]
async fn merging_room_metadata_keeps_other_keys_and_removes_keys() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.create_room("r1");
    lk.merge_room_metadata(
        "r1",
        object(json!({"configuration": {"a": 1}, "recording_mode": "transcript", "keep": true})),
        Vec::new(),
    )
    .await
    .unwrap();
    lk.merge_room_metadata(
        "r1",
        object(json!({"recording_status": "started", "configuration": {"b": 2}})),
        vec!["recording_mode".to_owned(), "absent".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(
        room_metadata(&fake, "r1"),
        json!({"configuration": {"b": 2}, "keep": true, "recording_status": "started"})
    );
    // Removing a key that is also set: the new value wins.
    lk.merge_room_metadata(
        "r1",
        object(json!({"keep": false})),
        vec!["keep".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(room_metadata(&fake, "r1")["keep"], json!(false));
}

#[tokio::test]
async fn metadata_that_is_not_a_json_object_is_replaced() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.create_room("r1");
    let client = livekit_api::services::room::RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    client.update_room_metadata("r1", "not json").await.unwrap();
    lk.merge_room_metadata("r1", object(json!({"x": 1})), vec!["y".to_owned()])
        .await
        .unwrap();
    assert_eq!(room_metadata(&fake, "r1"), json!({"x": 1}));
}

#[tokio::test]
async fn room_operations_on_a_room_that_is_not_live_are_not_found() {
    let fake = fake().await;
    let lk = server(&fake);
    assert_not_found(
        lk.merge_room_metadata("nowhere", object(json!({"a": 1})), Vec::new())
            .await,
    );
    assert_not_found(lk.delete_room("nowhere").await);
    assert_not_found(
        lk.send_data(
            "nowhere",
            DataMessage {
                payload: b"{}".to_vec(),
                topic: None,
                destinations: Vec::new(),
            },
        )
        .await,
    );
    assert!(lk.list_participants("nowhere").await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_a_room_closes_it() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    lk.delete_room("r1").await.unwrap();
    assert!(fake.room("r1").is_none());
    assert_not_found(lk.delete_room("r1").await);
}

// ---------------------------------------------------------------- participants

#[tokio::test]
async fn participants_are_listed_read_and_removed() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant(
        "r1",
        ParticipantSpec::new("ada")
            .with_name("Ada")
            .with_attribute("room_role", "owner"),
    )
    .unwrap();
    fake.add_participant("r1", ParticipantSpec::new("bob"))
        .unwrap();
    let mic = fake
        .publish_track("r1", "ada", TrackSpec::microphone())
        .unwrap();

    let listed = lk.list_participants("r1").await.unwrap();
    let identities: Vec<_> = listed.iter().map(|p| p.identity.as_str()).collect();
    assert_eq!(identities, ["ada", "bob"]);

    let ada = lk.get_participant("r1", "ada").await.unwrap();
    assert_eq!(ada.name, "Ada");
    assert_eq!(ada.state, ParticipantState::Active);
    assert!(ada.is_present());
    assert_eq!(ada.attributes["room_role"], "owner");
    assert_eq!(ada.tracks.len(), 1);
    assert_eq!(ada.tracks[0].sid, mic.sid);
    assert_eq!(ada.tracks[0].source, Some(MediaSource::Microphone));

    assert_not_found(lk.get_participant("r1", "nobody").await);
    assert_not_found(lk.get_participant("nowhere", "ada").await);

    lk.remove_participant("r1", "bob").await.unwrap();
    assert!(fake.participant("r1", "bob").is_none());
    assert_not_found(lk.remove_participant("r1", "bob").await);
}

#[tokio::test]
async fn updating_a_participant_merges_attributes_and_keeps_unset_permissions() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant(
        "r1",
        ParticipantSpec::new("ada")
            .with_name("Ada")
            .with_metadata("{\"old\":true}")
            .with_attribute("color", "red")
            .with_attribute("handRaisedAt", "2026-01-01T00:00:00Z")
            .with_permission(proto::ParticipantPermission {
                can_subscribe: true,
                can_publish: true,
                can_publish_data: true,
                ..proto::ParticipantPermission::default()
            }),
    )
    .unwrap();

    let attributes = BTreeMap::from([
        ("room_role".to_owned(), "administrator".to_owned()),
        ("handRaisedAt".to_owned(), String::new()),
    ]);
    let updated = lk
        .update_participant(
            "r1",
            "ada",
            ParticipantUpdate {
                metadata: Some("{\"new\":1}".to_owned()),
                attributes: Some(attributes),
                permission: None,
                name: Some("Ada L.".to_owned()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Ada L.");
    assert_eq!(updated.metadata, "{\"new\":1}");
    assert_eq!(
        updated.attributes,
        BTreeMap::from([
            ("color".to_owned(), "red".to_owned()),
            ("room_role".to_owned(), "administrator".to_owned()),
        ])
    );

    let updated = lk
        .update_participant(
            "r1",
            "ada",
            ParticipantUpdate {
                permission: Some(ParticipantPermission {
                    can_publish_sources: Some(vec![MediaSource::Microphone, MediaSource::Camera]),
                    can_publish_data: Some(false),
                    ..ParticipantPermission::default()
                }),
                ..ParticipantUpdate::default()
            },
        )
        .await
        .unwrap();
    // Name and metadata are untouched by an update that does not set them.
    assert_eq!(updated.name, "Ada L.");
    assert_eq!(updated.metadata, "{\"new\":1}");
    let permission = fake.participant("r1", "ada").unwrap().permission.unwrap();
    assert!(permission.can_subscribe && permission.can_publish);
    assert!(!permission.can_publish_data);
    assert!(!permission.hidden);
    assert_eq!(
        permission.can_publish_sources,
        vec![
            i32::from(proto::TrackSource::Microphone),
            i32::from(proto::TrackSource::Camera)
        ]
    );

    assert_not_found(
        lk.update_participant(
            "r1",
            "nobody",
            ParticipantUpdate {
                name: Some("x".to_owned()),
                ..ParticipantUpdate::default()
            },
        )
        .await,
    );
    assert_not_found(
        lk.update_participant(
            "r1",
            "nobody",
            ParticipantUpdate {
                permission: Some(ParticipantPermission::default()),
                ..ParticipantUpdate::default()
            },
        )
        .await,
    );
}

// ---------------------------------------------------------------- mute

#[tokio::test]
async fn muting_returns_the_track_and_signs_like_the_crate() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    let camera = fake
        .publish_track("r1", "ada", TrackSpec::camera())
        .unwrap();
    let track = lk.mute_track("r1", "ada", &camera.sid).await.unwrap();
    assert_eq!(track.sid, camera.sid);
    assert_eq!(track.source, Some(MediaSource::Camera));
    assert!(track.muted);
    let stored = fake.participant("r1", "ada").unwrap();
    assert!(stored.tracks[0].muted);

    let request = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "MutePublishedTrack")
        .unwrap();
    assert_eq!(request.service, "RoomService");
    assert!(request.content_type.starts_with("application/protobuf"));
    let video = request.claims.unwrap().video.unwrap();
    assert!(video.room_admin);
    assert_eq!(video.room, "r1");
}

#[tokio::test]
async fn muting_an_unknown_track_or_participant_is_not_found() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    assert_not_found(lk.mute_track("r1", "ada", "TR_nope").await);
    assert_not_found(lk.mute_track("r1", "nobody", "TR_nope").await);
    assert_not_found(lk.mute_track("nowhere", "ada", "TR_nope").await);
}

#[tokio::test]
async fn a_mute_answer_without_the_track_is_not_found_and_does_not_panic() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    let mic = fake
        .publish_track("r1", "ada", TrackSpec::microphone())
        .unwrap();
    // A 200 with an empty body decodes as a MuteRoomTrackResponse without `track`: the
    // crate's `mute_published_track` would panic on it.
    fake.set_failure(
        "RoomService/MutePublishedTrack",
        Some(InjectedFailure::Http {
            status: 200,
            body: String::new(),
        }),
    );
    assert_not_found(lk.mute_track("r1", "ada", &mic.sid).await);
}

// ---------------------------------------------------------------- data

#[tokio::test]
async fn data_messages_are_sent_reliably_with_topic_and_destinations() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    lk.send_data(
        "r1",
        DataMessage {
            payload: br#"{"type":"participantWaiting"}"#.to_vec(),
            topic: Some("lobby".to_owned()),
            destinations: vec!["ada".to_owned()],
        },
    )
    .await
    .unwrap();
    lk.send_data(
        "r1",
        DataMessage {
            payload: b"{}".to_vec(),
            topic: None,
            destinations: Vec::new(),
        },
    )
    .await
    .unwrap();
    let sent = fake.data_messages("r1");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].data, br#"{"type":"participantWaiting"}"#);
    assert_eq!(sent[0].kind, "RELIABLE");
    assert_eq!(sent[0].topic.as_deref(), Some("lobby"));
    assert_eq!(sent[0].destination_identities, ["ada"]);
    assert_eq!(sent[0].nonce.len(), 16);
    assert_eq!(sent[1].topic, None);
    assert!(sent[1].destination_identities.is_empty());
}

// ---------------------------------------------------------------- egress

fn room_composite(info: &proto::EgressInfo) -> proto::RoomCompositeEgressRequest {
    match &info.request {
        Some(proto::egress_info::Request::RoomComposite(request)) => request.clone(),
        other => panic!("not a room composite: {other:?}"),
    }
}

#[tokio::test]
async fn video_and_audio_egress_start_list_and_stop() {
    let fake = fake().await;
    let storage = S3Output {
        access_key: "minio".to_owned(),
        secret: "minio-secret".to_owned(),
        region: "us-east-1".to_owned(),
        endpoint: "http://127.0.0.1:9000".to_owned(),
        bucket: "recordings".to_owned(),
        force_path_style: true,
    };
    let lk = LivekitServer::new(&config_for(&fake).with_egress_storage(storage)).unwrap();
    fake.create_room("r1");

    let video = lk
        .start(EgressRequest {
            room: "r1".to_owned(),
            mode: RecordingMode::ScreenRecording,
            file_key: "recordings/v.mp4".to_owned(),
        })
        .await
        .unwrap();
    assert!(video.egress_id.starts_with("EG_"));
    assert_eq!(video.room, "r1");
    assert_eq!(video.status, EgressStatus::Starting);
    assert_eq!(video.error, None);
    let request = room_composite(&fake.egress(&video.egress_id).unwrap());
    assert_eq!(request.layout, VIDEO_LAYOUT);
    assert_eq!(request.layout, "speaker-light");
    assert!(!request.audio_only);
    assert_eq!(request.file_outputs.len(), 1);
    let file = &request.file_outputs[0];
    assert_eq!(file.file_type, i32::from(proto::EncodedFileType::Mp4));
    assert_eq!(file.filepath, "recordings/v.mp4");
    match &file.output {
        Some(proto::encoded_file_output::Output::S3(s3)) => {
            assert_eq!(s3.bucket, "recordings");
            assert_eq!(s3.endpoint, "http://127.0.0.1:9000");
            assert!(s3.force_path_style);
        }
        other => panic!("not an S3 output: {other:?}"),
    }

    let audio = lk
        .start(EgressRequest {
            room: "r1".to_owned(),
            mode: RecordingMode::Transcript,
            file_key: "recordings/a.ogg".to_owned(),
        })
        .await
        .unwrap();
    let request = room_composite(&fake.egress(&audio.egress_id).unwrap());
    assert!(request.audio_only);
    assert_eq!(
        request.file_outputs[0].file_type,
        i32::from(proto::EncodedFileType::Ogg)
    );

    let mut listed: Vec<_> = lk
        .list(Some("r1".to_owned()), false)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.egress_id)
        .collect();
    listed.sort();
    let mut expected = vec![video.egress_id.clone(), audio.egress_id.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(
        lk.list(Some("other".to_owned()), false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(lk.list(None, true).await.unwrap().len(), 2);

    let stopped = lk.stop(&video.egress_id).await.unwrap();
    assert_eq!(stopped.egress_id, video.egress_id);
    assert_eq!(stopped.status, EgressStatus::Ending);
    let again = lk.stop(&video.egress_id).await;
    assert!(
        matches!(again, Err(Error::FailedPrecondition(_))),
        "{again:?}"
    );
    fake.set_egress_status(&audio.egress_id, proto::EgressStatus::EgressComplete)
        .unwrap();
    assert!(matches!(
        lk.stop(&audio.egress_id).await,
        Err(Error::FailedPrecondition(_))
    ));
    let active = lk.list(Some("r1".to_owned()), true).await.unwrap();
    assert!(
        active.iter().all(|e| e.egress_id != audio.egress_id),
        "{active:?}"
    );
    let all = lk.list(None, false).await.unwrap();
    let audio_now = all.iter().find(|e| e.egress_id == audio.egress_id).unwrap();
    assert_eq!(audio_now.status, EgressStatus::Complete);
}

#[tokio::test]
async fn egress_without_storage_writes_the_key_as_a_file_path() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.create_room("r1");
    let info = lk
        .start(EgressRequest {
            room: "r1".to_owned(),
            mode: RecordingMode::ScreenRecording,
            file_key: "out/v.mp4".to_owned(),
        })
        .await
        .unwrap();
    let request = room_composite(&fake.egress(&info.egress_id).unwrap());
    assert_eq!(request.file_outputs[0].filepath, "out/v.mp4");
    assert!(request.file_outputs[0].output.is_none());
}

#[tokio::test]
async fn egress_not_found_cases() {
    let fake = fake().await;
    let lk = server(&fake);
    assert_not_found(
        lk.start(EgressRequest {
            room: "nowhere".to_owned(),
            mode: RecordingMode::Transcript,
            file_key: "k".to_owned(),
        })
        .await,
    );
    assert_not_found(lk.stop("EG_unknown").await);
}

#[tokio::test]
async fn an_egress_service_that_is_not_connected_is_unavailable() {
    let fake = FakeLiveKit::start(FakeConfig {
        egress_enabled: false,
        ..FakeConfig::with_key(KEY, SECRET)
    })
    .await
    .unwrap();
    let lk = server(&fake);
    fake.create_room("r1");
    assert_unavailable(
        lk.start(EgressRequest {
            room: "r1".to_owned(),
            mode: RecordingMode::ScreenRecording,
            file_key: "k".to_owned(),
        })
        .await,
    );
}

// ---------------------------------------------------------------- SIP

#[tokio::test]
async fn sip_dispatch_rules_round_trip() {
    let fake = fake().await;
    let lk = server(&fake);
    let created = lk
        .create_dispatch_rule(DispatchRule {
            id: String::new(),
            name: "SIP_r1".to_owned(),
            room: "r1".to_owned(),
            pin: "0123456789".to_owned(),
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("SDR_"), "{created:?}");
    assert_eq!(
        (
            created.name.as_str(),
            created.room.as_str(),
            created.pin.as_str()
        ),
        ("SIP_r1", "r1", "0123456789")
    );
    let stored = fake.sip_dispatch_rules();
    assert_eq!(stored.len(), 1);
    assert!(matches!(
        stored[0].rule.as_ref().and_then(|r| r.rule.as_ref()),
        Some(proto::sip_dispatch_rule::Rule::DispatchRuleDirect(d))
            if d.room_name == "r1" && d.pin == "0123456789"
    ));
    assert_eq!(
        lk.list_dispatch_rules().await.unwrap(),
        vec![created.clone()]
    );
    lk.delete_dispatch_rule(&created.id).await.unwrap();
    assert!(lk.list_dispatch_rules().await.unwrap().is_empty());
    assert_not_found(lk.delete_dispatch_rule(&created.id).await);
}

#[tokio::test]
async fn a_conflicting_dispatch_rule_is_already_exists_on_pin() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.set_failure(
        "SIP/CreateSIPDispatchRule",
        Some(InjectedFailure::Twirp(TwirpError::new(
            "already_exists",
            "conflicting SIP Dispatch Rules",
        ))),
    );
    let result = lk
        .create_dispatch_rule(DispatchRule {
            id: String::new(),
            name: "SIP_r1".to_owned(),
            room: "r1".to_owned(),
            pin: "1".to_owned(),
        })
        .await;
    assert!(
        matches!(result, Err(Error::AlreadyExists { field: "pin", .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn sip_trunks_and_participants_round_trip() {
    let fake = fake().await;
    let lk = server(&fake);
    let inbound = lk
        .create_trunk(SipTrunk {
            id: String::new(),
            name: "in".to_owned(),
            numbers: vec!["+33123456789".to_owned()],
            inbound: true,
            address: None,
        })
        .await
        .unwrap();
    assert!(inbound.id.starts_with("ST_") && inbound.inbound);
    assert_eq!(inbound.numbers, ["+33123456789"]);
    // LiveKit requires the SIP address of an outbound trunk: refused locally without one.
    let refused = lk
        .create_trunk(SipTrunk {
            id: String::new(),
            name: "out".to_owned(),
            numbers: vec!["+33999999999".to_owned()],
            inbound: false,
            address: None,
        })
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid(v)) if v[0].field == "address"),
        "{refused:?}"
    );
    let outbound = lk
        .create_trunk(SipTrunk {
            id: String::new(),
            name: "out".to_owned(),
            numbers: vec!["+33999999999".to_owned()],
            inbound: false,
            address: Some("sip.example.org".to_owned()),
        })
        .await
        .unwrap();
    assert!(outbound.id.starts_with("ST_") && !outbound.inbound);
    assert_eq!(outbound.address.as_deref(), Some("sip.example.org"));
    assert_eq!(fake.sip_inbound_trunks().len(), 1);
    assert_eq!(fake.sip_outbound_trunks().len(), 1);
    let mut trunks = lk.list_trunks().await.unwrap();
    trunks.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(trunks, vec![inbound.clone(), outbound.clone()]);

    fake.create_room("r1");
    let call = lk
        .create_sip_participant(&outbound.id, "+33600000000", "r1", "phone-1")
        .await
        .unwrap();
    assert!(call.participant_id.starts_with("PA_"), "{call:?}");
    assert!(call.call_id.starts_with("SCL_"), "{call:?}");
    assert_eq!(call.identity, "phone-1");
    assert_eq!(call.room, "r1");
    assert_not_found(
        lk.create_sip_participant("ST_unknown", "+33600000000", "r1", "phone-2")
            .await,
    );

    lk.delete_trunk(&inbound.id).await.unwrap();
    assert_eq!(lk.list_trunks().await.unwrap(), vec![outbound.clone()]);
    // LiveKit deletes trunks with HDEL: an unknown id is not an error (see the port docs).
    lk.delete_trunk(&inbound.id).await.unwrap();
}

#[tokio::test]
async fn a_failed_sip_call_is_unavailable() {
    let fake = fake().await;
    let lk = server(&fake);
    let outbound = lk
        .create_trunk(SipTrunk {
            id: String::new(),
            name: "out".to_owned(),
            numbers: vec!["+33999999999".to_owned()],
            inbound: false,
            address: Some("sip.example.org".to_owned()),
        })
        .await
        .unwrap();
    fake.set_failure(
        "SIP/CreateSIPParticipant",
        Some(InjectedFailure::sip_status(486, "Busy Here")),
    );
    assert_unavailable(
        lk.create_sip_participant(&outbound.id, "+33600000000", "r1", "phone-1")
            .await,
    );
}

// ---------------------------------------------------------------- failures

/// Every port method against `lk`, each expected to fail with `Unavailable`.
async fn assert_every_call_unavailable(lk: &LivekitServer) {
    assert_unavailable(lk.merge_room_metadata("r1", Map::new(), Vec::new()).await);
    assert_unavailable(lk.delete_room("r1").await);
    assert_unavailable(lk.list_participants("r1").await);
    assert_unavailable(lk.get_participant("r1", "ada").await);
    assert_unavailable(lk.remove_participant("r1", "ada").await);
    assert_unavailable(lk.mute_track("r1", "ada", "TR_1").await);
    assert_unavailable(
        lk.update_participant(
            "r1",
            "ada",
            ParticipantUpdate {
                name: Some("x".to_owned()),
                ..ParticipantUpdate::default()
            },
        )
        .await,
    );
    assert_unavailable(
        lk.send_data(
            "r1",
            DataMessage {
                payload: Vec::new(),
                topic: None,
                destinations: Vec::new(),
            },
        )
        .await,
    );
    assert_unavailable(
        lk.start(EgressRequest {
            room: "r1".to_owned(),
            mode: RecordingMode::Transcript,
            file_key: "k".to_owned(),
        })
        .await,
    );
    assert_unavailable(lk.stop("EG_1").await);
    assert_unavailable(lk.list(None, false).await);
    assert_unavailable(lk.list_dispatch_rules().await);
    assert_unavailable(lk.list_trunks().await);
    assert_unavailable(lk.delete_trunk("ST_1").await);
    assert_unavailable(lk.delete_dispatch_rule("SDR_1").await);
    assert_unavailable(lk.create_sip_participant("ST_1", "+1", "r1", "p").await);
}

#[tokio::test]
async fn livekit_down_is_unavailable_fast() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let lk = LivekitServer::new(&LivekitConfig::new(
        format!("ws://127.0.0.1:{port}"),
        KEY,
        SECRET,
    ))
    .unwrap();
    let started = Instant::now();
    assert_unavailable(lk.list_participants("r1").await);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_every_call_unavailable(&lk).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "16 calls took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_unavailable_after_the_request_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let config = LivekitConfig::new(format!("ws://{addr}"), KEY, SECRET)
        .with_request_timeout(Duration::from_millis(300));
    let lk = LivekitServer::new(&config).unwrap();
    let started = Instant::now();
    assert_unavailable(lk.list_participants("r1").await);
    assert_unavailable(lk.mute_track("r1", "ada", "TR_1").await);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    hold.abort();
}

#[tokio::test]
async fn wrong_credentials_are_unavailable() {
    let fake = fake().await;
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    // Unknown key: the server's auth middleware answers a plain-text 401.
    let unknown_key =
        LivekitServer::new(&LivekitConfig::new(fake.ws_url(), "nokey", SECRET)).unwrap();
    assert_every_call_unavailable(&unknown_key).await;
    // Known key, wrong secret: a bad signature, also a plain-text 401.
    let wrong_secret = LivekitServer::new(&LivekitConfig::new(
        fake.ws_url(),
        KEY,
        "wrong-secret-wrong-secret-wrong-0",
    ))
    .unwrap();
    assert_every_call_unavailable(&wrong_secret).await;
    // Empty credentials: the request token cannot even be signed.
    let empty = LivekitServer::new(&LivekitConfig::new(fake.ws_url(), "", "")).unwrap();
    assert_unavailable(empty.list_participants("r1").await);
    assert_unavailable(empty.mute_track("r1", "ada", "TR_1").await);
    // Nothing reached the services.
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn refused_grants_are_unavailable() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    // What the server answers a token lacking the method's grant.
    for method in [
        "RoomService/ListParticipants",
        "RoomService/MutePublishedTrack",
        "Egress/ListEgress",
        "SIP/ListSIPInboundTrunk",
    ] {
        fake.set_failure(
            method,
            Some(InjectedFailure::Twirp(TwirpError::unauthenticated(
                "permissions denied",
            ))),
        );
    }
    assert_unavailable(lk.list_participants("r1").await);
    assert_unavailable(lk.mute_track("r1", "ada", "TR_1").await);
    assert_unavailable(lk.list(None, false).await);
    assert_unavailable(lk.list_trunks().await);
    // Other Twirp codes (here a proxy's plain-text 502) are unavailable too.
    fake.set_failure(
        "RoomService/GetParticipant",
        Some(InjectedFailure::Http {
            status: 502,
            body: "Bad Gateway".to_owned(),
        }),
    );
    assert_unavailable(lk.get_participant("r1", "ada").await);
}

#[tokio::test]
async fn requests_carry_the_grants_each_method_needs() {
    let fake = fake().await;
    let lk = server(&fake);
    fake.add_participant("r1", ParticipantSpec::new("ada"))
        .unwrap();
    lk.list_participants("r1").await.unwrap();
    lk.list(None, false).await.unwrap();
    lk.list_trunks().await.unwrap();
    let requests = fake.requests();
    let grants = |method: &str| {
        requests
            .iter()
            .find(|r| r.method == method)
            .and_then(|r| r.claims.clone())
            .unwrap()
    };
    let participants = grants("ListParticipants").video.unwrap();
    assert!(participants.room_admin && participants.room == "r1");
    assert!(grants("ListEgress").video.unwrap().room_record);
    assert!(grants("ListSIPInboundTrunk").sip.unwrap().admin);
    assert!(requests.iter().all(|r| r.user_agent.contains("rust")
        || r.user_agent.starts_with("anteroom-livekit/")));
}

#[tokio::test]
async fn video_recordings_use_the_configured_encoding_preset() {
    use anteroom_livekit::VideoEncoding;
    use proto::room_composite_egress_request::Options;

    let fake = fake().await;
    fake.create_room("r-hd");
    let config = config_for(&fake).with_video_encoding(VideoEncoding::H264720p60);
    let lk = LivekitServer::new(&config).unwrap();
    let video = lk
        .start(EgressRequest {
            room: "r-hd".to_owned(),
            mode: RecordingMode::ScreenRecording,
            file_key: "recordings/hd.mp4".to_owned(),
        })
        .await
        .unwrap();
    let request = room_composite(&fake.egress(&video.egress_id).unwrap());
    match request.options {
        Some(Options::Advanced(encoding)) => {
            assert_eq!(
                (encoding.width, encoding.height, encoding.framerate),
                (1280, 720, 60)
            );
        }
        other => panic!("expected advanced encoding options, got {other:?}"),
    }
}
