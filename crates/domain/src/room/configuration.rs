//! A room's configuration, with a strict schema (unknown keys are refused).

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// A kind of media a participant may publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// The screen share video.
    ScreenShare,
    /// The screen share audio.
    ScreenShareAudio,
}

impl MediaSource {
    /// Every source, the default for hosts and for rooms that do not restrict sources.
    pub const ALL: [Self; 4] = [
        Self::Camera,
        Self::Microphone,
        Self::ScreenShare,
        Self::ScreenShareAudio,
    ];
}

/// Room settings chosen by its administrators. `None` everywhere means "the default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomConfiguration {
    /// What participants without a role may publish; `None` = every source; empty =
    /// listen-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish_sources: Option<Vec<MediaSource>>,
    /// Whether any participant may mute others (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub everyone_can_mute: Option<bool>,
    /// How many participants the room holds at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_participants: Option<NonZeroU32>,
    /// Whether meetings are transcribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_transcription: Option<bool>,
}

impl RoomConfiguration {
    /// Parses the JSON form, refusing unknown keys and ill-typed values.
    ///
    /// `null` reads as the empty configuration.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        if value.is_null() {
            return Ok(Self::default());
        }
        if !value.is_object() {
            return Err(Invalid::new("must be an object"));
        }
        let config: Self =
            serde_json::from_value(value.clone()).map_err(|e| Invalid::new(e.to_string()))?;
        config.validated()
    }

    /// Checks the rules the types cannot express: no duplicate source.
    pub fn validated(self) -> Result<Self, Invalid> {
        if let Some(sources) = &self.can_publish_sources {
            let mut seen = Vec::with_capacity(sources.len());
            for source in sources {
                if seen.contains(source) {
                    return Err(Invalid::new("can_publish_sources: duplicate source"));
                }
                seen.push(*source);
            }
        }
        Ok(self)
    }

    /// The JSON form (only set keys).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }

    /// Whether no key is set (`{}`).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn accepts_the_documented_keys() {
        let config = RoomConfiguration::from_json(&json!({
            "can_publish_sources": ["camera", "screen_share_audio"],
            "everyone_can_mute": false,
            "max_participants": 12,
            "enable_transcription": null,
        }))
        .unwrap();
        assert_eq!(
            config.can_publish_sources,
            Some(vec![MediaSource::Camera, MediaSource::ScreenShareAudio])
        );
        assert_eq!(config.everyone_can_mute, Some(false));
        assert_eq!(config.max_participants.map(NonZeroU32::get), Some(12));
        assert_eq!(config.enable_transcription, None);
    }

    #[test]
    fn refuses_what_the_reference_refuses() {
        for bad in [
            json!({"unknown": 1}),
            json!({"can_publish_sources": ["CAMERA"]}),
            json!({"can_publish_sources": "camera"}),
            json!({"everyone_can_mute": "yes"}),
            json!({"max_participants": 0}),
            json!({"max_participants": -3}),
            json!({"can_publish_sources": ["camera", "camera"]}),
            json!([]),
        ] {
            assert!(RoomConfiguration::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_and_null_is_empty() {
        assert!(
            RoomConfiguration::from_json(&json!(null))
                .unwrap()
                .is_empty()
        );
        let config = RoomConfiguration {
            can_publish_sources: Some(vec![]),
            ..RoomConfiguration::default()
        };
        assert_eq!(config.to_json(), json!({"can_publish_sources": []}));
        assert_eq!(
            RoomConfiguration::from_json(&config.to_json()).unwrap(),
            config
        );
    }
}
