//! The contract of [`LobbyStore`]: every adapter (in memory, Redis) runs these same cases.
//!
//! Each case is a `pub async fn` taking a fresh [`SharedLobbyStore`]; it panics when the store
//! breaks the port's contract. Rooms and participants are random, so cases can share one
//! store (one Redis) and run in parallel. Expiry is tested for real, with the short
//! [`short_lifetimes`] and `tokio::time::sleep`; the other cases use [`stable_lifetimes`] so
//! that a slow machine cannot expire their entries.
//!
//! The [`lobby_contract_tests!`](crate::lobby_contract_tests) macro expands to one
//! `#[tokio::test(flavor = "multi_thread")]` per case in the calling test binary, which must
//! have `tokio` (with the `macros` and `rt-multi-thread` features) among its dev-dependencies:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemoryLobbyStore;
//!
//! anteroom_testkit::lobby_contract_tests!(Arc::new(MemoryLobbyStore::new()));
//! ```
//!
//! The expression is evaluated inside each (async) test body, so it may `.await`, and may
//! `return` to skip the test (say, when no Redis server is available).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::id::{ParticipantId, RoomId, UserId};
use anteroom_domain::lobby::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus, LobbyStore};
use anteroom_domain::media::color_of;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tokio::time::sleep;

/// The store under test, as the cases take it (shared, so that cases can spawn tasks).
pub type SharedLobbyStore = Arc<dyn LobbyStore>;

/// How long past a lifetime the expiry cases wait before expecting the entry gone.
const EXPIRY_MARGIN: Duration = Duration::from_millis(300);

/// The message of a decision on an unknown or expired participant.
const NOT_FOUND: &str = "Participant not found.";
/// The message of a denial after an admission.
const ALREADY_ADMITTED: &str = "Participant was already admitted.";
/// The message of an admission after a denial.
const ALREADY_DENIED: &str = "Participant was already denied.";

/// Short lifetimes for the expiry cases: waiting 500 ms, denied 500 ms, accepted 5 s.
pub const fn short_lifetimes() -> LobbyLifetimes {
    LobbyLifetimes {
        waiting: Duration::from_millis(500),
        accepted: Duration::from_secs(5),
        denied: Duration::from_millis(500),
    }
}

/// Lifetimes long enough (a minute) that no entry expires during a case that is not about expiry.
pub const fn stable_lifetimes() -> LobbyLifetimes {
    LobbyLifetimes {
        waiting: Duration::from_mins(1),
        accepted: Duration::from_mins(1),
        denied: Duration::from_mins(1),
    }
}

/// The current time at millisecond precision (what any store can round-trip).
pub fn now_ms() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
        .expect("the current time is representable")
}

/// A new anonymous participant's waiting entry, as the join use case builds it.
pub fn new_entry(room: RoomId, requested_at: DateTime<Utc>) -> LobbyEntry {
    let participant = ParticipantId::random();
    LobbyEntry {
        room,
        participant,
        identity: participant.to_string(),
        username: format!("Guest {}", &participant.to_string()[..8]),
        color: color_of(&participant.to_string()),
        status: LobbyStatus::Waiting,
        requested_at,
        decided_at: None,
        decided_by: None,
    }
}

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::lobby`](crate::contract::lobby), each running against the store that
/// `$make` evaluates to (a [`SharedLobbyStore`](crate::contract::lobby::SharedLobbyStore),
/// evaluated afresh in each test's async body).
#[macro_export]
macro_rules! lobby_contract_tests {
    ($make:expr) => {
        $crate::lobby_contract_tests!(@cases $make;
            first_request_creates_a_waiting_entry,
            repeated_request_refreshes_and_keeps_the_first_entry,
            waiting_entry_expires_without_refresh,
            refreshed_waiting_entry_lives_on,
            admit_decides_a_waiting_entry,
            deny_decides_a_waiting_entry,
            repeating_a_decision_is_idempotent,
            opposite_decision_conflicts,
            unknown_participant_is_not_found,
            decided_entry_is_returned_by_request_and_get,
            accepted_entry_outlives_the_waiting_lifetime,
            denied_entry_expires_then_a_new_request_starts_a_new_wait,
            requests_do_not_keep_a_denied_entry_alive,
            list_waiting_is_in_arrival_order,
            admit_all_decides_exactly_the_waiting_set,
            deny_all_decides_exactly_the_waiting_set,
            decide_all_on_an_empty_lobby_returns_nothing,
            remove_identity_deletes_entries_whatever_their_status,
            clear_room_deletes_every_entry_of_the_room,
            rooms_are_isolated,
            concurrent_contradictory_decisions_take_effect_once,
            admit_all_racing_with_arrivals_admits_exactly_the_waiting_set,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: $crate::contract::lobby::SharedLobbyStore = $make;
                $crate::contract::lobby::$case(store).await;
            }
        )+
    };
}

/// Expects a `Conflict` with exactly `message`.
#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, Error>, message: &str) {
    match result {
        Err(Error::Conflict(m)) => assert_eq!(m, message),
        other => panic!("expected Conflict({message:?}), got {other:?}"),
    }
}

/// Expects a `NotFound` with the lobby's message.
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotFound(m)) => assert_eq!(m, NOT_FOUND),
        other => panic!("expected NotFound({NOT_FOUND:?}), got {other:?}"),
    }
}

/// Requests `entry` and expects it to be created as given.
async fn create(store: &SharedLobbyStore, entry: &LobbyEntry, lifetimes: &LobbyLifetimes) {
    let (stored, created) = store.request(entry, lifetimes).await.expect("request");
    assert!(created, "the first request creates the entry");
    assert_eq!(&stored, entry);
}

/// Applies a decision that must succeed.
async fn decide(
    store: &SharedLobbyStore,
    entry: &LobbyEntry,
    decision: EntryDecision,
    by: UserId,
    at: DateTime<Utc>,
    lifetimes: &LobbyLifetimes,
) -> LobbyEntry {
    store
        .decide(entry.room, entry.participant, decision, by, at, lifetimes)
        .await
        .expect("decide")
}

/// Reads an entry.
async fn get(store: &SharedLobbyStore, entry: &LobbyEntry) -> Option<LobbyEntry> {
    store.get(entry.room, entry.participant).await.expect("get")
}

/// The participants of the room's waiting list, in its order.
async fn waiting_ids(store: &SharedLobbyStore, room: RoomId) -> Vec<ParticipantId> {
    store
        .list_waiting(room)
        .await
        .expect("list_waiting")
        .into_iter()
        .map(|e| {
            assert_eq!(
                e.status,
                LobbyStatus::Waiting,
                "only waiting entries are listed"
            );
            assert_eq!(e.room, room, "only the room's entries are listed");
            e.participant
        })
        .collect()
}

/// What `entry` becomes once decided.
fn decided(
    entry: &LobbyEntry,
    decision: EntryDecision,
    by: UserId,
    at: DateTime<Utc>,
) -> LobbyEntry {
    LobbyEntry {
        status: decision.status(),
        decided_at: Some(at),
        decided_by: Some(by),
        ..entry.clone()
    }
}

/// A first request creates a waiting entry, readable and listed.
pub async fn first_request_creates_a_waiting_entry(store: SharedLobbyStore) {
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    assert_eq!(get(&store, &entry).await, None);
    create(&store, &entry, &stable_lifetimes()).await;
    assert_eq!(get(&store, &entry).await, Some(entry.clone()));
    assert_eq!(waiting_ids(&store, room).await, [entry.participant]);
}

/// A repeated request answers the stored entry, not created: arrival time, colour and
/// username stay as first given.
pub async fn repeated_request_refreshes_and_keeps_the_first_entry(store: SharedLobbyStore) {
    let room = RoomId::new();
    let first = new_entry(room, now_ms());
    create(&store, &first, &stable_lifetimes()).await;
    let again = LobbyEntry {
        username: "Someone Else".to_owned(),
        color: "hsl(1, 45%, 45%)".to_owned(),
        requested_at: first.requested_at + TimeDelta::seconds(5),
        ..first.clone()
    };
    let (stored, created) = store
        .request(&again, &stable_lifetimes())
        .await
        .expect("request");
    assert!(!created, "a repeated request does not create");
    assert_eq!(stored, first);
    assert_eq!(get(&store, &first).await, Some(first.clone()));
    assert_eq!(waiting_ids(&store, room).await, [first.participant]);
}

/// A waiting entry that gets no sign of life expires: absent, unlisted, not decidable, and a
/// new request creates it anew.
pub async fn waiting_entry_expires_without_refresh(store: SharedLobbyStore) {
    let lifetimes = short_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    sleep(lifetimes.waiting + EXPIRY_MARGIN).await;
    assert_eq!(get(&store, &entry).await, None);
    assert_eq!(waiting_ids(&store, room).await, []);
    assert_not_found(
        store
            .decide(
                room,
                entry.participant,
                EntryDecision::Admit,
                UserId::new(),
                now_ms(),
                &lifetimes,
            )
            .await,
    );
    let renewed = LobbyEntry {
        requested_at: now_ms(),
        ..entry.clone()
    };
    create(&store, &renewed, &lifetimes).await;
    assert_eq!(waiting_ids(&store, room).await, [entry.participant]);
}

/// Requests refresh a waiting entry's lifetime: it outlives its lifetime many times over, and
/// expires once the requests stop.
pub async fn refreshed_waiting_entry_lives_on(store: SharedLobbyStore) {
    let lifetimes = short_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    // Six refreshes, one every fifth of the lifetime: 1.2 lifetimes in all.
    for _ in 0..6 {
        sleep(lifetimes.waiting / 5).await;
        let (stored, created) = store.request(&entry, &lifetimes).await.expect("request");
        assert!(!created, "a refreshed entry is never re-created");
        assert_eq!(stored, entry);
    }
    assert_eq!(get(&store, &entry).await, Some(entry.clone()));
    assert_eq!(waiting_ids(&store, room).await, [entry.participant]);
    sleep(lifetimes.waiting + EXPIRY_MARGIN).await;
    assert_eq!(get(&store, &entry).await, None);
}

/// Admitting a waiting entry accepts it and takes it off the waiting list.
pub async fn admit_decides_a_waiting_entry(store: SharedLobbyStore) {
    decides_a_waiting_entry(store, EntryDecision::Admit).await;
}

/// Denying a waiting entry denies it and takes it off the waiting list.
pub async fn deny_decides_a_waiting_entry(store: SharedLobbyStore) {
    decides_a_waiting_entry(store, EntryDecision::Deny).await;
}

async fn decides_a_waiting_entry(store: SharedLobbyStore, decision: EntryDecision) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    let other = new_entry(room, entry.requested_at + TimeDelta::seconds(1));
    create(&store, &entry, &lifetimes).await;
    create(&store, &other, &lifetimes).await;
    let (host, at) = (UserId::new(), now_ms() + TimeDelta::seconds(2));
    let result = decide(&store, &entry, decision, host, at, &lifetimes).await;
    let expected = decided(&entry, decision, host, at);
    assert_eq!(result, expected);
    assert_eq!(get(&store, &entry).await, Some(expected));
    assert_eq!(get(&store, &other).await, Some(other.clone()));
    assert_eq!(waiting_ids(&store, room).await, [other.participant]);
}

/// Repeating the decision that took effect answers the entry unchanged (first host, first
/// time).
pub async fn repeating_a_decision_is_idempotent(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for decision in [EntryDecision::Admit, EntryDecision::Deny] {
        let entry = new_entry(room, now_ms());
        create(&store, &entry, &lifetimes).await;
        let first = decide(
            &store,
            &entry,
            decision,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await;
        let later = now_ms() + TimeDelta::seconds(3);
        let again = decide(&store, &entry, decision, UserId::new(), later, &lifetimes).await;
        assert_eq!(again, first, "{decision:?} twice");
        assert_eq!(get(&store, &entry).await, Some(first));
    }
}

/// The opposite decision on a decided entry is a conflict that changes nothing.
pub async fn opposite_decision_conflicts(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for (decision, opposite, message) in [
        (EntryDecision::Admit, EntryDecision::Deny, ALREADY_ADMITTED),
        (EntryDecision::Deny, EntryDecision::Admit, ALREADY_DENIED),
    ] {
        let entry = new_entry(room, now_ms());
        create(&store, &entry, &lifetimes).await;
        let first = decide(
            &store,
            &entry,
            decision,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await;
        assert_conflict(
            store
                .decide(
                    room,
                    entry.participant,
                    opposite,
                    UserId::new(),
                    now_ms(),
                    &lifetimes,
                )
                .await,
            message,
        );
        assert_eq!(get(&store, &entry).await, Some(first));
    }
}

/// Deciding on a participant the room has never seen is "Participant not found.", in an
/// empty room as in a busy one.
pub async fn unknown_participant_is_not_found(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let unknown = ParticipantId::random();
    for decision in [EntryDecision::Admit, EntryDecision::Deny] {
        assert_not_found(
            store
                .decide(room, unknown, decision, UserId::new(), now_ms(), &lifetimes)
                .await,
        );
    }
    create(&store, &new_entry(room, now_ms()), &lifetimes).await;
    assert_not_found(
        store
            .decide(
                room,
                unknown,
                EntryDecision::Admit,
                UserId::new(),
                now_ms(),
                &lifetimes,
            )
            .await,
    );
    assert_eq!(store.get(room, unknown).await.expect("get"), None);
}

/// A request on a decided entry answers it as it is, not created, and does not put it back on
/// the waiting list.
pub async fn decided_entry_is_returned_by_request_and_get(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for decision in [EntryDecision::Admit, EntryDecision::Deny] {
        let entry = new_entry(room, now_ms());
        create(&store, &entry, &lifetimes).await;
        let result = decide(
            &store,
            &entry,
            decision,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await;
        let again = LobbyEntry {
            username: "Renamed".to_owned(),
            requested_at: now_ms() + TimeDelta::seconds(1),
            ..entry.clone()
        };
        let (stored, created) = store.request(&again, &lifetimes).await.expect("request");
        assert!(!created, "{decision:?}: a decided entry is not re-created");
        assert_eq!(stored, result);
        assert_eq!(get(&store, &entry).await, Some(result));
    }
    assert_eq!(waiting_ids(&store, room).await, []);
}

/// An accepted entry takes the accepted lifetime: it outlives the waiting one.
pub async fn accepted_entry_outlives_the_waiting_lifetime(store: SharedLobbyStore) {
    let lifetimes = short_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    let accepted = decide(
        &store,
        &entry,
        EntryDecision::Admit,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    sleep(lifetimes.waiting.max(lifetimes.denied) + EXPIRY_MARGIN).await;
    assert_eq!(get(&store, &entry).await, Some(accepted.clone()));
    let (stored, created) = store.request(&entry, &lifetimes).await.expect("request");
    assert!(!created);
    assert_eq!(stored, accepted);
}

/// A denied entry expires after the denied lifetime; the next request starts a new wait.
pub async fn denied_entry_expires_then_a_new_request_starts_a_new_wait(store: SharedLobbyStore) {
    let lifetimes = short_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    decide(
        &store,
        &entry,
        EntryDecision::Deny,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    sleep(lifetimes.denied + EXPIRY_MARGIN).await;
    assert_eq!(get(&store, &entry).await, None);
    assert_not_found(
        store
            .decide(
                room,
                entry.participant,
                EntryDecision::Admit,
                UserId::new(),
                now_ms(),
                &lifetimes,
            )
            .await,
    );
    let renewed = LobbyEntry {
        requested_at: now_ms(),
        ..entry.clone()
    };
    create(&store, &renewed, &lifetimes).await;
    assert_eq!(get(&store, &entry).await, Some(renewed));
    assert_eq!(waiting_ids(&store, room).await, [entry.participant]);
}

/// Requests while denied answer denied but do not extend the denied lifetime: a participant
/// polling all along gets a new wait once the denied lifetime is over.
pub async fn requests_do_not_keep_a_denied_entry_alive(store: SharedLobbyStore) {
    let lifetimes = short_lifetimes();
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    decide(
        &store,
        &entry,
        EntryDecision::Deny,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    let give_up = tokio::time::Instant::now() + lifetimes.denied + 3 * EXPIRY_MARGIN;
    let mut denied_answers = 0;
    loop {
        let (stored, created) = store.request(&entry, &lifetimes).await.expect("request");
        if created {
            assert_eq!(stored.status, LobbyStatus::Waiting);
            break;
        }
        assert_eq!(
            stored.status,
            LobbyStatus::Denied,
            "answered denied until it expires"
        );
        denied_answers += 1;
        assert!(
            tokio::time::Instant::now() < give_up,
            "requests kept the denied entry alive past its lifetime"
        );
        sleep(lifetimes.denied / 5).await;
    }
    assert!(
        denied_answers >= 1,
        "the first request after the denial answers denied"
    );
}

/// The waiting list is in arrival order: refreshing does not move an entry, deciding takes it
/// out.
pub async fn list_waiting_is_in_arrival_order(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let t0 = now_ms();
    let mut entries = Vec::new();
    for i in 0..5 {
        let entry = new_entry(room, t0 + TimeDelta::seconds(i));
        create(&store, &entry, &lifetimes).await;
        entries.push(entry);
    }
    let ids: Vec<_> = entries.iter().map(|e| e.participant).collect();
    assert_eq!(waiting_ids(&store, room).await, ids);
    store
        .request(&entries[0], &lifetimes)
        .await
        .expect("refresh");
    assert_eq!(
        waiting_ids(&store, room).await,
        ids,
        "a refresh keeps the place"
    );
    decide(
        &store,
        &entries[2],
        EntryDecision::Admit,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    let listed = store.list_waiting(room).await.expect("list_waiting");
    let expected: Vec<_> = [0, 1, 3, 4].iter().map(|&i| entries[i].clone()).collect();
    assert_eq!(listed, expected);
}

/// Admit-all accepts exactly the waiting entries and leaves decided ones as they were.
pub async fn admit_all_decides_exactly_the_waiting_set(store: SharedLobbyStore) {
    decide_all_decides_exactly_the_waiting_set(store, EntryDecision::Admit).await;
}

/// Deny-all denies exactly the waiting entries and leaves decided ones as they were.
pub async fn deny_all_decides_exactly_the_waiting_set(store: SharedLobbyStore) {
    decide_all_decides_exactly_the_waiting_set(store, EntryDecision::Deny).await;
}

async fn decide_all_decides_exactly_the_waiting_set(
    store: SharedLobbyStore,
    decision: EntryDecision,
) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let t0 = now_ms();
    let mut entries = Vec::new();
    for i in 0..5 {
        let entry = new_entry(room, t0 + TimeDelta::seconds(i));
        create(&store, &entry, &lifetimes).await;
        entries.push(entry);
    }
    let first_host = UserId::new();
    let accepted = decide(
        &store,
        &entries[1],
        EntryDecision::Admit,
        first_host,
        t0,
        &lifetimes,
    )
    .await;
    let denied = decide(
        &store,
        &entries[3],
        EntryDecision::Deny,
        first_host,
        t0,
        &lifetimes,
    )
    .await;
    let other_room = new_entry(RoomId::new(), t0);
    create(&store, &other_room, &lifetimes).await;

    let (host, at) = (UserId::new(), t0 + TimeDelta::seconds(10));
    let result = store
        .decide_all(room, decision, host, at, &lifetimes)
        .await
        .expect("decide_all");
    let mut expected: HashMap<ParticipantId, LobbyEntry> = [0, 2, 4]
        .iter()
        .map(|&i| {
            (
                entries[i].participant,
                decided(&entries[i], decision, host, at),
            )
        })
        .collect();
    assert_eq!(
        result.len(),
        expected.len(),
        "decided exactly the waiting set: {result:?}"
    );
    for entry in &result {
        assert_eq!(
            Some(entry),
            expected.get(&entry.participant),
            "returned decided"
        );
    }
    for entry in expected.drain().map(|(_, e)| e) {
        assert_eq!(get(&store, &entry).await, Some(entry));
    }
    assert_eq!(
        get(&store, &entries[1]).await,
        Some(accepted),
        "decided entries untouched"
    );
    assert_eq!(
        get(&store, &entries[3]).await,
        Some(denied),
        "decided entries untouched"
    );
    assert_eq!(waiting_ids(&store, room).await, []);
    assert_eq!(
        get(&store, &other_room).await,
        Some(other_room.clone()),
        "other rooms untouched"
    );
}

/// Admit-all or deny-all with nobody waiting decides nothing.
pub async fn decide_all_on_an_empty_lobby_returns_nothing(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for decision in [EntryDecision::Admit, EntryDecision::Deny] {
        let result = store
            .decide_all(room, decision, UserId::new(), now_ms(), &lifetimes)
            .await
            .expect("decide_all");
        assert_eq!(result, []);
    }
    let entry = new_entry(room, now_ms());
    create(&store, &entry, &lifetimes).await;
    let accepted = decide(
        &store,
        &entry,
        EntryDecision::Admit,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    let result = store
        .decide_all(
            room,
            EntryDecision::Deny,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await
        .expect("decide_all");
    assert_eq!(result, []);
    assert_eq!(get(&store, &entry).await, Some(accepted));
}

/// Removing an identity deletes the room's entries with it, whatever their status, and only
/// those.
pub async fn remove_identity_deletes_entries_whatever_their_status(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let sub = format!("user-{}", UserId::new());
    let t0 = now_ms();
    // The same user on three devices (waiting, accepted, denied), and someone else.
    let mut same_user = Vec::new();
    for i in 0..3 {
        let entry = LobbyEntry {
            identity: sub.clone(),
            ..new_entry(room, t0 + TimeDelta::seconds(i))
        };
        create(&store, &entry, &lifetimes).await;
        same_user.push(entry);
    }
    decide(
        &store,
        &same_user[1],
        EntryDecision::Admit,
        UserId::new(),
        t0,
        &lifetimes,
    )
    .await;
    decide(
        &store,
        &same_user[2],
        EntryDecision::Deny,
        UserId::new(),
        t0,
        &lifetimes,
    )
    .await;
    let someone_else = new_entry(room, t0 + TimeDelta::seconds(5));
    create(&store, &someone_else, &lifetimes).await;
    let elsewhere = LobbyEntry {
        identity: sub.clone(),
        ..new_entry(RoomId::new(), t0)
    };
    create(&store, &elsewhere, &lifetimes).await;

    store
        .remove_identity(room, "no-such-identity")
        .await
        .expect("remove_identity of nobody");
    store
        .remove_identity(room, &sub)
        .await
        .expect("remove_identity");
    for entry in &same_user {
        assert_eq!(get(&store, entry).await, None);
    }
    assert_eq!(get(&store, &someone_else).await, Some(someone_else.clone()));
    assert_eq!(get(&store, &elsewhere).await, Some(elsewhere.clone()));
    assert_eq!(waiting_ids(&store, room).await, [someone_else.participant]);
    assert_not_found(
        store
            .decide(
                room,
                same_user[0].participant,
                EntryDecision::Admit,
                UserId::new(),
                t0,
                &lifetimes,
            )
            .await,
    );
    create(&store, &same_user[0], &lifetimes).await;
}

/// Clearing a room deletes all its entries, whatever their status, and nothing else.
pub async fn clear_room_deletes_every_entry_of_the_room(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let t0 = now_ms();
    let mut entries = Vec::new();
    for i in 0..3 {
        let entry = new_entry(room, t0 + TimeDelta::seconds(i));
        create(&store, &entry, &lifetimes).await;
        entries.push(entry);
    }
    decide(
        &store,
        &entries[1],
        EntryDecision::Admit,
        UserId::new(),
        t0,
        &lifetimes,
    )
    .await;
    decide(
        &store,
        &entries[2],
        EntryDecision::Deny,
        UserId::new(),
        t0,
        &lifetimes,
    )
    .await;
    let elsewhere = new_entry(RoomId::new(), t0);
    create(&store, &elsewhere, &lifetimes).await;

    store.clear_room(room).await.expect("clear_room");
    for entry in &entries {
        assert_eq!(get(&store, entry).await, None);
    }
    assert_eq!(waiting_ids(&store, room).await, []);
    assert_eq!(get(&store, &elsewhere).await, Some(elsewhere.clone()));
    store
        .clear_room(RoomId::new())
        .await
        .expect("clear an empty room");
    store.clear_room(room).await.expect("clear a cleared room");
    create(&store, &entries[1], &lifetimes).await;
    assert_eq!(waiting_ids(&store, room).await, [entries[1].participant]);
}

/// The same participant in two rooms has two independent entries.
pub async fn rooms_are_isolated(store: SharedLobbyStore) {
    let lifetimes = stable_lifetimes();
    let (room_a, room_b) = (RoomId::new(), RoomId::new());
    let in_a = new_entry(room_a, now_ms());
    let in_b = LobbyEntry {
        room: room_b,
        ..in_a.clone()
    };
    create(&store, &in_a, &lifetimes).await;
    create(&store, &in_b, &lifetimes).await;

    let accepted = decide(
        &store,
        &in_a,
        EntryDecision::Admit,
        UserId::new(),
        now_ms(),
        &lifetimes,
    )
    .await;
    assert_eq!(get(&store, &in_b).await, Some(in_b.clone()));
    assert_eq!(waiting_ids(&store, room_a).await, []);
    assert_eq!(waiting_ids(&store, room_b).await, [in_b.participant]);
    let denied = store
        .decide_all(
            room_b,
            EntryDecision::Deny,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await
        .expect("decide_all");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].room, room_b);
    assert_eq!(get(&store, &in_a).await, Some(accepted.clone()));
    assert_not_found(
        store
            .decide(
                RoomId::new(),
                in_a.participant,
                EntryDecision::Admit,
                UserId::new(),
                now_ms(),
                &lifetimes,
            )
            .await,
    );
    store.clear_room(room_b).await.expect("clear_room");
    assert_eq!(get(&store, &in_a).await, Some(accepted));
}

/// Fifty hosts decide one participant at once, half admitting, half denying: exactly one
/// decision takes effect. Every success answers the same entry, every failure is the conflict
/// naming the decision that won, and the stored entry agrees. Repeated on a few entries.
pub async fn concurrent_contradictory_decisions_take_effect_once(store: SharedLobbyStore) {
    const HOSTS: usize = 50;
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for _ in 0..4 {
        let entry = new_entry(room, now_ms());
        create(&store, &entry, &lifetimes).await;
        let barrier = Arc::new(Barrier::new(HOSTS));
        let mut tasks = JoinSet::new();
        for i in 0..HOSTS {
            let decision = if i % 2 == 0 {
                EntryDecision::Admit
            } else {
                EntryDecision::Deny
            };
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            let participant = entry.participant;
            tasks.spawn(async move {
                barrier.wait().await;
                let result = store
                    .decide(
                        room,
                        participant,
                        decision,
                        UserId::new(),
                        now_ms(),
                        &lifetimes,
                    )
                    .await;
                (decision, result)
            });
        }
        let results = tasks.join_all().await;

        let winners: Vec<&LobbyEntry> = results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .collect();
        let Some(winner) = winners.first().map(|&e| e.clone()) else {
            panic!("no decision took effect: {results:?}");
        };
        assert!(
            winners.iter().all(|&e| *e == winner),
            "every success answers the one decision that took effect: {winners:?}"
        );
        let message = match winner.status {
            LobbyStatus::Accepted => ALREADY_ADMITTED,
            LobbyStatus::Denied => ALREADY_DENIED,
            LobbyStatus::Waiting => panic!("a decision answered a waiting entry: {winner:?}"),
        };
        for (decision, result) in results {
            if decision.status() == winner.status {
                assert!(
                    result.is_ok(),
                    "the winning decision again is idempotent: {result:?}"
                );
            } else {
                assert_conflict(result, message);
            }
        }
        assert_eq!(get(&store, &entry).await, Some(winner));
    }
    assert_eq!(waiting_ids(&store, room).await, []);
}

/// Admit-all racing with arrivals admits exactly the entries waiting when it ran: every
/// returned entry is accepted, every other one is still waiting, and nobody is accepted
/// without being returned.
pub async fn admit_all_racing_with_arrivals_admits_exactly_the_waiting_set(
    store: SharedLobbyStore,
) {
    const EARLY: usize = 10;
    const ARRIVERS: usize = 10;
    const ARRIVALS_EACH: usize = 3;
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    let mut everyone = Vec::new();
    for _ in 0..EARLY {
        let entry = new_entry(room, now_ms());
        create(&store, &entry, &lifetimes).await;
        everyone.push(entry);
    }
    let early: HashSet<ParticipantId> = everyone.iter().map(|e| e.participant).collect();

    let barrier = Arc::new(Barrier::new(ARRIVERS + 1));
    let mut arrivers = JoinSet::new();
    for _ in 0..ARRIVERS {
        let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
        arrivers.spawn(async move {
            barrier.wait().await;
            let mut arrived = Vec::new();
            for _ in 0..ARRIVALS_EACH {
                let entry = new_entry(room, now_ms());
                let (stored, created) = store.request(&entry, &lifetimes).await.expect("request");
                assert!(created);
                assert_eq!(stored, entry);
                arrived.push(entry);
                tokio::task::yield_now().await;
            }
            arrived
        });
    }
    let host = UserId::new();
    let admit_all = {
        let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
        tokio::spawn(async move {
            barrier.wait().await;
            store
                .decide_all(room, EntryDecision::Admit, host, now_ms(), &lifetimes)
                .await
                .expect("decide_all")
        })
    };
    for arrived in arrivers.join_all().await {
        everyone.extend(arrived);
    }
    let admitted = admit_all.await.expect("the admit-all task");

    let mut admitted_by_id = HashMap::new();
    for entry in admitted {
        assert_eq!(
            entry.status,
            LobbyStatus::Accepted,
            "returned decided: {entry:?}"
        );
        assert_eq!(entry.decided_by, Some(host));
        assert_eq!(entry.room, room);
        assert!(
            admitted_by_id.insert(entry.participant, entry).is_none(),
            "an entry returned twice"
        );
    }
    assert!(
        early.iter().all(|p| admitted_by_id.contains_key(p)),
        "every entry waiting before admit-all started is admitted"
    );
    let mut still_waiting = HashSet::new();
    for entry in &everyone {
        let stored = get(&store, entry)
            .await
            .expect("nobody expired or vanished");
        if let Some(admitted) = admitted_by_id.get(&entry.participant) {
            assert_eq!(&stored, admitted);
        } else {
            assert_eq!(
                stored, *entry,
                "not admitted, so still waiting as it arrived"
            );
            still_waiting.insert(entry.participant);
        }
    }
    assert_eq!(admitted_by_id.len() + still_waiting.len(), everyone.len());
    let listed: HashSet<_> = waiting_ids(&store, room).await.into_iter().collect();
    assert_eq!(listed, still_waiting);
}
