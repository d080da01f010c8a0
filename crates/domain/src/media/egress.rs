//! Recording egress: what Anteroom asks the media server to record, and what it reports.

use crate::recording::RecordingMode;

/// An egress's status, as the media server reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressStatus {
    /// Starting.
    Starting,
    /// Recording.
    Active,
    /// Stopping; the file is being written.
    Ending,
    /// Done; the file is written.
    Complete,
    /// Failed.
    Failed,
    /// Aborted.
    Aborted,
    /// Stopped by a limit (duration, size); the file is written.
    LimitReached,
}

/// A room composite recording to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressRequest {
    /// The LiveKit room name.
    pub room: String,
    /// Video composite (mp4, `speaker-light`) or audio-only (ogg).
    pub mode: RecordingMode,
    /// The object key of the output file.
    pub file_key: String,
}

/// An egress as the media server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressInfo {
    /// Its id (`EG_…`).
    pub egress_id: String,
    /// The LiveKit room name.
    pub room: String,
    /// Its status.
    pub status: EgressStatus,
    /// The error the media server reported, if any.
    pub error: Option<String>,
}
