//! The REST gateway as a service: configuration, OpenAPI, health, metrics, hardening (JSON
//! errors, body limit, security headers, CORS), LiveKit webhooks, and a graceful shutdown that
//! ends event streams cleanly.

use std::time::Duration;

use anteroom_livekit_fake::proto;
use anteroom_livekit_fake::webhooks::{sign_webhook, webhook_body};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN};
use serde_json::{Value, json};

use crate::harness::{Options, Server, SharedGuard, SharedServer, unique};
use crate::http_support::{Api, create_room};
use crate::lobby::{LIVEKIT_KEY, LIVEKIT_SECRET, with_fake_livekit};

static SERVER: SharedServer = SharedServer::const_new();

const ALLOWED_ORIGIN: &str = "https://meet.example.org";
/// A small body limit: a body just over it fits in the socket buffers, so the client finishes
/// writing before the server refuses it (a multi-megabyte body may meet a closed connection).
const MAX_BODY_BYTES: usize = 16 * 1024;

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        Some(
            with_fake_livekit(Options::embedded().with_issuer())
                .env("ANTEROOM__HTTP__CORS_ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .env(
                    "ANTEROOM__HTTP__MAX_BODY_BYTES",
                    &MAX_BODY_BYTES.to_string(),
                )
                .env("ANTEROOM__LOBBY__WAITING_TTL_MS", "30000"),
        )
    })
    .await
}

#[tokio::test]
async fn config_openapi_health_and_metrics() {
    let Some(server) = server().await else { return };
    let anonymous = Api::anonymous(&server);
    let config = anonymous.get("/api/v1.0/config/").await.expect(200);
    assert_eq!(config["resource"]["default_access_level"], "public");
    assert!(
        config["livekit"]["url"]
            .as_str()
            .unwrap()
            .starts_with("ws://127.0.0.1:")
    );
    assert_eq!(config["recording"]["is_enabled"], false);
    assert_eq!(config["telephony"], json!({"enabled": false}));
    assert_eq!(config["LANGUAGE_CODE"], "en-us");

    let document = anonymous.get("/api/v1.0/swagger.json").await.expect(200);
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in [
        ("post", "/api/v1.0/rooms/{id}/request-entry/"),
        ("get", "/api/v1.0/rooms/{id}/events/"),
        ("post", "/api/v1.0/rooms/webhooks-livekit/"),
        ("patch", "/api/v1.0/resource-accesses/{id}/"),
    ] {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path}"
        );
    }

    assert_eq!(
        anonymous.get("/__lbheartbeat__").await.expect(200),
        json!({"status": "ok"})
    );
    let heartbeat = anonymous.get("/__heartbeat__").await.expect(200);
    assert_eq!(
        heartbeat["checks"],
        json!({"database": "ok", "lobby": "ok"})
    );

    let metrics = anonymous.get("/metrics").await;
    assert!(
        metrics.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.body.as_str().expect("text").to_owned();
    assert!(
        text.contains(
            "anteroom_http_requests_total{method=\"GET\",route=\"/api/v1.0/config/\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(text.contains(
        "anteroom_http_request_duration_seconds_bucket{method=\"GET\",route=\"/__heartbeat__\""
    ));
}

#[tokio::test]
async fn errors_are_json_and_responses_hardened() {
    let Some(server) = server().await else { return };
    let user = Api::user(&server, "hardened").await;

    let unknown = user.get("/api/v1.0/nothing/").await.expect(404);
    assert_eq!(unknown, json!({"detail": "Not found."}));
    let method = user.delete("/api/v1.0/config/").await.expect(405);
    assert_eq!(method, json!({"detail": "Method \"DELETE\" not allowed."}));

    let malformed = user
        .send(
            user.request(Method::POST, "/api/v1.0/rooms/")
                .header(CONTENT_TYPE, "application/json")
                .body("{\"name\": "),
        )
        .await
        .expect(400);
    assert!(
        malformed["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error")),
        "{malformed}"
    );
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * MAX_BODY_BYTES));
    let too_large = user
        .send(
            user.request(Method::POST, "/api/v1.0/rooms/")
                .header(CONTENT_TYPE, "application/json")
                .body(huge),
        )
        .await;
    assert_eq!(too_large.status.as_u16(), 413, "{}", too_large.body);
    assert!(too_large.body["detail"].is_string(), "{}", too_large.body);
    let form = user
        .send(
            user.request(Method::POST, "/api/v1.0/rooms/")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("name=x"),
        )
        .await
        .expect(415);
    assert!(form["detail"].is_string());

    let answer = user.get("/api/v1.0/users/me/").await;
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(answer.headers[name], value, "{name}");
    }

    // CORS: the allow-list only.
    let preflight = |origin: &str| {
        user.request(Method::OPTIONS, "/api/v1.0/rooms/")
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
    };
    let allowed = user.send(preflight(ALLOWED_ORIGIN)).await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        ALLOWED_ORIGIN
    );
    let refused = user.send(preflight("https://evil.example.com")).await;
    assert!(!refused.headers.contains_key("access-control-allow-origin"));
}

/// A signed webhook delivery.
async fn deliver(server: &Server, event: &proto::WebhookEvent, sign: bool) -> (u16, Value) {
    let body = webhook_body(event);
    let api = Api::anonymous(server);
    let mut request = api
        .request(Method::POST, "/api/v1.0/rooms/webhooks-livekit/")
        .header(CONTENT_TYPE, "application/webhook+json");
    if sign {
        request = request.header(
            AUTHORIZATION,
            sign_webhook(body.as_bytes(), LIVEKIT_KEY, LIVEKIT_SECRET),
        );
    }
    let answer = api.send(request.body(body)).await;
    (answer.status.as_u16(), answer.body)
}

fn event(kind: &str, room: &str) -> proto::WebhookEvent {
    proto::WebhookEvent {
        event: kind.to_owned(),
        id: format!("EV_{}", unique()),
        room: Some(proto::Room {
            name: room.to_owned(),
            ..Default::default()
        }),
        created_at: 1_700_000_000,
        ..Default::default()
    }
}

#[tokio::test]
async fn webhooks_answer_with_the_reference_codes_and_apply() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "host").await;
    let room = create_room(&owner, "webhooks", "restricted").await;
    let room_id = room["id"].as_str().unwrap();
    let waiting = Api::anonymous(&server)
        .post(
            &format!("/api/v1.0/rooms/{room_id}/request-entry/"),
            &json!({"username": "Early"}),
        )
        .await
        .expect(200);
    assert_eq!(waiting["status"], "waiting");

    let (status, body) = deliver(&server, &event("room_started", room_id), false).await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], "error");

    let api = Api::anonymous(&server);
    let forged = api
        .send(
            api.request(Method::POST, "/api/v1.0/rooms/webhooks-livekit/")
                .header(
                    AUTHORIZATION,
                    sign_webhook(b"another body", LIVEKIT_KEY, LIVEKIT_SECRET),
                )
                .body(webhook_body(&event("room_started", room_id))),
        )
        .await;
    assert_eq!(forged.status.as_u16(), 400, "{}", forged.body);
    let wrong_key = api
        .send(
            api.request(Method::POST, "/api/v1.0/rooms/webhooks-livekit/")
                .header(
                    AUTHORIZATION,
                    sign_webhook(b"{}", "other-key", "other-secret"),
                )
                .body("{}"),
        )
        .await;
    assert_eq!(wrong_key.status.as_u16(), 400, "{}", wrong_key.body);

    let (status, body) = deliver(&server, &event("room_exploded", room_id), true).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = deliver(&server, &event("room_started", room_id), true).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"status": "success"}));
    let (status, _) = deliver(&server, &event("participant_joined", room_id), true).await;
    assert_eq!(status, 200);

    // room_finished clears the room's lobby.
    let (status, _) = deliver(&server, &event("room_finished", room_id), true).await;
    assert_eq!(status, 200);
    let listed = owner
        .get(&format!("/api/v1.0/rooms/{room_id}/waiting-participants/"))
        .await
        .expect(200);
    assert_eq!(listed, json!({"participants": []}));
}

#[tokio::test]
async fn sigterm_ends_event_streams_and_exits_zero() {
    let mut server = Server::start(Options::embedded().with_issuer()).await;
    let owner = Api::user(&server, "host").await;
    let room = create_room(&owner, "closing", "restricted").await;
    let mut stream = owner
        .events(&format!(
            "/api/v1.0/rooms/{}/events/",
            room["id"].as_str().unwrap()
        ))
        .await
        .expect("a lobby stream");
    let snapshot = stream
        .next(Duration::from_secs(5))
        .await
        .expect("the snapshot");
    assert_eq!(snapshot.event, "snapshot");

    let status = server
        .terminate(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{}", server.log()));
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    assert!(
        stream.ended(Duration::from_secs(5)).await,
        "the event stream ends cleanly"
    );
    let log = server.log();
    assert!(log.contains("HTTP listening"), "{log}");
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let mut server = Server::start(
        Options::embedded()
            .with_issuer()
            .env("ANTEROOM__LOG__LEVEL", "debug"),
    )
    .await;
    let owner = Api::user(&server, "secretive").await;
    let room = create_room(&owner, "secret", "public").await;
    let path = format!("/api/v1.0/rooms/{}/", room["id"].as_str().expect("an id"));
    let livekit = room["livekit"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    owner
        .get(&format!("{path}?username=Someone"))
        .await
        .expect(200);
    Api::anonymous(&server)
        .bearer(&livekit)
        .post(&format!("{path}toggle-hand/"), &json!({"raised": true}))
        .await;
    Api::anonymous(&server)
        .bearer("forged.token.value")
        .get("/api/v1.0/users/me/")
        .await
        .expect(401);
    server.terminate(Duration::from_secs(10)).await;

    let log = server.log();
    assert!(
        log.contains("http request"),
        "the access log is live: {log}"
    );
    let bearer = owner.bearer_token().expect("a bearer token");
    for secret in [bearer.as_str(), livekit.as_str(), "forged.token.value"] {
        let signature = secret.rsplit('.').next().expect("a JWT");
        assert!(!log.contains(signature), "a token is in the log:\n{log}");
    }
    assert!(
        !log.contains("username=Someone"),
        "query strings are not logged"
    );
}
