//! Recordings over the REST gateway, against the real binary on PostgreSQL and a fake LiveKit
//! server of its own whose signed webhooks reach the binary's
//! `/api/v1.0/rooms/webhooks-livekit/`: start and stop (the egress checked on the fake), the
//! recording's own access rules, finalisation by `egress_ended` (storage events off) or by
//! the storage hook (MinIO and S3 notifications, storage events on), the summary service's
//! round trip (a local HTTP server answering job ids, then its callback), signed downloads,
//! LIMIT_REACHED, and the feature flag.
//!
//! The fake's egress stays where the test puts it (`set_egress_status`): no automatic
//! transitions.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use anteroom_livekit_fake::proto::EgressStatus;
use anteroom_livekit_fake::{FakeConfig, FakeLiveKit};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Options, SharedGuard, SharedServer, free_port};
use crate::http_support::{Answer, Api, create_room};
use crate::lobby::{LIVEKIT_KEY, LIVEKIT_SECRET, fake};

/// The storage bucket (the default setting).
const BUCKET: &str = "anteroom-recordings";
/// The storage hook's bearer token.
const STORAGE_TOKEN: &str = "storage-events-token";
/// The summary service's callback token.
const CALLBACK_TOKEN: &str = "summary-callback-token";
/// How long a webhook-driven change may take to show.
const SETTLE: Duration = Duration::from_secs(15);

/// The binary with storage events off (`egress_ended` finalises), storage credentials (signed
/// downloads) and a summary service.
static FINALISING: SharedServer = SharedServer::const_new();
static FINALISING_FAKE: OnceLock<FakeLiveKit> = OnceLock::new();
static FINALISING_DATABASE: OnceLock<String> = OnceLock::new();

/// The binary with storage events on (the storage hook finalises).
static STORAGE: SharedServer = SharedServer::const_new();
static STORAGE_FAKE: OnceLock<FakeLiveKit> = OnceLock::new();

/// A fake LiveKit server of its own, on its own thread, posting its webhooks to the binary
/// that will listen on `port`; egress moves only when a test says so.
fn own_fake(port: u16) -> FakeLiveKit {
    let config = FakeConfig {
        egress_transition_delay: None,
        ..FakeConfig::with_key(LIVEKIT_KEY, LIVEKIT_SECRET)
    }
    .with_webhook_url(format!(
        "http://127.0.0.1:{port}/api/v1.0/rooms/webhooks-livekit/"
    ));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("recordings-fake-livekit".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the fake LiveKit server");
            runtime.block_on(async move {
                let fake = FakeLiveKit::start(config)
                    .await
                    .expect("the fake LiveKit server starts");
                sender.send(fake).expect("the fake is handed over");
                std::future::pending::<()>().await;
            });
        })
        .expect("the fake LiveKit thread starts");
    receiver.recv().expect("the fake LiveKit server")
}

/// A local summary service: answers every `POST` with `{"job_id": "job-<recording_id>"}`
/// and keeps the bodies it received.
struct SummaryService {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

/// Reads one HTTP/1.1 request (headers, then `Content-Length` bytes of body).
fn read_request(stream: &std::net::TcpStream) -> Option<(String, Value)> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

fn summary_service() -> &'static SummaryService {
    static SERVICE: OnceLock<SummaryService> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the summary service");
        let url = format!(
            "http://{}/api/v1/tasks/",
            listener.local_addr().expect("its address")
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        std::thread::Builder::new()
            .name("summary-service".to_owned())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let kept = Arc::clone(&kept);
                    std::thread::spawn(move || {
                        let Some((head, body)) = read_request(&stream) else {
                            return;
                        };
                        let authorised = head
                            .lines()
                            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer summary-token"));
                        let (status, answer) = if authorised {
                            let job = format!(
                                "job-{}",
                                body["recording_id"].as_str().unwrap_or_default()
                            );
                            ("200 OK", json!({ "job_id": job }).to_string())
                        } else {
                            ("401 Unauthorized", "{}".to_owned())
                        };
                        kept.lock().unwrap_or_else(PoisonError::into_inner).push(body);
                        let mut stream = stream;
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                            answer.len()
                        );
                    });
                }
            })
            .expect("the summary service thread starts");
        SummaryService { url, received }
    })
}

/// A binary on a fresh PostgreSQL database (its name), listening on `port`, with recordings
/// on and the LiveKit settings of `livekit`.
fn recording_options(port: u16, livekit: &FakeLiveKit) -> Option<(Options, String)> {
    let pg = anteroom_testkit::shared_postgres()?;
    let url = pg.create_database();
    let name = url.rsplit('/').next().expect("a database name").to_owned();
    let options = Options::embedded()
        .env("ANTEROOM__DATABASE__URL", &url)
        .with_issuer()
        .env("ANTEROOM__HTTP__ADDR", &format!("127.0.0.1:{port}"))
        .env("ANTEROOM__LIVEKIT__URL", &livekit.ws_url())
        .env("ANTEROOM__LIVEKIT__API_URL", &livekit.url())
        .env("ANTEROOM__LIVEKIT__API_KEY", LIVEKIT_KEY)
        .env("ANTEROOM__LIVEKIT__API_SECRET", LIVEKIT_SECRET)
        .env("ANTEROOM__RECORDINGS__ENABLED", "true")
        .env("ANTEROOM__RECORDINGS__NOTIFY_ATTEMPTS", "1");
    Some((options, name))
}

async fn finalising() -> Option<SharedGuard> {
    crate::harness::shared(&FINALISING, || {
        let port = free_port();
        let livekit = FINALISING_FAKE.get_or_init(|| own_fake(port));
        let (options, database) = recording_options(port, livekit)?;
        FINALISING_DATABASE.set(database).ok();
        let summary = summary_service();
        Some(
            options
                .env(
                    "ANTEROOM__RECORDINGS__STORAGE__ENDPOINT",
                    "http://127.0.0.1:9",
                )
                .env("ANTEROOM__RECORDINGS__STORAGE__REGION", "eu-west-3")
                .env("ANTEROOM__RECORDINGS__STORAGE__ACCESS_KEY", "e2e-access")
                .env("ANTEROOM__RECORDINGS__STORAGE__SECRET_KEY", "e2e-secret")
                .env("ANTEROOM__RECORDINGS__SUMMARY__URL", &summary.url)
                .env("ANTEROOM__RECORDINGS__SUMMARY__TOKEN", "summary-token")
                .env(
                    "ANTEROOM__RECORDINGS__SUMMARY__CALLBACK_TOKEN",
                    CALLBACK_TOKEN,
                ),
        )
    })
    .await
}

async fn storage() -> Option<SharedGuard> {
    crate::harness::shared(&STORAGE, || {
        let port = free_port();
        let livekit = STORAGE_FAKE.get_or_init(|| own_fake(port));
        let (options, _) = recording_options(port, livekit)?;
        Some(
            options
                .env("ANTEROOM__RECORDINGS__STORAGE_EVENTS__ENABLED", "true")
                .env("ANTEROOM__RECORDINGS__STORAGE_EVENTS__TOKEN", STORAGE_TOKEN),
        )
    })
    .await
}

fn finalising_fake() -> &'static FakeLiveKit {
    FINALISING_FAKE.get().expect("the finalising server's fake")
}

fn storage_fake() -> &'static FakeLiveKit {
    STORAGE_FAKE.get().expect("the storage server's fake")
}

/// Runs one SQL statement in the finalising server's database.
fn sql(statement: &str) -> String {
    let pg = anteroom_testkit::shared_postgres().expect("PostgreSQL runs");
    pg.psql(
        FINALISING_DATABASE.get().expect("the module database"),
        statement,
    )
    .unwrap_or_else(|e| panic!("{statement}: {e}"))
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

/// A public room of `owner`, live on `livekit`.
async fn live_room(owner: &Api, livekit: &FakeLiveKit) -> Value {
    let room = create_room(owner, "Recorded", "public").await;
    livekit.create_room(text(&room["id"]));
    room
}

fn action(room: &Value, what: &str) -> String {
    format!("/api/v1.0/rooms/{}/{what}/", text(&room["slug"]))
}

fn recording_path(id: &str) -> String {
    format!("/api/v1.0/recordings/{id}/")
}

/// Starts a recording of `room` in `mode`; returns it as its owner lists it.
async fn start(owner: &Api, room: &Value, mode: &str) -> Value {
    let started = owner
        .post(&action(room, "start-recording"), &json!({ "mode": mode }))
        .await
        .expect(201);
    assert_eq!(
        started,
        json!({"message": format!("Recording successfully started for room {}", text(&room["slug"]))})
    );
    let listed = owner.get("/api/v1.0/recordings/").await.expect(200);
    listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["room"]["id"] == room["id"] && r["status"] == "active")
        .cloned()
        .expect("the started recording is listed")
}

async fn stop(owner: &Api, room: &Value) {
    let stopped = owner
        .post(&action(room, "stop-recording"), &json!({}))
        .await
        .expect(200);
    assert_eq!(
        stopped,
        json!({"message": format!("Recording stopped for room {}.", text(&room["slug"]))})
    );
}

/// The one egress of a room on `livekit`.
fn egress_of(livekit: &FakeLiveKit, room: &Value) -> anteroom_livekit_fake::proto::EgressInfo {
    let mut egresses: Vec<_> = livekit
        .egresses()
        .into_iter()
        .filter(|e| e.room_name == text(&room["id"]))
        .collect();
    assert_eq!(egresses.len(), 1, "one egress for the room: {egresses:?}");
    egresses.remove(0)
}

/// Polls the recording until its status is one of `wanted`.
async fn wait_status(owner: &Api, id: &str, wanted: &[&str]) -> Value {
    let started = Instant::now();
    loop {
        let got = owner.get(&recording_path(id)).await;
        if got.status == StatusCode::OK
            && got.body["status"]
                .as_str()
                .is_some_and(|s| wanted.contains(&s))
        {
            return got.body;
        }
        assert!(
            started.elapsed() < SETTLE,
            "the recording is not {wanted:?} after {SETTLE:?}: {} {}",
            got.status,
            got.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `POST` of `body` as raw text with `authorization` (if any) and a JSON content type.
async fn post_as(caller: &Api, path: &str, authorization: Option<&str>, body: &Value) -> Answer {
    let mut request = Api::request(caller, Method::POST, path)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    caller.send(request).await
}

/// A MinIO notification: key percent-encoded (`/` as `%2F`), content type reported.
fn minio(bucket: &str, key: &str, content_type: &str) -> Value {
    json!({
        "EventName": "s3:ObjectCreated:Put",
        "Key": format!("{bucket}/{key}"),
        "Records": [{
            "eventVersion": "2.0",
            "eventSource": "minio:s3",
            "eventName": "s3:ObjectCreated:Put",
            "s3": {
                "s3SchemaVersion": "1.0",
                "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
                "object": {
                    "key": key.replace('/', "%2F"),
                    "size": 1024,
                    "contentType": content_type,
                    "eTag": "d41d8cd98f00b204e9800998ecf8427e"
                }
            }
        }]
    })
}

/// An S3 notification: no content type (guessed from the key), key as S3 sends it.
fn s3(bucket: &str, key: &str) -> Value {
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "eu-west-3",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "s3SchemaVersion": "1.0",
                "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
                "object": {"key": key, "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e"}
            }
        }]
    })
}

const STORAGE_HOOK: &str = "/api/v1.0/recordings/storage-hook/";
const EXTERNAL_HOOK: &str = "/api/v1.0/recordings/external-process-hook/";
const MEDIA_AUTH: &str = "/api/v1.0/recordings/media-auth/";

/// `GET /recordings/media-auth/` for `url`.
async fn media_auth(caller: &Api, url: &str) -> Answer {
    caller
        .send(
            caller
                .request(Method::GET, MEDIA_AUTH)
                .header("X-Original-URL", url),
        )
        .await
}

#[tokio::test]
async fn a_recording_is_started_once_stopped_listed_and_deleted_by_its_owner_only() {
    let Some(server) = finalising().await else {
        return;
    };
    let livekit = finalising_fake();
    let owner = Api::user(&server, "owner").await;
    let room = live_room(&owner, livekit).await;

    let recording = start(&owner, &room, "screen_recording").await;
    let id = text(&recording["id"]).to_owned();
    assert_eq!(recording["mode"], "screen_recording");
    assert_eq!(recording["key"], format!("recordings/{id}.mp4"));
    assert_eq!(recording["options"], json!({}));
    assert_eq!(recording["is_expired"], false);
    assert_eq!(
        recording["room"],
        json!({"id": room["id"], "name": room["name"], "slug": room["slug"], "access_level": "public"})
    );
    let egress = egress_of(livekit, &room);
    assert_eq!(egress.status, EgressStatus::EgressStarting as i32);

    // One at a time per room.
    let again = owner
        .post(
            &action(&room, "start-recording"),
            &json!({"mode": "transcript"}),
        )
        .await
        .expect(409);
    assert_eq!(
        again,
        json!({"error": format!("A recording is already in progress for room {}", text(&room["slug"]))})
    );
    egress_of(livekit, &room);

    // Its owner reads it; a stranger learns nothing; a member of the recording sees it
    // listed but may not read it.
    assert_eq!(owner.get(&recording_path(&id)).await.expect(200)["id"], id);
    let stranger = Api::user(&server, "stranger").await;
    assert_eq!(
        stranger.get(&recording_path(&id)).await.expect(404),
        json!({"detail": "No Recording matches the given query."})
    );
    stranger.delete(&recording_path(&id)).await.expect(404);
    let listed = stranger.get("/api/v1.0/recordings/").await.expect(200);
    assert_eq!(listed["count"], 0);
    let member = Api::user(&server, "member").await;
    sql(&format!(
        "INSERT INTO recording_accesses (id, recording_id, user_id, role, created_at) \
         VALUES (gen_random_uuid(), '{id}', '{}', 'member', now())",
        member.id
    ));
    let listed = member.get("/api/v1.0/recordings/").await.expect(200);
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["results"][0]["id"], id);
    member.get(&recording_path(&id)).await.expect(403);
    member.delete(&recording_path(&id)).await.expect(403);

    // In progress: not deletable; not downloadable.
    owner.delete(&recording_path(&id)).await.expect(403);
    media_auth(
        &owner,
        &format!("https://meet.example.test/media/recordings/{id}.mp4"),
    )
    .await
    .expect(403);

    stop(&owner, &room).await;
    assert_eq!(
        livekit
            .egress(&egress.egress_id)
            .expect("the egress")
            .status,
        EgressStatus::EgressEnding as i32
    );
    let read = owner.get(&recording_path(&id)).await.expect(200);
    assert_eq!(read["status"], "stopped");
    assert_eq!(
        owner
            .post(&action(&room, "stop-recording"), &json!({}))
            .await
            .expect(404),
        json!({"detail": "No active recording found for this room."})
    );

    // Final: its owner deletes it.
    owner.delete(&recording_path(&id)).await.expect(204);
    owner.get(&recording_path(&id)).await.expect(404);
    let listed = owner.get("/api/v1.0/recordings/").await.expect(200);
    assert!(
        listed["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r["id"] != id.as_str())
    );
}

#[tokio::test]
async fn egress_ended_finalises_and_saved_recordings_are_signed_for_their_owners() {
    let Some(server) = finalising().await else {
        return;
    };
    let livekit = finalising_fake();
    let owner = Api::user(&server, "owner").await;
    let room = live_room(&owner, livekit).await;
    let recording = start(&owner, &room, "screen_recording").await;
    let id = text(&recording["id"]).to_owned();
    stop(&owner, &room).await;

    // The fake's signed `egress_ended` (COMPLETE) reaches the binary, which finalises: no mail
    // relay is configured, so the owner's e-mail fails and the recording stays `saved`.
    let egress = egress_of(livekit, &room);
    livekit
        .set_egress_status(&egress.egress_id, EgressStatus::EgressComplete)
        .expect("the egress completes");
    let saved = wait_status(&owner, &id, &["saved", "notification_succeeded"]).await;
    assert_eq!(saved["status"], "saved");
    assert!(
        livekit
            .webhook_events()
            .iter()
            .any(|e| e.event == "egress_ended"
                && e.egress_info.as_ref().map(|i| i.egress_id.as_str())
                    == Some(egress.egress_id.as_str()))
    );

    // Its owner gets the storage request signed; nobody else; other extensions are refused.
    let url = format!("https://meet.example.test/media/recordings/{id}.mp4");
    let signed = media_auth(&owner, &url).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.body, json!("authorized"));
    let authorization = signed
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .expect("an Authorization header");
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=e2e-access/"),
        "{authorization}"
    );
    assert!(authorization.contains("/eu-west-3/s3/aws4_request"));
    assert!(signed.headers.contains_key("x-amz-date"));
    assert!(signed.headers.contains_key("x-amz-content-sha256"));
    let stranger = Api::user(&server, "stranger").await;
    media_auth(&stranger, &url).await.expect(403);
    media_auth(&Api::anonymous(&server), &url).await.expect(401);
    assert_eq!(
        media_auth(
            &owner,
            &format!("https://meet.example.test/media/recordings/{id}.txt")
        )
        .await
        .expect(400),
        json!({"detail": "Unsupported extension."})
    );
    media_auth(
        &owner,
        &format!("https://meet.example.test/media/recordings/{id}.ogg"),
    )
    .await
    .expect(404);
    media_auth(&owner, "https://meet.example.test/elsewhere")
        .await
        .expect(403);

    // Saved is final.
    owner.delete(&recording_path(&id)).await.expect(204);
}

#[tokio::test]
async fn a_transcript_goes_to_the_summary_service_which_reports_back() {
    let Some(server) = finalising().await else {
        return;
    };
    let livekit = finalising_fake();
    let owner = Api::user(&server, "owner").await;
    let room = live_room(&owner, livekit).await;
    let recording = start(&owner, &room, "transcript").await;
    let id = text(&recording["id"]).to_owned();
    assert_eq!(recording["key"], format!("recordings/{id}.ogg"));
    stop(&owner, &room).await;
    livekit
        .set_egress_status(
            &egress_of(livekit, &room).egress_id,
            EgressStatus::EgressComplete,
        )
        .expect("the egress completes");

    // The summary service answered a job id: every notification succeeded.
    wait_status(&owner, &id, &["notification_succeeded"]).await;
    let sent = summary_service()
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|b| b["recording_id"] == id.as_str())
        .cloned()
        .expect("the summary service was called");
    assert_eq!(sent["recording_filename"], format!("recordings/{id}.ogg"));

    // Its callback: the token first, then the job.
    let anonymous = Api::anonymous(&server);
    let report = json!({"job_id": format!("job-{id}"), "type": "transcript", "status": "success"});
    post_as(&anonymous, EXTERNAL_HOOK, None, &report)
        .await
        .expect(401);
    post_as(&anonymous, EXTERNAL_HOOK, Some("Bearer wrong"), &report)
        .await
        .expect(401);
    let callback = format!("Bearer {CALLBACK_TOKEN}");
    assert_eq!(
        post_as(
            &anonymous,
            EXTERNAL_HOOK,
            Some(&callback),
            &json!({"type": "transcript"})
        )
        .await
        .expect(400),
        json!({"job_id": ["This field is required."]})
    );
    // Nothing to apply, an unknown job: 200, nothing changes.
    for ignored in [
        json!({"job_id": format!("job-{id}"), "type": "transcript", "status": "pending"}),
        json!({"job_id": "job-unknown", "type": "transcript", "status": "success"}),
    ] {
        assert_eq!(
            post_as(&anonymous, EXTERNAL_HOOK, Some(&callback), &ignored)
                .await
                .expect(200),
            json!({"message": "Event processed."})
        );
    }
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "notification_succeeded"
    );
    for _ in 0..2 {
        assert_eq!(
            post_as(&anonymous, EXTERNAL_HOOK, Some(&callback), &report)
                .await
                .expect(200),
            json!({"message": "Event processed."})
        );
    }
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "external_process_successful"
    );
    let url = format!("https://meet.example.test/media/recordings/{id}.ogg");
    media_auth(&owner, &url).await.expect(200);
}

#[tokio::test]
async fn limit_reached_stops_tells_the_room_and_the_storage_hook_finalises() {
    let Some(server) = storage().await else {
        return;
    };
    let livekit = storage_fake();
    let owner = Api::user(&server, "owner").await;
    let room = live_room(&owner, livekit).await;
    let room_id = text(&room["id"]).to_owned();
    let recording = start(&owner, &room, "screen_recording").await;
    let id = text(&recording["id"]).to_owned();

    livekit
        .set_egress_status(
            &egress_of(livekit, &room).egress_id,
            EgressStatus::EgressLimitReached,
        )
        .expect("the egress hits its limit");
    // Storage events are on: `egress_ended` stops it but does not finalise it.
    wait_status(&owner, &id, &["stopped"]).await;
    let told: Vec<Value> = livekit
        .data_messages(&room_id)
        .iter()
        .filter_map(|m| serde_json::from_slice(&m.data).ok())
        .collect();
    assert!(
        told.contains(&json!({"type": "screenRecordingLimitReached"})),
        "{told:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "stopped"
    );

    // MinIO's notification of its file finalises it; a second one is refused.
    let anonymous = Api::anonymous(&server);
    let bearer = format!("Bearer {STORAGE_TOKEN}");
    let stored = minio(BUCKET, &format!("recordings/{id}.mp4"), "video/mp4");
    assert_eq!(
        post_as(&anonymous, STORAGE_HOOK, Some(&bearer), &stored)
            .await
            .expect(200),
        json!({"message": "Event processed."})
    );
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "saved"
    );
    let again = post_as(&anonymous, STORAGE_HOOK, Some(&bearer), &stored)
        .await
        .expect(403);
    assert!(
        text(&again["detail"]).ends_with(
            "cannot be saved because it is either, in an error state or has already been saved."
        ),
        "{again}"
    );
}

#[tokio::test]
async fn the_storage_hook_takes_s3_notifications_and_refuses_the_others() {
    let Some(server) = storage().await else {
        return;
    };
    let livekit = storage_fake();
    let owner = Api::user(&server, "owner").await;
    let room = live_room(&owner, livekit).await;
    let recording = start(&owner, &room, "screen_recording").await;
    let id = text(&recording["id"]).to_owned();
    stop(&owner, &room).await;
    livekit
        .set_egress_status(
            &egress_of(livekit, &room).egress_id,
            EgressStatus::EgressComplete,
        )
        .expect("the egress completes");
    livekit.webhooks_settled().await;
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "stopped"
    );

    let anonymous = Api::anonymous(&server);
    let bearer = format!("Bearer {STORAGE_TOKEN}");
    let key = format!("recordings/{id}.mp4");
    let good = s3(BUCKET, &key);
    for authorization in [None, Some("Bearer wrong"), Some("Basic abc")] {
        let refused = post_as(&anonymous, STORAGE_HOOK, authorization, &good)
            .await
            .expect(401);
        assert!(refused["detail"].is_string(), "{refused}");
    }
    assert_eq!(
        post_as(
            &anonymous,
            STORAGE_HOOK,
            Some(&bearer),
            &s3("elsewhere", &key)
        )
        .await
        .expect(403),
        json!({"detail": "Invalid bucket specified."})
    );
    assert_eq!(
        post_as(
            &anonymous,
            STORAGE_HOOK,
            Some(&bearer),
            &json!({"Records": []})
        )
        .await
        .expect(403),
        json!({"detail": "Invalid request data."})
    );
    for ignored in [
        minio(BUCKET, &key, "text/plain"),
        s3(BUCKET, &format!("elsewhere/{id}.mp4")),
        // Not in the recordings folder.
        json!({"Records": [{"s3": {"bucket": {"name": BUCKET}, "object": {"key": format!("other/{id}.txt"), "contentType": "video/mp4"}}}]}),
    ] {
        assert_eq!(
            post_as(&anonymous, STORAGE_HOOK, Some(&bearer), &ignored)
                .await
                .expect(200),
            json!({"message": "Notification ignored."}),
            "{ignored}"
        );
    }
    let unknown = s3(BUCKET, &format!("recordings/{}.mp4", uuid::Uuid::new_v4()));
    post_as(&anonymous, STORAGE_HOOK, Some(&bearer), &unknown)
        .await
        .expect(404);
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "stopped"
    );

    // The scheme is case-insensitive.
    assert_eq!(
        post_as(
            &anonymous,
            STORAGE_HOOK,
            Some(&format!("bearer {STORAGE_TOKEN}")),
            &good
        )
        .await
        .expect(200),
        json!({"message": "Event processed."})
    );
    assert_eq!(
        owner.get(&recording_path(&id)).await.expect(200)["status"],
        "saved"
    );
}

#[tokio::test]
async fn disabled_recordings_answer_404() {
    let server = crate::lobby::start_with(&[("ANTEROOM__RECORDINGS__ENABLED", "false")]).await;
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Unrecorded", "public").await;
    fake().create_room(text(&room["id"]));
    for (path, body) in [
        (
            action(&room, "start-recording"),
            json!({"mode": "screen_recording"}),
        ),
        (action(&room, "start-recording"), json!({})),
        (action(&room, "stop-recording"), json!({})),
    ] {
        assert_eq!(
            owner.post(&path, &body).await.expect(404),
            json!({"detail": "Not found."}),
            "{path}"
        );
    }
    Api::anonymous(&server)
        .post(
            &action(&room, "start-recording"),
            &json!({"mode": "screen_recording"}),
        )
        .await
        .expect(401);
    // Storage events are off too.
    post_as(
        &Api::anonymous(&server),
        STORAGE_HOOK,
        Some("Bearer anything"),
        &minio(BUCKET, "recordings/x.mp4", "video/mp4"),
    )
    .await
    .expect(404);
    assert!(
        fake()
            .egresses()
            .iter()
            .all(|e| e.room_name != text(&room["id"]))
    );
    let listed = owner.get("/api/v1.0/recordings/").await.expect(200);
    assert_eq!(
        listed,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
}
