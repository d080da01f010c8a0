//! Who may grant, change and remove accesses, as pure functions.
//!
//! - members and strangers cannot list or read accesses; administrators and owners see all
//!   accesses of their rooms;
//! - only an owner can grant `owner`; administrators manage member/administrator accesses only;
//! - an owner access can only be changed or removed by that owner (and never when it is the
//!   room's last owner, which the store enforces atomically).

use super::{ResourceAccess, Role};
use crate::Error;
use crate::id::UserId;

fn denied(message: &str) -> Error {
    Error::PermissionDenied(message.to_owned())
}

/// May a requester with `requester_role` on the room grant `new_role`?
///
/// # Errors
///
/// [`Error::PermissionDenied`] when not.
pub fn authorize_grant(requester_role: Option<Role>, new_role: Role) -> Result<(), Error> {
    match requester_role {
        Some(role) if role.is_privileged() => {}
        _ => {
            return Err(denied(
                "You must be administrator or owner of a room to add accesses to it.",
            ));
        }
    }
    if new_role == Role::Owner && requester_role != Some(Role::Owner) {
        return Err(denied(
            "Only owners of a room can assign other users as owners.",
        ));
    }
    Ok(())
}

/// May `requester` (with `requester_role` on the room) read `target`?
///
/// # Errors
///
/// [`Error::PermissionDenied`] when not.
pub fn authorize_read(requester_role: Option<Role>) -> Result<(), Error> {
    if requester_role.is_some_and(Role::is_privileged) {
        Ok(())
    } else {
        Err(denied("You do not have permission to perform this action."))
    }
}

/// May `requester` change `target`'s role to `new_role`?
///
/// # Errors
///
/// [`Error::PermissionDenied`] when not.
pub fn authorize_change(
    requester: UserId,
    requester_role: Option<Role>,
    target: &ResourceAccess,
    new_role: Role,
) -> Result<(), Error> {
    authorize_read(requester_role)?;
    if new_role == Role::Owner && requester_role != Some(Role::Owner) {
        return Err(denied(
            "Only owners of a room can assign other users as owners.",
        ));
    }
    authorize_touching_owner(requester, target)
}

/// May `requester` remove `target`?
///
/// # Errors
///
/// [`Error::PermissionDenied`] when not.
pub fn authorize_removal(
    requester: UserId,
    requester_role: Option<Role>,
    target: &ResourceAccess,
) -> Result<(), Error> {
    authorize_read(requester_role)?;
    authorize_touching_owner(requester, target)
}

fn authorize_touching_owner(requester: UserId, target: &ResourceAccess) -> Result<(), Error> {
    if target.role == Role::Owner && target.user != requester {
        return Err(denied(
            "Only the owner themself can change or remove an owner access.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::id::{AccessId, RoomId};

    const REQUESTERS: [Option<Role>; 4] = [
        None,
        Some(Role::Member),
        Some(Role::Administrator),
        Some(Role::Owner),
    ];

    fn access(user: UserId, role: Role) -> ResourceAccess {
        ResourceAccess {
            id: AccessId::new(),
            room: RoomId::new(),
            user,
            role,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn allowed(result: Result<(), Error>) -> bool {
        match result {
            Ok(()) => true,
            Err(Error::PermissionDenied(_)) => false,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn granting_member_or_administrator_needs_a_privileged_role() {
        for new_role in [Role::Member, Role::Administrator] {
            let row: Vec<bool> = REQUESTERS
                .iter()
                .map(|r| allowed(authorize_grant(*r, new_role)))
                .collect();
            assert_eq!(row, [false, false, true, true], "{new_role}");
        }
    }

    #[test]
    fn only_owners_grant_owner() {
        let row: Vec<bool> = REQUESTERS
            .iter()
            .map(|r| allowed(authorize_grant(*r, Role::Owner)))
            .collect();
        assert_eq!(row, [false, false, false, true]);
    }

    #[test]
    fn members_and_strangers_cannot_read_accesses() {
        let row: Vec<bool> = REQUESTERS
            .iter()
            .map(|r| allowed(authorize_read(*r)))
            .collect();
        assert_eq!(row, [false, false, true, true]);
    }

    #[test]
    fn administrators_manage_member_and_administrator_accesses_only() {
        let me = UserId::new();
        let admin = Some(Role::Administrator);
        let member = access(UserId::new(), Role::Member);
        let other_admin = access(UserId::new(), Role::Administrator);
        let owner = access(UserId::new(), Role::Owner);
        assert!(allowed(authorize_change(
            me,
            admin,
            &member,
            Role::Administrator
        )));
        assert!(allowed(authorize_change(
            me,
            admin,
            &other_admin,
            Role::Member
        )));
        assert!(!allowed(authorize_change(me, admin, &member, Role::Owner)));
        assert!(!allowed(authorize_change(me, admin, &owner, Role::Member)));
        assert!(allowed(authorize_removal(me, admin, &member)));
        assert!(!allowed(authorize_removal(me, admin, &owner)));
    }

    #[test]
    fn an_owner_access_is_changed_or_removed_only_by_that_owner() {
        let me = UserId::new();
        let owner = Some(Role::Owner);
        let mine = access(me, Role::Owner);
        let other_owner = access(UserId::new(), Role::Owner);
        assert!(allowed(authorize_change(me, owner, &mine, Role::Member)));
        assert!(allowed(authorize_removal(me, owner, &mine)));
        assert!(!allowed(authorize_change(
            me,
            owner,
            &other_owner,
            Role::Member
        )));
        assert!(!allowed(authorize_removal(me, owner, &other_owner)));
        let member = access(UserId::new(), Role::Member);
        assert!(allowed(authorize_change(me, owner, &member, Role::Owner)));
    }

    #[test]
    fn members_and_strangers_change_or_remove_nothing() {
        let me = UserId::new();
        let target = access(UserId::new(), Role::Member);
        for requester in [None, Some(Role::Member)] {
            assert!(!allowed(authorize_change(
                me,
                requester,
                &target,
                Role::Member
            )));
            assert!(!allowed(authorize_removal(me, requester, &target)));
        }
    }
}
