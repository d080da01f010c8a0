//! Who may enter a room directly.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;

/// A room's access level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Anyone joins directly.
    Public,
    /// Any authenticated user joins directly; anonymous callers wait in the lobby.
    Trusted,
    /// Only users with a role on the room join directly; everyone else waits.
    Restricted,
}

impl AccessLevel {
    /// The level's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Trusted => "trusted",
            Self::Restricted => "restricted",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessLevel {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Self::Public),
            "trusted" => Ok(Self::Trusted),
            "restricted" => Ok(Self::Restricted),
            other => Err(Invalid::new(format!("\"{other}\" is not a valid choice."))),
        }
    }
}
