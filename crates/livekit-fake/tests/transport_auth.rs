//! Transport and auth: the real 401 plain-text bodies, Twirp error shapes, routing errors,
//! malformed bodies, the JSON encoding and grant checks.

#![allow(clippy::too_many_lines)] // scenario tests read top to bottom

mod common;

use std::time::Duration;

use anteroom_livekit_fake::{InjectedFailure, TwirpError, proto};
use common::{KEY, SECRET, twirp};
use livekit_api::access_token::{AccessToken, SIPGrants, VideoGrants};
use livekit_api::services::egress::{EgressClient, EgressListOptions};
use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use livekit_api::services::sip::{ListSIPInboundTrunkFilter, SIPClient};
use livekit_api::services::{ServerError, ServiceError};
use prost::Message;
use serde_json::Value;

fn token(grants: VideoGrants, sip: Option<SIPGrants>) -> String {
    let mut token = AccessToken::with_api_key(KEY, SECRET)
        .with_ttl(Duration::from_mins(10))
        .with_grants(grants);
    if let Some(sip) = sip {
        token = token.with_sip_grants(sip);
    }
    token.to_jwt().expect("jwt")
}

async fn post(
    url: &str,
    auth: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("Content-Type", content_type)
        .body(body);
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    request.send().await.expect("request")
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_wrong_secret_is_a_plain_text_401_that_the_rust_client_sees_as_a_decode_error() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, "another-secret-another-secret-00");
    let err = client.list_rooms(vec![]).await.expect_err("refused");
    assert!(
        matches!(&err, ServiceError::Twirp(ServerError::Request(e)) if e.is_decode()),
        "{err:?}"
    );

    let bad = AccessToken::with_api_key(KEY, "another-secret-another-secret-00")
        .with_grants(VideoGrants {
            room_list: true,
            ..Default::default()
        })
        .to_jwt()
        .expect("jwt");
    let url = format!("{}/twirp/livekit.RoomService/ListRooms", fake.url());
    let response = post(
        &url,
        Some(&format!("Bearer {bad}")),
        "application/protobuf",
        vec![],
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(content_type(&response), "text/plain; charset=utf-8");
    let body = response.text().await.expect("body");
    assert_eq!(
        body,
        format!("invalid token: {bad}, error: go-jose/go-jose: error in cryptographic primitive")
    );
    assert!(fake.requests().is_empty(), "refused before routing");
}

#[tokio::test]
async fn bad_headers_tokens_and_keys_answer_the_middleware_texts() {
    let fake = common::start(None).await;
    let url = format!("{}/twirp/livekit.RoomService/ListRooms", fake.url());
    let other_key = AccessToken::with_api_key("otherkey", SECRET)
        .to_jwt()
        .expect("jwt");
    let cases = [
        (
            "Token abc".to_owned(),
            "invalid authorization header. Must start with Bearer ",
        ),
        ("Bearer not-a-jwt".to_owned(), "invalid authorization token"),
        (format!("Bearer {other_key}"), "invalid API key: otherkey"),
    ];
    for (header, expected) in cases {
        let response = post(&url, Some(&header), "application/protobuf", vec![]).await;
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(response.text().await.expect("body"), expected);
    }
    // The middleware runs for every path, even the health check.
    let response = reqwest::Client::new()
        .get(format!("{}/", fake.url()))
        .header("Authorization", "Basic x")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn missing_grants_are_twirp_unauthenticated_permissions_denied() {
    let fake = common::start(None).await;
    fake.create_room("a");
    let list_only = token(
        VideoGrants {
            room_list: true,
            ..Default::default()
        },
        None,
    );
    let client = RoomClient::with_token(&fake.url(), &list_only);
    client.list_rooms(vec![]).await.expect("roomList is enough");
    let denied = (
        "unauthenticated".to_owned(),
        "permissions denied".to_owned(),
    );
    let err = client
        .create_room("b", CreateRoomOptions::default())
        .await
        .expect_err("needs roomCreate");
    assert_eq!(twirp(&err), denied);
    let err = client.delete_room("a").await.expect_err("needs roomCreate");
    assert_eq!(twirp(&err), denied);

    let admin_of_b = token(
        VideoGrants {
            room_admin: true,
            room: "b".to_owned(),
            ..Default::default()
        },
        None,
    );
    let client = RoomClient::with_token(&fake.url(), &admin_of_b);
    let err = client
        .list_participants("a")
        .await
        .expect_err("admin of another room");
    assert_eq!(twirp(&err), denied);
    client.list_participants("b").await.expect("admin of b");

    let egress = EgressClient::with_token(&fake.url(), &list_only);
    let err = egress
        .list_egress(EgressListOptions::default())
        .await
        .expect_err("needs roomRecord");
    assert_eq!(twirp(&err), denied);

    let caller = token(
        VideoGrants::default(),
        Some(SIPGrants {
            admin: false,
            call: true,
        }),
    );
    let sip = SIPClient::with_token(&fake.url(), &caller);
    let err = sip
        .list_sip_inbound_trunk(ListSIPInboundTrunkFilter::All)
        .await
        .expect_err("needs sip.admin");
    assert_eq!(twirp(&err), denied);

    // Without any token the request reaches the handler, which refuses it (JSON, 401).
    let url = format!("{}/twirp/livekit.RoomService/ListRooms", fake.url());
    let response = post(&url, None, "application/json", b"{}".to_vec()).await;
    assert_eq!(response.status(), 401);
    assert_eq!(content_type(&response), "application/json");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"code": "unauthenticated", "msg": "permissions denied"})
    );
}

#[tokio::test]
async fn routing_and_body_errors_follow_twirp() {
    let fake = common::start(None).await;
    let auth = format!(
        "Bearer {}",
        token(
            VideoGrants {
                room_create: true,
                room_list: true,
                ..Default::default()
            },
            None
        )
    );
    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/", fake.url()))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("body"), "OK");

    let url = format!("{}/twirp/livekit.RoomService/ListRooms", fake.url());
    let response = http
        .get(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
    let body: TwirpError = response.json().await.expect("json");
    assert_eq!(body.code, "bad_route");
    assert_eq!(
        body.msg,
        "unsupported method \"GET\" (only POST is allowed)"
    );
    assert_eq!(
        body.meta["twirp_invalid_route"],
        "GET /twirp/livekit.RoomService/ListRooms"
    );

    let unknown = format!("{}/twirp/livekit.RoomService/Nope", fake.url());
    let response = post(&unknown, Some(&auth), "application/protobuf", vec![]).await;
    assert_eq!(response.status(), 404);
    let body: TwirpError = response.json().await.expect("json");
    assert_eq!(
        (body.code.as_str(), body.msg.as_str()),
        (
            "bad_route",
            "no handler for path \"/twirp/livekit.RoomService/Nope\""
        )
    );

    let response = post(&url, Some(&auth), "text/plain", vec![]).await;
    assert_eq!(response.status(), 404);
    let body: TwirpError = response.json().await.expect("json");
    assert_eq!(body.msg, "unexpected Content-Type: \"text/plain\"");

    let response = post(
        &format!("{}/twirp/livekit.Nope/X", fake.url()),
        Some(&auth),
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.expect("body"), "404 page not found\n");

    let response = post(
        &url,
        Some(&auth),
        "application/protobuf",
        vec![0xff, 0xff, 0xff],
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(content_type(&response), "application/json");
    let body: TwirpError = response.json().await.expect("json");
    assert_eq!(
        (body.code.as_str(), body.msg.as_str()),
        ("malformed", "the protobuf request could not be decoded")
    );
    for bad in [&b"{"[..], b"[1]", b"{\"names\": 3}", b""] {
        let response = post(&url, Some(&auth), "application/json", bad.to_vec()).await;
        assert_eq!(response.status(), 400);
        let body: TwirpError = response.json().await.expect("json");
        assert_eq!(
            (body.code.as_str(), body.msg.as_str()),
            ("malformed", "the json request could not be decoded")
        );
    }

    let forward = format!(
        "{}/twirp/livekit.RoomService/ForwardParticipant",
        fake.url()
    );
    let response = post(&forward, Some(&auth), "application/json", b"{}".to_vec()).await;
    assert_eq!(response.status(), 501);
    let body: TwirpError = response.json().await.expect("json");
    assert_eq!(body.code, "unimplemented");
}

#[tokio::test]
async fn json_requests_get_json_responses_like_the_go_server() {
    let fake = common::start(None).await;
    let auth = format!(
        "Bearer {}",
        token(
            VideoGrants {
                room_create: true,
                room_list: true,
                ..Default::default()
            },
            None
        )
    );
    let url = format!("{}/twirp/livekit.RoomService/CreateRoom", fake.url());
    let body = br#"{"name":"j","emptyTimeout":60,"unknownField":true}"#.to_vec();
    let response = post(&url, Some(&auth), "application/json;charset=UTF-8", body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    let room: Value = response.json().await.expect("json");
    assert_eq!(room["name"], "j");
    assert_eq!(room["empty_timeout"], 60);
    assert!(
        room["creation_time"].is_string(),
        "int64 as a string: {room}"
    );
    assert_eq!(room["metadata"], "", "defaults are emitted");
    assert_eq!(room["num_participants"], 0);
    assert_eq!(room["version"], Value::Null, "unset messages are null");
    assert!(
        room.get("emptyTimeout").is_none(),
        "proto names, not camelCase"
    );

    let protobuf = post(
        &format!("{}/twirp/livekit.RoomService/ListRooms", fake.url()),
        Some(&auth),
        "application/protobuf",
        proto::ListRoomsRequest::default().encode_to_vec(),
    )
    .await;
    assert_eq!(content_type(&protobuf), "application/protobuf");
    let rooms =
        proto::ListRoomsResponse::decode(protobuf.bytes().await.expect("bytes")).expect("decode");
    assert_eq!(rooms.rooms.len(), 1);
}

#[tokio::test]
async fn injected_failures_replace_the_answer() {
    let fake = common::start(None).await;
    let client = RoomClient::with_api_key(&fake.url(), KEY, SECRET);
    fake.set_failure(
        "RoomService/ListRooms",
        Some(InjectedFailure::Twirp(TwirpError::new(
            "unavailable",
            "try later",
        ))),
    );
    let err = client.list_rooms(vec![]).await.expect_err("injected");
    assert_eq!(
        twirp(&err),
        ("unavailable".to_owned(), "try later".to_owned())
    );
    fake.set_failure(
        "RoomService/ListRooms",
        Some(InjectedFailure::Http {
            status: 502,
            body: "Bad Gateway".to_owned(),
        }),
    );
    let err = client.list_rooms(vec![]).await.expect_err("injected");
    assert!(
        matches!(&err, ServiceError::Twirp(ServerError::Request(e)) if e.is_decode()),
        "{err:?}"
    );
    fake.set_failure("RoomService/ListRooms", None);
    client.list_rooms(vec![]).await.expect("cleared");
}
