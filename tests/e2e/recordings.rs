//! Recordings through the real binary on PostgreSQL, with the fake LiveKit server in the test
//! process: start (the egress and the room metadata checked on the fake), stop, list, read and
//! delete with the recording's own access rules, exactly one winner among 100 concurrent
//! starts, a failed egress start that frees the room, and the feature flag.

use std::sync::OnceLock;

use anteroom_livekit_fake::proto::{EncodedFileType, egress_info};
use anteroom_livekit_fake::{FakeConfig, FakeLiveKit, InjectedFailure, TwirpError};
use anteroom_proto::v1::recording_service_client::RecordingServiceClient;
use anteroom_proto::v1::{
    DeleteRecordingRequest, GetRecordingRequest, ListRecordingsRequest, ListRecordingsResponse,
    Recording, RecordingMode, RecordingOptions, RecordingStatus, Role, Room, StartRecordingRequest,
    StopRecordingRequest,
};
use serde_json::Value;
use tokio::task::JoinSet;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_reflection::pb::v1;

use crate::harness::{Options, Server, Session, SharedGuard, SharedServer, expect_code, unique};
use crate::lobby::{LIVEKIT_KEY, LIVEKIT_SECRET, fake, with_fake_livekit};

/// The gRPC name of the recording service.
const RECORDING_SERVICE: &str = "anteroom.v1.RecordingService";

static SERVER: SharedServer = SharedServer::const_new();
/// The name of the module server's database (to grant a recording access with `psql`).
static DATABASE: OnceLock<String> = OnceLock::new();

/// A fresh PostgreSQL database (its URL and name), or `None` when PostgreSQL is missing.
fn postgres_database() -> Option<(String, String)> {
    let pg = anteroom_testkit::shared_postgres()?;
    let url = pg.create_database();
    let name = url.rsplit('/').next().expect("a database name").to_owned();
    Some((url, name))
}

/// A binary on PostgreSQL with recordings enabled, pointed at `livekit` (`None`: the shared
/// fake).
fn recording_options(enabled: bool, livekit: Option<&FakeLiveKit>) -> Option<(Options, String)> {
    let (url, name) = postgres_database()?;
    let options = Options::embedded()
        .env("ANTEROOM__DATABASE__URL", &url)
        .with_issuer()
        .env(
            "ANTEROOM__RECORDINGS__ENABLED",
            if enabled { "true" } else { "false" },
        );
    let options = match livekit {
        None => with_fake_livekit(options),
        Some(fake) => options
            .env("ANTEROOM__LIVEKIT__URL", &fake.ws_url())
            .env("ANTEROOM__LIVEKIT__API_URL", &fake.url())
            .env("ANTEROOM__LIVEKIT__API_KEY", LIVEKIT_KEY)
            .env("ANTEROOM__LIVEKIT__API_SECRET", LIVEKIT_SECRET),
    };
    Some((options, name))
}

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        let (options, name) = recording_options(true, None)?;
        DATABASE.set(name).ok();
        Some(options)
    })
    .await
}

/// Runs one SQL statement in the module server's database.
fn sql(statement: &str) -> String {
    let pg = anteroom_testkit::shared_postgres().expect("PostgreSQL runs");
    pg.psql(DATABASE.get().expect("the module database"), statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"))
}

fn recordings(server: &Server) -> RecordingServiceClient<Channel> {
    RecordingServiceClient::new(server.channel())
}

async fn start(
    server: &Server,
    who: &Session,
    room: &str,
    mode: RecordingMode,
) -> Result<Recording, Status> {
    let request = StartRecordingRequest {
        room: room.to_owned(),
        mode: mode.into(),
        options: None,
    };
    Ok(recordings(server)
        .start_recording(who.request(request))
        .await?
        .into_inner()
        .recording
        .expect("StartRecordingResponse.recording"))
}

async fn stop(server: &Server, who: &Session, room: &str) -> Result<Recording, Status> {
    let request = StopRecordingRequest {
        room: room.to_owned(),
    };
    Ok(recordings(server)
        .stop_recording(who.request(request))
        .await?
        .into_inner()
        .recording
        .expect("StopRecordingResponse.recording"))
}

async fn get(server: &Server, who: &Session, id: &str) -> Result<Recording, Status> {
    let request = GetRecordingRequest { id: id.to_owned() };
    Ok(recordings(server)
        .get_recording(who.request(request))
        .await?
        .into_inner()
        .recording
        .expect("GetRecordingResponse.recording"))
}

async fn delete(server: &Server, who: &Session, id: &str) -> Result<(), Status> {
    let request = DeleteRecordingRequest { id: id.to_owned() };
    recordings(server)
        .delete_recording(who.request(request))
        .await?;
    Ok(())
}

async fn list_page(
    server: &Server,
    who: &Session,
    page_size: i32,
    page_token: &str,
) -> Result<ListRecordingsResponse, Status> {
    let request = ListRecordingsRequest {
        page_size,
        page_token: page_token.to_owned(),
    };
    Ok(recordings(server)
        .list_recordings(who.request(request))
        .await?
        .into_inner())
}

/// The ids of every recording `who` lists, page after page.
async fn listed_ids(server: &Server, who: &Session, page_size: i32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token = String::new();
    loop {
        let page = list_page(server, who, page_size, &token)
            .await
            .expect("ListRecordings");
        ids.extend(page.recordings.into_iter().map(|r| r.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

/// A room of `owner`, live on `livekit`.
async fn live_room(owner: &Session, livekit: &FakeLiveKit) -> Room {
    let room = owner
        .create_named(&format!("Recorded {}", unique()))
        .await
        .expect("the room is created");
    livekit.create_room(&room.id);
    room
}

/// The room composite request of an egress on the fake.
fn composite_of(
    livekit: &FakeLiveKit,
    egress_id: &str,
) -> anteroom_livekit_fake::proto::RoomCompositeEgressRequest {
    match livekit
        .egress(egress_id)
        .expect("the egress is on the fake")
        .request
    {
        Some(egress_info::Request::RoomComposite(request)) => request,
        other => panic!("not a room composite egress: {other:?}"),
    }
}

/// The live room's metadata on the fake, as JSON.
fn metadata_of(livekit: &FakeLiveKit, room: &str) -> Value {
    let metadata = livekit.room(room).expect("the room is live").metadata;
    serde_json::from_str(&metadata).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_recording_is_started_stopped_listed_and_deleted() {
    let Some(server) = server().await else { return };
    let owner = server.user("owner").await;
    let room = live_room(&owner, fake()).await;

    let started = start(&server, &owner, &room.slug, RecordingMode::ScreenRecording)
        .await
        .expect("the owner starts a recording");
    assert_eq!(started.status(), RecordingStatus::Active);
    assert_eq!(started.mode(), RecordingMode::ScreenRecording);
    assert_eq!(started.caller_role(), Role::Owner);
    assert_eq!(started.key, format!("recordings/{}.mp4", started.id));
    assert_eq!(
        started.room.as_ref().map(|r| r.id.as_str()),
        Some(room.id.as_str())
    );
    let abilities = started.abilities.expect("abilities");
    assert!(abilities.retrieve && abilities.stop && !abilities.destroy);
    assert!(
        started.egress_id.starts_with("EG_"),
        "{}",
        started.egress_id
    );

    // The egress is the video composite of the room, written to the recording's key.
    let request = composite_of(fake(), &started.egress_id);
    assert_eq!(request.room_name, room.id);
    assert_eq!(request.layout, "speaker-light");
    assert!(!request.audio_only);
    assert_eq!(request.file_outputs.len(), 1);
    assert_eq!(request.file_outputs[0].filepath, started.key);
    assert_eq!(
        request.file_outputs[0].file_type,
        i32::from(EncodedFileType::Mp4)
    );
    let metadata = metadata_of(fake(), &room.id);
    assert_eq!(metadata["recording_mode"], "screen_recording");
    assert_eq!(metadata["recording_status"], "starting");

    // One at a time per room.
    let second = start(&server, &owner, &room.id, RecordingMode::Transcript).await;
    let status = expect_code(second, Code::Aborted);
    assert_eq!(
        status.message(),
        format!("A recording is already in progress for room {}", room.slug)
    );

    // Its owner reads it; nobody else learns it exists, even the room's administrators.
    let admin = server.user("admin").await;
    owner
        .grant(&room.id, &admin.id, Role::Administrator)
        .await
        .expect("an administrator of the room");
    let stranger = server.user("stranger").await;
    assert_eq!(
        get(&server, &owner, &started.id).await.expect("read").id,
        started.id
    );
    for who in [&admin, &stranger] {
        expect_code(get(&server, who, &started.id).await, Code::NotFound);
        expect_code(delete(&server, who, &started.id).await, Code::NotFound);
        assert!(!listed_ids(&server, who, 10).await.contains(&started.id));
    }
    assert_eq!(
        listed_ids(&server, &owner, 10).await,
        vec![started.id.clone()]
    );

    // A member of the recording sees it listed but may neither read nor delete it.
    let member = server.user("member").await;
    sql(&format!(
        "INSERT INTO recording_accesses (id, recording_id, user_id, role, created_at) \
         VALUES (gen_random_uuid(), '{}', '{}', 'member', now())",
        started.id, member.id
    ));
    assert_eq!(
        listed_ids(&server, &member, 10).await,
        vec![started.id.clone()]
    );
    expect_code(
        get(&server, &member, &started.id).await,
        Code::PermissionDenied,
    );
    expect_code(
        delete(&server, &member, &started.id).await,
        Code::PermissionDenied,
    );

    // In progress, even its owner cannot delete it.
    expect_code(
        delete(&server, &owner, &started.id).await,
        Code::PermissionDenied,
    );

    // Room hosts stop it, even one who did not start it.
    let stopped = stop(&server, &admin, &room.slug).await.expect("stopped");
    assert_eq!(stopped.id, started.id);
    assert_eq!(stopped.status(), RecordingStatus::Stopped);
    assert_eq!(stopped.caller_role(), Role::Unspecified);
    assert_ne!(
        fake().egress(&started.egress_id).expect("egress").status,
        i32::from(anteroom_livekit_fake::proto::EgressStatus::EgressActive)
    );
    let again = stop(&server, &owner, &room.slug).await;
    assert_eq!(
        expect_code(again, Code::NotFound).message(),
        "No active recording found for this room."
    );

    // Finished: its owner deletes it.
    let read = get(&server, &owner, &started.id).await.expect("read");
    assert_eq!(read.status(), RecordingStatus::Stopped);
    assert!(read.abilities.expect("abilities").destroy);
    delete(&server, &owner, &started.id).await.expect("deleted");
    expect_code(get(&server, &owner, &started.id).await, Code::NotFound);
    assert!(listed_ids(&server, &owner, 10).await.is_empty());
}

#[tokio::test]
async fn only_room_hosts_start_and_stop_and_inputs_are_checked() {
    let Some(server) = server().await else { return };
    let owner = server.user("owner").await;
    let room = live_room(&owner, fake()).await;
    let member = server.user("member").await;
    owner
        .grant(&room.id, &member.id, Role::Member)
        .await
        .expect("a member of the room");

    expect_code(
        start(
            &server,
            &server.anonymous(),
            &room.id,
            RecordingMode::Transcript,
        )
        .await,
        Code::Unauthenticated,
    );
    expect_code(
        start(&server, &member, &room.id, RecordingMode::Transcript).await,
        Code::PermissionDenied,
    );
    expect_code(
        stop(&server, &member, &room.id).await,
        Code::PermissionDenied,
    );
    expect_code(
        start(&server, &owner, "no-such-room", RecordingMode::Transcript).await,
        Code::NotFound,
    );
    crate::harness::expect_invalid(
        start(&server, &owner, &room.id, RecordingMode::Unspecified).await,
        "mode",
    );
    crate::harness::expect_invalid(get(&server, &owner, "not-a-uuid").await, "id");
    crate::harness::expect_invalid(list_page(&server, &owner, -1, "").await, "page_size");
    crate::harness::expect_invalid(
        list_page(&server, &owner, 5, "garbage!").await,
        "page_token",
    );

    // A transcript is an audio-only ogg; its options come back.
    let request = StartRecordingRequest {
        room: room.id.clone(),
        mode: RecordingMode::Transcript.into(),
        options: Some(RecordingOptions {
            language: Some("fr".to_owned()),
            transcribe: None,
            collect_metadata: Some(false),
            original_mode: RecordingMode::ScreenRecording.into(),
        }),
    };
    let transcript = recordings(&server)
        .start_recording(owner.request(request))
        .await
        .expect("a transcript starts")
        .into_inner()
        .recording
        .expect("recording");
    assert_eq!(transcript.key, format!("recordings/{}.ogg", transcript.id));
    let options = transcript.options.clone().expect("options");
    assert_eq!(options.language.as_deref(), Some("fr"));
    assert_eq!(options.original_mode(), RecordingMode::ScreenRecording);
    let request = composite_of(fake(), &transcript.egress_id);
    assert!(request.audio_only);
    assert_eq!(
        request.file_outputs[0].file_type,
        i32::from(EncodedFileType::Ogg)
    );
    // The room shows the mode the user asked for.
    assert_eq!(
        metadata_of(fake(), &room.id)["recording_mode"],
        "screen_recording"
    );
    stop(&server, &owner, &room.id).await.expect("stopped");
}

#[tokio::test]
async fn the_list_is_newest_first_in_pages() {
    let Some(server) = server().await else { return };
    let owner = server.user("owner").await;
    let room = live_room(&owner, fake()).await;
    let mut made = Vec::new();
    for _ in 0..5 {
        let recording = start(&server, &owner, &room.id, RecordingMode::Transcript)
            .await
            .expect("started");
        stop(&server, &owner, &room.id).await.expect("stopped");
        made.push(recording.id);
    }
    made.reverse();
    for size in [1, 2, 5, 0] {
        assert_eq!(
            listed_ids(&server, &owner, size).await,
            made,
            "page size {size}"
        );
    }
    let first = list_page(&server, &owner, 2, "").await.expect("a page");
    assert_eq!(first.recordings.len(), 2);
    assert!(!first.next_page_token.is_empty());
}

#[tokio::test]
async fn of_100_concurrent_starts_exactly_one_wins() {
    let Some(server) = server().await else { return };
    let owner = server.user("owner").await;
    let room = live_room(&owner, fake()).await;

    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let channel = server.channel();
        let request = owner.request(StartRecordingRequest {
            room: room.id.clone(),
            mode: RecordingMode::ScreenRecording.into(),
            options: None,
        });
        tasks.spawn(async move {
            RecordingServiceClient::new(channel)
                .start_recording(request)
                .await
                .map(|r| r.into_inner().recording.expect("recording"))
        });
    }
    let results = tasks.join_all().await;
    let winners: Vec<&Recording> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let codes: Vec<Code> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(Status::code))
        .collect();
    assert_eq!(winners.len(), 1, "exactly one start wins: {codes:?}");
    assert_eq!(codes.len(), 99);
    assert!(codes.iter().all(|c| *c == Code::Aborted), "{codes:?}");

    let egresses: Vec<_> = fake()
        .egresses()
        .into_iter()
        .filter(|e| e.room_name == room.id)
        .collect();
    assert_eq!(egresses.len(), 1, "one egress for the room");
    assert_eq!(egresses[0].egress_id, winners[0].egress_id);
    assert_eq!(
        listed_ids(&server, &owner, 100).await,
        [winners[0].id.clone()]
    );
    stop(&server, &owner, &room.id).await.expect("stopped");
}

/// A fake LiveKit server of its own (failure injection must not disturb other tests), kept
/// running on its own thread.
fn own_fake() -> FakeLiveKit {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("own-fake-livekit".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the fake LiveKit server");
            runtime.block_on(async move {
                let fake = FakeLiveKit::start(FakeConfig::with_key(LIVEKIT_KEY, LIVEKIT_SECRET))
                    .await
                    .expect("the fake LiveKit server starts");
                sender.send(fake).expect("the fake is handed over");
                std::future::pending::<()>().await;
            });
        })
        .expect("the fake LiveKit thread starts");
    receiver.recv().expect("the fake LiveKit server")
}

#[tokio::test]
async fn a_failed_egress_start_frees_the_room() {
    let livekit = own_fake();
    let Some((options, _)) = recording_options(true, Some(&livekit)) else {
        return;
    };
    let server = Server::start(options).await;
    let owner = server.user("owner").await;
    let room = live_room(&owner, &livekit).await;

    livekit.set_failure(
        "Egress/StartRoomCompositeEgress",
        Some(InjectedFailure::Twirp(TwirpError::internal(
            "no egress worker",
        ))),
    );
    let failed = start(&server, &owner, &room.slug, RecordingMode::ScreenRecording).await;
    let status = expect_code(failed, Code::Unavailable);
    assert_eq!(
        status.message(),
        format!("Recording failed to start for room {}", room.slug)
    );
    let listed = list_page(&server, &owner, 10, "").await.expect("listed");
    assert_eq!(listed.recordings.len(), 1);
    let failed = &listed.recordings[0];
    assert_eq!(failed.status(), RecordingStatus::FailedToStart);
    assert!(failed.abilities.as_ref().expect("abilities").destroy);

    livekit.set_failure("Egress/StartRoomCompositeEgress", None);
    let second = start(&server, &owner, &room.slug, RecordingMode::ScreenRecording)
        .await
        .expect("the room is free again");
    assert_eq!(second.status(), RecordingStatus::Active);
    stop(&server, &owner, &room.slug).await.expect("stopped");
    delete(&server, &owner, &failed.id)
        .await
        .expect("a failed recording is deleted");
}

/// The services listed by gRPC reflection v1.
async fn reflected_services(server: &Server) -> Vec<String> {
    use v1::server_reflection_client::ServerReflectionClient;
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let answer = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection answers")
        .into_inner()
        .message()
        .await
        .expect("an answer")
        .expect("one message");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer {other:?}"),
    }
}

#[tokio::test]
async fn disabled_recordings_are_not_found_but_the_service_is_listed() {
    let Some((options, _)) = recording_options(false, None) else {
        return;
    };
    let server = Server::start(options).await;
    assert_eq!(
        server.health(RECORDING_SERVICE).await,
        Ok(ServingStatus::Serving)
    );
    assert!(
        reflected_services(&server)
            .await
            .contains(&RECORDING_SERVICE.to_owned())
    );
    let owner = server.user("owner").await;
    let room = live_room(&owner, fake()).await;
    let started = start(&server, &owner, &room.id, RecordingMode::ScreenRecording).await;
    assert_eq!(expect_code(started, Code::NotFound).message(), "Not found.");
    let stopped = stop(&server, &owner, &room.id).await;
    assert_eq!(expect_code(stopped, Code::NotFound).message(), "Not found.");
    // Anonymous callers are refused before the flag.
    expect_code(
        start(
            &server,
            &server.anonymous(),
            &room.id,
            RecordingMode::Transcript,
        )
        .await,
        Code::Unauthenticated,
    );
    // Listing does not depend on the flag.
    assert!(listed_ids(&server, &owner, 10).await.is_empty());
    assert!(fake().egresses().iter().all(|e| e.room_name != room.id));
}
