//! Two `anteroom` replicas sharing one PostgreSQL database and one Redis: lobby entries,
//! decisions, events (gRPC streams and SSE) and their atomicity cross replicas, and one
//! recording per room holds across them; a Redis outage fails lobby calls fast
//! (naming Redis) while rooms stay readable, and service resumes by itself.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anteroom_proto::v1::watch_lobby_response::Event;
use anteroom_proto::v1::{EntryDecision, LobbyStatus};
use anteroom_testkit::{TestRedis, TokenClaims};
use tokio::sync::OnceCell;
use tokio::task::JoinSet;
use tonic::{Code, Status};

use crate::harness::{Options, Server, Session, unique};
use crate::lobby::{
    Expected, assert_accepted, contradictory_decisions, decide, decide_all, event_participant, ids,
    join, list_waiting, lobby_event, next, restricted_room, sdk_verifies, wait_in, watch_entry,
    watch_lobby, with_fake_livekit,
};

/// Two replicas on one database and one Redis.
struct Replicas {
    a: Server,
    b: Server,
    /// Kept running for the replicas (stopped by its watchdog when the tests end).
    _redis: TestRedis,
}

static REPLICAS: OnceCell<Option<Replicas>> = OnceCell::const_new();

/// The options of a replica: `database` (shared), the fake LiveKit, `redis`.
fn replica(database: &Options, redis: &TestRedis) -> Options {
    with_fake_livekit(database.clone())
        .env("ANTEROOM__REDIS__URL", &redis.url())
        .env("ANTEROOM__LOBBY__WAITING_TTL_MS", "30000")
        .env("ANTEROOM__RECORDINGS__ENABLED", "true")
}

/// Starts Redis, a database and two replicas on them; `None` (SKIPPED) when Redis or
/// PostgreSQL is not installed.
async fn start_pair() -> Option<(Server, Server, TestRedis)> {
    let redis = TestRedis::start_or_skip()?;
    let database = Options::postgres()?;
    // One after the other: the first one migrates the database.
    let a = Server::start(replica(&database, &redis)).await;
    let b = Server::start(replica(&database, &redis)).await;
    Some((a, b, redis))
}

/// The replicas shared by this module's tests (and others'), with their logs printed if a test
/// panics.
pub(crate) async fn replicas() -> Option<Guard> {
    let replicas = REPLICAS
        .get_or_init(|| async {
            start_pair().await.map(|(a, b, redis)| Replicas {
                a,
                b,
                _redis: redis,
            })
        })
        .await
        .as_ref()?;
    Some(Guard {
        a: &replicas.a,
        b: &replicas.b,
    })
}

/// A test's handle on the two replicas.
pub(crate) struct Guard {
    pub(crate) a: &'static Server,
    pub(crate) b: &'static Server,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (name, server) in [("A", self.a), ("B", self.b)] {
                eprintln!(
                    "---- replica {name} log, last part ----\n{}\n---- end ----",
                    server.log_tail()
                );
            }
        }
    }
}

/// The same new user on both replicas (provisioned on A first).
async fn user_on_both(a: &Server, b: &Server, name: &str) -> (Session, Session) {
    let sub = format!("{name}-{}", unique());
    let claims = TokenClaims::user(&sub).names(Some("Host"), Some("Tester"), Some("Host Tester"));
    let token = a.token(&claims);
    let mut sessions = Vec::new();
    for server in [a, b] {
        let mut session = server.bearer(&token);
        let me = session.me().await.expect("GetCurrentUser");
        session.id = me.id;
        session.sub.clone_from(&sub);
        sessions.push(session);
    }
    let b_session = sessions.pop().expect("B");
    let a_session = sessions.pop().expect("A");
    assert_eq!(
        a_session.id, b_session.id,
        "one user in the shared database"
    );
    (a_session, b_session)
}

#[tokio::test]
async fn a_waiter_on_a_is_listed_and_admitted_on_b() {
    let Some(r) = replicas().await else { return };
    let (alice_a, alice_b) = user_on_both(r.a, r.b, "alice").await;
    let room = restricted_room(&alice_a, None).await;
    let guest = r.a.anonymous();
    let waiter = wait_in(&guest, &room.id, "Walter").await;
    let id = waiter.participant_id.as_str();

    let listed = list_waiting(r.b, &alice_b, &room.id)
        .await
        .expect("listed on B");
    assert_eq!(ids(&listed), [id.to_owned()]);
    let entry = decide(r.b, &alice_b, &room.id, id, EntryDecision::Allow)
        .await
        .expect("admitted on B");
    assert_eq!(entry.status(), LobbyStatus::Accepted);

    let answer = join(&guest, &room.id, "Walter", id)
        .await
        .expect("JoinRoom on A");
    assert_accepted(&answer, &room.id);
    assert_eq!(answer.color, waiter.color);
    let on_b = join(&r.b.anonymous(), &room.id, "Walter", id)
        .await
        .expect("JoinRoom on B");
    assert_accepted(&on_b, &room.id);
    assert!(
        list_waiting(r.a, &alice_a, &room.id)
            .await
            .expect("listed on A")
            .is_empty()
    );
    sdk_verifies(&[Expected::anonymous(
        "admitted across replicas",
        &room.id,
        &answer,
    )]);
}

#[tokio::test]
async fn a_watch_entry_on_a_learns_an_admission_made_on_b() {
    let Some(r) = replicas().await else { return };
    let (alice_a, alice_b) = user_on_both(r.a, r.b, "alice").await;
    let room = restricted_room(&alice_a, None).await;
    let waiter = wait_in(&r.a.anonymous(), &room.id, "Walter").await;
    let id = waiter.participant_id.as_str();
    let mut stream = watch_entry(r.a, &room.id, id)
        .await
        .expect("WatchEntry on A");
    let first = next(&mut stream).await.expect("the current status");
    assert_eq!(
        first
            .participant
            .as_ref()
            .map(anteroom_proto::v1::LobbyParticipant::status),
        Some(LobbyStatus::Waiting)
    );

    let started = Instant::now();
    decide(r.b, &alice_b, &room.id, id, EntryDecision::Allow)
        .await
        .expect("admitted on B");
    let admitted = next(&mut stream).await.expect("the admission");
    eprintln!(
        "WatchEntry on A learnt B's decision after {:?}",
        started.elapsed()
    );
    let participant = admitted.participant.expect("participant");
    assert_eq!(participant.participant_id, id);
    assert_eq!(participant.status(), LobbyStatus::Accepted);
    let livekit = admitted.livekit.expect("a LiveKit connection");
    assert_eq!(livekit.room, room.id);
    assert!(!livekit.token.is_empty());
    assert!(next(&mut stream).await.is_none(), "the stream ends");
}

#[tokio::test]
async fn watch_lobby_on_b_sees_a_waiter_arriving_on_a_within_a_second() {
    let Some(r) = replicas().await else { return };
    let (alice_a, alice_b) = user_on_both(r.a, r.b, "alice").await;
    let room = restricted_room(&alice_a, None).await;
    let mut stream = watch_lobby(r.b, &alice_b, &room.id)
        .await
        .expect("WatchLobby on B");
    match next(&mut stream).await.and_then(|m| m.event) {
        Some(Event::Snapshot(snapshot)) => assert!(snapshot.participants.is_empty()),
        other => panic!("expected an empty snapshot, got {other:?}"),
    }

    let started = Instant::now();
    let waiter = wait_in(&r.a.anonymous(), &room.id, "Walter").await;
    let (event, latency) = lobby_event(&mut stream, started, |e| {
        event_participant(e) == Some(waiter.participant_id.as_str())
    })
    .await;
    assert!(matches!(event, Event::Waiting(_)), "{event:?}");
    eprintln!("WatchLobby latency across replicas (JoinRoom on A → event on B): {latency:?}");
    assert!(
        latency < Duration::from_secs(1),
        "waiting event after {latency:?}"
    );

    decide(
        r.a,
        &alice_a,
        &room.id,
        &waiter.participant_id,
        EntryDecision::Deny,
    )
    .await
    .expect("denied on A");
    let (event, _) = lobby_event(&mut stream, Instant::now(), |e| {
        matches!(e, Event::Admitted(_) | Event::Denied(_))
    })
    .await;
    match event {
        Event::Denied(p) => assert_eq!(p.participant_id, waiter.participant_id),
        other => panic!("expected `denied`, got {other:?}"),
    }
}

#[tokio::test]
async fn fifty_contradictory_decisions_across_replicas_have_exactly_one_effect() {
    let Some(r) = replicas().await else { return };
    let (alice_a, _) = user_on_both(r.a, r.b, "alice").await;
    let room = restricted_room(&alice_a, None).await;
    let guest = r.a.anonymous();
    let waiter = wait_in(&guest, &room.id, "Contested").await;
    let outcome =
        contradictory_decisions(&[r.a, r.b], &alice_a, &room.id, &waiter.participant_id).await;
    for server in [r.a, r.b] {
        let answer = join(
            &server.anonymous(),
            &room.id,
            "Contested",
            &waiter.participant_id,
        )
        .await
        .expect("JoinRoom");
        assert_eq!(answer.status(), outcome);
    }
}

#[tokio::test]
async fn admit_all_on_b_during_a_burst_on_a_admits_exactly_who_was_waiting() {
    let Some(r) = replicas().await else { return };
    let (alice_a, alice_b) = user_on_both(r.a, r.b, "alice").await;
    let room = restricted_room(&alice_a, None).await;
    let guest = r.a.anonymous();
    let mut early = Vec::new();
    for i in 0..5 {
        early.push(
            wait_in(&guest, &room.id, &format!("Early {i}"))
                .await
                .participant_id,
        );
    }

    let mut burst = JoinSet::new();
    for i in 0..30_u64 {
        let guest = guest.clone();
        let room = room.id.clone();
        burst.spawn(async move {
            tokio::time::sleep(Duration::from_millis(i * 10)).await;
            join(&guest, &room, &format!("Burst {i}"), "").await
        });
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let admitted = decide_all(r.b, &alice_b, &room.id, EntryDecision::Allow)
        .await
        .expect("admit all on B");
    let mut everyone: Vec<String> = early.clone();
    while let Some(joined) = burst.join_next().await {
        let answer = joined.expect("the burst task").expect("JoinRoom on A");
        assert_eq!(
            answer.status(),
            LobbyStatus::Waiting,
            "a first request waits"
        );
        everyone.push(answer.participant_id);
    }

    let admitted_ids: HashSet<String> = ids(&admitted).into_iter().collect();
    assert_eq!(admitted_ids.len(), admitted.len(), "nobody twice");
    assert!(admitted.iter().all(|p| p.status() == LobbyStatus::Accepted));
    let known: HashSet<String> = everyone.iter().cloned().collect();
    assert!(admitted_ids.is_subset(&known), "only waiters are admitted");
    assert!(
        early.iter().all(|id| admitted_ids.contains(id)),
        "everyone waiting before the call is admitted"
    );
    eprintln!(
        "admit-all during the burst: {} of {} admitted",
        admitted.len(),
        everyone.len()
    );
    for id in &everyone {
        let answer = join(&guest, &room.id, "Again", id)
            .await
            .expect("JoinRoom on A");
        let expected = if admitted_ids.contains(id) {
            LobbyStatus::Accepted
        } else {
            LobbyStatus::Waiting
        };
        assert_eq!(answer.status(), expected, "participant {id}");
    }
    let still: HashSet<String> = ids(&list_waiting(r.b, &alice_b, &room.id)
        .await
        .expect("listed on B"))
    .into_iter()
    .collect();
    assert_eq!(still, &known - &admitted_ids, "the others still wait");
}

/// Asserts a fast UNAVAILABLE naming Redis.
#[track_caller]
fn assert_redis_down<T: std::fmt::Debug>(what: &str, result: Result<T, Status>, started: Instant) {
    let took = started.elapsed();
    match result {
        Err(status) if status.code() == Code::Unavailable => {
            eprintln!(
                "{what} with Redis down: UNAVAILABLE after {took:?}: {}",
                status.message()
            );
            assert!(
                status.message().to_lowercase().contains("redis"),
                "{what}: the message names Redis: {status:?}"
            );
            assert!(
                took <= Duration::from_millis(3500),
                "{what}: UNAVAILABLE only after {took:?}"
            );
        }
        other => panic!("{what}: expected UNAVAILABLE while Redis is down, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redis_outage_fails_lobby_calls_fast_and_service_resumes_by_itself() {
    let Some(mut redis) = TestRedis::start_or_skip() else {
        return;
    };
    let Some(database) = Options::postgres() else {
        return;
    };
    let server = Server::start(replica(&database, &redis)).await;
    let alice = server.user("alice").await;
    let room = restricted_room(&alice, None).await;
    let guest = server.anonymous();
    let waiter = wait_in(&guest, &room.id, "Before").await;
    let mut events = watch_lobby(&server, &alice, &room.id)
        .await
        .expect("WatchLobby");
    next(&mut events).await.expect("the snapshot");

    redis.stop();
    let started = Instant::now();
    let result = join(&guest, &room.id, "During", "").await;
    assert_redis_down("JoinRoom", result, started);
    let started = Instant::now();
    let result = list_waiting(&server, &alice, &room.id).await;
    assert_redis_down("ListWaitingParticipants", result, started);
    let started = Instant::now();
    let result = decide(
        &server,
        &alice,
        &room.id,
        &waiter.participant_id,
        EntryDecision::Allow,
    )
    .await;
    assert_redis_down("DecideEntry", result, started);
    let room_read = alice
        .get_room(&room.id)
        .await
        .expect("GetRoom without Redis");
    assert_eq!(room_read.id, room.id);
    // The host's live view ends, telling it to reconnect.
    match tokio::time::timeout(Duration::from_secs(5), events.message()).await {
        Ok(Err(status)) => assert_eq!(status.code(), Code::Unavailable, "{status:?}"),
        other => panic!("WatchLobby should end with UNAVAILABLE, got {other:?}"),
    }

    redis.restart().expect("Redis comes back");
    let restarted = Instant::now();
    let back = loop {
        match join(&guest, &room.id, "After", "").await {
            Ok(answer) => break answer,
            Err(status) => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                assert!(
                    restarted.elapsed() < Duration::from_secs(10),
                    "lobby calls still fail 10 s after Redis came back: {status:?}\n{}",
                    server.log_tail()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    eprintln!(
        "lobby calls succeed again {:?} after Redis restarted",
        restarted.elapsed()
    );
    assert_eq!(back.status(), LobbyStatus::Waiting);
    let listed = list_waiting(&server, &alice, &room.id)
        .await
        .expect("listed");
    assert!(ids(&listed).contains(&back.participant_id), "{listed:?}");
}

/// The participant id of a `lobbyParticipantId` cookie.
fn lobby_cookie(answer: &crate::http_support::Answer) -> String {
    let cookie = answer.set_cookie().expect("request-entry sets the cookie");
    cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("lobbyParticipantId="))
        .expect("a lobbyParticipantId cookie")
        .to_owned()
}

#[tokio::test]
async fn sse_on_b_follows_a_waiter_on_a_and_the_waiter_learns_the_decision_made_on_a() {
    use serde_json::json;

    use crate::http_support::{Api, create_room};

    let Some(r) = replicas().await else { return };
    let wait = Duration::from_secs(5);
    let owner_a = Api::user(r.a, "sse-host").await;
    let token = owner_a.bearer_token().expect("a bearer");
    let owner_b = Api::anonymous(r.b).bearer(&token);
    let room = create_room(&owner_a, "replicated", "restricted").await;
    let room_id = room["id"].as_str().expect("a room id").to_owned();
    let path = |action: &str| format!("/api/v1.0/rooms/{room_id}/{action}/");

    let mut lobby = owner_b
        .events(&path("events"))
        .await
        .expect("the host watches the lobby on B");
    let snapshot = lobby.next(wait).await.expect("the waiting list first");
    assert_eq!(snapshot.event, "snapshot");

    let started = Instant::now();
    let answer = Api::anonymous(r.a)
        .post(&path("request-entry"), &json!({"username": "Remote"}))
        .await;
    let participant = lobby_cookie(&answer);
    assert_eq!(answer.expect(200)["status"], "waiting");
    let event = lobby.next(wait).await.expect("the waiting event on B");
    let latency = started.elapsed();
    assert_eq!(event.event, "participantWaiting");
    assert_eq!(event.data["id"], participant.as_str());
    eprintln!("SSE latency across replicas (request-entry on A → event on B): {latency:?}");
    assert!(
        latency < Duration::from_secs(1),
        "waiting event after {latency:?}"
    );

    // The waiter follows its own entry on B; the host decides on A.
    let mut mine = Api::anonymous(r.b)
        .with_participant(&participant)
        .events(&path("events"))
        .await
        .expect("the waiter watches its entry on B");
    let status = mine.next(wait).await.expect("its status first");
    assert_eq!(status.data["status"], "waiting");
    owner_a
        .post(
            &path("enter"),
            &json!({"participant_id": participant, "allow_entry": true}),
        )
        .await
        .expect(200);
    let status = mine.next(wait).await.expect("the decision on B");
    assert_eq!(status.data["status"], "accepted");
    assert_eq!(status.data["livekit"]["room"], room_id.as_str());
    let event = lobby.next(wait).await.expect("the admitted event on B");
    assert_eq!(event.event, "participantAdmitted");
}

#[tokio::test]
async fn of_100_concurrent_recording_starts_across_replicas_exactly_one_wins() {
    use anteroom_proto::v1::recording_service_client::RecordingServiceClient;
    use anteroom_proto::v1::{RecordingMode, StartRecordingRequest};

    let Some(r) = replicas().await else { return };
    let (owner_a, owner_b) = user_on_both(r.a, r.b, "recorder").await;
    let room = owner_a
        .create_named(&format!("Recorded {}", unique()))
        .await
        .expect("the room is created");
    crate::lobby::fake().create_room(&room.id);

    let mut tasks = JoinSet::new();
    for n in 0..100 {
        let (server, owner) = if n % 2 == 0 {
            (r.a, &owner_a)
        } else {
            (r.b, &owner_b)
        };
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
                .map(|answer| answer.into_inner().recording.map(|rec| rec.id))
        });
    }
    let results = tasks.join_all().await;
    let winners: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    let codes: Vec<Code> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(Status::code))
        .collect();
    assert_eq!(winners.len(), 1, "exactly one start wins: {codes:?}");
    assert_eq!(codes.len(), 99);
    assert!(codes.iter().all(|c| *c == Code::Aborted), "{codes:?}");
    let egresses = crate::lobby::fake()
        .egresses()
        .into_iter()
        .filter(|e| e.room_name == room.id)
        .count();
    assert_eq!(egresses, 1, "one egress for the room");
}
