//! `anteroom.v1.RoomService` over the room use cases.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use anteroom_domain::id::ParticipantId;
use anteroom_domain::invitation::{InviteToRoom, Recipients};
use anteroom_domain::room::{CreateRoom, RoomPatch, RoomRef};
use anteroom_domain::user::Language;
use anteroom_domain::{Error, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::room_service_server::RoomService;
use tonic::{Request, Response, Status};

use crate::caller::{caller_of, caller_with_participant};
use crate::convert::{
    access_level_from_pb, bounded, configuration_from_pb, connection_to_pb, lobby_status_to_pb,
    mask_paths, room_to_pb,
};
use crate::page_token::{rooms_page, rooms_token};
use crate::status::{status_from, within};

/// The longest room reference (id, slug or name) accepted.
const MAX_REFERENCE_BYTES: usize = 2048;

/// The room service.
pub(crate) struct RoomApi {
    use_cases: Arc<UseCases>,
}

impl RoomApi {
    pub(crate) fn new(use_cases: Arc<UseCases>) -> Self {
        Self { use_cases }
    }
}

fn create_request(request: pb::CreateRoomRequest) -> Result<CreateRoom, Error> {
    Ok(CreateRoom {
        name: request.name,
        access_level: access_level_from_pb(request.access_level)
            .map_err(|e| e.at("access_level"))?,
        configuration: request
            .configuration
            .map(|c| configuration_from_pb(c, "configuration"))
            .transpose()?,
        callback_id: request.callback_id,
    })
}

fn invite_request(request: &pb::InviteToRoomRequest) -> Result<InviteToRoom, Error> {
    let language = if request.language.is_empty() {
        None
    } else {
        Some(
            request
                .language
                .parse::<Language>()
                .map_err(|e| e.at("language"))?,
        )
    };
    Ok(InviteToRoom {
        recipients: Recipients::parse(&request.emails)?,
        language,
    })
}

fn update_patch(room: pb::Room, mask: Option<prost_types::FieldMask>) -> Result<RoomPatch, Error> {
    let paths = mask_paths(mask, &["name", "access_level", "configuration"])?;
    let level = access_level_from_pb(room.access_level).map_err(|e| e.at("room.access_level"))?;
    let configuration = room
        .configuration
        .map(|c| configuration_from_pb(c, "room.configuration"))
        .transpose()?;
    if paths.is_empty() {
        // No mask: every field the caller set.
        return Ok(RoomPatch {
            name: Some(room.name).filter(|n| !n.is_empty()),
            access_level: level,
            configuration,
        });
    }
    let wants = |path: &str| paths.iter().any(|p| p == path);
    Ok(RoomPatch {
        name: wants("name").then_some(room.name),
        access_level: if wants("access_level") {
            Some(level.ok_or_else(|| Error::invalid("room.access_level", "is required")))
                .transpose()?
        } else {
            None
        },
        configuration: wants("configuration").then(|| configuration.unwrap_or_default()),
    })
}

#[tonic::async_trait]
impl RoomService for RoomApi {
    async fn create_room(
        &self,
        request: Request<pb::CreateRoomRequest>,
    ) -> Result<Response<pb::CreateRoomResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let create = create_request(request.into_inner()).map_err(status_from)?;
        let view = self
            .use_cases
            .rooms
            .create(&caller, create)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::CreateRoomResponse {
            room: Some(room_to_pb(&view)),
        }))
    }

    async fn get_room(
        &self,
        request: Request<pb::GetRoomRequest>,
    ) -> Result<Response<pb::GetRoomResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let reference = request.into_inner().room;
        let reference = bounded(&reference, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let view = self
            .use_cases
            .rooms
            .get(&caller, reference)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::GetRoomResponse {
            room: Some(room_to_pb(&view)),
        }))
    }

    async fn list_rooms(
        &self,
        request: Request<pb::ListRoomsRequest>,
    ) -> Result<Response<pb::ListRoomsResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let page = rooms_page(request.page_size, &request.page_token).map_err(status_from)?;
        let listed = self
            .use_cases
            .rooms
            .list(&caller, &page)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::ListRoomsResponse {
            rooms: listed.items.iter().map(room_to_pb).collect(),
            next_page_token: rooms_token(listed.next),
        }))
    }

    async fn update_room(
        &self,
        request: Request<pb::UpdateRoomRequest>,
    ) -> Result<Response<pb::UpdateRoomResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = request
            .room
            .ok_or_else(|| status_from(Error::invalid("room", "is required")))?;
        let reference = room.id.clone();
        let reference = bounded(&reference, "room.id", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let patch = update_patch(room, request.update_mask).map_err(status_from)?;
        let view = self
            .use_cases
            .rooms
            .update(&caller, reference, patch)
            .await
            .map_err(within("room"))
            .map_err(status_from)?;
        Ok(Response::new(pb::UpdateRoomResponse {
            room: Some(room_to_pb(&view)),
        }))
    }

    async fn join_room(
        &self,
        request: Request<pb::JoinRoomRequest>,
    ) -> Result<Response<pb::JoinRoomResponse>, Status> {
        let request_participant = request.get_ref().participant_id.trim().to_owned();
        let participant = if request_participant.is_empty() {
            None
        } else {
            Some(
                request_participant
                    .parse::<ParticipantId>()
                    .map_err(|e| status_from(e.at("participant_id")))?,
            )
        };
        let caller =
            caller_with_participant(&self.use_cases, request.metadata(), participant).await?;
        let request = request.into_inner();
        let room = bounded(&request.room, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let joined = self
            .use_cases
            .lobby
            .join(
                &caller,
                &RoomRef::parse(room),
                &request.username,
                participant,
            )
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::JoinRoomResponse {
            participant_id: joined.participant.to_string(),
            username: joined.username,
            color: joined.color,
            status: lobby_status_to_pb(joined.status) as i32,
            livekit: joined.livekit.map(connection_to_pb),
            pin_code: joined.pin.map(|p| p.as_str().to_owned()),
        }))
    }

    async fn invite_to_room(
        &self,
        request: Request<pb::InviteToRoomRequest>,
    ) -> Result<Response<pb::InviteToRoomResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        caller.require_user().map_err(status_from)?;
        let request = request.into_inner();
        let room = bounded(&request.room, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let invite = invite_request(&request).map_err(status_from)?;
        self.use_cases
            .invitations
            .invite(&caller, &RoomRef::parse(room), invite)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::InviteToRoomResponse {}))
    }

    async fn delete_room(
        &self,
        request: Request<pb::DeleteRoomRequest>,
    ) -> Result<Response<pb::DeleteRoomResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let reference = request.into_inner().room;
        let reference = bounded(&reference, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        self.use_cases
            .rooms
            .delete(&caller, reference)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::DeleteRoomResponse {}))
    }

    async fn take_creation_callback(
        &self,
        request: Request<pb::TakeCreationCallbackRequest>,
    ) -> Result<Response<pb::TakeCreationCallbackResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let client = request
            .remote_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
        let slug = self
            .use_cases
            .creation_callbacks
            .take(&caller, client, &request.into_inner().callback_id)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::TakeCreationCallbackResponse {
            slug: slug.map(|s| s.as_str().to_owned()),
        }))
    }
}
