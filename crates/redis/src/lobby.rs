//! The lobby store in Redis: one hash per entry, two indexes per room, and one Lua script per
//! operation so that every transition is atomic.
//!
//! Key layout, with `R` a room id inside a hash tag (`{R}`) so that a room's keys share one
//! cluster slot:
//!
//! | key | type | holds | expires |
//! | --- | --- | --- | --- |
//! | `anteroom:lobby:{R}:p:<participant>` | hash | the entry: `status`, `identity`, `username`, `color`, `requested_at`, `decided_at`, `decided_by` | after its status's lifetime (`PEXPIRE`) |
//! | `anteroom:lobby:{R}:waiting` | sorted set | the waiting participants, scored by `requested_at` in ms | no sooner than its last waiting entry |
//! | `anteroom:lobby:{R}:identities` | hash | participant → LiveKit identity, for every entry of the room | no sooner than its longest-lived entry |
//!
//! The scripts (in `src/lua/`, sharing `lobby_common.lua`):
//!
//! - `request` creates a waiting entry and indexes it, refreshes a waiting entry's lifetime,
//!   or answers a decided entry as it is;
//! - `get` reads one entry;
//! - `decide` is the compare-and-set: waiting → decided (out of the waiting index, new
//!   lifetime), the same decision again → unchanged, the opposite → `already_<status>`,
//!   absent → `not_found`;
//! - `decide_all` decides exactly the entries of the waiting index that are still waiting;
//! - `list_waiting` reads the waiting index in order and drops members whose entry expired;
//! - `remove_identity` deletes the entries whose identity matches, through the identity index;
//! - `clear_room` deletes every entry named by the two indexes, then the indexes;
//! - `forget` deletes one entry and its index memberships.
//!
//! No script or call ever scans the keyspace. An entry that is not a hash or has an unknown
//! status is deleted by the script that meets it; an entry whose fields this adapter cannot
//! parse is deleted with `forget`. Both are logged and read as absent.
//!
//! Arrival ties (the same millisecond) are ordered by participant id, not insertion.

use std::collections::HashMap;

use anteroom_domain::Error;
use anteroom_domain::id::{ParticipantId, RoomId, UserId};
use anteroom_domain::lobby::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus, LobbyStore};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_redis::redis::Script;

use crate::pool::{RedisPool, millis};

/// Builds a lobby script from the shared head and its own body.
macro_rules! lobby_script {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("lua/lobby_common.lua"),
            include_str!(concat!("lua/", $file))
        ))
    };
}

/// What every lobby script replies: a code, the entries (participant and the hash's fields as
/// `field, value, ...`), and the participants whose entry it found corrupted and removed.
type Reply = (String, Vec<(String, Vec<String>)>, Vec<String>);

/// The lobby's scripts, hashed once.
struct Scripts {
    request: Script,
    get: Script,
    decide: Script,
    decide_all: Script,
    list_waiting: Script,
    remove_identity: Script,
    clear_room: Script,
    forget: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            request: lobby_script!("lobby_request.lua"),
            get: lobby_script!("lobby_get.lua"),
            decide: lobby_script!("lobby_decide.lua"),
            decide_all: lobby_script!("lobby_decide_all.lua"),
            list_waiting: lobby_script!("lobby_list_waiting.lua"),
            remove_identity: lobby_script!("lobby_remove_identity.lua"),
            clear_room: lobby_script!("lobby_clear_room.lua"),
            forget: lobby_script!("lobby_forget.lua"),
        }
    }
}

/// Lobby entries in Redis, shared by every replica.
///
/// Implements [`LobbyStore`] as its documentation says; every call fails with
/// [`Error::Unavailable`] (dependency `"redis"`) within the pool's timeout when Redis cannot
/// be reached.
pub struct RedisLobbyStore {
    pool: RedisPool,
    scripts: Scripts,
}

impl std::fmt::Debug for RedisLobbyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLobbyStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl RedisLobbyStore {
    /// A store on `pool`.
    pub fn new(pool: RedisPool) -> Self {
        Self {
            pool,
            scripts: Scripts::new(),
        }
    }

    /// Runs a lobby script on `room` with the arguments after the key prefix, and logs and
    /// forgets the entries it reports or returns corrupted. Returns the reply's code and its
    /// entries that parsed.
    async fn run(
        &self,
        script: &Script,
        room: RoomId,
        args: &[&str],
    ) -> Result<(String, Vec<LobbyEntry>), Error> {
        let keys = RoomKeys::new(room);
        let mut invocation = script.key(&keys.waiting);
        invocation.key(&keys.identities).arg(&keys.prefix);
        for arg in args {
            invocation.arg(*arg);
        }
        let (code, raw, corrupted): Reply = self.pool.invoke(&invocation).await?;
        for participant in corrupted {
            tracing::warn!(
                %room,
                %participant,
                "removed a corrupted lobby entry (wrong type or status)"
            );
        }
        let mut entries = Vec::with_capacity(raw.len());
        for (participant, fields) in raw {
            match parse_entry(room, &participant, fields) {
                Ok(entry) => entries.push(entry),
                Err(reason) => {
                    tracing::warn!(
                        %room,
                        %participant,
                        %reason,
                        "removing a corrupted lobby entry"
                    );
                    self.forget(room, &participant).await?;
                }
            }
        }
        Ok((code, entries))
    }

    /// Deletes one entry and its index memberships.
    async fn forget(&self, room: RoomId, participant: &str) -> Result<(), Error> {
        let keys = RoomKeys::new(room);
        let mut invocation = self.scripts.forget.key(&keys.waiting);
        invocation
            .key(&keys.identities)
            .arg(&keys.prefix)
            .arg(participant);
        let _: Reply = self.pool.invoke(&invocation).await?;
        Ok(())
    }

    async fn request_once(
        &self,
        entry: &LobbyEntry,
        lifetimes: &LobbyLifetimes,
    ) -> Result<(String, Option<LobbyEntry>), Error> {
        let (code, entries) = self
            .run(
                &self.scripts.request,
                entry.room,
                &[
                    &entry.participant.to_string(),
                    &millis(lifetimes.waiting).to_string(),
                    &entry.identity,
                    &entry.username,
                    &entry.color,
                    &timestamp(entry.requested_at),
                    &entry.requested_at.timestamp_millis().to_string(),
                ],
            )
            .await?;
        Ok((code, entries.into_iter().next()))
    }
}

#[async_trait]
impl LobbyStore for RedisLobbyStore {
    async fn request(
        &self,
        entry: &LobbyEntry,
        lifetimes: &LobbyLifetimes,
    ) -> Result<(LobbyEntry, bool), Error> {
        // A stored entry that does not parse has been forgotten by `run`: ask again, which
        // creates it anew.
        for _ in 0..2 {
            if let (code, Some(stored)) = self.request_once(entry, lifetimes).await? {
                return Ok((stored, code == "created"));
            }
        }
        Err(Error::internal(
            "the Redis lobby store keeps answering a request with a corrupted entry",
        ))
    }

    async fn get(
        &self,
        room: RoomId,
        participant: ParticipantId,
    ) -> Result<Option<LobbyEntry>, Error> {
        let (_, entries) = self
            .run(&self.scripts.get, room, &[&participant.to_string()])
            .await?;
        Ok(entries.into_iter().next())
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
        let status = decision.status();
        let (code, entries) = self
            .run(
                &self.scripts.decide,
                room,
                &[
                    &participant.to_string(),
                    status.as_str(),
                    &timestamp(at),
                    &by.to_string(),
                    &millis(lifetimes.of(status)).to_string(),
                ],
            )
            .await?;
        match (code.as_str(), entries.into_iter().next()) {
            ("ok", Some(entry)) => Ok(entry),
            ("already_accepted", _) => Err(Error::Conflict(
                "Participant was already admitted.".to_owned(),
            )),
            ("already_denied", _) => Err(Error::Conflict(
                "Participant was already denied.".to_owned(),
            )),
            // Not found, or found corrupted (and forgotten).
            _ => Err(Error::NotFound("Participant not found.".to_owned())),
        }
    }

    async fn decide_all(
        &self,
        room: RoomId,
        decision: EntryDecision,
        by: UserId,
        at: DateTime<Utc>,
        lifetimes: &LobbyLifetimes,
    ) -> Result<Vec<LobbyEntry>, Error> {
        let status = decision.status();
        let (_, entries) = self
            .run(
                &self.scripts.decide_all,
                room,
                &[
                    status.as_str(),
                    &timestamp(at),
                    &by.to_string(),
                    &millis(lifetimes.of(status)).to_string(),
                ],
            )
            .await?;
        Ok(entries)
    }

    async fn list_waiting(&self, room: RoomId) -> Result<Vec<LobbyEntry>, Error> {
        let (_, entries) = self.run(&self.scripts.list_waiting, room, &[]).await?;
        Ok(entries)
    }

    async fn remove_identity(&self, room: RoomId, identity: &str) -> Result<(), Error> {
        self.run(&self.scripts.remove_identity, room, &[identity])
            .await?;
        Ok(())
    }

    async fn clear_room(&self, room: RoomId) -> Result<(), Error> {
        self.run(&self.scripts.clear_room, room, &[]).await?;
        Ok(())
    }
}

/// The keys of one room.
struct RoomKeys {
    waiting: String,
    identities: String,
    /// The prefix of the entry keys: `anteroom:lobby:{R}:p:`.
    prefix: String,
}

impl RoomKeys {
    fn new(room: RoomId) -> Self {
        let tag = room_tag(room);
        Self {
            waiting: format!("{tag}:waiting"),
            identities: format!("{tag}:identities"),
            prefix: format!("{tag}:p:"),
        }
    }
}

/// `anteroom:lobby:{R}`: the common prefix of a room's keys, with its hash tag.
pub(crate) fn room_tag(room: RoomId) -> String {
    format!("anteroom:lobby:{{{room}}}")
}

/// How instants are stored: RFC 3339 in UTC with as many fraction digits as needed, so that
/// they read back exactly.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| format!("bad timestamp {value:?}: {err}"))
}

/// Builds an entry from its hash's fields (`field, value, field, value, ...`).
fn parse_entry(room: RoomId, participant: &str, fields: Vec<String>) -> Result<LobbyEntry, String> {
    let participant: ParticipantId = participant
        .parse()
        .map_err(|_| format!("bad participant id {participant:?}"))?;
    let mut map = HashMap::with_capacity(fields.len() / 2);
    let mut fields = fields.into_iter();
    while let (Some(field), Some(value)) = (fields.next(), fields.next()) {
        map.insert(field, value);
    }
    let mut required = |field: &str| map.remove(field).ok_or_else(|| format!("no {field}"));
    let status = match required("status")?.as_str() {
        "waiting" => LobbyStatus::Waiting,
        "accepted" => LobbyStatus::Accepted,
        "denied" => LobbyStatus::Denied,
        other => return Err(format!("bad status {other:?}")),
    };
    let identity = required("identity")?;
    let username = required("username")?;
    let color = required("color")?;
    let requested_at = parse_timestamp(&required("requested_at")?)?;
    // Absent or empty: not decided.
    let mut take = |field: &str| map.remove(field).filter(|value| !value.is_empty());
    let decided_at = take("decided_at")
        .as_deref()
        .map(parse_timestamp)
        .transpose()?;
    let decided_by = take("decided_by")
        .map(|value| {
            value
                .parse::<UserId>()
                .map_err(|_| format!("bad decided_by {value:?}"))
        })
        .transpose()?;
    Ok(LobbyEntry {
        room,
        participant,
        identity,
        username,
        color,
        status,
        requested_at,
        decided_at,
        decided_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<String> {
        pairs
            .iter()
            .flat_map(|(f, v)| [(*f).to_owned(), (*v).to_owned()])
            .collect()
    }

    #[test]
    fn timestamps_round_trip_exactly() {
        let at = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(parse_timestamp(&timestamp(at)).unwrap(), at);
        let whole = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(timestamp(whole), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn parses_a_decided_entry() {
        let room = RoomId::new();
        let participant = ParticipantId::random();
        let by = UserId::new();
        let entry = parse_entry(
            room,
            &participant.to_string(),
            fields(&[
                ("status", "accepted"),
                ("identity", "sub-1"),
                ("username", "Ada"),
                ("color", "hsl(1, 45%, 45%)"),
                ("requested_at", "2023-11-14T22:13:20.5Z"),
                ("decided_at", "2023-11-14T22:13:21Z"),
                ("decided_by", &by.to_string()),
            ]),
        )
        .unwrap();
        assert_eq!(entry.status, LobbyStatus::Accepted);
        assert_eq!(entry.decided_by, Some(by));
        assert_eq!(entry.participant, participant);
        assert_eq!(entry.requested_at.timestamp_millis(), 1_700_000_000_500);
    }

    #[test]
    fn refuses_corrupted_entries() {
        let room = RoomId::new();
        let p = ParticipantId::random().to_string();
        let good = [
            ("status", "waiting"),
            ("identity", "i"),
            ("username", "u"),
            ("color", "c"),
            ("requested_at", "2023-11-14T22:13:20Z"),
        ];
        assert!(parse_entry(room, &p, fields(&good)).is_ok());
        assert!(parse_entry(room, "not-a-uuid", fields(&good)).is_err());
        for bad in [
            ("status", "maybe"),
            ("requested_at", "yesterday"),
            ("decided_at", "soon"),
            ("decided_by", "someone"),
        ] {
            let mut pairs: Vec<_> = good.iter().filter(|(f, _)| *f != bad.0).copied().collect();
            pairs.push(bad);
            assert!(parse_entry(room, &p, fields(&pairs)).is_err(), "{bad:?}");
        }
        let missing: Vec<_> = good
            .iter()
            .filter(|(f, _)| *f != "identity")
            .copied()
            .collect();
        assert!(parse_entry(room, &p, fields(&missing)).is_err());
    }
}
