//! The HTTP control API under `/fake/`.

#![allow(clippy::too_many_lines)] // scenario tests read top to bottom

mod common;

use serde_json::{Value, json};

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn participants_tracks_state_and_failures_over_http() {
    let fake = common::start(None).await;
    let base = format!("{}/fake", fake.url());
    let (status, alice) = call(
        reqwest::Method::POST,
        format!("{base}/rooms/demo/participants"),
        Some(json!({"identity": "alice", "name": "Alice", "attributes": {"k": "v"}, "kind": "agent"})),
    )
    .await;
    assert_eq!(status, 201);
    assert!(
        alice["sid"].as_str().is_some_and(|s| s.starts_with("PA_")),
        "{alice}"
    );
    assert_eq!(alice["kind"], "AGENT");
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{base}/rooms/demo/participants"),
        Some(json!({"identity": "alice"})),
    )
    .await;
    assert_eq!(status, 409, "duplicate identity");
    let (status, track) = call(
        reqwest::Method::POST,
        format!("{base}/rooms/demo/participants/alice/tracks"),
        Some(json!({"type": "video", "source": "screen_share"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(track["source"], "SCREEN_SHARE");
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{base}/rooms/demo/participants/alice/tracks"),
        Some(json!({"type": "smell"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{base}/rooms/demo/participants/zed/tracks"),
        Some(json!({"type": "audio"})),
    )
    .await;
    assert_eq!(status, 404);

    let (_, state) = call(reqwest::Method::GET, format!("{base}/state"), None).await;
    assert_eq!(state["rooms"][0]["name"], "demo");
    assert_eq!(state["rooms"][0]["numParticipants"], 1);
    assert_eq!(
        state["rooms"][0]["participants"][0]["tracks"][0]["sid"],
        track["sid"]
    );
    let (_, events) = call(reqwest::Method::GET, format!("{base}/webhooks"), None).await;
    let names: Vec<&str> = events
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(
        names,
        ["room_started", "participant_joined", "track_published"]
    );

    let sid = track["sid"].as_str().expect("sid");
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{base}/rooms/demo/participants/alice/tracks/{sid}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{base}/rooms/demo/participants/alice"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(fake.participants("demo").is_empty());
    let (_, data) = call(
        reqwest::Method::GET,
        format!("{base}/rooms/demo/data"),
        None,
    )
    .await;
    assert_eq!(data, json!([]));

    let (status, _) = call(
        reqwest::Method::PUT,
        format!("{base}/failures/RoomService/ListRooms"),
        Some(json!({"kind": "twirp", "code": "unavailable", "msg": "down"})),
    )
    .await;
    assert_eq!(status, 204);
    let rooms = livekit_api::services::room::RoomClient::with_api_key(
        &fake.url(),
        common::KEY,
        common::SECRET,
    );
    let err = rooms.list_rooms(vec![]).await.expect_err("injected");
    assert_eq!(common::twirp(&err).0, "unavailable");
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{base}/failures/RoomService/ListRooms"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    rooms.list_rooms(vec![]).await.expect("cleared");
    let (_, requests) = call(reqwest::Method::GET, format!("{base}/requests"), None).await;
    assert_eq!(requests.as_array().map(Vec::len), Some(2));

    let (status, _) = call(reqwest::Method::DELETE, format!("{base}/rooms/demo"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(reqwest::Method::DELETE, format!("{base}/rooms/demo"), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(reqwest::Method::POST, format!("{base}/reset"), None).await;
    assert_eq!(status, 204);
    assert!(fake.webhook_events().is_empty());
}

#[tokio::test]
async fn egress_status_can_be_driven_over_http() {
    let fake = common::start(None).await;
    fake.create_room("r");
    let egress = livekit_api::services::egress::EgressClient::with_api_key(
        &fake.url(),
        common::KEY,
        common::SECRET,
    );
    let info = egress
        .start_room_composite_egress(
            "r",
            vec![],
            livekit_api::services::egress::RoomCompositeOptions::default(),
        )
        .await
        .expect("start");
    let base = format!("{}/fake", fake.url());
    let (status, body) = call(
        reqwest::Method::POST,
        format!("{base}/egress/{}/status", info.egress_id),
        Some(json!({"status": "failed"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "EGRESS_FAILED");
    assert_eq!(
        fake.webhook_events()
            .last()
            .map(|e| e.event.clone())
            .as_deref(),
        Some("egress_ended")
    );
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{base}/egress/EG_nope/status"),
        Some(json!({"status": "active"})),
    )
    .await;
    assert_eq!(status, 404);
}
