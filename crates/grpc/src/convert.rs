//! Conversions between the `anteroom.v1` messages and the domain's types.

use std::num::NonZeroU32;

use anteroom_domain::access::{AccessWithUser, Role};
use anteroom_domain::lobby::{LobbyEntry, LobbyStatus};
use anteroom_domain::media::JoinAnswer;
use anteroom_domain::room::{AccessLevel, MediaSource, RoomConfiguration, RoomView};
use anteroom_domain::user::User;
use anteroom_domain::{Error, Invalid};
use anteroom_proto::v1 as pb;
use chrono::{DateTime, Utc};

/// A timestamp on the wire.
pub(crate) fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub(crate) fn access_level_to_pb(level: AccessLevel) -> pb::AccessLevel {
    match level {
        AccessLevel::Public => pb::AccessLevel::Public,
        AccessLevel::Trusted => pb::AccessLevel::Trusted,
        AccessLevel::Restricted => pb::AccessLevel::Restricted,
    }
}

/// Reads an access level; `UNSPECIFIED` is `None`.
pub(crate) fn access_level_from_pb(raw: i32) -> Result<Option<AccessLevel>, Invalid> {
    match pb::AccessLevel::try_from(raw) {
        Ok(pb::AccessLevel::Unspecified) => Ok(None),
        Ok(pb::AccessLevel::Public) => Ok(Some(AccessLevel::Public)),
        Ok(pb::AccessLevel::Trusted) => Ok(Some(AccessLevel::Trusted)),
        Ok(pb::AccessLevel::Restricted) => Ok(Some(AccessLevel::Restricted)),
        Err(_) => Err(Invalid::new(format!("{raw} is not an access level"))),
    }
}

pub(crate) fn role_to_pb(role: Option<Role>) -> pb::Role {
    match role {
        None => pb::Role::Unspecified,
        Some(Role::Member) => pb::Role::Member,
        Some(Role::Administrator) => pb::Role::Administrator,
        Some(Role::Owner) => pb::Role::Owner,
    }
}

/// Reads a required role.
pub(crate) fn role_from_pb(raw: i32) -> Result<Role, Invalid> {
    match pb::Role::try_from(raw) {
        Ok(pb::Role::Member) => Ok(Role::Member),
        Ok(pb::Role::Administrator) => Ok(Role::Administrator),
        Ok(pb::Role::Owner) => Ok(Role::Owner),
        Ok(pb::Role::Unspecified) => Err(Invalid::new("a role is required")),
        Err(_) => Err(Invalid::new(format!("{raw} is not a role"))),
    }
}

fn source_to_pb(source: MediaSource) -> pb::MediaSource {
    match source {
        MediaSource::Camera => pb::MediaSource::Camera,
        MediaSource::Microphone => pb::MediaSource::Microphone,
        MediaSource::ScreenShare => pb::MediaSource::ScreenShare,
        MediaSource::ScreenShareAudio => pb::MediaSource::ScreenShareAudio,
    }
}

fn source_from_pb(raw: i32) -> Result<MediaSource, Invalid> {
    match pb::MediaSource::try_from(raw) {
        Ok(pb::MediaSource::Camera) => Ok(MediaSource::Camera),
        Ok(pb::MediaSource::Microphone) => Ok(MediaSource::Microphone),
        Ok(pb::MediaSource::ScreenShare) => Ok(MediaSource::ScreenShare),
        Ok(pb::MediaSource::ScreenShareAudio) => Ok(MediaSource::ScreenShareAudio),
        Ok(pb::MediaSource::Unspecified) | Err(_) => {
            Err(Invalid::new(format!("{raw} is not a media source")))
        }
    }
}

pub(crate) fn configuration_to_pb(config: &RoomConfiguration) -> pb::RoomConfiguration {
    pb::RoomConfiguration {
        can_publish_sources: config.can_publish_sources.as_ref().map(|sources| {
            pb::MediaSourceList {
                sources: sources.iter().map(|s| source_to_pb(*s) as i32).collect(),
            }
        }),
        everyone_can_mute: config.everyone_can_mute,
        max_participants: config.max_participants.map(NonZeroU32::get),
        enable_transcription: config.enable_transcription,
    }
}

/// Reads a list of media sources; errors name `field`.
pub(crate) fn media_sources_from_pb(
    list: pb::MediaSourceList,
    field: &str,
) -> Result<Vec<MediaSource>, Error> {
    list.sources
        .into_iter()
        .map(source_from_pb)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.at(field))
}

/// Reads a configuration; field names in errors are relative to `prefix`.
pub(crate) fn configuration_from_pb(
    config: pb::RoomConfiguration,
    prefix: &str,
) -> Result<RoomConfiguration, Error> {
    let can_publish_sources = config
        .can_publish_sources
        .map(|list| media_sources_from_pb(list, &format!("{prefix}.can_publish_sources")))
        .transpose()?;
    let max_participants = config
        .max_participants
        .map(|n| NonZeroU32::new(n).ok_or_else(|| Invalid::new("must be positive")))
        .transpose()
        .map_err(|e| e.at(format!("{prefix}.max_participants")))?;
    RoomConfiguration {
        can_publish_sources,
        everyone_can_mute: config.everyone_can_mute,
        max_participants,
        enable_transcription: config.enable_transcription,
    }
    .validated()
    .map_err(|e| e.at(format!("{prefix}.can_publish_sources")))
}

pub(crate) fn user_to_pb(user: &User) -> pb::User {
    pb::User {
        id: user.id.to_string(),
        sub: user.sub.as_ref().map(|s| s.as_str().to_owned()),
        email: user.email.as_ref().map(|e| e.as_str().to_owned()),
        full_name: user.full_name.clone(),
        short_name: user.short_name.clone(),
        language: user.language.as_str().to_owned(),
        timezone: user.timezone.as_str().to_owned(),
        default_room_access_level: user
            .default_room_access_level
            .map_or(pb::AccessLevel::Unspecified, access_level_to_pb)
            as i32,
        default_room_configuration: Some(configuration_to_pb(&user.default_room_configuration)),
        create_time: Some(timestamp(user.created_at)),
        update_time: Some(timestamp(user.updated_at)),
    }
}

pub(crate) fn access_to_pb(item: &AccessWithUser) -> pb::Access {
    let access = &item.access;
    pb::Access {
        id: access.id.to_string(),
        room_id: access.room.to_string(),
        user_id: access.user.to_string(),
        role: role_to_pb(Some(access.role)) as i32,
        user: Some(user_to_pb(&item.user)),
        create_time: Some(timestamp(access.created_at)),
        update_time: Some(timestamp(access.updated_at)),
    }
}

pub(crate) fn room_to_pb(view: &RoomView) -> pb::Room {
    let room = &view.room;
    pb::Room {
        id: room.id.to_string(),
        name: room.name.as_str().to_owned(),
        slug: room.slug.as_str().to_owned(),
        access_level: access_level_to_pb(room.access_level) as i32,
        configuration: Some(configuration_to_pb(&room.configuration)),
        pin_code: view.visible_pin().map(|p| p.as_str().to_owned()),
        create_time: Some(timestamp(room.created_at)),
        update_time: Some(timestamp(room.updated_at)),
        accesses: view
            .accesses
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(access_to_pb)
            .collect(),
        caller_role: role_to_pb(view.caller_role) as i32,
    }
}

pub(crate) fn lobby_status_to_pb(status: LobbyStatus) -> pb::LobbyStatus {
    match status {
        LobbyStatus::Waiting => pb::LobbyStatus::Waiting,
        LobbyStatus::Accepted => pb::LobbyStatus::Accepted,
        LobbyStatus::Denied => pb::LobbyStatus::Denied,
    }
}

pub(crate) fn lobby_participant_to_pb(entry: &LobbyEntry) -> pb::LobbyParticipant {
    pb::LobbyParticipant {
        participant_id: entry.participant.to_string(),
        username: entry.username.clone(),
        color: entry.color.clone(),
        status: lobby_status_to_pb(entry.status) as i32,
        request_time: Some(timestamp(entry.requested_at)),
        decide_time: entry.decided_at.map(timestamp),
    }
}

pub(crate) fn connection_to_pb(answer: JoinAnswer) -> pb::LiveKitConnection {
    pb::LiveKitConnection {
        url: answer.url,
        room: answer.room,
        token: answer.token,
    }
}

/// Checks that every path of an update mask is one of `allowed`.
pub(crate) fn mask_paths(
    mask: Option<prost_types::FieldMask>,
    allowed: &[&str],
) -> Result<Vec<String>, Error> {
    let paths = mask.map(|m| m.paths).unwrap_or_default();
    if let Some(bad) = paths.iter().find(|p| !allowed.contains(&p.as_str())) {
        return Err(Error::invalid(
            "update_mask",
            format!(
                "\"{bad}\" cannot be updated; allowed: {}",
                allowed.join(", ")
            ),
        ));
    }
    Ok(paths)
}

/// Checks a free-text identifier's length before it reaches the domain.
pub(crate) fn bounded<'a>(value: &'a str, field: &str, max: usize) -> Result<&'a str, Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if value.len() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} bytes"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_round_trips_and_keeps_null_apart_from_empty() {
        let listen_only = RoomConfiguration {
            can_publish_sources: Some(vec![]),
            everyone_can_mute: Some(false),
            ..RoomConfiguration::default()
        };
        let back = configuration_from_pb(configuration_to_pb(&listen_only), "c").unwrap();
        assert_eq!(back, listen_only);
        let default = configuration_from_pb(pb::RoomConfiguration::default(), "c").unwrap();
        assert_eq!(default.can_publish_sources, None);
    }

    #[test]
    fn invalid_configuration_values_name_their_field() {
        let cases = [
            (
                pb::RoomConfiguration {
                    can_publish_sources: Some(pb::MediaSourceList { sources: vec![0] }),
                    ..Default::default()
                },
                "configuration.can_publish_sources",
            ),
            (
                pb::RoomConfiguration {
                    max_participants: Some(0),
                    ..Default::default()
                },
                "configuration.max_participants",
            ),
        ];
        for (config, field) in cases {
            match configuration_from_pb(config, "configuration") {
                Err(Error::Invalid(v)) => assert_eq!(v[0].field, field),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn enums_refuse_unknown_numbers() {
        assert!(access_level_from_pb(99).is_err());
        assert_eq!(access_level_from_pb(0).unwrap(), None);
        assert!(role_from_pb(0).is_err());
        assert!(role_from_pb(42).is_err());
        assert_eq!(role_from_pb(3).unwrap(), Role::Owner);
    }

    #[test]
    fn masks_accept_only_known_paths() {
        let mask = prost_types::FieldMask {
            paths: vec!["name".to_owned(), "slug".to_owned()],
        };
        assert!(mask_paths(Some(mask), &["name"]).is_err());
        assert!(mask_paths(None, &["name"]).unwrap().is_empty());
    }
}
