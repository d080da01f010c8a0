//! Moderation over the REST gateway, against the in-process fake LiveKit: hosts mute, update,
//! remove and promote participants; participants raise their hand, rename themselves and mute
//! others with their own LiveKit token (`Authorization: Bearer <LiveKit token>`).

use anteroom_livekit_fake::{ParticipantSpec, TrackSpec};
use serde_json::{Value, json};

use crate::harness::{Options, SharedGuard, SharedServer};
use crate::http_support::{Api, create_room, jwt_claims};
use crate::lobby::{fake, with_fake_livekit};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        let database = Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer());
        Some(with_fake_livekit(database))
    })
    .await
}

fn path(room: &Value, action: &str) -> String {
    format!(
        "/api/v1.0/rooms/{}/{action}/",
        room["id"].as_str().expect("a room id")
    )
}

/// An anonymous participant of a public room: its LiveKit token and identity, present in the
/// fake's room.
async fn participant(
    server: &crate::harness::Server,
    room: &Value,
    name: &str,
) -> (String, String) {
    let got = Api::anonymous(server)
        .get(&format!(
            "/api/v1.0/rooms/{}/?username={name}",
            room["id"].as_str().expect("a room id")
        ))
        .await
        .expect(200);
    let token = got["livekit"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let identity = jwt_claims(&token)["sub"]
        .as_str()
        .expect("an identity")
        .to_owned();
    fake()
        .add_participant(
            room["id"].as_str().expect("a room id"),
            ParticipantSpec::new(identity.clone()).with_name(name),
        )
        .expect("joined the fake room");
    (token, identity)
}

#[tokio::test]
async fn hosts_moderate_and_others_may_not() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let stranger = Api::user(&server, "stranger").await;
    let anonymous = Api::anonymous(&server);
    let room = create_room(&owner, "moderated", "public").await;
    let room_id = room["id"].as_str().unwrap();
    let (_, identity) = participant(&server, &room, "Talker").await;
    let track = fake()
        .publish_track(room_id, &identity, TrackSpec::microphone())
        .expect("a track");

    let mute = json!({"participant_identity": identity, "track_sid": track.sid});
    anonymous
        .post(&path(&room, "mute-participant"), &mute)
        .await
        .expect(401);
    stranger
        .post(&path(&room, "mute-participant"), &mute)
        .await
        .expect(403);
    let done = owner
        .post(&path(&room, "mute-participant"), &mute)
        .await
        .expect(200);
    assert_eq!(done, json!({"status": "success"}));
    let muted = fake().participant(room_id, &identity).expect("still there");
    assert!(muted.tracks.iter().all(|t| t.muted), "{muted:?}");
    let absent = owner
        .post(
            &path(&room, "mute-participant"),
            &json!({"participant_identity": "nobody", "track_sid": "TR_nothing"}),
        )
        .await
        .expect(404);
    assert_eq!(absent, json!({"error": "Participant not found."}));

    let update = json!({
        "participant_identity": identity,
        "name": "Renamed by host",
        "attributes": {"badge": "speaker"},
        "metadata": {"note": "hello"},
        "permission": {"can_publish": false},
    });
    stranger
        .post(&path(&room, "update-participant"), &update)
        .await
        .expect(403);
    owner
        .post(&path(&room, "update-participant"), &update)
        .await
        .expect(200);
    let updated = fake().participant(room_id, &identity).unwrap();
    assert_eq!(updated.name, "Renamed by host");
    assert_eq!(
        updated.attributes.get("badge").map(String::as_str),
        Some("speaker")
    );
    for bad in [
        json!({"participant_identity": identity}),
        json!({"participant_identity": identity, "permission": {"hidden": false}}),
        json!({"participant_identity": identity, "permission": {"can_fly": true}}),
    ] {
        owner
            .post(&path(&room, "update-participant"), &bad)
            .await
            .expect(400);
    }

    let remove = json!({"participant_identity": identity});
    stranger
        .post(&path(&room, "remove-participant"), &remove)
        .await
        .expect(403);
    owner
        .post(&path(&room, "remove-participant"), &remove)
        .await
        .expect(200);
    assert!(fake().participant(room_id, &identity).is_none());
    owner
        .post(&path(&room, "remove-participant"), &remove)
        .await
        .expect(404);
}

#[tokio::test]
async fn roles_change_for_connected_users() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let guest = Api::user(&server, "guest").await;
    let room = create_room(&owner, "roles", "restricted").await;
    let room_id = room["id"].as_str().unwrap();
    let body = |identity: &str, role: &str| json!({"participant_identity": identity, "role": role});

    // The host must be in the meeting.
    owner
        .post(
            &path(&room, "update-participant-role"),
            &body(&guest.sub, "administrator"),
        )
        .await
        .expect(403);
    for sub in [&owner.sub, &guest.sub] {
        fake()
            .add_participant(room_id, ParticipantSpec::new(sub.clone()))
            .expect("joined");
    }
    let changed = owner
        .post(
            &path(&room, "update-participant-role"),
            &body(&guest.sub, "administrator"),
        )
        .await
        .expect(200);
    assert_eq!(
        changed,
        json!({"role": "administrator", "livekit_synced": true})
    );
    let synced = fake().participant(room_id, &guest.sub).unwrap();
    assert_eq!(
        synced.attributes.get("room_role").map(String::as_str),
        Some("administrator")
    );
    let seen = guest
        .get(&format!("/api/v1.0/rooms/{room_id}/"))
        .await
        .expect(200);
    assert!(
        seen["accesses"].is_array(),
        "administrators see accesses: {seen}"
    );

    let own = owner
        .post(
            &path(&room, "update-participant-role"),
            &body(&owner.sub, "member"),
        )
        .await
        .expect(403);
    assert_eq!(own, json!({"detail": "You cannot change your own role."}));
    owner
        .post(
            &path(&room, "update-participant-role"),
            &body(&guest.sub, "owner"),
        )
        .await
        .expect(400);
    let anonymous_target = format!("anonymous-{}", uuid::Uuid::new_v4());
    fake()
        .add_participant(room_id, ParticipantSpec::new(anonymous_target.clone()))
        .expect("joined");
    let no_account = owner
        .post(
            &path(&room, "update-participant-role"),
            &body(&anonymous_target, "member"),
        )
        .await
        .expect(404);
    assert_eq!(
        no_account,
        json!({"error": "This participant has no user account and cannot be assigned a role."})
    );
}

#[tokio::test]
async fn participants_act_with_their_livekit_token() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let room = create_room(&owner, "in-meeting", "public").await;
    let other_room = create_room(&owner, "elsewhere", "public").await;
    let room_id = room["id"].as_str().unwrap();
    let (token, identity) = participant(&server, &room, "Hand").await;
    let (foreign, _) = participant(&server, &other_room, "Foreign").await;
    let (_, target) = participant(&server, &room, "Target").await;
    let track = fake()
        .publish_track(room_id, &target, TrackSpec::camera())
        .expect("a track");
    let me = Api::anonymous(&server).bearer(&token);

    me.post(&path(&room, "toggle-hand"), &json!({"raised": true}))
        .await
        .expect(200);
    let raised = fake().participant(room_id, &identity).unwrap();
    assert!(
        raised
            .attributes
            .get("handRaisedAt")
            .is_some_and(|at| !at.is_empty()),
        "{raised:?}"
    );
    me.post(&path(&room, "toggle-hand"), &json!({"raised": false}))
        .await
        .expect(200);
    let lowered = fake().participant(room_id, &identity).unwrap();
    // An empty attribute value deletes the attribute in LiveKit.
    assert!(
        lowered
            .attributes
            .get("handRaisedAt")
            .is_none_or(String::is_empty),
        "{lowered:?}"
    );

    me.post(&path(&room, "rename"), &json!({"name": "New name"}))
        .await
        .expect(200);
    assert_eq!(
        fake().participant(room_id, &identity).unwrap().name,
        "New name"
    );
    me.post(&path(&room, "rename"), &json!({"name": ""}))
        .await
        .expect(400);

    // Anyone in the meeting may mute others unless the room says otherwise.
    me.post(
        &path(&room, "mute-participant"),
        &json!({"participant_identity": target, "track_sid": track.sid}),
    )
    .await
    .expect(200);

    // Missing, malformed and foreign tokens are 403 "Invalid LiveKit token: …".
    for api in [
        Api::anonymous(&server),
        Api::anonymous(&server).bearer("not-a-token"),
        Api::anonymous(&server).bearer(&foreign),
    ] {
        let refused = api
            .post(&path(&room, "toggle-hand"), &json!({"raised": true}))
            .await
            .expect(403);
        let detail = refused["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with("Invalid LiveKit token: "), "{refused}");
    }
    // A bearer token of the identity provider is not a LiveKit token.
    owner
        .post(&path(&room, "rename"), &json!({"name": "Host"}))
        .await
        .expect(403);
}
