//! Lobby entries and their lifetimes.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::id::{ParticipantId, RoomId, UserId};

/// Where a lobby entry is: (none) → waiting → accepted | denied; waiting → gone (timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LobbyStatus {
    /// Waiting for a host.
    Waiting,
    /// Admitted: gets a fresh token on each request while the entry lives.
    Accepted,
    /// Refused: a new request after expiry starts a new wait.
    Denied,
}

impl LobbyStatus {
    /// The status's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Accepted => "accepted",
            Self::Denied => "denied",
        }
    }
}

/// A host's decision on a waiting participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryDecision {
    /// Let in.
    Admit,
    /// Refuse.
    Deny,
}

impl EntryDecision {
    /// The status the decision leads to.
    pub const fn status(self) -> LobbyStatus {
        match self {
            Self::Admit => LobbyStatus::Accepted,
            Self::Deny => LobbyStatus::Denied,
        }
    }
}

/// How long entries live in each status (defaults as La Suite Meet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LobbyLifetimes {
    /// A waiting entry lives this long after its last sign of life.
    pub waiting: Duration,
    /// An accepted entry lives this long (the token lifetime).
    pub accepted: Duration,
    /// A denied entry lives this long.
    pub denied: Duration,
}

impl LobbyLifetimes {
    /// The lifetime of an entry in `status`.
    pub const fn of(&self, status: LobbyStatus) -> Duration {
        match status {
            LobbyStatus::Waiting => self.waiting,
            LobbyStatus::Accepted => self.accepted,
            LobbyStatus::Denied => self.denied,
        }
    }
}

impl Default for LobbyLifetimes {
    fn default() -> Self {
        Self {
            waiting: Duration::from_secs(3),
            accepted: Duration::from_hours(6),
            denied: Duration::from_secs(5),
        }
    }
}

/// One participant's entry in a room's lobby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LobbyEntry {
    /// The room.
    pub room: RoomId,
    /// The participant's id.
    pub participant: ParticipantId,
    /// The LiveKit identity the participant will have (user `sub`, or the participant id).
    pub identity: String,
    /// The display name.
    pub username: String,
    /// The colour, deterministic from the participant id.
    pub color: String,
    /// Where the entry is.
    pub status: LobbyStatus,
    /// When the participant first asked.
    pub requested_at: DateTime<Utc>,
    /// When a host decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Which host decided.
    pub decided_by: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lifetimes_are_the_reference_ones() {
        let l = LobbyLifetimes::default();
        assert_eq!(l.of(LobbyStatus::Waiting), Duration::from_secs(3));
        assert_eq!(l.of(LobbyStatus::Accepted), Duration::from_hours(6));
        assert_eq!(l.of(LobbyStatus::Denied), Duration::from_secs(5));
        assert_eq!(EntryDecision::Admit.status(), LobbyStatus::Accepted);
    }
}
