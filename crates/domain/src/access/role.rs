//! A user's role on a room.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;

/// A role, ordered from least to most powerful.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Joins restricted rooms directly.
    Member,
    /// Manages the room, its lobby, members and administrators.
    Administrator,
    /// Everything, including deleting the room and granting ownership.
    Owner,
}

impl Role {
    /// The role's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Administrator => "administrator",
            Self::Owner => "owner",
        }
    }

    /// Whether the role manages the room (administrator or owner).
    pub const fn is_privileged(self) -> bool {
        matches!(self, Self::Administrator | Self::Owner)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Self::Member),
            "administrator" => Ok(Self::Administrator),
            "owner" => Ok(Self::Owner),
            other => Err(Invalid::new(format!("\"{other}\" is not a valid choice."))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wire_names_and_orders_by_power() {
        for role in [Role::Member, Role::Administrator, Role::Owner] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("admin".parse::<Role>().is_err());
        assert!(Role::Member < Role::Administrator && Role::Administrator < Role::Owner);
    }
}
