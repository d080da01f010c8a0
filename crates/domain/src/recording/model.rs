//! The Recording and RecordingAccess entities, modes and options.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RecordingStatus;
use crate::Invalid;
use crate::access::Role;
use crate::id::{RecordingAccessId, RecordingId, RoomId, UserId};

/// What is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingMode {
    /// Video composite of the room, mp4.
    ScreenRecording,
    /// Audio-only composite, ogg, for transcription.
    Transcript,
}

impl RecordingMode {
    /// The mode's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ScreenRecording => "screen_recording",
            Self::Transcript => "transcript",
        }
    }

    /// The file extension of the mode's output.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::ScreenRecording => "mp4",
            Self::Transcript => "ogg",
        }
    }
}

/// Options of a recording (strict: unknown keys are refused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingOptions {
    /// The spoken language, passed to the summary service as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Whether to transcribe a screen recording too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcribe: Option<bool>,
    /// Whether to collect meeting metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collect_metadata: Option<bool>,
    /// The mode the caller originally asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_mode: Option<RecordingMode>,
}

impl RecordingOptions {
    /// Parses the JSON form (`null` is no option).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| Invalid::new(e.to_string()))
    }
}

/// A recording of a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Its id.
    pub id: RecordingId,
    /// The recorded room.
    pub room: RoomId,
    /// Where it is in its life.
    pub status: RecordingStatus,
    /// What is recorded.
    pub mode: RecordingMode,
    /// The LiveKit egress id, kept after stop.
    pub worker_id: Option<String>,
    /// Its options.
    pub options: RecordingOptions,
    /// The summary service's job id.
    pub external_process_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Recording {
    /// The object key of its file under `output_folder`.
    pub fn key(&self, output_folder: &str) -> String {
        format!("{output_folder}/{}.{}", self.id, self.mode.extension())
    }
}

/// A user's role on a recording, independent of room roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingAccess {
    /// Its id.
    pub id: RecordingAccessId,
    /// The recording.
    pub recording: RecordingId,
    /// The user.
    pub user: UserId,
    /// The role.
    pub role: Role,
    /// When it was granted.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn options_are_strict() {
        assert!(
            RecordingOptions::from_json(&json!({"language": "fr", "transcribe": true})).is_ok()
        );
        assert!(RecordingOptions::from_json(&json!({"unknown": 1})).is_err());
        assert!(RecordingOptions::from_json(&json!({"transcribe": "yes"})).is_err());
        assert!(RecordingOptions::from_json(&json!({"original_mode": "SCREEN"})).is_err());
        assert!(RecordingOptions::from_json(&json!(null)).unwrap() == RecordingOptions::default());
    }
}
