//! Recording use cases against mocked ports: every rule of start, stop, list, read, delete,
//! finalisation, storage events, the summary callback, downloads and the egress webhooks.

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;
use crate::access::MockAccessRepository;
use crate::fixtures::{block_on, clock, matrix_callers, now, outcome, room, user};
use crate::media::{MockMediaServer, MockRecordingEgress};
use crate::page::PageSize;
use crate::recording::{
    MockObjectSigner, MockRecordingNotifier, MockRecordingRepository, NotificationReport,
};
use crate::room::{AccessLevel, MockRoomRepository};
use crate::user::{Email, Language, MockUserRepository, Timezone};

/// Every port mocked; a test sets the expectations it needs (an unexpected call panics).
struct World {
    recordings: MockRecordingRepository,
    rooms: MockRoomRepository,
    accesses: MockAccessRepository,
    users: MockUserRepository,
    egress: MockRecordingEgress,
    media: MockMediaServer,
    notifier: MockRecordingNotifier,
    signer: MockObjectSigner,
    settings: RecordingSettings,
}

impl World {
    fn new() -> Self {
        Self {
            recordings: MockRecordingRepository::new(),
            rooms: MockRoomRepository::new(),
            accesses: MockAccessRepository::new(),
            users: MockUserRepository::new(),
            egress: MockRecordingEgress::new(),
            media: MockMediaServer::new(),
            notifier: MockRecordingNotifier::new(),
            signer: MockObjectSigner::new(),
            settings: RecordingSettings {
                enabled: true,
                storage_events_token: Some("storage-token".to_owned()),
                summary_callback_token: Some("callback-token".to_owned()),
                ..RecordingSettings::default()
            },
        }
    }

    fn service(self) -> RecordingService {
        RecordingService::new(
            RecordingPorts {
                recordings: Arc::new(self.recordings),
                rooms: Arc::new(self.rooms),
                accesses: Arc::new(self.accesses),
                users: Arc::new(self.users),
                egress: Arc::new(self.egress),
                media: Arc::new(self.media),
                notifier: Arc::new(self.notifier),
                signer: Arc::new(self.signer),
                clock: clock(),
            },
            self.settings,
        )
    }

    /// The room is known by id and slug.
    fn with_room(mut self, stored: &Room) -> Self {
        let by_id = stored.clone();
        self.rooms
            .expect_get()
            .returning(move |_| Ok(by_id.clone()));
        let by_slug = stored.clone();
        self.rooms
            .expect_get_by_slug()
            .returning(move |_| Ok(by_slug.clone()));
        self
    }

    /// Every user has `role` on every room.
    fn with_room_role(mut self, role: Option<Role>) -> Self {
        self.accesses
            .expect_role_of()
            .returning(move |_, _| Ok(role));
        self
    }

    /// The recording is stored, and every user has `role` on it.
    fn with_recording(mut self, stored: &Recording, role: Option<Role>) -> Self {
        let by_id = stored.clone();
        self.recordings
            .expect_get()
            .returning(move |_| Ok(by_id.clone()));
        self.recordings
            .expect_role_of()
            .returning(move |_, _| Ok(role));
        self
    }

    /// Transitions succeed from `base` and are recorded.
    fn recording_transitions(&mut self, base: &Recording) -> Moves {
        let moves: Moves = Arc::default();
        let seen = Arc::clone(&moves);
        let base = base.clone();
        self.recordings
            .expect_transition()
            .returning(move |id, from, to, worker, at| {
                seen.lock().unwrap().push((from, to, worker.clone()));
                Ok(Recording {
                    id,
                    status: to,
                    worker_id: worker.or_else(|| base.worker_id.clone()),
                    updated_at: at,
                    ..base.clone()
                })
            });
        moves
    }

    /// Metadata writes succeed and are recorded.
    fn metadata_writes(&mut self) -> MetadataWrites {
        let writes: MetadataWrites = Arc::default();
        let seen = Arc::clone(&writes);
        self.media
            .expect_merge_room_metadata()
            .returning(move |room, set, remove| {
                seen.lock()
                    .unwrap()
                    .push((room.to_owned(), Value::Object(set), remove));
                Ok(())
            });
        writes
    }
}

type Moves = Arc<Mutex<Vec<(RecordingStatus, RecordingStatus, Option<String>)>>>;
type MetadataWrites = Arc<Mutex<Vec<(String, Value, Vec<String>)>>>;

fn moves_of(moves: &Moves) -> Vec<(RecordingStatus, RecordingStatus)> {
    moves
        .lock()
        .unwrap()
        .iter()
        .map(|(from, to, _)| (*from, *to))
        .collect()
}

fn recording(room: RoomId, status: RecordingStatus, mode: RecordingMode) -> Recording {
    Recording {
        id: RecordingId::new(),
        room,
        status,
        mode,
        worker_id: Some("EG_worker".to_owned()),
        options: RecordingOptions::default(),
        external_process_id: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn egress(id: &str, status: EgressStatus) -> EgressInfo {
    EgressInfo {
        egress_id: id.to_owned(),
        room: "r".to_owned(),
        status,
        error: None,
    }
}

fn caller(sub: &str) -> Caller {
    Caller::User(user(sub))
}

fn start_request(mode: RecordingMode) -> StartRecording {
    StartRecording {
        mode,
        options: RecordingOptions::default(),
    }
}

fn by_id(room: &Room) -> RoomRef {
    RoomRef::Id(room.id)
}

// --- start ---------------------------------------------------------------------------------

#[test]
fn anonymous_callers_are_refused_before_the_feature_flag() {
    let mut world = World::new();
    world.settings.enabled = false;
    let svc = world.service();
    let stored = room("Standup", AccessLevel::Public);
    let started = block_on(svc.start(
        &Caller::anonymous(),
        &by_id(&stored),
        start_request(RecordingMode::ScreenRecording),
    ));
    assert_eq!(outcome(&started), "401");
    assert_eq!(
        outcome(&block_on(svc.stop(&Caller::anonymous(), &by_id(&stored)))),
        "401"
    );
}

#[test]
fn a_disabled_feature_is_not_found_even_for_owners() {
    let mut world = World::new();
    world.settings.enabled = false;
    let svc = world.service();
    let stored = room("Standup", AccessLevel::Public);
    let started = block_on(svc.start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::ScreenRecording),
    ));
    assert!(matches!(started, Err(Error::NotFound(m)) if m == "Not found."));
    let stopped = block_on(svc.stop(&caller("owner"), &by_id(&stored)));
    assert!(matches!(stopped, Err(Error::NotFound(m)) if m == "Not found."));
}

#[test]
fn unknown_rooms_are_not_found() {
    let mut world = World::new();
    world
        .rooms
        .expect_get_by_slug()
        .returning(|_| Err(Error::NotFound("gone".to_owned())));
    let svc = world.service();
    let started = block_on(svc.start(
        &caller("owner"),
        &RoomRef::parse("nowhere"),
        start_request(RecordingMode::Transcript),
    ));
    assert!(matches!(started, Err(Error::NotFound(m)) if m == "No Room matches the given query."));
}

#[test]
fn only_room_administrators_and_owners_start_recordings() {
    let stored = room("Standup", AccessLevel::Public);
    let mut row = Vec::new();
    for (who, role) in matrix_callers() {
        let mut world = World::new().with_room(&stored).with_room_role(role);
        world.recordings.expect_create().returning(|_, _| Ok(()));
        world.egress.expect_start().returning(|_| {
            Ok(EgressInfo {
                egress_id: "EG_1".to_owned(),
                room: "r".to_owned(),
                status: EgressStatus::Starting,
                error: None,
            })
        });
        let base = recording(
            stored.id,
            RecordingStatus::Initiated,
            RecordingMode::Transcript,
        );
        world.recording_transitions(&base);
        world.metadata_writes();
        let svc = world.service();
        row.push(outcome(&block_on(svc.start(
            &who,
            &by_id(&stored),
            start_request(RecordingMode::Transcript),
        ))));
    }
    assert_eq!(row, ["401", "403", "403", "yes", "yes"]);
}

#[test]
fn a_start_creates_the_recording_and_its_owner_then_starts_the_egress() {
    let stored = room("Weekly Review", AccessLevel::Public);
    let host = user("host");
    let host_id = host.id;
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Administrator));
    let created: Arc<Mutex<Option<(Recording, RecordingAccess)>>> = Arc::default();
    let seen = Arc::clone(&created);
    world
        .recordings
        .expect_create()
        .times(1)
        .returning(move |recording, owner| {
            *seen.lock().unwrap() = Some((recording.clone(), owner.clone()));
            Ok(())
        });
    let requests: Arc<Mutex<Vec<EgressRequest>>> = Arc::default();
    let seen = Arc::clone(&requests);
    world
        .egress
        .expect_start()
        .times(1)
        .returning(move |request| {
            seen.lock().unwrap().push(request);
            Ok(EgressInfo {
                egress_id: "EG_started".to_owned(),
                room: "r".to_owned(),
                status: EgressStatus::Starting,
                error: None,
            })
        });
    let mut base = recording(
        stored.id,
        RecordingStatus::Initiated,
        RecordingMode::ScreenRecording,
    );
    base.worker_id = None;
    base.options.original_mode = Some(RecordingMode::Transcript);
    let moves = world.recording_transitions(&base);
    let writes = world.metadata_writes();
    let svc = world.service();

    let active = block_on(svc.start(
        &Caller::User(host),
        &by_id(&stored),
        StartRecording {
            mode: RecordingMode::ScreenRecording,
            options: RecordingOptions {
                original_mode: Some(RecordingMode::Transcript),
                ..RecordingOptions::default()
            },
        },
    ))
    .unwrap();

    let (recording, owner) = created.lock().unwrap().clone().unwrap();
    assert_eq!(recording.status, RecordingStatus::Initiated);
    assert_eq!(recording.room, stored.id);
    assert_eq!(recording.mode, RecordingMode::ScreenRecording);
    assert_eq!(recording.worker_id, None);
    assert_eq!(
        (owner.recording, owner.user, owner.role),
        (recording.id, host_id, Role::Owner)
    );
    assert_eq!(
        *requests.lock().unwrap(),
        [EgressRequest {
            room: stored.id.to_string(),
            mode: RecordingMode::ScreenRecording,
            file_key: format!("recordings/{}.mp4", recording.id),
        }]
    );
    assert_eq!(
        *moves.lock().unwrap(),
        [(
            RecordingStatus::Initiated,
            RecordingStatus::Active,
            Some("EG_started".to_owned())
        )]
    );
    assert_eq!(active.recording.status, RecordingStatus::Active);
    assert_eq!(active.caller_role, Some(Role::Owner));
    assert!(active.abilities.stop && !active.abilities.destroy);
    assert_eq!(active.recording.worker_id.as_deref(), Some("EG_started"));
    assert_eq!(
        *writes.lock().unwrap(),
        [(
            stored.id.to_string(),
            json!({"recording_mode": "transcript", "recording_status": "starting"}),
            Vec::new()
        )]
    );
}

#[test]
fn transcripts_are_audio_files_and_show_their_own_mode() {
    let stored = room("Standup", AccessLevel::Public);
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Owner));
    world.recordings.expect_create().returning(|_, _| Ok(()));
    world
        .egress
        .expect_start()
        .withf(|r| {
            r.mode == RecordingMode::Transcript
                && r.file_key.rsplit_once('.').map(|(_, e)| e) == Some("ogg")
        })
        .returning(|_| Ok(egress("EG_a", EgressStatus::Starting)));
    let base = recording(
        stored.id,
        RecordingStatus::Initiated,
        RecordingMode::Transcript,
    );
    world.recording_transitions(&base);
    let writes = world.metadata_writes();
    block_on(world.service().start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::Transcript),
    ))
    .unwrap();
    assert_eq!(writes.lock().unwrap()[0].1["recording_mode"], "transcript");
}

#[test]
fn a_room_being_recorded_is_a_conflict_and_no_egress_starts() {
    let stored = room("Busy Room", AccessLevel::Public);
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Owner));
    world
        .recordings
        .expect_create()
        .returning(|_, _| Err(Error::Conflict("taken".to_owned())));
    world.egress.expect_start().never();
    let started = block_on(world.service().start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::ScreenRecording),
    ));
    assert!(matches!(
        started,
        Err(Error::Conflict(m)) if m == "A recording is already in progress for room busy-room"
    ));
}

#[test]
fn an_egress_that_does_not_start_fails_the_recording_and_frees_the_room() {
    let stored = room("Broken", AccessLevel::Public);
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Owner));
    world.recordings.expect_create().returning(|_, _| Ok(()));
    world
        .egress
        .expect_start()
        .returning(|_| Err(Error::unavailable("livekit", "refused")));
    let base = recording(
        stored.id,
        RecordingStatus::Initiated,
        RecordingMode::Transcript,
    );
    let moves = world.recording_transitions(&base);
    world.media.expect_merge_room_metadata().never();
    let started = block_on(world.service().start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::Transcript),
    ));
    match started {
        Err(Error::Upstream { message, .. }) => {
            assert_eq!(message, "Recording failed to start for room broken");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        moves_of(&moves),
        [(RecordingStatus::Initiated, RecordingStatus::FailedToStart)]
    );
}

#[test]
fn an_unrecordable_start_stops_the_orphan_egress() {
    let stored = room("Flaky", AccessLevel::Public);
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Owner));
    world.recordings.expect_create().returning(|_, _| Ok(()));
    world
        .egress
        .expect_start()
        .returning(|_| Ok(egress("EG_orphan", EgressStatus::Starting)));
    world
        .egress
        .expect_stop()
        .withf(|id| id == "EG_orphan")
        .times(1)
        .returning(|_| Ok(egress("EG_orphan", EgressStatus::Ending)));
    let moves: Moves = Arc::default();
    let seen = Arc::clone(&moves);
    world
        .recordings
        .expect_transition()
        .returning(move |id, from, to, worker, at| {
            seen.lock().unwrap().push((from, to, worker));
            if to == RecordingStatus::Active {
                return Err(Error::unavailable("database", "down"));
            }
            let mut result = recording(RoomId::new(), to, RecordingMode::Transcript);
            result.id = id;
            result.updated_at = at;
            Ok(result)
        });
    let started = block_on(world.service().start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::Transcript),
    ));
    assert!(matches!(started, Err(Error::Unavailable { .. })));
    assert_eq!(
        moves_of(&moves),
        [
            (RecordingStatus::Initiated, RecordingStatus::Active),
            (RecordingStatus::Initiated, RecordingStatus::FailedToStart)
        ]
    );
}

#[test]
fn metadata_failures_do_not_fail_a_start() {
    let stored = room("Standup", AccessLevel::Public);
    let mut world = World::new()
        .with_room(&stored)
        .with_room_role(Some(Role::Owner));
    world.recordings.expect_create().returning(|_, _| Ok(()));
    world
        .egress
        .expect_start()
        .returning(|_| Ok(egress("EG_1", EgressStatus::Starting)));
    let base = recording(
        stored.id,
        RecordingStatus::Initiated,
        RecordingMode::Transcript,
    );
    world.recording_transitions(&base);
    world
        .media
        .expect_merge_room_metadata()
        .returning(|_, _, _| Err(Error::unavailable("livekit", "down")));
    let started = block_on(world.service().start(
        &caller("owner"),
        &by_id(&stored),
        start_request(RecordingMode::Transcript),
    ));
    assert_eq!(started.unwrap().recording.status, RecordingStatus::Active);
}

// --- stop ----------------------------------------------------------------------------------

fn stop_world(stored: &Room, active: Option<Recording>) -> World {
    let mut world = World::new()
        .with_room(stored)
        .with_room_role(Some(Role::Owner));
    world
        .recordings
        .expect_active_for_room()
        .returning(move |_| Ok(active.clone()));
    world.recordings.expect_role_of().returning(|_, _| Ok(None));
    world
}

#[test]
fn stopping_without_an_active_recording_is_not_found() {
    let stored = room("Standup", AccessLevel::Public);
    let mut world = stop_world(&stored, None);
    world.egress.expect_stop().never();
    let stopped = block_on(world.service().stop(&caller("owner"), &by_id(&stored)));
    assert!(matches!(
        stopped,
        Err(Error::NotFound(m)) if m == "No active recording found for this room."
    ));
}

#[test]
fn only_room_administrators_and_owners_stop_recordings() {
    let stored = room("Standup", AccessLevel::Public);
    let mut row = Vec::new();
    for (who, role) in matrix_callers() {
        let mut world = World::new().with_room(&stored).with_room_role(role);
        world
            .recordings
            .expect_active_for_room()
            .returning(|_| Ok(None));
        row.push(outcome(&block_on(
            world.service().stop(&who, &by_id(&stored)),
        )));
    }
    assert_eq!(row, ["401", "403", "403", "404", "404"]);
}

#[test]
fn the_egress_answer_decides_the_stopped_status() {
    let stored = room("Standup", AccessLevel::Public);
    for (answer, expected) in [
        (Ok(EgressStatus::Ending), Ok(RecordingStatus::Stopped)),
        (Ok(EgressStatus::Aborted), Ok(RecordingStatus::Aborted)),
        (
            Ok(EgressStatus::Complete),
            Err(RecordingStatus::FailedToStop),
        ),
        (Ok(EgressStatus::Active), Err(RecordingStatus::FailedToStop)),
        (
            Err(EgressStatus::Failed),
            Err(RecordingStatus::FailedToStop),
        ),
    ] {
        let active = recording(
            stored.id,
            RecordingStatus::Active,
            RecordingMode::ScreenRecording,
        );
        let mut world = stop_world(&stored, Some(active.clone()));
        world
            .egress
            .expect_stop()
            .withf(|id| id == "EG_worker")
            .times(1)
            .returning(move |id| match answer {
                Ok(status) => Ok(egress(id, status)),
                Err(_) => Err(Error::FailedPrecondition("egress ended".to_owned())),
            });
        let moves = world.recording_transitions(&active);
        let stopped = block_on(world.service().stop(&caller("owner"), &by_id(&stored)));
        match expected {
            Ok(status) => assert_eq!(stopped.unwrap().recording.status, status),
            Err(status) => {
                match stopped {
                    Err(Error::Internal(cause)) => assert!(
                        cause
                            .to_string()
                            .starts_with("Recording failed to stop for room standup"),
                        "{cause}"
                    ),
                    other => panic!("unexpected {other:?}"),
                }
                assert_eq!(moves_of(&moves), [(RecordingStatus::Active, status)]);
            }
        }
    }
}

#[test]
fn a_stop_racing_a_limit_keeps_the_stopped_recording() {
    let stored = room("Standup", AccessLevel::Public);
    let active = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let mut world = stop_world(&stored, Some(active.clone()));
    world
        .egress
        .expect_stop()
        .returning(|id| Ok(egress(id, EgressStatus::Ending)));
    world
        .recordings
        .expect_transition()
        .returning(|_, _, _, _, _| Err(Error::FailedPrecondition("moved".to_owned())));
    let mut already = active.clone();
    already.status = RecordingStatus::Stopped;
    world
        .recordings
        .expect_get()
        .returning(move |_| Ok(already.clone()));
    let stopped = block_on(world.service().stop(&caller("owner"), &by_id(&stored)));
    assert_eq!(stopped.unwrap().recording.status, RecordingStatus::Stopped);
}

// --- list, get, delete ---------------------------------------------------------------------

#[test]
fn the_list_shows_the_callers_recordings_with_their_abilities() {
    let stored = room("Standup", AccessLevel::Public);
    let mut world = World::new();
    let first = recording(stored.id, RecordingStatus::Saved, RecordingMode::Transcript);
    let second = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let third = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let rows = vec![third.clone(), second.clone(), first.clone()];
    world
        .recordings
        .expect_list_for_user()
        .withf(|_, page| page.size.get() == 2 && page.after.is_none())
        .returning(move |_, _| Ok(rows.clone()));
    let member_of = second.id;
    world.recordings.expect_role_of().returning(move |id, _| {
        Ok(Some(if id == member_of {
            Role::Member
        } else {
            Role::Owner
        }))
    });
    let by_id = stored.clone();
    world
        .rooms
        .expect_get()
        .times(1)
        .returning(move |_| Ok(by_id.clone()));
    world.settings.expiration_days = Some(30);
    let page = PageRequest {
        size: PageSize::from_request(2).unwrap(),
        after: None,
    };
    let listed = block_on(world.service().list(&caller("owner"), &page)).unwrap();
    let ids: Vec<RecordingId> = listed.items.iter().map(|v| v.recording.id).collect();
    assert_eq!(ids, [third.id, second.id]);
    assert_eq!(listed.next, Some(second.id));
    let owner_view = &listed.items[0];
    assert_eq!(owner_view.caller_role, Some(Role::Owner));
    assert!(owner_view.abilities.retrieve && owner_view.abilities.destroy);
    assert_eq!(owner_view.key, format!("recordings/{}.ogg", third.id));
    assert_eq!(owner_view.expires_at, Some(now() + TimeDelta::days(30)));
    assert!(!owner_view.is_expired);
    let member_view = &listed.items[1];
    assert_eq!(member_view.caller_role, Some(Role::Member));
    assert_eq!(member_view.abilities, RecordingAbilities::default());
    assert_eq!(member_view.room, stored);
}

#[test]
fn anonymous_callers_have_no_recordings() {
    let world = World::new();
    let listed = block_on(
        world
            .service()
            .list(&Caller::anonymous(), &PageRequest::default()),
    );
    assert_eq!(outcome(&listed), "401");
}

#[test]
fn reading_and_deleting_follow_the_abilities_in_every_status() {
    let stored = room("Standup", AccessLevel::Public);
    let roles = [
        None,
        Some(Role::Member),
        Some(Role::Administrator),
        Some(Role::Owner),
    ];
    for status in RecordingStatus::ALL {
        let mut gets = Vec::new();
        let mut deletes = Vec::new();
        for role in roles {
            let target = recording(stored.id, status, RecordingMode::ScreenRecording);
            let mut world = World::new()
                .with_recording(&target, role)
                .with_room(&stored);
            world.recordings.expect_delete().returning(|_| Ok(()));
            let svc = world.service();
            gets.push(outcome(&block_on(svc.get(&caller("someone"), target.id))));
            deletes.push(outcome(&block_on(
                svc.delete(&caller("someone"), target.id),
            )));
        }
        assert_eq!(gets, ["404", "403", "yes", "yes"], "get in {status}");
        let privileged_delete = if status.is_final() { "yes" } else { "403" };
        assert_eq!(
            deletes,
            ["404", "403", privileged_delete, privileged_delete],
            "delete in {status}"
        );
    }
}

#[test]
fn unknown_recordings_are_not_found_and_deletion_really_deletes() {
    let mut world = World::new();
    world
        .recordings
        .expect_get()
        .returning(|_| Err(Error::NotFound("x".to_owned())));
    let svc = world.service();
    let got = block_on(svc.get(&caller("owner"), RecordingId::new()));
    assert!(matches!(got, Err(Error::NotFound(m)) if m == "No Recording matches the given query."));
    assert_eq!(
        outcome(&block_on(svc.get(&Caller::anonymous(), RecordingId::new()))),
        "401"
    );

    let stored = room("Standup", AccessLevel::Public);
    let done = recording(stored.id, RecordingStatus::Saved, RecordingMode::Transcript);
    let mut world = World::new().with_recording(&done, Some(Role::Owner));
    let id = done.id;
    world
        .recordings
        .expect_delete()
        .withf(move |d| *d == id)
        .times(1)
        .returning(|_| Ok(()));
    block_on(world.service().delete(&caller("owner"), done.id)).unwrap();
}

// --- finalise ------------------------------------------------------------------------------

fn owner_user(sub: &str, email: Option<&str>, language: Language, zone: &str) -> User {
    let mut owner = user(sub);
    owner.email = email.map(|e| Email::parse(e).unwrap());
    owner.language = language;
    owner.timezone = Timezone::parse(zone).unwrap();
    owner
}

/// A world where `target` belongs to `stored` and has `owners`; notifications go through
/// `report`.
fn finalise_world(
    stored: &Room,
    target: &Recording,
    owners: Vec<User>,
    report: NotificationReport,
) -> (World, Moves, Arc<Mutex<Vec<Notification>>>) {
    let mut world = World::new().with_room(stored);
    let ids: Vec<_> = owners.iter().map(|u| u.id).collect();
    world
        .recordings
        .expect_owners()
        .returning(move |_| Ok(ids.clone()));
    world.users.expect_get().returning(move |id| {
        owners
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| Error::NotFound("user".to_owned()))
    });
    let sent: Arc<Mutex<Vec<Notification>>> = Arc::default();
    let seen = Arc::clone(&sent);
    world.notifier.expect_notify().returning(move |batch| {
        seen.lock().unwrap().extend(batch);
        report.clone()
    });
    let moves = world.recording_transitions(target);
    (world, moves, sent)
}

#[test]
fn only_active_or_stopped_recordings_are_finalised() {
    let stored = room("Standup", AccessLevel::Public);
    for status in RecordingStatus::ALL {
        if status.is_savable() {
            continue;
        }
        let target = recording(stored.id, status, RecordingMode::Transcript);
        let mut world = World::new();
        world.recordings.expect_transition().never();
        world.notifier.expect_notify().never();
        let finalised = block_on(world.service().finalise(target));
        assert!(
            matches!(&finalised, Err(Error::PermissionDenied(m)) if m.contains("cannot be saved")),
            "{status}: {finalised:?}"
        );
    }
}

#[test]
fn a_transcript_goes_to_the_summary_service_and_keeps_its_job_id() {
    let stored = room("Planning", AccessLevel::Public);
    let mut target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    target.options.language = Some("es".to_owned());
    let owner = owner_user(
        "ana",
        Some("ana@example.org"),
        Language::FrFr,
        "Europe/Paris",
    );
    let (mut world, moves, sent) = finalise_world(
        &stored,
        &target,
        vec![owner.clone()],
        NotificationReport {
            failures: Vec::new(),
            summary_job_id: Some("job-7".to_owned()),
        },
    );
    let id = target.id;
    world
        .recordings
        .expect_set_external_process()
        .withf(move |r, job, _| *r == id && job == "job-7")
        .times(1)
        .returning(|_, _, _| Ok(()));
    world.settings.download_base_url = Some("https://meet.example/recordings/".to_owned());
    let finalised = block_on(world.service().finalise(target.clone())).unwrap();

    assert_eq!(
        finalised.recording.status,
        RecordingStatus::NotificationSucceeded
    );
    assert!(finalised.failures.is_empty());
    assert_eq!(
        moves_of(&moves),
        [
            (RecordingStatus::Stopped, RecordingStatus::Saved),
            (
                RecordingStatus::Saved,
                RecordingStatus::NotificationSucceeded
            )
        ]
    );
    assert_eq!(
        *sent.lock().unwrap(),
        [Notification::Summary(SummaryRequest {
            recording_id: target.id,
            mode: RecordingMode::Transcript,
            recording_filename: format!("recordings/{}.ogg", target.id),
            room_name: "Planning".to_owned(),
            owner_id: owner.id,
            owner_sub: Some("ana".to_owned()),
            owner_email: Some("ana@example.org".to_owned()),
            owner_timezone: "Europe/Paris".to_owned(),
            language: "es".to_owned(),
            download_link: Some(format!("https://meet.example/recordings/{}", target.id)),
            recorded_at: now(),
        })]
    );
}

#[test]
fn the_summary_language_falls_back_to_the_owners() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let owner = owner_user("jan", None, Language::NlNl, "UTC");
    let (world, _, sent) =
        finalise_world(&stored, &target, vec![owner], NotificationReport::default());
    block_on(world.service().finalise(target)).unwrap();
    let Notification::Summary(request) = &sent.lock().unwrap()[0] else {
        panic!("a summary request");
    };
    assert_eq!(request.language, "nl");
    assert_eq!(request.download_link, None);
}

#[test]
fn a_screen_recording_mails_every_owner_in_their_time_zone() {
    let stored = room("All Hands", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::ScreenRecording,
    );
    let ana = owner_user(
        "ana",
        Some("ana@example.org"),
        Language::FrFr,
        "Europe/Paris",
    );
    let bob = owner_user(
        "bob",
        Some("bob@example.org"),
        Language::DeDe,
        "America/New_York",
    );
    let (mut world, _, sent) = finalise_world(
        &stored,
        &target,
        vec![ana.clone(), bob.clone()],
        NotificationReport::default(),
    );
    world.settings.expiration_days = Some(7);
    let finalised = block_on(world.service().finalise(target.clone())).unwrap();
    assert_eq!(
        finalised.recording.status,
        RecordingStatus::NotificationSucceeded
    );
    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "no summary without the transcribe option");
    let Notification::OwnerEmail(mail) = &sent[0] else {
        panic!("an e-mail");
    };
    assert_eq!(mail.to, "ana@example.org");
    assert_eq!(mail.owner_id, ana.id);
    assert_eq!(mail.language, Language::FrFr);
    assert_eq!(mail.room_name, "All Hands");
    assert_eq!(mail.expiration_days, Some(7));
    assert_eq!(mail.recorded_at.to_rfc3339(), "2026-11-22T11:00:00+01:00");
    let Notification::OwnerEmail(mail) = &sent[1] else {
        panic!("an e-mail");
    };
    assert_eq!(mail.to, "bob@example.org");
    assert_eq!(mail.recorded_at.to_rfc3339(), "2026-11-22T05:00:00-05:00");
}

#[test]
fn transcribed_screen_recordings_also_go_to_the_summary_service() {
    let stored = room("All Hands", AccessLevel::Public);
    let mut target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::ScreenRecording,
    );
    target.options.transcribe = Some(true);
    let ana = owner_user("ana", Some("ana@example.org"), Language::EnUs, "UTC");
    let (world, _, sent) =
        finalise_world(&stored, &target, vec![ana], NotificationReport::default());
    block_on(world.service().finalise(target)).unwrap();
    let targets: Vec<_> = sent
        .lock()
        .unwrap()
        .iter()
        .map(Notification::target)
        .collect();
    assert!(targets.contains(&NotificationTarget::SummaryService));
    assert_eq!(targets.len(), 2);
}

#[test]
fn any_failed_notification_leaves_the_recording_saved() {
    let stored = room("All Hands", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::ScreenRecording,
    );
    let ana = owner_user("ana", Some("ana@example.org"), Language::EnUs, "UTC");
    let failure = NotificationFailure {
        target: NotificationTarget::Owner(ana.id),
        reason: "relay refused".to_owned(),
    };
    let (world, moves, _) = finalise_world(
        &stored,
        &target,
        vec![ana],
        NotificationReport {
            failures: vec![failure.clone()],
            summary_job_id: None,
        },
    );
    let finalised = block_on(world.service().finalise(target)).unwrap();
    assert_eq!(finalised.recording.status, RecordingStatus::Saved);
    assert_eq!(finalised.failures, [failure]);
    assert_eq!(
        moves_of(&moves),
        [(RecordingStatus::Active, RecordingStatus::Saved)]
    );
}

#[test]
fn owners_without_address_and_recordings_without_owner_are_failures() {
    let stored = room("All Hands", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::ScreenRecording,
    );
    let mute = owner_user("mute", None, Language::EnUs, "UTC");
    let (world, _, sent) = finalise_world(
        &stored,
        &target,
        vec![mute.clone()],
        NotificationReport::default(),
    );
    let finalised = block_on(world.service().finalise(target)).unwrap();
    assert_eq!(finalised.recording.status, RecordingStatus::Saved);
    assert_eq!(
        finalised.failures[0].target,
        NotificationTarget::Owner(mute.id)
    );
    assert!(sent.lock().unwrap().is_empty());

    let transcript = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let (world, _, _) = finalise_world(
        &stored,
        &transcript,
        Vec::new(),
        NotificationReport::default(),
    );
    let finalised = block_on(world.service().finalise(transcript)).unwrap();
    assert_eq!(finalised.recording.status, RecordingStatus::Saved);
    assert_eq!(
        finalised.failures[0].target,
        NotificationTarget::SummaryService
    );
}

#[test]
fn a_concurrent_finalisation_notifies_once() {
    let stored = room("All Hands", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let ana = owner_user("ana", None, Language::EnUs, "UTC");
    let mut world = World::new().with_room(&stored);
    let id = ana.id;
    world
        .recordings
        .expect_owners()
        .returning(move |_| Ok(vec![id]));
    world.users.expect_get().returning(move |_| Ok(ana.clone()));
    world
        .recordings
        .expect_transition()
        .returning(|_, _, _, _, _| Err(Error::FailedPrecondition("taken".to_owned())));
    world.notifier.expect_notify().never();
    let finalised = block_on(world.service().finalise(target));
    assert!(matches!(finalised, Err(Error::PermissionDenied(_))));
}

#[test]
fn a_summary_answering_first_keeps_its_status() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let owner = owner_user("ana", None, Language::EnUs, "UTC");
    let mut world = World::new().with_room(&stored);
    let id = owner.id;
    world
        .recordings
        .expect_owners()
        .returning(move |_| Ok(vec![id]));
    world
        .users
        .expect_get()
        .returning(move |_| Ok(owner.clone()));
    world
        .notifier
        .expect_notify()
        .returning(|_| NotificationReport::default());
    let base = target.clone();
    world
        .recordings
        .expect_transition()
        .returning(move |_, _, to, _, _| {
            if to == RecordingStatus::Saved {
                Ok(Recording {
                    status: to,
                    ..base.clone()
                })
            } else {
                Err(Error::FailedPrecondition("moved on".to_owned()))
            }
        });
    let mut processed = target.clone();
    processed.status = RecordingStatus::ExternalProcessSuccessful;
    world
        .recordings
        .expect_get()
        .returning(move |_| Ok(processed.clone()));
    let finalised = block_on(world.service().finalise(target)).unwrap();
    assert_eq!(
        finalised.recording.status,
        RecordingStatus::ExternalProcessSuccessful
    );
}

// --- storage events ------------------------------------------------------------------------

fn storage_event(key: &str, content_type: Option<&str>) -> StorageEvent {
    StorageEvent {
        bucket: "anteroom-recordings".to_owned(),
        key: key.to_owned(),
        content_type: content_type.map(str::to_owned),
    }
}

#[test]
fn the_storage_hook_checks_the_flag_the_token_and_the_body() {
    let body = json!({"Records": []});
    let mut world = World::new();
    world.settings.storage_events_enabled = false;
    let hook = block_on(world.service().storage_hook(Some("storage-token"), &body));
    assert!(matches!(hook, Err(Error::NotFound(m)) if m == "Not found."));

    let mut world = World::new();
    world.settings.storage_events_enabled = true;
    let svc = world.service();
    for token in [None, Some("wrong"), Some("")] {
        assert_eq!(
            outcome(&block_on(svc.storage_hook(token, &body))),
            "401",
            "{token:?}"
        );
    }
    assert!(matches!(
        block_on(svc.storage_hook(Some("storage-token"), &body)),
        Err(Error::PermissionDenied(m)) if m == "Invalid request data."
    ));

    let mut world = World::new();
    world.settings.storage_events_enabled = true;
    world.settings.storage_events_token = None;
    assert_eq!(
        outcome(&block_on(
            world.service().storage_hook(Some("anything"), &body)
        )),
        "401",
        "no configured token refuses everyone"
    );
}

#[test]
fn storage_events_of_other_buckets_are_refused() {
    let mut event = storage_event("recordings/x.ogg", Some("audio/ogg"));
    event.bucket = "elsewhere".to_owned();
    let hook = block_on(World::new().service().storage_event(&event));
    assert!(matches!(hook, Err(Error::PermissionDenied(m)) if m == "Invalid bucket specified."));
}

#[test]
fn storage_events_of_other_files_are_ignored() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let id = target.id;
    for event in [
        storage_event(&format!("recordings/{id}.ogg"), Some("text/plain")),
        storage_event(&format!("recordings/{id}.ogg"), None),
        storage_event(&format!("elsewhere/{id}.ogg"), Some("audio/ogg")),
        storage_event(&format!("recordings/{id}.mp4"), Some("video/mp4")),
    ] {
        let mut world = World::new().with_recording(&target, Some(Role::Owner));
        world.recordings.expect_transition().never();
        let handled = block_on(world.service().storage_event(&event)).unwrap();
        assert!(
            matches!(handled, StorageEventOutcome::Ignored(_)),
            "{event:?}"
        );
    }
}

#[test]
fn storage_events_of_unknown_or_unsavable_recordings_are_refused() {
    let mut world = World::new();
    world
        .recordings
        .expect_get()
        .returning(|_| Err(Error::NotFound("x".to_owned())));
    let event = storage_event(
        &format!("recordings/{}.ogg", RecordingId::new()),
        Some("audio/ogg"),
    );
    assert_eq!(
        outcome(&block_on(world.service().storage_event(&event))),
        "404"
    );

    let stored = room("Planning", AccessLevel::Public);
    for status in [
        RecordingStatus::Initiated,
        RecordingStatus::Saved,
        RecordingStatus::FailedToStart,
        RecordingStatus::FailedToStop,
        RecordingStatus::Aborted,
    ] {
        let target = recording(stored.id, status, RecordingMode::Transcript);
        let world = World::new().with_recording(&target, None);
        let event = storage_event(&format!("recordings/{}.ogg", target.id), Some("audio/ogg"));
        assert_eq!(
            outcome(&block_on(world.service().storage_event(&event))),
            "403",
            "{status}"
        );
    }
}

#[test]
fn a_storage_event_finalises_its_recording() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let owner = owner_user("ana", None, Language::EnUs, "UTC");
    let (mut world, _, sent) =
        finalise_world(&stored, &target, vec![owner], NotificationReport::default());
    let by_id = target.clone();
    world
        .recordings
        .expect_get()
        .returning(move |_| Ok(by_id.clone()));
    world.settings.storage_events_enabled = true;
    let body = json!({"Records": [{"s3": {
        "bucket": {"name": "anteroom-recordings"},
        "object": {"key": format!("recordings%2F{}.ogg", target.id), "contentType": "audio/ogg"}
    }}]});
    let handled = block_on(world.service().storage_hook(Some("storage-token"), &body)).unwrap();
    match handled {
        StorageEventOutcome::Finalised(finalised) => {
            assert_eq!(
                finalised.recording.status,
                RecordingStatus::NotificationSucceeded
            );
        }
        other @ StorageEventOutcome::Ignored(_) => panic!("unexpected {other:?}"),
    }
    assert_eq!(sent.lock().unwrap().len(), 1);
}

// --- summary service callback ---------------------------------------------------------------

#[test]
fn the_summary_callback_needs_its_token() {
    let svc = World::new().service();
    let reference = ExternalProcessRef::Job("job".to_owned());
    for token in [None, Some("storage-token"), Some("")] {
        let result = block_on(svc.external_process_hook(
            token,
            &reference,
            ExternalProcessResult::Succeeded,
        ));
        assert_eq!(outcome(&result), "401");
    }
}

#[test]
fn summary_results_move_saved_recordings_once() {
    let stored = room("Planning", AccessLevel::Public);
    for (from, result, to) in [
        (
            RecordingStatus::Saved,
            ExternalProcessResult::Succeeded,
            RecordingStatus::ExternalProcessSuccessful,
        ),
        (
            RecordingStatus::NotificationSucceeded,
            ExternalProcessResult::Failed,
            RecordingStatus::ExternalProcessFailed,
        ),
    ] {
        let mut target = recording(stored.id, from, RecordingMode::Transcript);
        target.external_process_id = Some("job-1".to_owned());
        let mut world = World::new();
        let found = target.clone();
        world
            .recordings
            .expect_get_by_external_process()
            .withf(|job| job == "job-1")
            .returning(move |_| Ok(found.clone()));
        let moves = world.recording_transitions(&target);
        let applied = block_on(world.service().external_process_hook(
            Some("callback-token"),
            &ExternalProcessRef::Job("job-1".to_owned()),
            result,
        ))
        .unwrap();
        assert!(matches!(applied, ExternalProcessOutcome::Applied(r) if r.status == to));
        assert_eq!(moves_of(&moves), [(from, to)]);
    }
}

#[test]
fn repeated_unknown_and_untimely_summary_results() {
    let stored = room("Planning", AccessLevel::Public);
    let done = recording(
        stored.id,
        RecordingStatus::ExternalProcessSuccessful,
        RecordingMode::Transcript,
    );
    let mut world = World::new().with_recording(&done, None);
    world.recordings.expect_transition().never();
    let again = block_on(world.service().external_process_result(
        &ExternalProcessRef::Recording(done.id),
        ExternalProcessResult::Succeeded,
    ))
    .unwrap();
    assert!(matches!(again, ExternalProcessOutcome::AlreadyApplied(_)));

    let mut world = World::new();
    world
        .recordings
        .expect_get_by_external_process()
        .returning(|_| Err(Error::NotFound("x".to_owned())));
    let unknown = block_on(world.service().external_process_result(
        &ExternalProcessRef::Job("nope".to_owned()),
        ExternalProcessResult::Failed,
    ))
    .unwrap();
    assert_eq!(unknown, ExternalProcessOutcome::Unknown);

    for status in [RecordingStatus::Active, RecordingStatus::Stopped] {
        let early = recording(stored.id, status, RecordingMode::Transcript);
        let mut world = World::new().with_recording(&early, None);
        world.recordings.expect_transition().never();
        let refused = block_on(world.service().external_process_result(
            &ExternalProcessRef::Recording(early.id),
            ExternalProcessResult::Succeeded,
        ));
        assert!(
            matches!(refused, Err(Error::FailedPrecondition(_))),
            "{status}"
        );
    }
}

// --- downloads -----------------------------------------------------------------------------

/// Who asks, for which URL, of which recording, with which role on it, and the outcome.
type DownloadCase<'a> = (
    Caller,
    Option<String>,
    &'a Recording,
    Option<Role>,
    &'static str,
);

fn signed() -> SignedRequest {
    SignedRequest {
        url: "http://minio/anteroom-recordings/recordings/x.mp4".to_owned(),
        headers: vec![("Authorization".to_owned(), "AWS4-HMAC-SHA256 …".to_owned())],
    }
}

#[test]
fn downloads_are_signed_for_owners_of_stored_files() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::NotificationSucceeded,
        RecordingMode::ScreenRecording,
    );
    let mut world = World::new().with_recording(&target, Some(Role::Owner));
    let key = format!("recordings/{}.mp4", target.id);
    world
        .signer
        .expect_sign_get()
        .withf(move |k, at| k == key && *at == now())
        .times(1)
        .returning(|_, _| Ok(signed()));
    let url = format!("https://meet.example/media/recordings/{}.mp4", target.id);
    let answer = block_on(
        world
            .service()
            .authorize_download(&caller("owner"), Some(&url)),
    )
    .unwrap();
    assert_eq!(answer, signed());
}

#[test]
fn downloads_are_refused_by_the_media_auth_rules() {
    let stored = room("Planning", AccessLevel::Public);
    let saved = recording(
        stored.id,
        RecordingStatus::Saved,
        RecordingMode::ScreenRecording,
    );
    let active = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::ScreenRecording,
    );
    let url = |r: &Recording, ext: &str| format!("/media/recordings/{}.{ext}", r.id);
    let cases: Vec<DownloadCase<'_>> = vec![
        (
            Caller::anonymous(),
            Some(url(&saved, "mp4")),
            &saved,
            Some(Role::Owner),
            "401",
        ),
        (caller("o"), None, &saved, Some(Role::Owner), "403"),
        (
            caller("o"),
            Some("/elsewhere".to_owned()),
            &saved,
            Some(Role::Owner),
            "403",
        ),
        (
            caller("o"),
            Some(url(&saved, "wav")),
            &saved,
            Some(Role::Owner),
            "400",
        ),
        (
            caller("o"),
            Some(url(&saved, "ogg")),
            &saved,
            Some(Role::Owner),
            "404",
        ),
        (
            caller("o"),
            Some(url(&saved, "mp4")),
            &saved,
            Some(Role::Member),
            "403",
        ),
        (caller("o"), Some(url(&saved, "mp4")), &saved, None, "403"),
        (
            caller("o"),
            Some(url(&active, "mp4")),
            &active,
            Some(Role::Owner),
            "403",
        ),
        (
            caller("o"),
            Some(url(&saved, "mp4")),
            &saved,
            Some(Role::Administrator),
            "yes",
        ),
    ];
    for (who, url, target, role, expected) in cases {
        let mut world = World::new().with_recording(target, role);
        world
            .signer
            .expect_sign_get()
            .returning(|_, _| Ok(signed()));
        let answer = block_on(world.service().authorize_download(&who, url.as_deref()));
        assert_eq!(outcome(&answer), expected, "{url:?} {role:?}");
    }
    let mut world = World::new();
    world
        .recordings
        .expect_get()
        .returning(|_| Err(Error::NotFound("x".to_owned())));
    let unknown = format!("/media/recordings/{}.mp4", RecordingId::new());
    assert_eq!(
        outcome(&block_on(
            world
                .service()
                .authorize_download(&caller("o"), Some(&unknown))
        )),
        "404"
    );
}

// --- egress webhooks -----------------------------------------------------------------------

fn egress_world(target: &Recording) -> World {
    let mut world = World::new();
    let found = target.clone();
    let worker = target.worker_id.clone().unwrap_or_default();
    world
        .recordings
        .expect_get_by_worker()
        .withf(move |w| w == worker)
        .returning(move |_| Ok(found.clone()));
    world
}

#[test]
fn egress_updates_are_mirrored_into_the_room_metadata() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    for (status, shown) in [
        (EgressStatus::Active, Some("started")),
        (EgressStatus::Ending, Some("saving")),
        (EgressStatus::Aborted, Some("aborted")),
        (EgressStatus::Starting, None),
        (EgressStatus::Complete, None),
    ] {
        let mut world = egress_world(&target);
        let writes = world.metadata_writes();
        block_on(world.service().egress_updated(&egress("EG_worker", status))).unwrap();
        let writes = writes.lock().unwrap().clone();
        match shown {
            Some(shown) => assert_eq!(
                writes,
                [(
                    stored.id.to_string(),
                    json!({ "recording_status": shown }),
                    Vec::new()
                )]
            ),
            None => assert!(writes.is_empty(), "{status:?}"),
        }
    }
}

#[test]
fn events_of_unknown_egresses_are_acknowledged() {
    let mut world = World::new();
    world
        .recordings
        .expect_get_by_worker()
        .returning(|_| Err(Error::NotFound("x".to_owned())));
    world.media.expect_merge_room_metadata().never();
    let svc = world.service();
    block_on(svc.egress_updated(&egress("EG_x", EgressStatus::Active))).unwrap();
    block_on(svc.egress_ended(&egress("EG_x", EgressStatus::Complete))).unwrap();
}

#[test]
fn a_reached_limit_stops_tells_the_room_and_finalises() {
    let stored = room("Planning", AccessLevel::Public);
    for (mode, message) in [
        (
            RecordingMode::ScreenRecording,
            "screenRecordingLimitReached",
        ),
        (RecordingMode::Transcript, "transcriptionLimitReached"),
    ] {
        let target = recording(stored.id, RecordingStatus::Active, mode);
        let (mut world, moves, _) =
            finalise_world(&stored, &target, Vec::new(), NotificationReport::default());
        let found = target.clone();
        world
            .recordings
            .expect_get_by_worker()
            .returning(move |_| Ok(found.clone()));
        let writes = world.metadata_writes();
        let sent: Arc<Mutex<Vec<(String, DataMessage)>>> = Arc::default();
        let seen = Arc::clone(&sent);
        world.media.expect_send_data().returning(move |room, data| {
            seen.lock().unwrap().push((room.to_owned(), data));
            Ok(())
        });
        block_on(
            world
                .service()
                .egress_ended(&egress("EG_worker", EgressStatus::LimitReached)),
        )
        .unwrap();
        assert_eq!(
            writes.lock().unwrap()[0],
            (
                stored.id.to_string(),
                json!({}),
                vec!["recording_mode".to_owned(), "recording_status".to_owned()]
            )
        );
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, stored.id.to_string());
        let payload: Value = serde_json::from_slice(&sent[0].1.payload).unwrap();
        assert_eq!(payload, json!({ "type": message }));
        assert_eq!(
            moves_of(&moves)[..2],
            [
                (RecordingStatus::Active, RecordingStatus::Stopped),
                (RecordingStatus::Stopped, RecordingStatus::Saved)
            ]
        );
    }
}

#[test]
fn with_storage_events_the_egress_end_does_not_finalise() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let mut world = egress_world(&target);
    world.settings.storage_events_enabled = true;
    world.metadata_writes();
    world.recordings.expect_transition().never();
    world.notifier.expect_notify().never();
    block_on(
        world
            .service()
            .egress_ended(&egress("EG_worker", EgressStatus::Complete)),
    )
    .unwrap();
}

#[test]
fn a_complete_egress_finalises_a_stopped_recording() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Stopped,
        RecordingMode::Transcript,
    );
    let owner = owner_user("ana", None, Language::EnUs, "UTC");
    let (mut world, moves, sent) =
        finalise_world(&stored, &target, vec![owner], NotificationReport::default());
    let found = target.clone();
    world
        .recordings
        .expect_get_by_worker()
        .returning(move |_| Ok(found.clone()));
    world.metadata_writes();
    world.media.expect_send_data().never();
    block_on(
        world
            .service()
            .egress_ended(&egress("EG_worker", EgressStatus::Complete)),
    )
    .unwrap();
    assert_eq!(
        moves_of(&moves),
        [
            (RecordingStatus::Stopped, RecordingStatus::Saved),
            (
                RecordingStatus::Saved,
                RecordingStatus::NotificationSucceeded
            )
        ]
    );
    assert_eq!(sent.lock().unwrap().len(), 1);
}

#[test]
fn egress_ends_are_idempotent_and_tolerant() {
    let stored = room("Planning", AccessLevel::Public);
    // Already finalised (a redelivery): only logged.
    let target = recording(stored.id, RecordingStatus::Saved, RecordingMode::Transcript);
    let mut world = egress_world(&target);
    world.metadata_writes();
    world.recordings.expect_transition().never();
    world.notifier.expect_notify().never();
    world.media.expect_send_data().never();
    block_on(
        world
            .service()
            .egress_ended(&egress("EG_worker", EgressStatus::LimitReached)),
    )
    .unwrap();

    // A room that is not live any more does not fail the event.
    let target = recording(
        stored.id,
        RecordingStatus::FailedToStop,
        RecordingMode::Transcript,
    );
    let mut world = egress_world(&target);
    world
        .media
        .expect_merge_room_metadata()
        .returning(|_, _, _| Err(Error::NotFound("room".to_owned())));
    block_on(
        world
            .service()
            .egress_ended(&egress("EG_worker", EgressStatus::Complete)),
    )
    .unwrap();
}

#[test]
fn an_egress_ending_without_file_frees_the_room() {
    let stored = room("Planning", AccessLevel::Public);
    for status in [EgressStatus::Aborted, EgressStatus::Failed] {
        let target = recording(
            stored.id,
            RecordingStatus::Active,
            RecordingMode::Transcript,
        );
        let mut world = egress_world(&target);
        world.metadata_writes();
        let moves = world.recording_transitions(&target);
        world.notifier.expect_notify().never();
        block_on(world.service().egress_ended(&egress("EG_worker", status))).unwrap();
        assert_eq!(
            moves_of(&moves),
            [(RecordingStatus::Active, RecordingStatus::Aborted)]
        );
    }
}

#[test]
fn a_limit_message_that_cannot_be_sent_is_retried() {
    let stored = room("Planning", AccessLevel::Public);
    let target = recording(
        stored.id,
        RecordingStatus::Active,
        RecordingMode::Transcript,
    );
    let mut world = egress_world(&target);
    world.metadata_writes();
    world
        .media
        .expect_send_data()
        .returning(|_, _| Err(Error::unavailable("livekit", "down")));
    world.recordings.expect_transition().never();
    let ended = block_on(
        world
            .service()
            .egress_ended(&egress("EG_worker", EgressStatus::LimitReached)),
    );
    assert!(matches!(ended, Err(Error::Unavailable { .. })));
}

#[test]
fn settings_never_print_their_tokens() {
    let shown = format!("{:?}", World::new().settings);
    assert!(!shown.contains("storage-token") && !shown.contains("callback-token"));
    assert!(shown.contains("<redacted>"));
}
