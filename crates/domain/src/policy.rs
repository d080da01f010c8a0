//! The room permission matrix, as pure functions of the caller's authentication and role.
//!
//! | action | anonymous | authenticated, no role | member | administrator | owner |
//! |---|---|---|---|---|---|
//! | read room | yes | yes | yes | yes (+ accesses) | yes (+ accesses) |
//! | join a public room directly | yes | yes | yes | yes | yes |
//! | ... a trusted room | lobby | yes | yes | yes | yes |
//! | ... a restricted room | lobby | lobby | yes | yes | yes |
//! | create a room | 401 | yes | yes | yes | yes |
//! | update a room | 401 | 403 | 403 | yes | yes |
//! | delete a room | 401 | 403 | 403 | 403 | yes |
//! | lobby: list waiting, admit, deny | 401 | 403 | 403 | yes | yes |
//! | recordings: start/stop | 401 | 403 | 403 | yes | yes |
//! | moderation | 401 | 403 | 403 | yes | yes |
//! | invite people by e-mail | 401 | 403 | 403 | yes | yes |

use crate::Error;
use crate::access::Role;
use crate::room::AccessLevel;

/// Something a caller may try to do to a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomAction {
    /// Create a room.
    Create,
    /// Change its name, access level or configuration.
    Update,
    /// Delete it.
    Delete,
    /// List, admit or deny lobby participants.
    ManageLobby,
    /// Start or stop a recording.
    Record,
    /// Mute, remove or update participants, set their roles.
    Moderate,
    /// E-mail people an invitation to its meeting.
    Invite,
}

/// Whether a caller enters a room without waiting in the lobby ("bypass").
pub const fn may_join_directly(
    level: AccessLevel,
    authenticated: bool,
    role: Option<Role>,
) -> bool {
    match level {
        AccessLevel::Public => true,
        AccessLevel::Trusted => authenticated,
        AccessLevel::Restricted => authenticated && role.is_some(),
    }
}

/// Whether a caller sees the room's accesses.
pub const fn may_see_accesses(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Administrator | Role::Owner))
}

/// Checks one cell of the matrix.
///
/// # Errors
///
/// [`Error::Unauthenticated`] for anonymous callers of protected actions,
/// [`Error::PermissionDenied`] for authenticated callers without the needed role.
pub fn authorize(action: RoomAction, authenticated: bool, role: Option<Role>) -> Result<(), Error> {
    if !authenticated {
        return Err(Error::Unauthenticated(
            "Authentication credentials were not provided.".to_owned(),
        ));
    }
    let allowed = match action {
        RoomAction::Create => true,
        RoomAction::Update
        | RoomAction::ManageLobby
        | RoomAction::Record
        | RoomAction::Moderate
        | RoomAction::Invite => may_see_accesses(role),
        RoomAction::Delete => role == Some(Role::Owner),
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::PermissionDenied(
            "You do not have permission to perform this action.".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller columns of the matrix.
    const COLUMNS: [(bool, Option<Role>); 5] = [
        (false, None),
        (true, None),
        (true, Some(Role::Member)),
        (true, Some(Role::Administrator)),
        (true, Some(Role::Owner)),
    ];

    fn row(action: RoomAction) -> Vec<&'static str> {
        COLUMNS
            .iter()
            .map(|(auth, role)| match authorize(action, *auth, *role) {
                Ok(()) => "yes",
                Err(Error::Unauthenticated(_)) => "401",
                Err(Error::PermissionDenied(_)) => "403",
                Err(other) => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn protected_actions_follow_the_matrix() {
        assert_eq!(row(RoomAction::Create), ["401", "yes", "yes", "yes", "yes"]);
        assert_eq!(row(RoomAction::Update), ["401", "403", "403", "yes", "yes"]);
        assert_eq!(row(RoomAction::Delete), ["401", "403", "403", "403", "yes"]);
        assert_eq!(
            row(RoomAction::ManageLobby),
            ["401", "403", "403", "yes", "yes"]
        );
        assert_eq!(row(RoomAction::Record), ["401", "403", "403", "yes", "yes"]);
        assert_eq!(
            row(RoomAction::Moderate),
            ["401", "403", "403", "yes", "yes"]
        );
        assert_eq!(row(RoomAction::Invite), ["401", "403", "403", "yes", "yes"]);
    }

    #[test]
    fn joining_follows_the_access_level() {
        let join = |level| {
            COLUMNS
                .iter()
                .map(|(auth, role)| may_join_directly(level, *auth, *role))
                .collect::<Vec<_>>()
        };
        assert_eq!(join(AccessLevel::Public), [true, true, true, true, true]);
        assert_eq!(join(AccessLevel::Trusted), [false, true, true, true, true]);
        assert_eq!(
            join(AccessLevel::Restricted),
            [false, false, true, true, true]
        );
    }

    #[test]
    fn only_administrators_and_owners_see_accesses() {
        let seen: Vec<bool> = COLUMNS.iter().map(|(_, r)| may_see_accesses(*r)).collect();
        assert_eq!(seen, [false, false, false, true, true]);
    }
}
