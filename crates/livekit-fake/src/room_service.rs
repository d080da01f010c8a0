//! `livekit.RoomService`, as `pkg/service/roomservice.go` and the room manager behave.

use std::sync::Arc;

use livekit_protocol as proto;

use crate::App;
use crate::auth::Grants;
use crate::state::ControlError;
use crate::twirp::{TwirpError, run};

/// livekit-server's default `limit.max_room_name_length`.
const MAX_ROOM_NAME_LENGTH: usize = 256;
/// livekit-server's default `limit.max_participant_name_length`.
const MAX_PARTICIPANT_NAME_LENGTH: usize = 256;
/// livekit-server's default `limit.max_metadata_size`.
const MAX_METADATA_SIZE: usize = 64_000;
/// livekit-server's default `limit.max_attributes_size`.
const MAX_ATTRIBUTES_SIZE: usize = 64_000;

pub(crate) fn room_not_found() -> TwirpError {
    TwirpError::not_found("requested room does not exist")
}

pub(crate) fn participant_not_found() -> TwirpError {
    TwirpError::not_found("participant does not exist")
}

fn from_control(e: &ControlError) -> TwirpError {
    match e {
        ControlError::RoomNotFound(_) => room_not_found(),
        ControlError::ParticipantNotFound(_) => participant_not_found(),
        ControlError::TrackNotFound(_) => TwirpError::not_found("track is not found"),
        ControlError::EgressNotFound(_) => TwirpError::not_found("egress does not exist"),
        ControlError::DuplicateIdentity(_) | ControlError::Invalid(_) => {
            TwirpError::invalid_argument(e.to_string())
        }
    }
}

/// Dispatches one RoomService method; `None` if the fake does not implement it.
pub(crate) fn handle(
    app: &Arc<App>,
    grants: &Grants,
    method: &str,
    body: &[u8],
) -> Option<Result<Vec<u8>, TwirpError>> {
    Some(match method {
        "CreateRoom" => run(body, |r| create_room(app, grants, &r)),
        "ListRooms" => run(body, |r| list_rooms(app, grants, &r)),
        "DeleteRoom" => run(body, |r| delete_room(app, grants, &r)),
        "ListParticipants" => run(body, |r| list_participants(app, grants, &r)),
        "GetParticipant" => run(body, |r| get_participant(app, grants, &r)),
        "RemoveParticipant" => run(body, |r| remove_participant(app, grants, &r)),
        "MutePublishedTrack" => run(body, |r| mute_published_track(app, grants, &r)),
        "UpdateParticipant" => run(body, |r| update_participant(app, grants, r)),
        "UpdateSubscriptions" => run(body, |r| update_subscriptions(app, grants, &r)),
        "SendData" => run(body, |r| send_data(app, grants, r)),
        "UpdateRoomMetadata" => run(body, |r| update_room_metadata(app, grants, r)),
        _ => return None,
    })
}

fn create_room(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::CreateRoomRequest,
) -> Result<proto::Room, TwirpError> {
    grants.ensure_create()?;
    if req.egress.is_some() && !app.config.egress_enabled {
        return Err(TwirpError::internal(
            "egress not connected (redis required)",
        ));
    }
    if req.name.chars().count() > MAX_ROOM_NAME_LENGTH {
        return Err(TwirpError::invalid_argument(format!(
            "room name length exceeds limits: max length {MAX_ROOM_NAME_LENGTH}"
        )));
    }
    Ok(app.mutate(|state, events| state.get_or_create_room(req, events).0))
}

fn list_rooms(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListRoomsRequest,
) -> Result<proto::ListRoomsResponse, TwirpError> {
    grants.ensure_list()?;
    let rooms = app.read(|state| {
        state
            .rooms
            .values()
            .filter(|r| req.names.is_empty() || req.names.contains(&r.room.name))
            .map(|r| r.to_proto(&state.egress))
            .collect()
    });
    Ok(proto::ListRoomsResponse { rooms })
}

fn delete_room(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::DeleteRoomRequest,
) -> Result<proto::DeleteRoomResponse, TwirpError> {
    grants.ensure_create()?;
    app.mutate(|state, events| {
        state.delete_room(&req.room, proto::DisconnectReason::RoomDeleted, events)
    })
    .map_err(|e| from_control(&e))?;
    Ok(proto::DeleteRoomResponse {})
}

fn list_participants(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListParticipantsRequest,
) -> Result<proto::ListParticipantsResponse, TwirpError> {
    grants.ensure_admin(&req.room)?;
    // The local store answers an empty list for an unknown room.
    let participants = app.read(|state| {
        state
            .rooms
            .get(&req.room)
            .map(|r| r.participants.clone())
            .unwrap_or_default()
    });
    Ok(proto::ListParticipantsResponse { participants })
}

fn get_participant(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::RoomParticipantIdentity,
) -> Result<proto::ParticipantInfo, TwirpError> {
    grants.ensure_admin(&req.room)?;
    app.read(|state| {
        state
            .rooms
            .get(&req.room)
            .and_then(|r| r.participants.iter().find(|p| p.identity == req.identity))
            .cloned()
    })
    .ok_or_else(participant_not_found)
}

fn remove_participant(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::RoomParticipantIdentity,
) -> Result<proto::RemoveParticipantResponse, TwirpError> {
    grants.ensure_admin(&req.room)?;
    app.mutate(|state, events| {
        state.remove_participant(
            &req.room,
            &req.identity,
            proto::DisconnectReason::ParticipantRemoved,
            events,
        )
    })
    .map_err(|_| TwirpError::not_found("participant not found"))?;
    Ok(proto::RemoveParticipantResponse {})
}

fn mute_published_track(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::MuteRoomTrackRequest,
) -> Result<proto::MuteRoomTrackResponse, TwirpError> {
    grants.ensure_admin(&req.room)?;
    let remote_unmute = app.config.enable_remote_unmute;
    app.mutate(|state, _| {
        let participant = state
            .participant_mut(&req.room, &req.identity)
            .map_err(|e| from_control(&e))?;
        if !req.muted && !remote_unmute {
            return Err(TwirpError::failed_precondition("remote unmute not enabled"));
        }
        let track = participant
            .tracks
            .iter_mut()
            .find(|t| t.sid == req.track_sid)
            .ok_or_else(|| TwirpError::not_found("track is not found"))?;
        track.muted = req.muted;
        let track = track.clone();
        participant.version += 1;
        Ok(proto::MuteRoomTrackResponse { track: Some(track) })
    })
}

fn attributes_size(attributes: &std::collections::HashMap<String, String>) -> usize {
    attributes.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn update_participant(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::UpdateParticipantRequest,
) -> Result<proto::ParticipantInfo, TwirpError> {
    if req.name.chars().count() > MAX_PARTICIPANT_NAME_LENGTH {
        return Err(TwirpError::invalid_argument_of(
            "name length exceeds limits",
            &MAX_PARTICIPANT_NAME_LENGTH.to_string(),
        ));
    }
    if req.metadata.len() > MAX_METADATA_SIZE {
        return Err(TwirpError::invalid_argument_of(
            "metadata size exceeds limits",
            &MAX_METADATA_SIZE.to_string(),
        ));
    }
    if attributes_size(&req.attributes) > MAX_ATTRIBUTES_SIZE {
        return Err(TwirpError::invalid_argument_of(
            "attribute size exceeds limits",
            &MAX_ATTRIBUTES_SIZE.to_string(),
        ));
    }
    grants.ensure_admin(&req.room)?;
    app.mutate(|state, _| {
        let participant = state
            .participant_mut(&req.room, &req.identity)
            .map_err(|_| participant_not_found())?;
        if !req.name.is_empty() {
            participant.name = req.name;
        }
        if !req.metadata.is_empty() {
            participant.metadata = req.metadata;
        }
        for (key, value) in req.attributes {
            if value.is_empty() {
                participant.attributes.remove(&key);
            } else {
                participant.attributes.insert(key, value);
            }
        }
        if let Some(permission) = req.permission {
            participant.permission = Some(permission);
        }
        participant.version += 1;
        Ok(participant.clone())
    })
}

fn update_subscriptions(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::UpdateSubscriptionsRequest,
) -> Result<proto::UpdateSubscriptionsResponse, TwirpError> {
    grants.ensure_admin(&req.room)?;
    app.mutate(|state, _| {
        state
            .participant_mut(&req.room, &req.identity)
            .map(|_| ())
            .map_err(|e| from_control(&e))
    })?;
    Ok(proto::UpdateSubscriptionsResponse {})
}

fn send_data(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::SendDataRequest,
) -> Result<proto::SendDataResponse, TwirpError> {
    grants.ensure_admin(&req.room)?;
    if !req.nonce.is_empty() && req.nonce.len() != 16 {
        return Err(TwirpError::invalid_argument(format!(
            "nonce should be 16-bytes or not present, got: {} bytes",
            req.nonce.len()
        )));
    }
    app.mutate(|state, _| {
        if !state.rooms.contains_key(&req.room) {
            return Err(room_not_found());
        }
        let kind = proto::data_packet::Kind::try_from(req.kind)
            .map_or_else(|_| req.kind.to_string(), |k| k.as_str_name().to_owned());
        state.data.push(crate::state::SentData {
            room: req.room,
            data: req.data,
            kind,
            topic: req.topic,
            destination_identities: req.destination_identities,
            nonce: req.nonce,
        });
        Ok(proto::SendDataResponse {})
    })
}

fn update_room_metadata(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::UpdateRoomMetadataRequest,
) -> Result<proto::Room, TwirpError> {
    if req.metadata.len() > MAX_METADATA_SIZE {
        return Err(TwirpError::invalid_argument_of(
            "metadata size exceeds limits",
            &MAX_METADATA_SIZE.to_string(),
        ));
    }
    grants.ensure_admin(&req.room)?;
    app.mutate(|state, _| {
        let entry = state.rooms.get_mut(&req.room).ok_or_else(room_not_found)?;
        entry.room.metadata = req.metadata;
        entry.room.version = Some(proto::TimedVersion {
            unix_micro: crate::state::unix_now_ns() / 1000,
            ticks: 0,
        });
        state.room_proto(&req.room).ok_or_else(room_not_found)
    })
}
