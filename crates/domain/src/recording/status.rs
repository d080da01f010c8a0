//! The recording status machine.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;

/// Where a recording is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingStatus {
    /// Created; the egress is being started.
    Initiated,
    /// The egress runs.
    Active,
    /// The egress was stopped.
    Stopped,
    /// The file is stored (notifications did not all succeed).
    Saved,
    /// The egress was aborted.
    Aborted,
    /// The egress could not be started (frees the room).
    FailedToStart,
    /// The egress could not be stopped.
    FailedToStop,
    /// The file is stored and every notification succeeded.
    NotificationSucceeded,
    /// The summary service processed it.
    ExternalProcessSuccessful,
    /// The summary service failed on it.
    ExternalProcessFailed,
}

impl RecordingStatus {
    /// Every status, in the order of the machine.
    pub const ALL: [Self; 10] = [
        Self::Initiated,
        Self::Active,
        Self::Stopped,
        Self::Saved,
        Self::Aborted,
        Self::FailedToStart,
        Self::FailedToStop,
        Self::NotificationSucceeded,
        Self::ExternalProcessSuccessful,
        Self::ExternalProcessFailed,
    ];

    /// The status's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Active => "active",
            Self::Stopped => "stopped",
            Self::Saved => "saved",
            Self::Aborted => "aborted",
            Self::FailedToStart => "failed_to_start",
            Self::FailedToStop => "failed_to_stop",
            Self::NotificationSucceeded => "notification_succeeded",
            Self::ExternalProcessSuccessful => "external_process_successful",
            Self::ExternalProcessFailed => "external_process_failed",
        }
    }

    /// Whether the recording holds the room (at most one per room).
    pub const fn is_in_progress(self) -> bool {
        matches!(self, Self::Initiated | Self::Active)
    }

    /// Whether nothing more will happen to the egress (it may be deleted). Unlike the
    /// reference, `notification_succeeded` is final too.
    pub const fn is_final(self) -> bool {
        !self.is_in_progress()
    }

    /// Whether the recording may be finalised (its file is being or has been written).
    pub const fn is_savable(self) -> bool {
        matches!(self, Self::Active | Self::Stopped)
    }

    /// Whether the egress failed or was aborted.
    pub const fn is_unsuccessful(self) -> bool {
        matches!(
            self,
            Self::Aborted | Self::FailedToStart | Self::FailedToStop
        )
    }

    /// Whether the file is stored and may be downloaded.
    pub const fn is_saved(self) -> bool {
        matches!(
            self,
            Self::Saved
                | Self::NotificationSucceeded
                | Self::ExternalProcessSuccessful
                | Self::ExternalProcessFailed
        )
    }

    /// Whether the machine allows going from `self` to `next`.
    ///
    /// Finalising claims the recording first (`active`|`stopped` → `saved`), then notifies,
    /// then moves `saved` → `notification_succeeded` when every notification succeeded, so
    /// two concurrent finalisations never notify twice.
    pub const fn can_become(self, next: Self) -> bool {
        match self {
            Self::Initiated => matches!(next, Self::Active | Self::FailedToStart),
            Self::Active => matches!(
                next,
                Self::Stopped
                    | Self::Aborted
                    | Self::FailedToStop
                    | Self::Saved
                    | Self::NotificationSucceeded
            ),
            Self::Stopped => matches!(next, Self::Saved | Self::NotificationSucceeded),
            Self::Saved => matches!(
                next,
                Self::NotificationSucceeded
                    | Self::ExternalProcessSuccessful
                    | Self::ExternalProcessFailed
            ),
            Self::NotificationSucceeded => {
                matches!(
                    next,
                    Self::ExternalProcessSuccessful | Self::ExternalProcessFailed
                )
            }
            Self::Aborted
            | Self::FailedToStart
            | Self::FailedToStop
            | Self::ExternalProcessSuccessful
            | Self::ExternalProcessFailed => false,
        }
    }
}

impl fmt::Display for RecordingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordingStatus {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| Invalid::new(format!("\"{s}\" is not a valid choice.")))
    }
}

#[cfg(test)]
mod tests {
    use super::RecordingStatus::*;
    use super::*;

    #[test]
    fn the_machine_allows_exactly_the_documented_transitions() {
        let allowed = [
            (Initiated, Active),
            (Initiated, FailedToStart),
            (Active, Stopped),
            (Active, Aborted),
            (Active, FailedToStop),
            (Active, Saved),
            (Active, NotificationSucceeded),
            (Stopped, Saved),
            (Stopped, NotificationSucceeded),
            (Saved, NotificationSucceeded),
            (Saved, ExternalProcessSuccessful),
            (Saved, ExternalProcessFailed),
            (NotificationSucceeded, ExternalProcessSuccessful),
            (NotificationSucceeded, ExternalProcessFailed),
        ];
        for from in RecordingStatus::ALL {
            for to in RecordingStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn finality_and_saved_sets() {
        let finals: Vec<_> = RecordingStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert!(!finals.contains(&Initiated) && !finals.contains(&Active));
        assert!(finals.contains(&NotificationSucceeded));
        assert!(NotificationSucceeded.is_saved() && !Stopped.is_saved());
        let savable: Vec<_> = RecordingStatus::ALL
            .into_iter()
            .filter(|s| s.is_savable())
            .collect();
        assert_eq!(savable, [Active, Stopped]);
        let unsuccessful: Vec<_> = RecordingStatus::ALL
            .into_iter()
            .filter(|s| s.is_unsuccessful())
            .collect();
        assert_eq!(unsuccessful, [Aborted, FailedToStart, FailedToStop]);
        for status in RecordingStatus::ALL {
            assert_eq!(status.as_str().parse::<RecordingStatus>().unwrap(), status);
        }
    }
}
