//! Router tests over mocked ports: error mapping, hardening, the documents and a few routes,
//! driven with `tower::ServiceExt::oneshot`.

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::access::MockAccessRepository;
use anteroom_domain::clock::SystemClock;
use anteroom_domain::id::RoomId;
use anteroom_domain::media::{
    JoinAnswer, MockMediaServer, MockMediaTokenVerifier, MockRecordingEgress, MockTokenIssuer,
    MockWebhookVerifier, ReceivedWebhook,
};
use anteroom_domain::recording::{
    MockObjectSigner, MockRecordingNotifier, MockRecordingRepository,
};
use anteroom_domain::room::{
    AccessLevel, MockRoomRepository, Room, RoomConfiguration, RoomName, Slug,
};
use anteroom_domain::user::MockUserRepository;
use anteroom_domain::{Error, Ports, Settings, UseCases};
use anteroom_memory::{
    MemoryCreationCallbacks, MemoryEventBus, MemoryEventLedger, MemoryLobbyStore, MemoryRateLimiter,
};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::metrics::Metrics;
use crate::routes::ROUTES;
use crate::{GatewaySettings, layers, router};

/// The mocks a test programs before the router is built.
#[derive(Default)]
struct Mocks {
    rooms: MockRoomRepository,
    tokens: MockTokenIssuer,
    webhooks: MockWebhookVerifier,
}

fn use_cases(mocks: Mocks) -> Arc<UseCases> {
    let ports = Ports {
        rooms: Arc::new(mocks.rooms),
        accesses: Arc::new(MockAccessRepository::new()),
        users: Arc::new(MockUserRepository::new()),
        verifier: None,
        media: Arc::new(MockMediaServer::new()),
        tokens: Arc::new(mocks.tokens),
        media_tokens: Arc::new(MockMediaTokenVerifier::new()),
        webhooks: Arc::new(mocks.webhooks),
        lobby: Arc::new(MemoryLobbyStore::new()),
        events: Arc::new(MemoryEventBus::new()),
        limiter: Arc::new(MemoryRateLimiter::new()),
        creation_callbacks: Arc::new(MemoryCreationCallbacks::new()),
        ledger: Arc::new(MemoryEventLedger::new()),
        clock: Arc::new(SystemClock),
        recordings: Arc::new(MockRecordingRepository::new()),
        egress: Arc::new(MockRecordingEgress::new()),
        notifier: Arc::new(MockRecordingNotifier::new()),
        signer: Arc::new(MockObjectSigner::new()),
        invitations: None,
    };
    Arc::new(UseCases::new(ports, Settings::default()))
}

fn app(mocks: Mocks) -> Router {
    router(use_cases(mocks), GatewaySettings::default())
}

fn public_room(slug: &str) -> Room {
    let now = chrono::Utc::now();
    Room {
        id: RoomId::new(),
        name: RoomName::parse(slug).unwrap(),
        slug: Slug::from_name(slug).unwrap(),
        slug_is_random: false,
        access_level: AccessLevel::Public,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: now,
        updated_at: now,
    }
}

fn request(method: Method, uri: &str, body: Option<&str>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn send(app: Router, request: Request<Body>) -> (StatusCode, Response<()>, Value) {
    let response = app.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (parts.status, Response::from_parts(parts, ()), value)
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_json() {
    let (status, response, body) = send(
        app(Mocks::default()),
        request(Method::GET, "/api/v1.0/nothing/", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Not found."}));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");

    let (status, _, body) = send(
        app(Mocks::default()),
        request(Method::DELETE, "/api/v1.0/users/me/", None),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body, json!({"detail": "Method \"DELETE\" not allowed."}));

    // Trailing slashes are part of the routes, as in the reference.
    let (status, _, _) = send(
        app(Mocks::default()),
        request(Method::GET, "/api/v1.0/config", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    for uri in ["/api/v1.0/config/", "/nowhere"] {
        let (_, response, _) = send(app(Mocks::default()), request(Method::GET, uri, None)).await;
        let headers = response.headers();
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; frame-ancestors 'none'"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    }
}

#[tokio::test]
async fn bad_bodies_are_json_4xx_never_500() {
    let cases = [
        ("{", "application/json", StatusCode::BAD_REQUEST),
        ("[1, 2]", "application/json", StatusCode::BAD_REQUEST),
        (
            r#"{"username": 3}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            "username=x",
            "application/x-www-form-urlencoded",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (body, content_type, expected) in cases {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1.0/rooms/any/request-entry/")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let (status, _, value) = send(app(Mocks::default()), request).await;
        assert_eq!(status, expected, "{body}");
        assert!(value["detail"].is_string(), "{body}: {value}");
    }
    let (status, _, value) = send(
        app(Mocks::default()),
        request(
            Method::POST,
            "/api/v1.0/rooms/any/request-entry/",
            Some("{}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(value, json!({"username": ["This field is required."]}));
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_json() {
    let settings = GatewaySettings {
        max_body_bytes: 64,
        ..GatewaySettings::default()
    };
    let app = router(use_cases(Mocks::default()), settings);
    let big = format!(r#"{{"username": "{}"}}"#, "x".repeat(200));
    let (status, _, value) = send(
        app,
        request(
            Method::POST,
            "/api/v1.0/rooms/any/request-entry/",
            Some(&big),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(value, json!({"detail": "Request body is too large."}));
}

#[tokio::test]
async fn anonymous_callers_of_protected_routes_get_401_with_detail() {
    for (method, uri, body) in [
        (Method::POST, "/api/v1.0/rooms/", Some("{}")),
        (Method::GET, "/api/v1.0/users/me/", None),
        (Method::GET, "/api/v1.0/users/", None),
        (Method::GET, "/api/v1.0/resource-accesses/", None),
    ] {
        let (status, response, value) =
            send(app(Mocks::default()), request(method, uri, body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            value,
            json!({"detail": "Authentication credentials were not provided."})
        );
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
    // Without identity provider, a bearer token is refused rather than ignored.
    let bearer = Request::builder()
        .uri("/api/v1.0/users/me/")
        .header(header::AUTHORIZATION, "Bearer a.b.c")
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(app(Mocks::default()), bearer).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn livekit_token_routes_answer_403_without_a_token() {
    let (status, _, value) = send(
        app(Mocks::default()),
        request(
            Method::POST,
            "/api/v1.0/rooms/any/toggle-hand/",
            Some(r#"{"raised": true}"#),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        value["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Invalid LiveKit token: ")),
        "{value}"
    );
}

#[tokio::test]
async fn rooms_read_and_list_for_anonymous_callers() {
    let mut mocks = Mocks::default();
    mocks
        .rooms
        .expect_get_by_slug()
        .returning(|_| Err(Error::NotFound("no".into())));
    let (status, _, value) = send(
        app(mocks),
        request(Method::GET, "/api/v1.0/rooms/R%C3%A9union/", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value, json!({"detail": "No Room matches the given query."}));

    let (status, _, value) = send(
        app(Mocks::default()),
        request(Method::GET, "/api/v1.0/rooms/", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        value,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
    let (status, _, value) = send(
        app(Mocks::default()),
        request(Method::GET, "/api/v1.0/rooms/?page=2", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value, json!({"detail": "Invalid page."}));
}

#[tokio::test]
async fn request_entry_sets_the_participant_cookie() {
    let mut mocks = Mocks::default();
    let room = public_room("open");
    let found = room.clone();
    mocks
        .rooms
        .expect_get_by_slug()
        .returning(move |_| Ok(found.clone()));
    mocks.tokens.expect_issue().returning(|grant| {
        Ok(JoinAnswer {
            url: "ws://lk".into(),
            room: grant.room.clone(),
            token: "jwt".into(),
        })
    });
    let (status, response, value) = send(
        app(mocks),
        request(
            Method::POST,
            "/api/v1.0/rooms/open/request-entry/",
            Some(r#"{"username": "Ana"}"#),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value["status"], "accepted");
    assert_eq!(value["username"], "Ana");
    assert_eq!(
        value["livekit"],
        json!({"url": "ws://lk", "room": room.id.to_string(), "token": "jwt"})
    );
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let id = value["id"].as_str().unwrap();
    assert!(
        cookie.starts_with(&format!("lobbyParticipantId={id};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
}

#[tokio::test]
async fn the_creation_callback_answers_like_the_reference() {
    const PATH: &str = "/api/v1.0/rooms/creation-callback/";
    let app = app(Mocks::default());
    let (status, _, body) = send(
        app.clone(),
        request(Method::POST, PATH, Some(r#"{"callback_id": "unknown"}"#)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "success", "room": {}}));
    for (sent, message) in [
        ("{}", "This field is required."),
        (r#"{"callback_id": " "}"#, "This field may not be blank."),
    ] {
        let (status, _, body) = send(app.clone(), request(Method::POST, PATH, Some(sent))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{sent}");
        assert_eq!(body, json!({"callback_id": [message]}), "{sent}");
    }
    let (status, _, _) = send(app, request(Method::GET, PATH, None)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn webhooks_answer_with_the_reference_codes() {
    let mut mocks = Mocks::default();
    mocks
        .webhooks
        .expect_verify()
        .returning(|body, authorization| match (authorization, body) {
            (None, _) => Err(Error::Unauthenticated(
                "Authorization header missing".into(),
            )),
            (Some("bad"), _) => Err(Error::invalid("authorization", "invalid token")),
            (Some(_), "unknown") => Ok(ReceivedWebhook::Unknown("what_happened".into())),
            (Some(_), _) => Err(Error::invalid("body", "not a webhook event")),
        });
    let app = app(mocks);
    let post = |auth: Option<&str>, body: &str| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/v1.0/rooms/webhooks-livekit/")
            .header(header::CONTENT_TYPE, "application/webhook+json");
        if let Some(auth) = auth {
            builder = builder.header(header::AUTHORIZATION, auth);
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    };
    let (status, _, value) = send(app.clone(), post(None, "{}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(value["status"], "error");
    let (status, _, value) = send(app.clone(), post(Some("bad"), "{}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(value["status"], "error");
    let (status, _, value) = send(app.clone(), post(Some("good"), "unknown")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(value["status"], "error");
    let (status, _, _) = send(app, post(Some("good"), "{}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let (status, _, document) = send(
        app(Mocks::default()),
        request(Method::GET, "/api/v1.0/swagger.json", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "undocumented or unrouted operations"
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let mut mocks = Mocks::default();
    mocks
        .rooms
        .expect_get()
        .returning(|_| Err(Error::NotFound("no".into())));
    let app = app(mocks);
    let (status, _, value) =
        send(app.clone(), request(Method::GET, "/__lbheartbeat__", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value, json!({"status": "ok"}));
    let (status, _, value) = send(app.clone(), request(Method::GET, "/__heartbeat__", None)).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value["checks"], json!({"database": "ok", "lobby": "ok"}));

    let response = app
        .clone()
        .oneshot(request(Method::GET, "/metrics", None))
        .await
        .unwrap();
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = String::from_utf8(
        to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains(
            "anteroom_http_requests_total{method=\"GET\",route=\"/__lbheartbeat__\",status=\"200\"} 1"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_database_down_fails_the_heartbeat() {
    let mut mocks = Mocks::default();
    mocks.rooms.expect_get().returning(|_| {
        Err(Error::unavailable(
            "database",
            std::io::Error::other("refused"),
        ))
    });
    let (status, _, value) = send(app(mocks), request(Method::GET, "/__heartbeat__", None)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(value["checks"]["database"], "database is unavailable");
}

#[tokio::test]
async fn cors_follows_the_allow_list() {
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/v1.0/rooms/")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let settings = GatewaySettings {
        cors_allowed_origins: vec!["https://meet.example.org".to_owned()],
        ..GatewaySettings::default()
    };
    let allowed = router(use_cases(Mocks::default()), settings);
    let (_, response, _) = send(allowed.clone(), preflight("https://meet.example.org")).await;
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://meet.example.org"
    );
    let (_, response, _) = send(allowed, preflight("https://evil.example.com")).await;
    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
    let (_, response, _) = send(app(Mocks::default()), preflight("https://meet.example.org")).await;
    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}

#[tokio::test]
async fn slow_handlers_time_out_and_panics_are_generic_500s() {
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }
    async fn broken() -> &'static str {
        panic!("secret panic message")
    }
    let settings = GatewaySettings {
        request_timeout: Duration::from_millis(50),
        ..GatewaySettings::default()
    };
    let app = layers::harden(
        Router::new()
            .route("/slow", get(slow))
            .route("/broken", get(broken)),
        &settings,
        Arc::new(Metrics::default()),
    );
    let (status, _, value) = send(app.clone(), request(Method::GET, "/slow", None)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(value, json!({"detail": "The request took too long."}));
    let (status, _, value) = send(app, request(Method::GET, "/broken", None)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(value, json!({"detail": "A server error occurred."}));
}
