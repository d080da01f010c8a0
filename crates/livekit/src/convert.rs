//! Conversions between LiveKit's protocol messages and the domain's media types.
//!
//! Every conversion tolerates missing optional fields and unknown enum values: nothing here
//! panics on what a server sends.

use anteroom_domain::media::{
    EgressInfo, EgressStatus, Participant, ParticipantPermission, ParticipantState, Track,
};
use anteroom_domain::room::MediaSource;
use livekit_protocol as proto;

/// The name LiveKit uses for a source in tokens (`canPublishSources`).
pub(crate) const fn source_name(source: MediaSource) -> &'static str {
    match source {
        MediaSource::Camera => "camera",
        MediaSource::Microphone => "microphone",
        MediaSource::ScreenShare => "screen_share",
        MediaSource::ScreenShareAudio => "screen_share_audio",
    }
}

/// The protocol enum of a source (permissions sent to the server API).
pub(crate) fn source_enum(source: MediaSource) -> proto::TrackSource {
    match source {
        MediaSource::Camera => proto::TrackSource::Camera,
        MediaSource::Microphone => proto::TrackSource::Microphone,
        MediaSource::ScreenShare => proto::TrackSource::ScreenShare,
        MediaSource::ScreenShareAudio => proto::TrackSource::ScreenShareAudio,
    }
}

/// The source of a protocol enum value; `None` for `UNKNOWN` and values this build does not
/// know.
pub(crate) fn source_from_wire(value: i32) -> Option<MediaSource> {
    match proto::TrackSource::try_from(value).ok()? {
        proto::TrackSource::Camera => Some(MediaSource::Camera),
        proto::TrackSource::Microphone => Some(MediaSource::Microphone),
        proto::TrackSource::ScreenShare => Some(MediaSource::ScreenShare),
        proto::TrackSource::ScreenShareAudio => Some(MediaSource::ScreenShareAudio),
        proto::TrackSource::Unknown => None,
    }
}

/// A track.
pub(crate) fn track(info: &proto::TrackInfo) -> Track {
    Track {
        sid: info.sid.clone(),
        source: source_from_wire(info.source),
        muted: info.muted,
    }
}

/// A participant; an unknown state reads as joined.
pub(crate) fn participant(info: proto::ParticipantInfo) -> Participant {
    use proto::participant_info::State;
    let state = match State::try_from(info.state) {
        Ok(State::Joining) => ParticipantState::Joining,
        Ok(State::Active) => ParticipantState::Active,
        Ok(State::Disconnected) => ParticipantState::Disconnected,
        Ok(State::Joined) | Err(_) => ParticipantState::Joined,
    };
    Participant {
        tracks: info.tracks.iter().map(track).collect(),
        identity: info.identity,
        name: info.name,
        state,
        metadata: info.metadata,
        attributes: info.attributes.into_iter().collect(),
    }
}

/// An egress status; a value this build does not know reads as failed (an egress in an
/// unknown state is not recording anything Anteroom can use).
pub(crate) fn egress_status(value: i32) -> EgressStatus {
    use proto::EgressStatus as S;
    match S::try_from(value) {
        Ok(S::EgressStarting) => EgressStatus::Starting,
        Ok(S::EgressActive) => EgressStatus::Active,
        Ok(S::EgressEnding) => EgressStatus::Ending,
        Ok(S::EgressComplete) => EgressStatus::Complete,
        Ok(S::EgressAborted) => EgressStatus::Aborted,
        Ok(S::EgressLimitReached) => EgressStatus::LimitReached,
        Ok(S::EgressFailed) | Err(_) => EgressStatus::Failed,
    }
}

/// An egress.
pub(crate) fn egress(info: proto::EgressInfo) -> EgressInfo {
    EgressInfo {
        status: egress_status(info.status),
        egress_id: info.egress_id,
        room: info.room_name,
        error: Some(info.error).filter(|e| !e.is_empty()),
    }
}

/// The permission to send: `base` (the participant's current permission, or LiveKit's
/// defaults) with the fields the update sets. `hidden`, `recorder` and `agent` are never
/// raised here: they keep whatever the server had.
pub(crate) fn permission(
    base: Option<proto::ParticipantPermission>,
    update: &ParticipantPermission,
) -> proto::ParticipantPermission {
    let mut permission = base.unwrap_or(proto::ParticipantPermission {
        can_subscribe: true,
        can_publish: true,
        can_publish_data: true,
        ..proto::ParticipantPermission::default()
    });
    if let Some(value) = update.can_subscribe {
        permission.can_subscribe = value;
    }
    if let Some(value) = update.can_publish {
        permission.can_publish = value;
    }
    if let Some(value) = update.can_publish_data {
        permission.can_publish_data = value;
    }
    if let Some(sources) = &update.can_publish_sources {
        permission.can_publish_sources =
            sources.iter().map(|s| i32::from(source_enum(*s))).collect();
    }
    if let Some(value) = update.can_update_metadata {
        permission.can_update_metadata = value;
    }
    if let Some(value) = update.can_subscribe_metrics {
        permission.can_subscribe_metrics = value;
    }
    permission
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip_and_unknown_values_are_none() {
        for source in MediaSource::ALL {
            assert_eq!(
                source_from_wire(i32::from(source_enum(source))),
                Some(source)
            );
        }
        assert_eq!(source_from_wire(0), None);
        assert_eq!(source_from_wire(99), None);
        assert_eq!(
            source_name(MediaSource::ScreenShareAudio),
            "screen_share_audio"
        );
    }

    #[test]
    fn statuses_map_and_unknown_values_do_not_panic() {
        assert_eq!(egress_status(0), EgressStatus::Starting);
        assert_eq!(egress_status(2), EgressStatus::Ending);
        assert_eq!(egress_status(6), EgressStatus::LimitReached);
        assert_eq!(egress_status(42), EgressStatus::Failed);
        let p = participant(proto::ParticipantInfo {
            state: 42,
            ..proto::ParticipantInfo::default()
        });
        assert_eq!(p.state, ParticipantState::Joined);
    }

    #[test]
    fn permission_updates_only_the_given_fields() {
        let base = proto::ParticipantPermission {
            can_subscribe: true,
            can_publish: true,
            can_publish_data: true,
            hidden: true,
            ..proto::ParticipantPermission::default()
        };
        let update = ParticipantPermission {
            can_publish: Some(false),
            can_publish_sources: Some(vec![MediaSource::Microphone]),
            ..ParticipantPermission::default()
        };
        let merged = permission(Some(base), &update);
        assert!(merged.can_subscribe && merged.can_publish_data && merged.hidden);
        assert!(!merged.can_publish);
        assert_eq!(merged.can_publish_sources, vec![2]);
        let fresh = permission(None, &ParticipantPermission::default());
        assert!(fresh.can_subscribe && fresh.can_publish && !fresh.hidden);
    }
}
