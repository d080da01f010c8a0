//! Identifiers: UUID newtypes (v7 for new rows, so ids sort by creation time).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::Invalid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (from storage).
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Invalid;

            /// Parses a UUID with or without dashes.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| Invalid::new("must be a UUID"))
            }
        }
    };
}

uuid_id!(
    /// A room's id; the LiveKit room name of a registered room is this id as a string.
    RoomId
);
uuid_id!(
    /// A user's id.
    UserId
);
uuid_id!(
    /// A resource access's id.
    AccessId
);
uuid_id!(
    /// A recording's id.
    RecordingId
);
uuid_id!(
    /// A recording access's id.
    RecordingAccessId
);
uuid_id!(
    /// A lobby participant's id: random, issued by the server on a first entry request.
    ParticipantId
);

impl ParticipantId {
    /// A new unguessable participant id (UUID v4: 122 random bits).
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_dashes() {
        let id = RoomId::new();
        let simple = id.as_uuid().simple().to_string();
        assert_eq!(simple.parse::<RoomId>().unwrap(), id);
        assert_eq!(id.to_string().parse::<RoomId>().unwrap(), id);
        assert!("not-a-uuid".parse::<RoomId>().is_err());
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = UserId::new();
        let b = UserId::new();
        assert!(a < b);
    }
}
