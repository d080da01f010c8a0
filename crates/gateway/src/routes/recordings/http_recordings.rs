//! Router tests of the recording routes: statuses and bodies over mocked ports (each test
//! programs only the port calls its route makes; any other call panics).

use std::sync::Arc;

use anteroom_domain::access::{MockAccessRepository, Role};
use anteroom_domain::auth::{IdentityClaims, MockBearerVerifier};
use anteroom_domain::clock::SystemClock;
use anteroom_domain::id::{RecordingId, RoomId, UserId};
use anteroom_domain::media::{
    EgressInfo, EgressStatus, MockMediaServer, MockMediaTokenVerifier, MockRecordingEgress,
    MockTokenIssuer, MockWebhookVerifier,
};
use anteroom_domain::recording::{
    MockObjectSigner, MockRecordingNotifier, MockRecordingRepository, Recording, RecordingMode,
    RecordingOptions, RecordingSettings, RecordingStatus, SignedRequest,
};
use anteroom_domain::room::{
    AccessLevel, MockRoomRepository, Room, RoomConfiguration, RoomName, Slug,
};
use anteroom_domain::user::{Language, MockUserRepository, Subject, Timezone, User};
use anteroom_domain::{Error, Ports, Settings, UseCases};
use anteroom_memory::{
    MemoryCreationCallbacks, MemoryEventBus, MemoryEventLedger, MemoryLobbyStore, MemoryRateLimiter,
};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::Utc;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{GatewaySettings, router};

const SLUG: &str = "recorded";
const STORAGE_TOKEN: &str = "storage-secret";
const SUMMARY_TOKEN: &str = "summary-secret";

/// The mocks a test programs.
#[derive(Default)]
struct Mocks {
    rooms: MockRoomRepository,
    accesses: MockAccessRepository,
    media: MockMediaServer,
    recordings: MockRecordingRepository,
    egress: MockRecordingEgress,
    signer: MockObjectSigner,
}

/// The users behind the bearer tokens `owner`, `member` and `stranger` (the token is the
/// subject).
fn user(sub: &str) -> User {
    let now = Utc::now();
    User {
        id: user_id(sub),
        sub: Some(Subject::parse(sub).unwrap()),
        email: None,
        full_name: None,
        short_name: None,
        language: Language::default(),
        timezone: Timezone::default(),
        default_room_access_level: None,
        default_room_configuration: RoomConfiguration::default(),
        is_active: true,
        created_at: now,
        updated_at: now,
    }
}

/// A stable id per subject.
fn user_id(sub: &str) -> UserId {
    let id = match sub {
        "owner" => "00000000-0000-4000-8000-000000000001",
        "member" => "00000000-0000-4000-8000-000000000002",
        _ => "00000000-0000-4000-8000-000000000003",
    };
    id.parse().unwrap()
}

fn room() -> Room {
    let now = Utc::now();
    Room {
        id: "00000000-0000-4000-8000-0000000000aa"
            .parse::<RoomId>()
            .unwrap(),
        name: RoomName::parse(SLUG).unwrap(),
        slug: Slug::from_name(SLUG).unwrap(),
        slug_is_random: false,
        access_level: AccessLevel::Public,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: now,
        updated_at: now,
    }
}

fn recording(status: RecordingStatus) -> Recording {
    let now = Utc::now();
    Recording {
        id: RecordingId::new(),
        room: room().id,
        status,
        mode: RecordingMode::ScreenRecording,
        worker_id: Some("EG_1".to_owned()),
        options: RecordingOptions::default(),
        external_process_id: None,
        created_at: now,
        updated_at: now,
    }
}

fn settings(enabled: bool, storage_events: bool) -> RecordingSettings {
    RecordingSettings {
        enabled,
        storage_events_enabled: storage_events,
        storage_events_token: Some(STORAGE_TOKEN.to_owned()),
        summary_callback_token: Some(SUMMARY_TOKEN.to_owned()),
        ..RecordingSettings::default()
    }
}

fn app(mocks: Mocks, recordings: RecordingSettings) -> Router {
    let mut verifier = MockBearerVerifier::new();
    verifier.expect_verify().returning(|token| {
        Ok(IdentityClaims {
            subject: token.to_owned(),
            email: None,
            given_name: None,
            family_name: None,
            usual_name: None,
            name: None,
        })
    });
    let mut users = MockUserRepository::new();
    users
        .expect_get_by_sub()
        .returning(|sub| Ok(Some(user(sub.as_str()))));
    let ports = Ports {
        rooms: Arc::new(mocks.rooms),
        accesses: Arc::new(mocks.accesses),
        users: Arc::new(users),
        verifier: Some(Arc::new(verifier)),
        media: Arc::new(mocks.media),
        tokens: Arc::new(MockTokenIssuer::new()),
        media_tokens: Arc::new(MockMediaTokenVerifier::new()),
        webhooks: Arc::new(MockWebhookVerifier::new()),
        lobby: Arc::new(MemoryLobbyStore::new()),
        events: Arc::new(MemoryEventBus::new()),
        limiter: Arc::new(MemoryRateLimiter::new()),
        creation_callbacks: Arc::new(MemoryCreationCallbacks::new()),
        ledger: Arc::new(MemoryEventLedger::new()),
        clock: Arc::new(SystemClock),
        recordings: Arc::new(mocks.recordings),
        egress: Arc::new(mocks.egress),
        notifier: Arc::new(MockRecordingNotifier::new()),
        signer: Arc::new(mocks.signer),
        invitations: None,
    };
    let settings = Settings {
        recordings,
        ..Settings::default()
    };
    router(
        Arc::new(UseCases::new(ports, settings)),
        GatewaySettings::default(),
    )
}

/// `method uri` as `who` (a subject, or anonymous), with a JSON body.
fn request(method: Method, uri: &str, who: Option<&str>, body: Option<&Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(who) = who {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {who}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, body)
}

/// The room is found by its slug or id; `owner` owns it.
fn room_of_owner(mocks: &mut Mocks) {
    mocks.rooms.expect_get_by_slug().returning(|_| Ok(room()));
    mocks.rooms.expect_get().returning(|_| Ok(room()));
    mocks
        .accesses
        .expect_role_of()
        .returning(|_, user| Ok((user == user_id("owner")).then_some(Role::Owner)));
}

/// Every transition the machine allows succeeds.
fn transitions_succeed(mocks: &mut Mocks) {
    mocks
        .recordings
        .expect_transition()
        .returning(|id, _, to, worker, at| {
            Ok(Recording {
                id,
                status: to,
                worker_id: worker.or_else(|| Some("EG_1".to_owned())),
                updated_at: at,
                ..recording(to)
            })
        });
}

const START: &str = "/api/v1.0/rooms/recorded/start-recording/";
const STOP: &str = "/api/v1.0/rooms/recorded/stop-recording/";

#[tokio::test]
async fn start_answers_the_reference_messages() {
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    transitions_succeed(&mut mocks);
    mocks.recordings.expect_create().returning(|_, _| Ok(()));
    mocks.egress.expect_start().returning(|request| {
        Ok(EgressInfo {
            egress_id: "EG_1".to_owned(),
            room: request.room,
            status: EgressStatus::Starting,
            error: None,
        })
    });
    mocks
        .media
        .expect_merge_room_metadata()
        .returning(|_, _, _| Ok(()));
    let body = json!({"mode": "transcript", "options": {"language": "fr", "transcribe": null}});
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, START, Some("owner"), Some(&body)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    assert_eq!(
        value,
        json!({"message": "Recording successfully started for room recorded"})
    );
}

#[tokio::test]
async fn start_refusals_in_the_reference_order() {
    // Anonymous: 401 first, even with recordings disabled and a bad body.
    let (status, _, value) = send(
        app(Mocks::default(), settings(false, false)),
        request(Method::POST, START, None, Some(&json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        value,
        json!({"detail": "Authentication credentials were not provided."})
    );
    // Disabled: 404 for owners, before the body is read.
    for body in [json!({"mode": "screen_recording"}), json!({})] {
        let (status, _, value) = send(
            app(Mocks::default(), settings(false, false)),
            request(Method::POST, START, Some("owner"), Some(&body)),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(value, json!({"detail": "Not found."}));
    }
    // An invalid body is one `Invalid request.`, before the room is even looked up.
    for body in [
        json!({}),
        json!({"mode": null}),
        json!({"mode": "SCREEN_RECORDING"}),
        json!({"mode": "transcript", "options": {"unknown": 1}}),
        json!({"mode": "transcript", "options": {"transcribe": "yes"}}),
        json!({"mode": "transcript", "options": {"original_mode": "audio"}}),
        json!({"mode": "transcript", "options": []}),
    ] {
        let (status, _, value) = send(
            app(Mocks::default(), settings(true, false)),
            request(Method::POST, START, Some("owner"), Some(&body)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(value, json!({"detail": "Invalid request."}), "{body}");
    }
    // Members of the room may not record it.
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(
            Method::POST,
            START,
            Some("member"),
            Some(&json!({"mode": "transcript"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(value["detail"].is_string(), "{value}");
}

#[tokio::test]
async fn a_second_start_is_409_and_a_failed_worker_502_with_error_bodies() {
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    mocks
        .recordings
        .expect_create()
        .returning(|_, _| Err(Error::Conflict("one per room".to_owned())));
    let body = json!({"mode": "screen_recording"});
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, START, Some("owner"), Some(&body)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        value,
        json!({"error": "A recording is already in progress for room recorded"})
    );

    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    transitions_succeed(&mut mocks);
    mocks.recordings.expect_create().returning(|_, _| Ok(()));
    mocks.egress.expect_start().returning(|_| {
        Err(Error::unavailable(
            "livekit",
            std::io::Error::other("secret cause"),
        ))
    });
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, START, Some("owner"), Some(&body)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        value,
        json!({"error": "Recording failed to start for room recorded"})
    );
}

#[tokio::test]
async fn stop_answers_the_reference_messages() {
    // Nothing active.
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    mocks
        .recordings
        .expect_active_for_room()
        .returning(|_| Ok(None));
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, STOP, Some("owner"), None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        value,
        json!({"detail": "No active recording found for this room."})
    );

    // Stopped.
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    transitions_succeed(&mut mocks);
    mocks
        .recordings
        .expect_active_for_room()
        .returning(|_| Ok(Some(recording(RecordingStatus::Active))));
    mocks.recordings.expect_role_of().returning(|_, _| Ok(None));
    mocks.egress.expect_stop().returning(|id| {
        Ok(EgressInfo {
            egress_id: id.to_owned(),
            room: room().id.to_string(),
            status: EgressStatus::Ending,
            error: None,
        })
    });
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, STOP, Some("owner"), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(
        value,
        json!({"message": "Recording stopped for room recorded."})
    );

    // The worker fails: 500 with the reference's words, the cause is not shown.
    let mut mocks = Mocks::default();
    room_of_owner(&mut mocks);
    transitions_succeed(&mut mocks);
    mocks
        .recordings
        .expect_active_for_room()
        .returning(|_| Ok(Some(recording(RecordingStatus::Active))));
    mocks.egress.expect_stop().returning(|_| {
        Err(Error::unavailable(
            "livekit",
            std::io::Error::other("secret cause"),
        ))
    });
    let by_id = format!("/api/v1.0/rooms/{}/stop-recording/", room().id);
    let (status, _, value) = send(
        app(mocks, settings(true, false)),
        request(Method::POST, &by_id, Some("owner"), None),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        value,
        json!({"error": "Recording failed to stop for room recorded"})
    );

    // Disabled.
    let (status, _, value) = send(
        app(Mocks::default(), settings(false, false)),
        request(Method::POST, STOP, Some("owner"), None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn recordings_are_hidden_from_strangers_and_refused_to_members() {
    let stored = recording(RecordingStatus::Active);
    let id = stored.id;
    let uri = format!("/api/v1.0/recordings/{id}/");
    let mocks = || {
        let mut mocks = Mocks::default();
        room_of_owner(&mut mocks);
        let stored = stored.clone();
        mocks
            .recordings
            .expect_get()
            .returning(move |_| Ok(stored.clone()));
        mocks.recordings.expect_role_of().returning(|_, user| {
            Ok(if user == user_id("owner") {
                Some(Role::Owner)
            } else if user == user_id("member") {
                Some(Role::Member)
            } else {
                None
            })
        });
        mocks
    };
    let (status, _, value) = send(
        app(mocks(), settings(true, false)),
        request(Method::GET, &uri, Some("owner"), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value["id"], id.to_string());
    assert_eq!(value["status"], "active");
    assert_eq!(value["mode"], "screen_recording");
    assert_eq!(value["key"], format!("recordings/{id}.mp4"));
    assert_eq!(value["options"], json!({}));
    assert_eq!(value["is_expired"], false);
    assert_eq!(value["expired_at"], Value::Null);
    assert_eq!(
        value["room"],
        json!({"id": room().id.to_string(), "name": SLUG, "slug": SLUG, "access_level": "public"})
    );
    assert!(
        value["created_at"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );

    for (method, who, expected, body) in [
        (
            Method::GET,
            Some("stranger"),
            StatusCode::NOT_FOUND,
            json!({"detail": "No Recording matches the given query."}),
        ),
        (
            Method::DELETE,
            Some("stranger"),
            StatusCode::NOT_FOUND,
            json!({"detail": "No Recording matches the given query."}),
        ),
        (
            Method::GET,
            Some("member"),
            StatusCode::FORBIDDEN,
            json!({"detail": "You do not have permission to perform this action."}),
        ),
        (
            Method::DELETE,
            Some("owner"),
            StatusCode::FORBIDDEN,
            json!({"detail": "A recording can only be deleted once it is finished."}),
        ),
        (
            Method::GET,
            None,
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Authentication credentials were not provided."}),
        ),
    ] {
        let (status, _, value) = send(
            app(mocks(), settings(true, false)),
            request(method.clone(), &uri, who, None),
        )
        .await;
        assert_eq!(status, expected, "{method} as {who:?}");
        assert_eq!(value, body, "{method} as {who:?}");
    }
}

#[tokio::test]
async fn malformed_ids_name_no_recording_and_listing_needs_a_user() {
    let (status, _, value) = send(
        app(Mocks::default(), settings(true, false)),
        request(
            Method::GET,
            "/api/v1.0/recordings/not-a-uuid/",
            Some("owner"),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value, json!({"detail": "Not found."}));
    let (status, _, _) = send(
        app(Mocks::default(), settings(true, false)),
        request(Method::GET, "/api/v1.0/recordings/", None, None),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

const STORAGE_HOOK: &str = "/api/v1.0/recordings/storage-hook/";

fn notification(bucket: &str, key: &str, content_type: &str) -> Value {
    json!({"Records": [{"s3": {
        "bucket": {"name": bucket},
        "object": {"key": key, "contentType": content_type},
    }}]})
}

#[tokio::test]
async fn the_storage_hook_answers_the_reference_codes() {
    let key = format!("recordings%2F{}.mp4", RecordingId::new());
    let good = notification("anteroom-recordings", &key, "video/mp4");
    // Disabled storage events: 404 whatever the token.
    let (status, _, value) = send(
        app(Mocks::default(), settings(true, false)),
        request(Method::POST, STORAGE_HOOK, Some(STORAGE_TOKEN), Some(&good)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value, json!({"detail": "Not found."}));

    let cases = [
        (None, good.clone(), StatusCode::UNAUTHORIZED, None),
        (Some("wrong"), good.clone(), StatusCode::UNAUTHORIZED, None),
        (
            Some(STORAGE_TOKEN),
            json!({"Records": []}),
            StatusCode::FORBIDDEN,
            Some(json!({"detail": "Invalid request data."})),
        ),
        (
            Some(STORAGE_TOKEN),
            notification("elsewhere", &key, "video/mp4"),
            StatusCode::FORBIDDEN,
            Some(json!({"detail": "Invalid bucket specified."})),
        ),
        (
            Some(STORAGE_TOKEN),
            notification("anteroom-recordings", &key, "text/plain"),
            StatusCode::OK,
            Some(json!({"message": "Notification ignored."})),
        ),
        (
            Some(STORAGE_TOKEN),
            notification("anteroom-recordings", "other%2Ffile.mp4", "video/mp4"),
            StatusCode::OK,
            Some(json!({"message": "Notification ignored."})),
        ),
    ];
    for (token, body, expected, expected_body) in cases {
        let (status, headers, value) = send(
            app(Mocks::default(), settings(true, true)),
            request(Method::POST, STORAGE_HOOK, token, Some(&body)),
        )
        .await;
        assert_eq!(status, expected, "{token:?} {body}");
        if let Some(expected_body) = expected_body {
            assert_eq!(value, expected_body, "{body}");
        } else {
            assert!(headers.contains_key(header::WWW_AUTHENTICATE));
            assert!(value["detail"].is_string());
        }
    }
    // Not even JSON: a malformed notification.
    let raw = Request::builder()
        .method(Method::POST)
        .uri(STORAGE_HOOK)
        .header(header::AUTHORIZATION, format!("bearer {STORAGE_TOKEN}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("garbage"))
        .unwrap();
    let (status, _, value) = send(app(Mocks::default(), settings(true, true)), raw).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(value, json!({"detail": "Invalid request data."}));
}

const EXTERNAL_HOOK: &str = "/api/v1.0/recordings/external-process-hook/";

#[tokio::test]
async fn the_summary_hook_answers_200_once_authenticated() {
    let report = json!({"job_id": "job-1", "type": "transcript", "status": "success"});
    for token in [None, Some("wrong")] {
        let (status, _, _) = send(
            app(Mocks::default(), settings(true, false)),
            request(Method::POST, EXTERNAL_HOOK, token, Some(&report)),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let (status, _, value) = send(
        app(Mocks::default(), settings(true, false)),
        request(
            Method::POST,
            EXTERNAL_HOOK,
            Some(SUMMARY_TOKEN),
            Some(&json!({"status": "success"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(value, json!({"job_id": ["This field is required."]}));

    // A report without result touches nothing (no repository call is programmed).
    let (status, _, value) = send(
        app(Mocks::default(), settings(true, false)),
        request(
            Method::POST,
            EXTERNAL_HOOK,
            Some(SUMMARY_TOKEN),
            Some(&json!({"job_id": "job-1", "type": "transcript", "status": "running"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value, json!({"message": "Event processed."}));

    // An unknown job, and a recording in another status: still 200.
    for known in [false, true] {
        let mut mocks = Mocks::default();
        mocks
            .recordings
            .expect_get_by_external_process()
            .returning(move |_| {
                if known {
                    Ok(recording(RecordingStatus::Active))
                } else {
                    Err(Error::NotFound("no job".to_owned()))
                }
            });
        mocks
            .recordings
            .expect_get()
            .returning(|_| Ok(recording(RecordingStatus::Active)));
        let (status, _, value) = send(
            app(mocks, settings(true, false)),
            request(
                Method::POST,
                EXTERNAL_HOOK,
                Some(SUMMARY_TOKEN),
                Some(&report),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{value}");
        assert_eq!(value, json!({"message": "Event processed."}));
    }
}

const MEDIA_AUTH: &str = "/api/v1.0/recordings/media-auth/";

fn media_request(who: Option<&str>, url: Option<&str>) -> Request<Body> {
    let mut request = request(Method::GET, MEDIA_AUTH, who, None);
    if let Some(url) = url {
        request
            .headers_mut()
            .insert("x-original-url", url.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn media_auth_signs_saved_recordings_of_their_owners() {
    let saved = recording(RecordingStatus::Saved);
    let id = saved.id;
    let mut mocks = Mocks::default();
    mocks
        .recordings
        .expect_get()
        .returning(move |_| Ok(saved.clone()));
    mocks
        .recordings
        .expect_role_of()
        .returning(|_, user| Ok((user == user_id("owner")).then_some(Role::Owner)));
    mocks.signer.expect_sign_get().returning(|key, _| {
        Ok(SignedRequest {
            url: format!("http://minio/anteroom-recordings/{key}"),
            headers: vec![
                ("Authorization".to_owned(), "AWS4-HMAC-SHA256 x".to_owned()),
                ("X-Amz-Date".to_owned(), "20260101T000000Z".to_owned()),
                (
                    "X-Amz-Content-SHA256".to_owned(),
                    "UNSIGNED-PAYLOAD".to_owned(),
                ),
            ],
        })
    });
    let app = app(mocks, settings(true, false));
    let url = format!("https://meet.example.org/media/recordings/{id}.mp4");
    let (status, headers, value) =
        send(app.clone(), media_request(Some("owner"), Some(&url))).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value, json!("authorized"));
    assert_eq!(headers[header::AUTHORIZATION], "AWS4-HMAC-SHA256 x");
    assert_eq!(headers["x-amz-date"], "20260101T000000Z");
    assert_eq!(headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");

    let cases = [
        (None, Some(url.clone()), StatusCode::UNAUTHORIZED),
        (Some("stranger"), Some(url.clone()), StatusCode::FORBIDDEN),
        (Some("owner"), None, StatusCode::FORBIDDEN),
        (
            Some("owner"),
            Some("https://meet.example.org/elsewhere".to_owned()),
            StatusCode::FORBIDDEN,
        ),
        (
            Some("owner"),
            Some(format!(
                "https://meet.example.org/media/recordings/{id}.ogg"
            )),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (who, url, expected) in cases {
        let (status, _, value) = send(app.clone(), media_request(who, url.as_deref())).await;
        assert_eq!(status, expected, "{who:?} {url:?}: {value}");
        assert!(value["detail"].is_string(), "{value}");
    }
    let txt = format!("https://meet.example.org/media/recordings/{id}.txt");
    let (status, _, value) = send(app, media_request(Some("owner"), Some(&txt))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(value, json!({"detail": "Unsupported extension."}));
}
