//! Egress and SIP through the real `livekit-api` Rust clients.

#![allow(clippy::too_many_lines, clippy::large_futures)] // scenario tests read top to bottom

mod common;

use std::time::Duration;

use anteroom_livekit_fake::{FakeConfig, FakeLiveKit, InjectedFailure, proto};
use common::{KEY, SECRET, twirp};
use livekit_api::services::egress::{
    EgressClient, EgressListFilter, EgressListOptions, EgressOutput, RoomCompositeOptions,
};
use livekit_api::services::sip::{
    CreateSIPDispatchRuleOptions, CreateSIPInboundTrunkOptions, CreateSIPOutboundTrunkOptions,
    CreateSIPParticipantOptions, ListSIPDispatchRuleFilter, ListSIPInboundTrunkFilter,
    ListSIPOutboundTrunkFilter, SIPClient,
};
use livekit_api::services::{ServerError, ServiceError};
use proto::EgressStatus;

fn file(path: &str, file_type: proto::EncodedFileType) -> EgressOutput {
    EgressOutput::File(proto::EncodedFileOutput {
        file_type: file_type as i32,
        filepath: path.to_owned(),
        ..Default::default()
    })
}

fn speaker() -> RoomCompositeOptions {
    RoomCompositeOptions {
        layout: "speaker-light".to_owned(),
        ..Default::default()
    }
}

#[tokio::test]
async fn room_composite_egress_goes_through_its_states() {
    let fake = common::start(None).await;
    let egress = EgressClient::with_api_key(&fake.url(), KEY, SECRET);
    let err = egress
        .start_room_composite_egress(
            "nope",
            vec![file("a.mp4", proto::EncodedFileType::Mp4)],
            speaker(),
        )
        .await
        .expect_err("unknown room");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "requested room does not exist".to_owned()
        )
    );

    let room = fake.create_room("room");
    let info = egress
        .start_room_composite_egress(
            "room",
            vec![file("rec/{room_name}.mp4", proto::EncodedFileType::Mp4)],
            speaker(),
        )
        .await
        .expect("start");
    assert!(info.egress_id.starts_with("EG_"));
    assert_eq!(info.room_id, room.sid);
    assert_eq!(info.room_name, "room");
    assert_eq!(info.status, EgressStatus::EgressStarting as i32);
    let Some(proto::egress_info::Request::RoomComposite(request)) = &info.request else {
        panic!("request echoed: {:?}", info.request);
    };
    assert_eq!(request.layout, "speaker-light");
    assert!(fake.room("room").expect("room").active_recording);

    fake.set_egress_status(&info.egress_id, EgressStatus::EgressActive)
        .expect("active");
    let all = egress
        .list_egress(EgressListOptions::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, EgressStatus::EgressActive as i32);
    assert!(all[0].started_at > 1_600_000_000_000_000_000, "nanoseconds");
    let by_room = egress
        .list_egress(EgressListOptions {
            filter: EgressListFilter::Room("other".to_owned()),
            ..Default::default()
        })
        .await
        .expect("list other room");
    assert!(by_room.is_empty());
    let err = egress
        .list_egress(EgressListOptions {
            filter: EgressListFilter::Egress("EG_unknown".to_owned()),
            ..Default::default()
        })
        .await
        .expect_err("unknown id");
    assert_eq!(
        twirp(&err),
        ("not_found".to_owned(), "egress does not exist".to_owned())
    );

    let stopped = egress.stop_egress(&info.egress_id).await.expect("stop");
    assert_eq!(stopped.status, EgressStatus::EgressEnding as i32);
    let err = egress
        .stop_egress(&info.egress_id)
        .await
        .expect_err("already ending");
    assert_eq!(
        twirp(&err),
        (
            "failed_precondition".to_owned(),
            "egress with status EGRESS_ENDING cannot be stopped".to_owned()
        )
    );
    let done = fake
        .set_egress_status(&info.egress_id, EgressStatus::EgressComplete)
        .expect("complete");
    assert!(done.ended_at >= done.started_at);
    assert_eq!(done.file_results.len(), 1);
    assert_eq!(done.file_results[0].filename, "rec/room.mp4");
    let active = egress
        .list_egress(EgressListOptions {
            active: true,
            ..Default::default()
        })
        .await
        .expect("active");
    assert!(active.is_empty());
    assert!(!fake.room("room").expect("room").active_recording);
    let err = egress.stop_egress("EG_unknown").await.expect_err("unknown");
    assert_eq!(twirp(&err).0, "not_found");
}

#[tokio::test]
async fn egress_transitions_happen_by_themselves_with_a_delay() {
    let mut config = FakeConfig::with_key(KEY, SECRET);
    config.egress_transition_delay = Some(Duration::from_millis(20));
    let fake = FakeLiveKit::start(config).await.expect("start");
    let egress = EgressClient::with_api_key(&fake.url(), KEY, SECRET);
    fake.create_room("room");
    let options = RoomCompositeOptions {
        audio_only: true,
        ..Default::default()
    };
    let info = egress
        .start_room_composite_egress("room", vec![file("", proto::EncodedFileType::Ogg)], options)
        .await
        .expect("start");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.egress(&info.egress_id).expect("egress").status,
        EgressStatus::EgressActive as i32
    );
    egress.stop_egress(&info.egress_id).await.expect("stop");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let done = fake.egress(&info.egress_id).expect("egress");
    assert_eq!(done.status, EgressStatus::EgressComplete as i32);
    assert!(
        std::path::Path::new(&done.file_results[0].filename)
            .extension()
            .is_some_and(|e| e == "ogg"),
        "{:?}",
        done.file_results
    );
}

#[tokio::test]
async fn egress_can_be_disconnected() {
    let mut config = FakeConfig::with_key(KEY, SECRET);
    config.egress_enabled = false;
    let fake = FakeLiveKit::start(config).await.expect("start");
    let egress = EgressClient::with_api_key(&fake.url(), KEY, SECRET);
    let err = egress
        .list_egress(EgressListOptions::default())
        .await
        .expect_err("no egress");
    assert_eq!(
        twirp(&err),
        (
            "internal".to_owned(),
            "egress not connected (redis required)".to_owned()
        )
    );
}

#[tokio::test]
async fn sip_trunks_rules_and_calls() {
    let fake = common::start(None).await;
    let sip = SIPClient::with_api_key(&fake.url(), KEY, SECRET);

    let inbound = sip
        .create_sip_inbound_trunk(
            "in".to_owned(),
            vec!["+15550001".to_owned()],
            CreateSIPInboundTrunkOptions::default(),
        )
        .await
        .expect("inbound");
    assert!(inbound.sip_trunk_id.starts_with("ST_"));
    let err = sip
        .create_sip_inbound_trunk(
            "dup".to_owned(),
            vec!["+15550001".to_owned()],
            CreateSIPInboundTrunkOptions::default(),
        )
        .await
        .expect_err("conflict");
    let (code, msg) = twirp(&err);
    assert_eq!(code, "invalid_argument");
    assert!(
        msg.starts_with("Conflicting inbound SIP Trunks: \"<new>\" and \"ST_"),
        "{msg}"
    );
    let err = sip
        .create_sip_inbound_trunk(
            "open".to_owned(),
            vec![],
            CreateSIPInboundTrunkOptions::default(),
        )
        .await
        .expect_err("insecure");
    assert!(
        twirp(&err)
            .1
            .starts_with("for security, one of the fields must be set")
    );

    let outbound = sip
        .create_sip_outbound_trunk(
            "out".to_owned(),
            "sip.example.com".to_owned(),
            vec!["+15550002".to_owned()],
            CreateSIPOutboundTrunkOptions::default(),
        )
        .await
        .expect("outbound");
    let err = sip
        .create_sip_outbound_trunk(
            "bad".to_owned(),
            "sip:bad@example.com".to_owned(),
            vec!["+1".to_owned()],
            CreateSIPOutboundTrunkOptions::default(),
        )
        .await
        .expect_err("uri");
    assert_eq!(
        twirp(&err).1,
        "trunk address should be a hostname or IP, not SIP URI"
    );
    assert_eq!(
        sip.list_sip_inbound_trunk(ListSIPInboundTrunkFilter::All)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        sip.list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
            .await
            .expect("list")
            .len(),
        1
    );

    let rule =
        proto::sip_dispatch_rule::Rule::DispatchRuleIndividual(proto::SipDispatchRuleIndividual {
            room_prefix: "call-".to_owned(),
            ..Default::default()
        });
    let options = CreateSIPDispatchRuleOptions {
        name: "r".to_owned(),
        trunk_ids: vec![inbound.sip_trunk_id.clone()],
        ..Default::default()
    };
    let created = sip
        .create_sip_dispatch_rule(rule.clone(), options.clone())
        .await
        .expect("rule");
    assert!(created.sip_dispatch_rule_id.starts_with("SDR_"));
    assert_eq!(
        created.trunk_ids,
        std::slice::from_ref(&inbound.sip_trunk_id)
    );
    let err = sip
        .create_sip_dispatch_rule(rule, options)
        .await
        .expect_err("conflict");
    assert!(twirp(&err).1.starts_with("Conflicting SIP Dispatch Rules"));
    assert_eq!(
        sip.list_sip_dispatch_rule(ListSIPDispatchRuleFilter::All)
            .await
            .expect("list")
            .len(),
        1
    );

    let call = sip
        .create_sip_participant(
            outbound.sip_trunk_id.clone(),
            "+15551234".to_owned(),
            "phone".to_owned(),
            CreateSIPParticipantOptions {
                participant_identity: "caller".to_owned(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("call");
    assert!(call.participant_id.starts_with("PA_"));
    assert!(call.sip_call_id.starts_with("SCL_"));
    assert_eq!(
        (call.participant_identity.as_str(), call.room_name.as_str()),
        ("caller", "phone")
    );
    let joined = fake
        .participant("phone", "caller")
        .expect("joined the room");
    assert_eq!(joined.kind, proto::participant_info::Kind::Sip as i32);
    assert_eq!(joined.attributes["sip.phoneNumber"], "+15551234");
    let err = sip
        .create_sip_participant(
            "ST_unknown".to_owned(),
            "+1".to_owned(),
            "phone".to_owned(),
            CreateSIPParticipantOptions::default(),
            None,
        )
        .await
        .expect_err("unknown trunk");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "requested sip trunk does not exist".to_owned()
        )
    );
    fake.set_failure(
        "SIP/CreateSIPParticipant",
        Some(InjectedFailure::sip_status(486, "Busy Here")),
    );
    let err = sip
        .create_sip_participant(
            outbound.sip_trunk_id.clone(),
            "+1555".to_owned(),
            "phone".to_owned(),
            CreateSIPParticipantOptions::default(),
            None,
        )
        .await
        .expect_err("busy");
    let ServiceError::Twirp(ServerError::Twirp(code)) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(code.code, "unavailable");
    assert_eq!(code.meta["sip_status_code"], "486");
    assert_eq!(code.meta["sip_status"], "Busy Here");

    let deleted = sip
        .delete_sip_dispatch_rule(&created.sip_dispatch_rule_id)
        .await
        .expect("delete rule");
    assert_eq!(deleted.name, "r");
    let err = sip
        .delete_sip_dispatch_rule(&created.sip_dispatch_rule_id)
        .await
        .expect_err("gone");
    assert_eq!(
        twirp(&err),
        (
            "not_found".to_owned(),
            "requested sip dispatch rule does not exist".to_owned()
        )
    );
    let deleted = sip
        .delete_sip_trunk(&inbound.sip_trunk_id)
        .await
        .expect("delete trunk");
    assert_eq!(deleted.sip_trunk_id, inbound.sip_trunk_id);
    assert!(fake.sip_inbound_trunks().is_empty());
    let err = sip.delete_sip_trunk("").await.expect_err("empty id");
    assert_eq!(
        twirp(&err),
        (
            "invalid_argument".to_owned(),
            "trunk ID is required".to_owned()
        )
    );
}
