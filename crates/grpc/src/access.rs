//! `anteroom.v1.AccessService` over the access use cases.

use std::sync::Arc;

use anteroom_domain::room::RoomRef;
use anteroom_domain::{Error, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::access_service_server::AccessService;
use tonic::{Request, Response, Status};

use crate::caller::caller_of;
use crate::convert::{access_to_pb, bounded, mask_paths, role_from_pb};
use crate::page_token::{accesses_page, accesses_token};
use crate::status::status_from;

/// The longest room reference accepted.
const MAX_REFERENCE_BYTES: usize = 2048;

/// The access service.
pub(crate) struct AccessApi {
    use_cases: Arc<UseCases>,
}

impl AccessApi {
    pub(crate) fn new(use_cases: Arc<UseCases>) -> Self {
        Self { use_cases }
    }
}

fn id_of<T: std::str::FromStr<Err = anteroom_domain::Invalid>>(
    raw: &str,
    field: &str,
) -> Result<T, Status> {
    raw.parse()
        .map_err(|e: anteroom_domain::Invalid| status_from(e.at(field)))
}

#[tonic::async_trait]
impl AccessService for AccessApi {
    async fn list_accesses(
        &self,
        request: Request<pb::ListAccessesRequest>,
    ) -> Result<Response<pb::ListAccessesResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let page = accesses_page(request.page_size, &request.page_token).map_err(status_from)?;
        let room = if request.room_id.is_empty() {
            None
        } else {
            let reference =
                bounded(&request.room_id, "room_id", MAX_REFERENCE_BYTES).map_err(status_from)?;
            Some(RoomRef::parse(reference))
        };
        let listed = self
            .use_cases
            .accesses
            .list(&caller, room.as_ref(), &page)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::ListAccessesResponse {
            accesses: listed.items.iter().map(access_to_pb).collect(),
            next_page_token: accesses_token(listed.next),
        }))
    }

    async fn create_access(
        &self,
        request: Request<pb::CreateAccessRequest>,
    ) -> Result<Response<pb::CreateAccessResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let access = request
            .into_inner()
            .access
            .ok_or_else(|| status_from(Error::invalid("access", "is required")))?;
        let room =
            bounded(&access.room_id, "access.room_id", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let user = id_of(&access.user_id, "access.user_id")?;
        let role = role_from_pb(access.role).map_err(|e| status_from(e.at("access.role")))?;
        let created = self
            .use_cases
            .accesses
            .create(&caller, &RoomRef::parse(room), user, role)
            .await
            .map_err(|e| status_from(crate::status::within("access")(e)))?;
        Ok(Response::new(pb::CreateAccessResponse {
            access: Some(access_to_pb(&created)),
        }))
    }

    async fn update_access(
        &self,
        request: Request<pb::UpdateAccessRequest>,
    ) -> Result<Response<pb::UpdateAccessResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let access = request
            .access
            .ok_or_else(|| status_from(Error::invalid("access", "is required")))?;
        mask_paths(request.update_mask, &["role"]).map_err(status_from)?;
        let id = id_of(&access.id, "access.id")?;
        let role = role_from_pb(access.role).map_err(|e| status_from(e.at("access.role")))?;
        let updated = self
            .use_cases
            .accesses
            .update(&caller, id, role)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::UpdateAccessResponse {
            access: Some(access_to_pb(&updated)),
        }))
    }

    async fn delete_access(
        &self,
        request: Request<pb::DeleteAccessRequest>,
    ) -> Result<Response<pb::DeleteAccessResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let id = id_of(&request.into_inner().id, "id")?;
        self.use_cases
            .accesses
            .delete(&caller, id)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::DeleteAccessResponse {}))
    }
}
