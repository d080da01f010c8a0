//! Participants as the media server sees them, and the changes Anteroom makes to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::room::MediaSource;

/// A participant's connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantState {
    /// Connecting.
    Joining,
    /// Connected, not yet publishing.
    Joined,
    /// Connected and active.
    Active,
    /// Gone.
    Disconnected,
}

/// A published track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// Its sid.
    pub sid: String,
    /// Its source, when known.
    pub source: Option<MediaSource>,
    /// Whether it is muted.
    pub muted: bool,
}

/// A participant of a live room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Its identity.
    pub identity: String,
    /// Its display name.
    pub name: String,
    /// Its state.
    pub state: ParticipantState,
    /// Its metadata string.
    pub metadata: String,
    /// Its attributes.
    pub attributes: BTreeMap<String, String>,
    /// Its published tracks.
    pub tracks: Vec<Track>,
}

impl Participant {
    /// Whether the participant is in the meeting (any state but disconnected).
    pub fn is_present(&self) -> bool {
        self.state != ParticipantState::Disconnected
    }
}

/// The permission a host may give a participant. `hidden`, `recorder` and `agent` do not
/// exist here: they are refused at parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantPermission {
    /// May subscribe to others' tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_subscribe: Option<bool>,
    /// May publish tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish: Option<bool>,
    /// May publish data messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish_data: Option<bool>,
    /// Which sources it may publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish_sources: Option<Vec<MediaSource>>,
    /// May update its own metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_update_metadata: Option<bool>,
    /// May subscribe to metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_subscribe_metrics: Option<bool>,
}

/// Keys that would give a participant server-side powers; always refused.
const FORBIDDEN_PERMISSIONS: [&str; 3] = ["hidden", "recorder", "agent"];

impl ParticipantPermission {
    /// Parses the JSON form: unknown keys, ill-typed values and `hidden`/`recorder`/`agent`
    /// (whatever their value) are refused.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let object = value
            .as_object()
            .ok_or_else(|| Invalid::new("must be an object"))?;
        if let Some(key) = FORBIDDEN_PERMISSIONS
            .iter()
            .find(|k| object.contains_key(**k))
        {
            return Err(Invalid::new(format!("\"{key}\" may not be set")));
        }
        serde_json::from_value(value.clone()).map_err(|e| Invalid::new(e.to_string()))
    }
}

/// A change to a participant; at least one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticipantUpdate {
    /// New metadata (a JSON document as text).
    pub metadata: Option<String>,
    /// Attributes to merge.
    pub attributes: Option<BTreeMap<String, String>>,
    /// A new permission.
    pub permission: Option<ParticipantPermission>,
    /// A new display name.
    pub name: Option<String>,
}

impl ParticipantUpdate {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.metadata.is_none()
            && self.attributes.is_none()
            && self.permission.is_none()
            && self.name.is_none()
    }
}

/// A reliable data message sent into a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMessage {
    /// The payload (Anteroom sends JSON such as `{"type":"participantWaiting"}`).
    pub payload: Vec<u8>,
    /// The topic, if any.
    pub topic: Option<String>,
    /// Only these identities receive it (empty → everyone).
    pub destinations: Vec<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn permissions_refuse_server_side_powers_and_unknown_keys() {
        for bad in [
            json!({"hidden": false}),
            json!({"recorder": true}),
            json!({"agent": null}),
            json!({"can_fly": true}),
            json!({"can_publish": "yes"}),
            json!({"can_publish_sources": ["CAMERA"]}),
            json!([]),
        ] {
            assert!(ParticipantPermission::from_json(&bad).is_err(), "{bad}");
        }
        let ok = ParticipantPermission::from_json(&json!({
            "can_publish": false,
            "can_publish_sources": ["microphone"],
        }))
        .unwrap();
        assert_eq!(ok.can_publish, Some(false));
        assert_eq!(ok.can_publish_sources, Some(vec![MediaSource::Microphone]));
    }

    #[test]
    fn an_update_without_fields_is_empty() {
        assert!(ParticipantUpdate::default().is_empty());
        let named = ParticipantUpdate {
            name: Some("Ana".to_owned()),
            ..ParticipantUpdate::default()
        };
        assert!(!named.is_empty());
    }
}
