//! What is sent when a recording's file is stored, and what came of it.

use chrono::{DateTime, FixedOffset, Utc};

use super::RecordingMode;
use crate::id::{RecordingId, UserId};
use crate::user::Language;

/// A request to the summary (transcription) service to process a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRequest {
    /// The recording.
    pub recording_id: RecordingId,
    /// What was recorded.
    pub mode: RecordingMode,
    /// The object key of the file in the recordings bucket.
    pub recording_filename: String,
    /// The recorded room's name.
    pub room_name: String,
    /// The owner the summary is for (the most recently granted owner).
    pub owner_id: UserId,
    /// The owner's OIDC subject.
    pub owner_sub: Option<String>,
    /// The owner's e-mail address.
    pub owner_email: Option<String>,
    /// The owner's IANA time zone.
    pub owner_timezone: String,
    /// The spoken language: the recording's `language` option, else the owner's language's
    /// primary subtag (`fr`).
    pub language: String,
    /// Where the owner downloads the recording, when a download base URL is configured.
    pub download_link: Option<String>,
    /// When the recording was started.
    pub recorded_at: DateTime<Utc>,
}

/// An e-mail telling an owner that its recording is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerEmail {
    /// The recording.
    pub recording_id: RecordingId,
    /// The owner.
    pub owner_id: UserId,
    /// The owner's address.
    pub to: String,
    /// The owner's name, for the greeting.
    pub owner_name: Option<String>,
    /// The language of the mail.
    pub language: Language,
    /// The recorded room's name.
    pub room_name: String,
    /// When the recording was started, in the owner's time zone.
    pub recorded_at: DateTime<FixedOffset>,
    /// Where the owner downloads the recording, when a download base URL is configured.
    pub download_link: Option<String>,
    /// After how many days the recording expires, when recordings expire.
    pub expiration_days: Option<u32>,
}

/// One notification of a stored recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// Ask the summary service to transcribe (and summarise) the recording.
    Summary(SummaryRequest),
    /// Tell an owner by e-mail.
    OwnerEmail(OwnerEmail),
}

impl Notification {
    /// Who or what this notification goes to.
    pub fn target(&self) -> NotificationTarget {
        match self {
            Self::Summary(_) => NotificationTarget::SummaryService,
            Self::OwnerEmail(mail) => NotificationTarget::Owner(mail.owner_id),
        }
    }
}

/// Who or what a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationTarget {
    /// The summary service.
    SummaryService,
    /// An owner of the recording, by e-mail.
    Owner(UserId),
}

/// A notification that could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationFailure {
    /// Where it should have gone.
    pub target: NotificationTarget,
    /// Why it failed (for logs and operators; no secret in it).
    pub reason: String,
}

/// What came of a batch of notifications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationReport {
    /// The notifications that failed; empty when every one was delivered.
    pub failures: Vec<NotificationFailure>,
    /// The job id the summary service answered, if it was asked and answered one.
    pub summary_job_id: Option<String>,
}

impl NotificationReport {
    /// Whether every notification was delivered.
    pub fn all_succeeded(&self) -> bool {
        self.failures.is_empty()
    }
}
