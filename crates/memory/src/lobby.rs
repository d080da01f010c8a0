//! The lobby store in memory: one mutex over every room's entries.
//!
//! Each live entry is kept with its expiry [`Instant`]. Two indexes sit beside the entries:
//!
//! - per room, the waiting entries by arrival (`requested_at`, then insertion order), so that
//!   listing and admit-all are O(waiting);
//! - for the whole store, every entry by expiry, so that expired entries are purged from the
//!   front of that index at the start of each call (each entry is purged once; no call scans
//!   entries that have not expired, in its room or any other).
//!
//! Every call runs under the mutex from start to end, so each status change is a
//! compare-and-set and admit-all is one atomic step. No lock is held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::id::{ParticipantId, RoomId, UserId};
use anteroom_domain::lobby::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus, LobbyStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The longest lifetime honoured (about 100 years); longer settings are capped, so that
/// computing an expiry never overflows.
const MAX_LIFETIME: Duration = Duration::from_hours(100 * 365 * 24);

/// Lobby entries in process memory, for a single replica (the embedded default).
///
/// Implements [`LobbyStore`] exactly as its documentation says: expired entries read as
/// absent, every transition is a compare-and-set under one mutex, and no call ever fails with
/// [`Error::Unavailable`]. Cheap to create; share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryLobbyStore {
    state: Mutex<State>,
}

impl MemoryLobbyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Locks the state. A panic while the lock was held cannot leave the indexes half-updated
    /// in a way that matters more than losing the store, so a poisoned lock is recovered.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl LobbyStore for MemoryLobbyStore {
    async fn request(
        &self,
        entry: &LobbyEntry,
        lifetimes: &LobbyLifetimes,
    ) -> Result<(LobbyEntry, bool), Error> {
        Ok(self.lock().request(entry, lifetimes, Instant::now()))
    }

    async fn get(
        &self,
        room: RoomId,
        participant: ParticipantId,
    ) -> Result<Option<LobbyEntry>, Error> {
        Ok(self.lock().get(room, participant, Instant::now()))
    }

    async fn decide(
        &self,
        room: RoomId,
        participant: ParticipantId,
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Result<LobbyEntry, Error> {
        let decided = Decided::new(decision, by, at, lifetimes);
        self.lock()
            .decide(room, participant, &decided, Instant::now())
    }

    async fn decide_all(
        &self,
        room: RoomId,
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Result<Vec<LobbyEntry>, Error> {
        let decided = Decided::new(decision, by, at, lifetimes);
        Ok(self.lock().decide_all(room, &decided, Instant::now()))
    }

    async fn list_waiting(&self, room: RoomId) -> Result<Vec<LobbyEntry>, Error> {
        Ok(self.lock().list_waiting(room, Instant::now()))
    }

    async fn remove_identity(&self, room: RoomId, identity: &str) -> Result<(), Error> {
        self.lock().remove_identity(room, identity, Instant::now());
        Ok(())
    }

    async fn clear_room(&self, room: RoomId) -> Result<(), Error> {
        self.lock().clear_room(room, Instant::now());
        Ok(())
    }
}

/// The moment `lifetime` after `now` (capped at [`MAX_LIFETIME`]).
fn deadline(now: Instant, lifetime: Duration) -> Instant {
    // Adding 100 years to a monotonic clock does not overflow on supported platforms; if it
    // ever did, the entry would expire at once rather than the process panic.
    now.checked_add(lifetime.min(MAX_LIFETIME)).unwrap_or(now)
}

/// A decision with everything needed to apply it.
struct Decided {
    status: LobbyStatus,
    by: UserId,
    at: DateTime<Utc>,
    lifetime: Duration,
}

impl Decided {
    fn new(
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Self {
        let status = decision.status();
        Self {
            status,
            by,
            at,
            lifetime: lifetimes.of(status),
        }
    }
}

/// A stored entry.
#[derive(Debug)]
struct Stored {
    entry: LobbyEntry,
    /// Unique per stored entry: breaks ties in both indexes.
    key: u64,
    expires_at: Instant,
}

/// Key of the per-room waiting index: arrival time, then insertion order.
type ArrivalKey = (DateTime<Utc>, u64);
/// Key of the store-wide expiry index.
type ExpiryKey = (Instant, u64);

/// One room's entries.
#[derive(Debug, Default)]
struct Room {
    entries: HashMap<ParticipantId, Stored>,
    /// The waiting entries in arrival order.
    waiting: BTreeMap<ArrivalKey, ParticipantId>,
}

impl Room {
    /// Removes an entry and its index keys.
    fn remove(
        &mut self,
        participant: ParticipantId,
        expiries: &mut BTreeMap<ExpiryKey, (RoomId, ParticipantId)>,
    ) {
        if let Some(stored) = self.entries.remove(&participant) {
            if stored.entry.status == LobbyStatus::Waiting {
                self.waiting
                    .remove(&(stored.entry.requested_at, stored.key));
            }
            expiries.remove(&(stored.expires_at, stored.key));
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Everything behind the mutex. Methods take the current instant, so that tests can drive
/// time.
#[derive(Debug, Default)]
struct State {
    rooms: HashMap<RoomId, Room>,
    /// Every live entry by expiry.
    expiries: BTreeMap<ExpiryKey, (RoomId, ParticipantId)>,
    next_key: u64,
}

impl State {
    /// Removes every entry whose expiry is at or before `now`.
    fn purge(&mut self, now: Instant) {
        while let Some(entry) = self.expiries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (room_id, participant) = entry.remove();
            if let Some(room) = self.rooms.get_mut(&room_id) {
                room.remove(participant, &mut self.expiries);
                if room.is_empty() {
                    self.rooms.remove(&room_id);
                }
            }
        }
    }

    /// Moves an entry's expiry to `expires_at`.
    fn set_expiry(
        expiries: &mut BTreeMap<ExpiryKey, (RoomId, ParticipantId)>,
        stored: &mut Stored,
        expires_at: Instant,
    ) {
        expiries.remove(&(stored.expires_at, stored.key));
        stored.expires_at = expires_at;
        expiries.insert(
            (expires_at, stored.key),
            (stored.entry.room, stored.entry.participant),
        );
    }

    fn request(
        &mut self,
        entry: &LobbyEntry,
        lifetimes: &LobbyLifetimes,
        now: Instant,
    ) -> (LobbyEntry, bool) {
        self.purge(now);
        let room = self.rooms.entry(entry.room).or_default();
        if let Some(stored) = room.entries.get_mut(&entry.participant) {
            if stored.entry.status == LobbyStatus::Waiting {
                Self::set_expiry(&mut self.expiries, stored, deadline(now, lifetimes.waiting));
            }
            return (stored.entry.clone(), false);
        }
        let key = self.next_key;
        self.next_key += 1;
        let entry = LobbyEntry {
            status: LobbyStatus::Waiting,
            decided_at: None,
            decided_by: None,
            ..entry.clone()
        };
        let expires_at = deadline(now, lifetimes.waiting);
        room.waiting
            .insert((entry.requested_at, key), entry.participant);
        self.expiries
            .insert((expires_at, key), (entry.room, entry.participant));
        room.entries.insert(
            entry.participant,
            Stored {
                entry: entry.clone(),
                key,
                expires_at,
            },
        );
        (entry, true)
    }

    fn get(
        &mut self,
        room: RoomId,
        participant: ParticipantId,
        now: Instant,
    ) -> Option<LobbyEntry> {
        self.purge(now);
        self.rooms
            .get(&room)
            .and_then(|r| r.entries.get(&participant))
            .map(|stored| stored.entry.clone())
    }

    fn decide(
        &mut self,
        room: RoomId,
        participant: ParticipantId,
        decided: &Decided,
        now: Instant,
    ) -> Result<LobbyEntry, Error> {
        self.purge(now);
        let Some(room) = self.rooms.get_mut(&room) else {
            return Err(not_found());
        };
        let Some(stored) = room.entries.get_mut(&participant) else {
            return Err(not_found());
        };
        match stored.entry.status {
            LobbyStatus::Waiting => {
                room.waiting
                    .remove(&(stored.entry.requested_at, stored.key));
                Self::apply(&mut self.expiries, stored, decided, now);
                Ok(stored.entry.clone())
            }
            status if status == decided.status => Ok(stored.entry.clone()),
            LobbyStatus::Accepted => Err(Error::Conflict(
                "Participant was already admitted.".to_owned(),
            )),
            LobbyStatus::Denied => Err(Error::Conflict(
                "Participant was already denied.".to_owned(),
            )),
        }
    }

    /// Sets a waiting entry's decision and its new lifetime (the caller has taken it out of
    /// the waiting index).
    fn apply(
        expiries: &mut BTreeMap<ExpiryKey, (RoomId, ParticipantId)>,
        stored: &mut Stored,
        decided: &Decided,
        now: Instant,
    ) {
        stored.entry.status = decided.status;
        stored.entry.decided_at = Some(decided.at);
        stored.entry.decided_by = Some(decided.by);
        Self::set_expiry(expiries, stored, deadline(now, decided.lifetime));
    }

    fn decide_all(&mut self, room: RoomId, decided: &Decided, now: Instant) -> Vec<LobbyEntry> {
        self.purge(now);
        let Some(room) = self.rooms.get_mut(&room) else {
            return Vec::new();
        };
        let waiting = std::mem::take(&mut room.waiting);
        let mut result = Vec::with_capacity(waiting.len());
        for participant in waiting.into_values() {
            if let Some(stored) = room.entries.get_mut(&participant) {
                Self::apply(&mut self.expiries, stored, decided, now);
                result.push(stored.entry.clone());
            }
        }
        result
    }

    fn list_waiting(&mut self, room: RoomId, now: Instant) -> Vec<LobbyEntry> {
        self.purge(now);
        let Some(room) = self.rooms.get(&room) else {
            return Vec::new();
        };
        room.waiting
            .values()
            .filter_map(|participant| room.entries.get(participant))
            .map(|stored| stored.entry.clone())
            .collect()
    }

    fn remove_identity(&mut self, room_id: RoomId, identity: &str, now: Instant) {
        self.purge(now);
        let Some(room) = self.rooms.get_mut(&room_id) else {
            return;
        };
        let matching: Vec<ParticipantId> = room
            .entries
            .values()
            .filter(|stored| stored.entry.identity == identity)
            .map(|stored| stored.entry.participant)
            .collect();
        for participant in matching {
            room.remove(participant, &mut self.expiries);
        }
        if room.is_empty() {
            self.rooms.remove(&room_id);
        }
    }

    fn clear_room(&mut self, room: RoomId, now: Instant) {
        self.purge(now);
        if let Some(room) = self.rooms.remove(&room) {
            for stored in room.entries.into_values() {
                self.expiries.remove(&(stored.expires_at, stored.key));
            }
        }
    }
}

fn not_found() -> Error {
    Error::NotFound("Participant not found.".to_owned())
}

#[cfg(test)]
mod tests {
    use anteroom_domain::media::color_of;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn lifetimes() -> LobbyLifetimes {
        LobbyLifetimes {
            waiting: 3 * SECOND,
            accepted: 60 * SECOND,
            denied: 5 * SECOND,
        }
    }

    fn entry(room: RoomId, minute: u32) -> LobbyEntry {
        let participant = ParticipantId::random();
        LobbyEntry {
            room,
            participant,
            identity: participant.to_string(),
            username: format!("guest {minute}"),
            color: color_of(&participant.to_string()),
            status: LobbyStatus::Waiting,
            requested_at: DateTime::from_timestamp(1_700_000_000 + i64::from(minute) * 60, 0)
                .unwrap(),
            decided_at: None,
            decided_by: None,
        }
    }

    fn decided(decision: EntryDecision) -> Decided {
        Decided::new(decision, UserId::new(), Utc::now(), &lifetimes())
    }

    /// The indexes agree with the entries.
    fn assert_consistent(state: &State) {
        let mut live = 0;
        for (room_id, room) in &state.rooms {
            assert!(!room.is_empty(), "empty rooms are dropped");
            for stored in room.entries.values() {
                live += 1;
                assert_eq!(stored.entry.room, *room_id);
                assert_eq!(
                    state.expiries.get(&(stored.expires_at, stored.key)),
                    Some(&(*room_id, stored.entry.participant))
                );
                let indexed = room.waiting.get(&(stored.entry.requested_at, stored.key))
                    == Some(&stored.entry.participant);
                assert_eq!(indexed, stored.entry.status == LobbyStatus::Waiting);
            }
            let waiting = room
                .entries
                .values()
                .filter(|s| s.entry.status == LobbyStatus::Waiting)
                .count();
            assert_eq!(room.waiting.len(), waiting);
        }
        assert_eq!(state.expiries.len(), live);
    }

    #[test]
    fn waiting_entry_expires_exactly_at_its_deadline_unless_refreshed() {
        let mut state = State::default();
        let t0 = Instant::now();
        let room = RoomId::new();
        let e = entry(room, 0);
        assert!(state.request(&e, &lifetimes(), t0).1);
        assert!(state.get(room, e.participant, t0 + 2 * SECOND).is_some());
        // Refresh at t0+2s: now lives until t0+5s.
        assert!(!state.request(&e, &lifetimes(), t0 + 2 * SECOND).1);
        assert!(state.get(room, e.participant, t0 + 4 * SECOND).is_some());
        assert_consistent(&state);
        assert!(state.get(room, e.participant, t0 + 5 * SECOND).is_none());
        assert!(state.rooms.is_empty() && state.expiries.is_empty());
    }

    #[test]
    fn decided_entries_get_their_status_lifetime() {
        let mut state = State::default();
        let t0 = Instant::now();
        let room = RoomId::new();
        let (a, d) = (entry(room, 0), entry(room, 1));
        state.request(&a, &lifetimes(), t0);
        state.request(&d, &lifetimes(), t0);
        state
            .decide(room, a.participant, &decided(EntryDecision::Admit), t0)
            .unwrap();
        state
            .decide(room, d.participant, &decided(EntryDecision::Deny), t0)
            .unwrap();
        assert_consistent(&state);
        let later = t0 + 4 * SECOND;
        assert!(state.get(room, a.participant, later).is_some());
        assert!(state.get(room, d.participant, later).is_some());
        let later = t0 + 5 * SECOND;
        assert!(state.get(room, a.participant, later).is_some());
        assert!(state.get(room, d.participant, later).is_none());
        // A request does not refresh a decided entry.
        state.request(&a, &lifetimes(), t0 + 59 * SECOND);
        assert!(state.get(room, a.participant, t0 + 60 * SECOND).is_none());
        assert!(state.expiries.is_empty());
    }

    #[test]
    fn expired_entries_of_other_rooms_are_purged_too() {
        let mut state = State::default();
        let t0 = Instant::now();
        let (r1, r2) = (RoomId::new(), RoomId::new());
        for minute in 0..3 {
            state.request(&entry(r1, minute), &lifetimes(), t0);
        }
        let keep = entry(r2, 0);
        state.request(&keep, &lifetimes(), t0 + 2 * SECOND);
        assert_eq!(state.list_waiting(r2, t0 + 3 * SECOND).len(), 1);
        assert!(!state.rooms.contains_key(&r1));
        assert_eq!(state.expiries.len(), 1);
        assert_consistent(&state);
    }

    #[test]
    fn waiting_index_orders_by_requested_at_then_insertion() {
        let mut state = State::default();
        let t0 = Instant::now();
        let room = RoomId::new();
        let late = entry(room, 5);
        let early = entry(room, 1);
        let mut tie = entry(room, 5);
        tie.requested_at = late.requested_at;
        for e in [&late, &early, &tie] {
            state.request(e, &lifetimes(), t0);
        }
        let order: Vec<_> = state
            .list_waiting(room, t0)
            .into_iter()
            .map(|e| e.participant)
            .collect();
        assert_eq!(
            order,
            [early.participant, late.participant, tie.participant]
        );
    }

    #[test]
    fn a_created_entry_is_waiting_whatever_the_input_says() {
        let mut state = State::default();
        let room = RoomId::new();
        let mut e = entry(room, 0);
        e.status = LobbyStatus::Accepted;
        e.decided_by = Some(UserId::new());
        e.decided_at = Some(Utc::now());
        let (stored, created) = state.request(&e, &lifetimes(), Instant::now());
        assert!(created);
        assert_eq!(stored.status, LobbyStatus::Waiting);
        assert_eq!((stored.decided_at, stored.decided_by), (None, None));
        assert_eq!(state.list_waiting(room, Instant::now()), [stored]);
    }

    #[test]
    fn removals_keep_the_indexes_consistent() {
        let mut state = State::default();
        let t0 = Instant::now();
        let room = RoomId::new();
        let entries: Vec<_> = (0..6).map(|m| entry(room, m)).collect();
        for e in &entries {
            state.request(e, &lifetimes(), t0);
        }
        state
            .decide(
                room,
                entries[0].participant,
                &decided(EntryDecision::Admit),
                t0,
            )
            .unwrap();
        state
            .decide(
                room,
                entries[1].participant,
                &decided(EntryDecision::Deny),
                t0,
            )
            .unwrap();
        state.remove_identity(room, &entries[0].identity, t0);
        state.remove_identity(room, &entries[2].identity, t0);
        assert_consistent(&state);
        assert_eq!(
            state
                .decide_all(room, &decided(EntryDecision::Deny), t0)
                .len(),
            3
        );
        assert_consistent(&state);
        state.clear_room(room, t0);
        assert!(state.rooms.is_empty() && state.expiries.is_empty());
    }

    #[test]
    fn huge_lifetimes_do_not_overflow() {
        let now = Instant::now();
        assert!(deadline(now, Duration::MAX) > now);
    }

    #[tokio::test]
    async fn a_poisoned_lock_is_recovered() {
        let store = std::sync::Arc::new(MemoryLobbyStore::new());
        let poisoner = std::sync::Arc::clone(&store);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.state.lock();
            panic!("poison the lock");
        })
        .join();
        assert!(store.state.is_poisoned());
        let e = entry(RoomId::new(), 0);
        let (_, created) = store.request(&e, &lifetimes()).await.unwrap();
        assert!(created);
    }
}
