//! What a user may do to a recording, from its role on the recording (never its room role)
//! and the recording's status, as pure functions.
//!
//! | ability | owner / administrator | member / no role |
//! |---|---|---|
//! | retrieve | yes | no (member 403, stranger 404) |
//! | destroy | only in a final status | no |
//! | stop | only in a non-final status | no |
//! | update, partial update | no | no |
//! | download | only in a saved status | no |

use super::RecordingStatus;
use crate::Error;
use crate::access::Role;

/// The abilities of one user on one recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools)]
pub struct RecordingAbilities {
    /// May read it.
    pub retrieve: bool,
    /// May delete it.
    pub destroy: bool,
    /// May stop it.
    pub stop: bool,
    /// May replace it (never).
    pub update: bool,
    /// May change it (never).
    pub partial_update: bool,
}

/// The abilities `role` gives on a recording in `status`.
pub const fn abilities(role: Option<Role>, status: RecordingStatus) -> RecordingAbilities {
    let privileged = matches!(role, Some(Role::Administrator | Role::Owner));
    RecordingAbilities {
        retrieve: privileged,
        destroy: privileged && status.is_final(),
        stop: privileged && !status.is_final(),
        update: false,
        partial_update: false,
    }
}

/// Whether `role` may download a recording in `status` (its file is stored).
pub const fn may_download(role: Option<Role>, status: RecordingStatus) -> bool {
    matches!(role, Some(Role::Administrator | Role::Owner)) && status.is_saved()
}

/// The refusal of a recording: a user without any role on it must not learn that it exists.
pub(crate) fn hidden_or_denied(role: Option<Role>) -> Error {
    match role {
        None => not_found(),
        Some(_) => {
            Error::PermissionDenied("You do not have permission to perform this action.".to_owned())
        }
    }
}

/// The message of a missing (or hidden) recording.
pub(crate) fn not_found() -> Error {
    Error::NotFound("No Recording matches the given query.".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Option<Role>; 4] = [
        None,
        Some(Role::Member),
        Some(Role::Administrator),
        Some(Role::Owner),
    ];

    /// One cell: "r" retrieve, "d" destroy, "s" stop, "g" download, "-" nothing.
    fn cell(role: Option<Role>, status: RecordingStatus) -> String {
        let a = abilities(role, status);
        assert!(!a.update && !a.partial_update, "never updatable");
        let mut out = String::new();
        for (flag, letter) in [
            (a.retrieve, 'r'),
            (a.destroy, 'd'),
            (a.stop, 's'),
            (may_download(role, status), 'g'),
        ] {
            if flag {
                out.push(letter);
            }
        }
        if out.is_empty() {
            out.push('-');
        }
        out
    }

    #[test]
    fn the_whole_ability_matrix() {
        use RecordingStatus::*;
        // Columns: no role, member, administrator, owner.
        let expected: [(RecordingStatus, [&str; 4]); 10] = [
            (Initiated, ["-", "-", "rs", "rs"]),
            (Active, ["-", "-", "rs", "rs"]),
            (Stopped, ["-", "-", "rd", "rd"]),
            (Saved, ["-", "-", "rdg", "rdg"]),
            (Aborted, ["-", "-", "rd", "rd"]),
            (FailedToStart, ["-", "-", "rd", "rd"]),
            (FailedToStop, ["-", "-", "rd", "rd"]),
            (NotificationSucceeded, ["-", "-", "rdg", "rdg"]),
            (ExternalProcessSuccessful, ["-", "-", "rdg", "rdg"]),
            (ExternalProcessFailed, ["-", "-", "rdg", "rdg"]),
        ];
        assert_eq!(expected.len(), RecordingStatus::ALL.len());
        for (status, row) in expected {
            let got: Vec<String> = ROLES.iter().map(|r| cell(*r, status)).collect();
            assert_eq!(got, row, "{status}");
        }
    }

    #[test]
    fn strangers_are_told_nothing_members_are_refused() {
        assert!(matches!(hidden_or_denied(None), Error::NotFound(_)));
        for role in [Role::Member, Role::Administrator, Role::Owner] {
            assert!(matches!(
                hidden_or_denied(Some(role)),
                Error::PermissionDenied(_)
            ));
        }
    }
}
