//! `anteroom.v1.ParticipantService` over the moderation use cases.

use std::sync::Arc;

use anteroom_domain::media::{ParticipantPermission, ParticipantUpdate};
use anteroom_domain::room::RoomRef;
use anteroom_domain::{Error, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::participant_service_server::ParticipantService;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};

use crate::caller::caller_of;
use crate::convert::{bounded, media_sources_from_pb, role_from_pb, role_to_pb};
use crate::status::status_from;

/// The longest room reference or identity accepted.
const MAX_REFERENCE_BYTES: usize = 2048;
/// The metadata key carrying the caller's LiveKit token.
const LIVEKIT_TOKEN: &str = "livekit-token";

/// The participant service.
pub(crate) struct ParticipantApi {
    use_cases: Arc<UseCases>,
}

impl ParticipantApi {
    pub(crate) fn new(use_cases: Arc<UseCases>) -> Self {
        Self { use_cases }
    }
}

/// The caller's LiveKit token, if sent.
fn livekit_token(metadata: &MetadataMap) -> Option<&str> {
    metadata
        .get(LIVEKIT_TOKEN)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn required_livekit_token(metadata: &MetadataMap) -> Result<&str, Status> {
    livekit_token(metadata).ok_or_else(|| {
        Status::permission_denied("Invalid LiveKit token: send it in the livekit-token metadata.")
    })
}

fn room_ref(raw: &str) -> Result<RoomRef, Status> {
    bounded(raw, "room", MAX_REFERENCE_BYTES)
        .map(RoomRef::parse)
        .map_err(status_from)
}

fn identity(raw: &str) -> Result<&str, Status> {
    bounded(raw, "participant_identity", MAX_REFERENCE_BYTES).map_err(status_from)
}

fn permission_from_pb(
    permission: pb::ParticipantPermission,
) -> Result<ParticipantPermission, Error> {
    Ok(ParticipantPermission {
        can_subscribe: permission.can_subscribe,
        can_publish: permission.can_publish,
        can_publish_data: permission.can_publish_data,
        can_publish_sources: permission
            .can_publish_sources
            .map(|list| media_sources_from_pb(list, "permission.can_publish_sources"))
            .transpose()?,
        can_update_metadata: permission.can_update_metadata,
        can_subscribe_metrics: permission.can_subscribe_metrics,
    })
}

#[tonic::async_trait]
impl ParticipantService for ParticipantApi {
    async fn mute_participant(
        &self,
        request: Request<pb::MuteParticipantRequest>,
    ) -> Result<Response<pb::MuteParticipantResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let token = livekit_token(request.metadata()).map(str::to_owned);
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let track_sid = bounded(&request.track_sid, "track_sid", 255).map_err(status_from)?;
        let track = self
            .use_cases
            .moderation
            .mute(
                &caller,
                token.as_deref(),
                &room,
                identity(&request.participant_identity)?,
                track_sid,
            )
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::MuteParticipantResponse {
            track: Some(pb::Track {
                sid: track.sid,
                muted: track.muted,
            }),
        }))
    }

    async fn remove_participant(
        &self,
        request: Request<pb::RemoveParticipantRequest>,
    ) -> Result<Response<pb::RemoveParticipantResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        self.use_cases
            .moderation
            .remove(&caller, &room, identity(&request.participant_identity)?)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::RemoveParticipantResponse {}))
    }

    async fn update_participant(
        &self,
        request: Request<pb::UpdateParticipantRequest>,
    ) -> Result<Response<pb::UpdateParticipantResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let update = ParticipantUpdate {
            metadata: request.metadata,
            attributes: request.attributes.map(|a| a.values.into_iter().collect()),
            permission: request
                .permission
                .map(permission_from_pb)
                .transpose()
                .map_err(status_from)?,
            name: request.name,
        };
        self.use_cases
            .moderation
            .update(
                &caller,
                &room,
                identity(&request.participant_identity)?,
                update,
            )
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::UpdateParticipantResponse {}))
    }

    async fn set_participant_role(
        &self,
        request: Request<pb::SetParticipantRoleRequest>,
    ) -> Result<Response<pb::SetParticipantRoleResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let role = role_from_pb(request.role).map_err(|e| status_from(e.at("role")))?;
        let change = self
            .use_cases
            .moderation
            .set_role(
                &caller,
                &room,
                identity(&request.participant_identity)?,
                role,
            )
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::SetParticipantRoleResponse {
            role: role_to_pb(Some(change.role)) as i32,
            livekit_synced: change.livekit_synced,
        }))
    }

    async fn set_hand_raised(
        &self,
        request: Request<pb::SetHandRaisedRequest>,
    ) -> Result<Response<pb::SetHandRaisedResponse>, Status> {
        let token = required_livekit_token(request.metadata())?.to_owned();
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        self.use_cases
            .moderation
            .toggle_hand(&token, &room, request.raised)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::SetHandRaisedResponse {}))
    }

    async fn rename_participant(
        &self,
        request: Request<pb::RenameParticipantRequest>,
    ) -> Result<Response<pb::RenameParticipantResponse>, Status> {
        let token = required_livekit_token(request.metadata())?.to_owned();
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        self.use_cases
            .moderation
            .rename(&token, &room, &request.name)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::RenameParticipantResponse {}))
    }
}
