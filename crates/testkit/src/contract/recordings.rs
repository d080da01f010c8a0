//! The contract of [`RecordingRepository`](anteroom_domain::recording::RecordingRepository):
//! one `pub async fn` per documented behaviour, run by
//! [`repository_contract_tests!`](crate::repository_contract_tests), including "at most one
//! initiated-or-active recording per room" under concurrency.

use std::sync::Arc;

use anteroom_domain::Error;
use anteroom_domain::access::Role;
use anteroom_domain::id::{RecordingId, RoomId, UserId};
use anteroom_domain::page::Page;
use anteroom_domain::recording::{Recording, RecordingStatus};
use chrono::TimeDelta;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::Repositories;
use super::repositories::{
    assert_conflict, assert_failed_precondition, assert_not_found, new_recording, now, page,
    recording_owner, seed_recording, seed_room, seed_user, unique,
};

/// How many creates race in the concurrency case.
const RACERS: usize = 50;

/// The ids of recordings, in order.
fn ids(recordings: &[Recording]) -> Vec<RecordingId> {
    recordings.iter().map(|r| r.id).collect()
}

/// A user and a room it owns.
async fn owner_and_room(repos: &Repositories) -> (UserId, RoomId) {
    let owner = seed_user(repos).await;
    let (room, _) = seed_room(repos, &owner, "Recorded").await;
    (owner.id, room.id)
}

/// A recording reads back identically, and its creator owns it.
pub async fn create_then_get_with_an_owner_access(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let mut recording = new_recording(room, RecordingStatus::Initiated);
    recording.worker_id = Some(format!("EG_{}", unique()));
    recording.external_process_id = Some(format!("job-{}", unique()));
    repos
        .recordings
        .create(&recording, &recording_owner(recording.id, owner))
        .await
        .expect("create");

    assert_eq!(
        repos.recordings.get(recording.id).await.expect("get"),
        recording
    );
    assert_eq!(
        repos
            .recordings
            .role_of(recording.id, owner)
            .await
            .expect("role_of"),
        Some(Role::Owner)
    );
}

/// Unknown recordings are `NotFound`.
pub async fn unknown_recording_is_not_found(repos: &Repositories) {
    assert_not_found(repos.recordings.get(RecordingId::new()).await);
    assert_not_found(repos.recordings.get_by_worker("EG_unknown").await);
}

/// While a room has an initiated or active recording, another one is a `Conflict` and
/// nothing of it is written; other rooms are not affected.
pub async fn second_in_progress_recording_is_a_conflict(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let (_, other_room) = owner_and_room(repos).await;
    let first = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;

    for status in [RecordingStatus::Initiated, RecordingStatus::Active] {
        let second = new_recording(room, status);
        assert_conflict(
            repos
                .recordings
                .create(&second, &recording_owner(second.id, owner))
                .await,
        );
        assert_not_found(repos.recordings.get(second.id).await);
        assert_eq!(
            repos
                .recordings
                .role_of(second.id, owner)
                .await
                .expect("role_of"),
            None
        );
    }

    repos
        .recordings
        .transition(
            first.id,
            RecordingStatus::Initiated,
            RecordingStatus::Active,
            None,
            now(),
        )
        .await
        .expect("initiated → active");
    let third = new_recording(room, RecordingStatus::Initiated);
    assert_conflict(
        repos
            .recordings
            .create(&third, &recording_owner(third.id, owner))
            .await,
    );

    seed_recording(repos, other_room, owner, RecordingStatus::Initiated).await;
    let saved = seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    assert_eq!(repos.recordings.get(saved.id).await.expect("get"), saved);
}

/// Many concurrent starts on one room: exactly one recording is created, every other start
/// is a `Conflict`.
pub async fn concurrent_creates_on_one_room_yield_exactly_one(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = JoinSet::new();
    for _ in 0..RACERS {
        let recordings = Arc::clone(&repos.recordings);
        let barrier = Arc::clone(&barrier);
        tasks.spawn(async move {
            let recording = new_recording(room, RecordingStatus::Initiated);
            barrier.wait().await;
            let result = recordings
                .create(&recording, &recording_owner(recording.id, owner))
                .await;
            (recording.id, result)
        });
    }
    let results = tasks.join_all().await;

    let created: Vec<RecordingId> = results
        .iter()
        .filter(|(_, result)| result.is_ok())
        .map(|(id, _)| *id)
        .collect();
    let unexpected: Vec<_> = results
        .iter()
        .filter(|(_, result)| !matches!(result, Ok(()) | Err(Error::Conflict(_))))
        .collect();
    assert!(unexpected.is_empty(), "only Ok or Conflict: {unexpected:?}");
    assert_eq!(created.len(), 1, "exactly one start wins");
    assert_eq!(results.len() - created.len(), RACERS - 1);
    for (id, result) in &results {
        if result.is_err() {
            assert_not_found(repos.recordings.get(*id).await);
        }
    }
    let listed = repos
        .recordings
        .list_for_user(owner, &page(100, None))
        .await
        .expect("list_for_user");
    assert_eq!(ids(&listed), created);
}

/// A recording that failed to start, or that is stopped, no longer holds the room.
pub async fn finished_recordings_free_the_room(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let failed = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
    repos
        .recordings
        .transition(
            failed.id,
            RecordingStatus::Initiated,
            RecordingStatus::FailedToStart,
            None,
            now(),
        )
        .await
        .expect("initiated → failed_to_start");

    let next = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
    for (from, to) in [
        (RecordingStatus::Initiated, RecordingStatus::Active),
        (RecordingStatus::Active, RecordingStatus::Stopped),
    ] {
        repos
            .recordings
            .transition(next.id, from, to, None, now())
            .await
            .expect("transition");
    }
    let last = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
    assert_eq!(
        repos.recordings.get(last.id).await.expect("get").status,
        RecordingStatus::Initiated
    );
}

/// A recording of an unknown room, or owned by an unknown user, is `NotFound`; nothing is
/// written.
pub async fn create_on_unknown_room_or_user_is_not_found(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;

    let orphan = new_recording(RoomId::new(), RecordingStatus::Initiated);
    assert_not_found(
        repos
            .recordings
            .create(&orphan, &recording_owner(orphan.id, owner))
            .await,
    );
    assert_not_found(repos.recordings.get(orphan.id).await);

    let unowned = new_recording(room, RecordingStatus::Initiated);
    assert_not_found(
        repos
            .recordings
            .create(&unowned, &recording_owner(unowned.id, UserId::new()))
            .await,
    );
    assert_not_found(repos.recordings.get(unowned.id).await);

    // The failed attempt did not keep the room.
    seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
}

/// `transition` moves a recording only from the expected status, records the egress id when
/// given (and keeps it otherwise), and returns the updated recording.
pub async fn transition_is_a_compare_and_set(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let recording = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
    let worker = format!("EG_{}", unique());

    let at = now() + TimeDelta::seconds(3);
    let active = repos
        .recordings
        .transition(
            recording.id,
            RecordingStatus::Initiated,
            RecordingStatus::Active,
            Some(worker.clone()),
            at,
        )
        .await
        .expect("initiated → active");
    let expected = Recording {
        status: RecordingStatus::Active,
        worker_id: Some(worker.clone()),
        updated_at: at,
        ..recording.clone()
    };
    assert_eq!(active, expected);
    assert_eq!(
        repos.recordings.get(recording.id).await.expect("get"),
        expected
    );

    // A stale `from` is refused and writes nothing.
    assert_failed_precondition(
        repos
            .recordings
            .transition(
                recording.id,
                RecordingStatus::Initiated,
                RecordingStatus::FailedToStart,
                Some("EG_other".to_owned()),
                now(),
            )
            .await,
    );
    assert_eq!(
        repos.recordings.get(recording.id).await.expect("get"),
        expected
    );

    let later = now() + TimeDelta::seconds(6);
    let stopped = repos
        .recordings
        .transition(
            recording.id,
            RecordingStatus::Active,
            RecordingStatus::Stopped,
            None,
            later,
        )
        .await
        .expect("active → stopped");
    assert_eq!(stopped.status, RecordingStatus::Stopped);
    assert_eq!(stopped.worker_id, Some(worker), "the egress id is kept");
    assert_eq!(stopped.updated_at, later);
}

/// Moving a recording that does not exist is `NotFound`.
pub async fn transition_of_unknown_recording_is_not_found(repos: &Repositories) {
    assert_not_found(
        repos
            .recordings
            .transition(
                RecordingId::new(),
                RecordingStatus::Initiated,
                RecordingStatus::Active,
                None,
                now(),
            )
            .await,
    );
}

/// `get_by_worker` finds the recording of an egress id, given at creation or by a transition.
pub async fn get_by_worker_finds_the_egress_recording(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let (_, other_room) = owner_and_room(repos).await;
    let mut created = new_recording(room, RecordingStatus::Saved);
    created.worker_id = Some(format!("EG_{}", unique()));
    repos
        .recordings
        .create(&created, &recording_owner(created.id, owner))
        .await
        .expect("create");
    let started = seed_recording(repos, other_room, owner, RecordingStatus::Initiated).await;
    let worker = format!("EG_{}", unique());
    let started = repos
        .recordings
        .transition(
            started.id,
            RecordingStatus::Initiated,
            RecordingStatus::Active,
            Some(worker.clone()),
            now(),
        )
        .await
        .expect("transition");

    assert_eq!(
        repos
            .recordings
            .get_by_worker(created.worker_id.as_deref().expect("a worker"))
            .await
            .expect("get_by_worker"),
        created
    );
    assert_eq!(
        repos
            .recordings
            .get_by_worker(&worker)
            .await
            .expect("get_by_worker"),
        started
    );
    assert_not_found(
        repos
            .recordings
            .get_by_worker(&format!("EG_{}", unique()))
            .await,
    );
}

/// `active_for_room` is the room's recording in status `active`, if any.
pub async fn active_for_room_is_the_active_recording(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let (_, other_room) = owner_and_room(repos).await;
    let active_for = |room| {
        let recordings = Arc::clone(&repos.recordings);
        async move {
            recordings
                .active_for_room(room)
                .await
                .expect("active_for_room")
        }
    };
    seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    assert_eq!(active_for(room).await, None);

    let recording = seed_recording(repos, room, owner, RecordingStatus::Initiated).await;
    assert_eq!(active_for(room).await, None, "initiated is not active");

    let active = repos
        .recordings
        .transition(
            recording.id,
            RecordingStatus::Initiated,
            RecordingStatus::Active,
            Some(format!("EG_{}", unique())),
            now(),
        )
        .await
        .expect("transition");
    assert_eq!(active_for(room).await, Some(active));
    assert_eq!(active_for(other_room).await, None);
    assert_eq!(active_for(RoomId::new()).await, None);

    repos
        .recordings
        .transition(
            recording.id,
            RecordingStatus::Active,
            RecordingStatus::Aborted,
            None,
            now(),
        )
        .await
        .expect("transition");
    assert_eq!(active_for(room).await, None);
}

/// `list_for_user` lists the recordings the user has an access to, newest first, and no other.
pub async fn list_for_user_is_newest_first_and_only_the_users(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let (other, other_room) = owner_and_room(repos).await;
    let mut mine = Vec::new();
    for status in [
        RecordingStatus::Saved,
        RecordingStatus::Stopped,
        RecordingStatus::Initiated,
    ] {
        mine.push(seed_recording(repos, room, owner, status).await);
        seed_recording(repos, other_room, other, RecordingStatus::Saved).await;
    }
    // A recording of the user's own room started by someone else is not the user's.
    seed_recording(repos, room, other, RecordingStatus::Saved).await;
    mine.sort_by_key(|r| std::cmp::Reverse(r.id));

    let listed = repos
        .recordings
        .list_for_user(owner, &page(100, None))
        .await
        .expect("list_for_user");
    assert_eq!(listed, mine);
    assert!(
        repos
            .recordings
            .list_for_user(UserId::new(), &page(100, None))
            .await
            .expect("list_for_user")
            .is_empty()
    );
}

/// Pages follow one another through the cursor (strictly after it), with `size + 1` items
/// fetched.
pub async fn list_for_user_pages_with_the_cursor(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let mut expected = Vec::new();
    for _ in 0..7 {
        expected.push(
            seed_recording(repos, room, owner, RecordingStatus::Saved)
                .await
                .id,
        );
    }
    expected.sort_by_key(|id| std::cmp::Reverse(*id));

    let first = repos
        .recordings
        .list_for_user(owner, &page(2, None))
        .await
        .expect("first page");
    assert_eq!(ids(&first), expected[..3], "a page fetches size + 1 items");
    let second = repos
        .recordings
        .list_for_user(owner, &page(2, Some(expected[1])))
        .await
        .expect("second page");
    assert_eq!(ids(&second), expected[2..5], "strictly after the cursor");

    for size in [1, 2, 3, 7, 100] {
        let mut after = None;
        let mut all = Vec::new();
        loop {
            let request = page(size, after);
            let fetched = repos
                .recordings
                .list_for_user(owner, &request)
                .await
                .expect("list_for_user");
            assert!(fetched.len() <= request.size.get() as usize + 1);
            let page = Page::from_overfetch(fetched, request.size, |r| r.id);
            all.extend(ids(&page.items));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(all, expected, "size {size}");
    }
}

/// `role_of` is the user's role on the recording, `None` without an access (room roles do
/// not count).
pub async fn role_of_is_the_users_recording_role(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let member = seed_user(repos).await;
    super::repositories::grant(repos, room, member.id, Role::Administrator).await;
    let recording = seed_recording(repos, room, owner, RecordingStatus::Saved).await;

    let role = |user| {
        let recordings = Arc::clone(&repos.recordings);
        async move {
            recordings
                .role_of(recording.id, user)
                .await
                .expect("role_of")
        }
    };
    assert_eq!(role(owner).await, Some(Role::Owner));
    assert_eq!(
        role(member.id).await,
        None,
        "a room role is no recording role"
    );
    assert_eq!(role(UserId::new()).await, None);
    assert_eq!(
        repos
            .recordings
            .role_of(RecordingId::new(), owner)
            .await
            .expect("role_of"),
        None
    );
}

/// `delete` removes the recording and its accesses; deleting it again is `NotFound`.
pub async fn delete_removes_the_recording_and_its_accesses(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let recording = seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    let kept = seed_recording(repos, room, owner, RecordingStatus::Aborted).await;

    repos.recordings.delete(recording.id).await.expect("delete");
    assert_not_found(repos.recordings.get(recording.id).await);
    assert_eq!(
        repos
            .recordings
            .role_of(recording.id, owner)
            .await
            .expect("role_of"),
        None
    );
    assert_eq!(
        ids(&repos
            .recordings
            .list_for_user(owner, &page(100, None))
            .await
            .expect("list_for_user")),
        vec![kept.id]
    );
    assert_not_found(repos.recordings.delete(recording.id).await);
    assert_not_found(repos.recordings.delete(RecordingId::new()).await);
    assert_eq!(repos.recordings.get(kept.id).await.expect("kept"), kept);
}

/// `owners` lists the users owning a recording (its creator), nobody for an unknown one.
pub async fn owners_are_the_users_with_the_owner_role(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let recording = seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    let (other, other_room) = owner_and_room(repos).await;
    seed_recording(repos, other_room, other, RecordingStatus::Saved).await;

    assert_eq!(
        repos.recordings.owners(recording.id).await.expect("owners"),
        vec![owner]
    );
    assert!(
        repos
            .recordings
            .owners(RecordingId::new())
            .await
            .expect("owners")
            .is_empty()
    );
}

/// `set_external_process` records the summary service's job id without touching the status,
/// `get_by_external_process` finds the recording by it; a job id is unique.
pub async fn external_process_id_is_set_and_found(repos: &Repositories) {
    let (owner, room) = owner_and_room(repos).await;
    let recording = seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    let other = seed_recording(repos, room, owner, RecordingStatus::Saved).await;
    let job = format!("job-{}", unique());
    let at = now() + TimeDelta::seconds(5);

    repos
        .recordings
        .set_external_process(recording.id, &job, at)
        .await
        .expect("set_external_process");
    let expected = Recording {
        external_process_id: Some(job.clone()),
        updated_at: at,
        ..recording.clone()
    };
    assert_eq!(
        repos
            .recordings
            .get_by_external_process(&job)
            .await
            .expect("get_by_external_process"),
        expected
    );
    assert_eq!(
        repos.recordings.get(recording.id).await.expect("get"),
        expected
    );

    super::repositories::assert_already_exists(
        repos
            .recordings
            .set_external_process(other.id, &job, now())
            .await,
        "external_process_id",
    );
    assert_eq!(
        repos
            .recordings
            .get(other.id)
            .await
            .expect("get")
            .external_process_id,
        None
    );
    assert_not_found(
        repos
            .recordings
            .set_external_process(RecordingId::new(), &format!("job-{}", unique()), now())
            .await,
    );
    assert_not_found(
        repos
            .recordings
            .get_by_external_process(&format!("job-{}", unique()))
            .await,
    );
}
