//! The lobby over the REST gateway, with LiveKit played by the in-process fake: request-entry
//! and its cookie, hosts listing and deciding (one or all), the event streams, and the
//! reference's error bodies.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Options, SharedGuard, SharedServer, unique};
use crate::http_support::{Api, assert_throttled, create_room, jwt_claims};
use crate::lobby::{fake, with_fake_livekit};

/// How long an event may take.
const WAIT: Duration = Duration::from_secs(5);

static SERVER: SharedServer = SharedServer::const_new();

/// A server pointed at the fake, with a long waiting lifetime so slow machines do not expire
/// waiters mid-test.
async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        let database = Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer());
        Some(with_fake_livekit(database).env("ANTEROOM__LOBBY__WAITING_TTL_MS", "30000"))
    })
    .await
}

fn path(room: &Value, action: &str) -> String {
    format!(
        "/api/v1.0/rooms/{}/{action}/",
        room["id"].as_str().expect("a room id")
    )
}

/// The participant id of a `lobbyParticipantId` cookie.
fn cookie_id(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("lobbyParticipantId="))
        .expect("a lobbyParticipantId cookie")
        .to_owned()
}

/// Asks to enter as `api`; returns the body and the participant id of the cookie.
async fn request_entry(api: &Api, room: &Value, username: &str) -> (Value, String) {
    let answer = api
        .post(&path(room, "request-entry"), &json!({"username": username}))
        .await;
    let cookie = answer.set_cookie().expect("request-entry sets the cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let id = cookie_id(&cookie);
    let body = answer.expect(200);
    assert_eq!(body["id"], id.as_str());
    (body, id)
}

#[tokio::test]
async fn a_waiting_participant_is_admitted_and_then_gets_a_token() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let room = create_room(&owner, "lobby", "restricted").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    fake().create_room(&room_id);

    let mut lobby = owner
        .events(&path(&room, "events"))
        .await
        .expect("hosts watch the lobby");
    let snapshot = lobby.next(WAIT).await.expect("the waiting list first");
    assert_eq!(snapshot.event, "snapshot");
    assert_eq!(snapshot.data, json!({"participants": []}));

    let visitor = Api::anonymous(&server);
    let (waiting, participant) = request_entry(&visitor, &room, "Visitor").await;
    assert_eq!(waiting["status"], "waiting");
    assert_eq!(waiting["username"], "Visitor");
    assert!(waiting["livekit"].is_null());
    assert!(waiting["color"].as_str().unwrap().starts_with("hsl("));

    let event = lobby.next(WAIT).await.expect("the waiting event");
    assert_eq!(event.event, "participantWaiting");
    assert_eq!(event.data["id"], participant.as_str());
    assert_eq!(event.data["status"], "waiting");
    let notified = fake()
        .data_messages(&room_id)
        .iter()
        .any(|d| d.data == br#"{"type":"participantWaiting"}"#);
    assert!(notified, "hosts' frontends are told in the LiveKit room");

    let listed = owner
        .get(&path(&room, "waiting-participants"))
        .await
        .expect(200);
    assert_eq!(
        listed,
        json!({"participants": [{
            "id": participant, "username": "Visitor", "status": "waiting", "color": waiting["color"],
        }]})
    );

    // The waiter watches its own entry (its cookie), then a host admits it.
    let visitor = visitor.with_participant(&participant);
    let mut mine = visitor
        .events(&path(&room, "events"))
        .await
        .expect("a waiter watches its entry");
    let status = mine.next(WAIT).await.expect("the current status first");
    assert_eq!(status.event, "status");
    assert_eq!(status.data["status"], "waiting");
    assert!(status.data["livekit"].is_null());

    let admitted = owner
        .post(
            &path(&room, "enter"),
            &json!({"participant_id": participant, "allow_entry": true}),
        )
        .await
        .expect(200);
    assert_eq!(admitted, json!({"message": "Participant was updated."}));
    let status = mine.next(WAIT).await.expect("the decision");
    assert_eq!(status.data["status"], "accepted");
    assert_eq!(status.data["livekit"]["room"], room_id.as_str());
    assert!(
        mine.ended(WAIT).await,
        "the waiter's stream ends after the decision"
    );
    let event = lobby.next(WAIT).await.expect("the admitted event");
    assert_eq!(event.event, "participantAdmitted");

    // The next request-entry is accepted with a token, without a new approval.
    let (accepted, again) = request_entry(&visitor, &room, "Visitor").await;
    assert_eq!(again, participant, "the cookie keeps the participant id");
    assert_eq!(accepted["status"], "accepted");
    let token = accepted["livekit"]["token"].as_str().expect("a token");
    let claims = jwt_claims(token);
    assert_eq!(claims["sub"], participant.as_str());
    assert_eq!(claims["video"]["room"], room_id.as_str());
    assert_eq!(claims["name"], "Visitor");

    // Deciding the other way is a conflict; repeating is harmless.
    let conflict = owner
        .post(
            &path(&room, "enter"),
            &json!({"participant_id": participant, "allow_entry": false}),
        )
        .await
        .expect(409);
    assert_eq!(
        conflict,
        json!({"message": "Participant was already admitted."})
    );
    owner
        .post(
            &path(&room, "enter"),
            &json!({"participant_id": participant, "allow_entry": true}),
        )
        .await
        .expect(200);
}

#[tokio::test]
async fn hosts_decide_everyone_at_once_and_others_may_not() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let stranger = Api::user(&server, "stranger").await;
    let anonymous = Api::anonymous(&server);
    let room = create_room(&owner, "crowd", "trusted").await;

    let mut ids = Vec::new();
    for name in ["One", "Two"] {
        let (body, id) = request_entry(&Api::anonymous(&server), &room, name).await;
        assert_eq!(body["status"], "waiting");
        ids.push(id);
    }
    // A trusted room lets authenticated users straight in.
    let (direct, _) = request_entry(&stranger, &room, "Stranger").await;
    assert_eq!(direct["status"], "accepted");

    for (api, status) in [(&anonymous, 401), (&stranger, 403)] {
        api.get(&path(&room, "waiting-participants"))
            .await
            .expect(status);
        api.post(
            &path(&room, "enter"),
            &json!({"participant_id": ids[0], "allow_entry": true}),
        )
        .await
        .expect(status);
        api.post(&path(&room, "enter-all"), &json!({"allow_entry": true}))
            .await
            .expect(status);
        let refused = api
            .events(&path(&room, "events"))
            .await
            .err()
            .expect("no lobby stream");
        assert_eq!(refused.status.as_u16(), status);
    }

    let decided = owner
        .post(&path(&room, "enter-all"), &json!({"allow_entry": false}))
        .await
        .expect(200);
    let mut got: Vec<String> = decided["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
    let (denied, _) = request_entry(
        &Api::anonymous(&server).with_participant(&ids[0]),
        &room,
        "One",
    )
    .await;
    assert_eq!(denied["status"], "denied");
    assert!(denied["livekit"].is_null());
    let listed = owner
        .get(&path(&room, "waiting-participants"))
        .await
        .expect(200);
    assert_eq!(listed, json!({"participants": []}));
}

#[tokio::test]
async fn lobby_errors_have_the_reference_bodies() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let public = create_room(&owner, "open", "public").await;
    let restricted = create_room(&owner, "closed", "restricted").await;
    let anonymous = Api::anonymous(&server);

    let (open, _) = request_entry(&anonymous, &public, "Walk-in").await;
    assert_eq!(open["status"], "accepted");
    let no_lobby = owner
        .post(
            &path(&public, "enter"),
            &json!({"participant_id": uuid::Uuid::new_v4(), "allow_entry": true}),
        )
        .await
        .expect(404);
    assert_eq!(no_lobby, json!({"message": "Room has no lobby system."}));
    let empty = owner
        .get(&path(&public, "waiting-participants"))
        .await
        .expect(200);
    assert_eq!(empty, json!({"participants": []}));
    let unknown = owner
        .post(
            &path(&restricted, "enter"),
            &json!({"participant_id": uuid::Uuid::new_v4(), "allow_entry": true}),
        )
        .await
        .expect(404);
    assert_eq!(unknown, json!({"message": "Participant not found."}));
    let invalid = owner
        .post(
            &path(&restricted, "enter"),
            &json!({"participant_id": "nope", "allow_entry": "yes"}),
        )
        .await
        .expect(400);
    assert!(
        invalid["detail"].is_string() || invalid["participant_id"].is_array(),
        "{invalid}"
    );
    let missing = owner
        .post(&path(&restricted, "enter"), &json!({}))
        .await
        .expect(400);
    assert_eq!(
        missing,
        json!({"participant_id": ["This field is required."]})
    );

    let no_name = anonymous
        .post(&path(&restricted, "request-entry"), &json!({}))
        .await
        .expect(400);
    assert_eq!(no_name, json!({"username": ["This field is required."]}));
    let nowhere = anonymous
        .post(
            &format!("/api/v1.0/rooms/nowhere-{}/request-entry/", unique()),
            &json!({"username": "Lost"}),
        )
        .await
        .expect(404);
    assert_eq!(
        nowhere,
        json!({"detail": "No Room matches the given query."})
    );
    // A participant id that is not waiting has no stream.
    let gone = anonymous
        .events(&format!(
            "{}?participant_id={}",
            path(&restricted, "events"),
            uuid::Uuid::new_v4()
        ))
        .await
        .err()
        .expect("no stream for an unknown participant");
    assert_eq!(gone.status.as_u16(), 404);
}

#[tokio::test]
async fn request_entry_is_rate_limited_with_retry_after() {
    let server = crate::harness::Server::start(
        Options::embedded()
            .with_issuer()
            .env("ANTEROOM__LOBBY__RATE_LIMIT", "2"),
    )
    .await;
    let owner = Api::user(&server, "host").await;
    let room = create_room(&owner, "busy", "restricted").await;
    let (_, participant) = request_entry(&Api::anonymous(&server), &room, "Eager").await;
    let eager = Api::anonymous(&server).with_participant(&participant);
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..3 {
        let answer = eager
            .post(&path(&room, "request-entry"), &json!({"username": "Eager"}))
            .await;
        statuses.push(answer.status.as_u16());
        if answer.status.as_u16() == 429 {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.unwrap_or_else(|| panic!("never limited: {statuses:?}"));
    assert_throttled(&limited);
}
