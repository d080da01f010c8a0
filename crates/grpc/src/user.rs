//! `anteroom.v1.UserService` over the user use cases.

use std::sync::Arc;

use anteroom_domain::user::{Language, Timezone, UserPatch};
use anteroom_domain::{Error, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::user_service_server::UserService;
use tonic::{Request, Response, Status};

use crate::caller::caller_of;
use crate::convert::{access_level_from_pb, configuration_from_pb, mask_paths, user_to_pb};
use crate::page_token::{users_page, users_token};
use crate::status::status_from;

/// The user service.
pub(crate) struct UserApi {
    use_cases: Arc<UseCases>,
}

impl UserApi {
    pub(crate) fn new(use_cases: Arc<UseCases>) -> Self {
        Self { use_cases }
    }
}

const PATHS: [&str; 4] = [
    "language",
    "timezone",
    "default_room_access_level",
    "default_room_configuration",
];

fn patch_of(user: pb::User, mask: Option<prost_types::FieldMask>) -> Result<UserPatch, Error> {
    let paths = mask_paths(mask, &PATHS)?;
    let all_set = paths.is_empty();
    let wants = |path: &str| paths.iter().any(|p| p == path);
    let language = if wants("language") || (all_set && !user.language.is_empty()) {
        Some(
            user.language
                .parse::<Language>()
                .map_err(|e| e.at("user.language"))?,
        )
    } else {
        None
    };
    let timezone = if wants("timezone") || (all_set && !user.timezone.is_empty()) {
        Some(Timezone::parse(&user.timezone).map_err(|e| e.at("user.timezone"))?)
    } else {
        None
    };
    let level = access_level_from_pb(user.default_room_access_level)
        .map_err(|e| e.at("user.default_room_access_level"))?;
    let default_room_access_level = if wants("default_room_access_level") {
        Some(level)
    } else if all_set {
        level.map(Some)
    } else {
        None
    };
    let configuration = user
        .default_room_configuration
        .map(|c| configuration_from_pb(c, "user.default_room_configuration"))
        .transpose()?;
    let default_room_configuration = if wants("default_room_configuration") {
        Some(configuration.unwrap_or_default())
    } else if all_set {
        configuration
    } else {
        None
    };
    Ok(UserPatch {
        language,
        timezone,
        default_room_access_level,
        default_room_configuration,
    })
}

#[tonic::async_trait]
impl UserService for UserApi {
    async fn get_current_user(
        &self,
        request: Request<pb::GetCurrentUserRequest>,
    ) -> Result<Response<pb::GetCurrentUserResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let user = self.use_cases.users.current(&caller).map_err(status_from)?;
        Ok(Response::new(pb::GetCurrentUserResponse {
            user: Some(user_to_pb(&user)),
        }))
    }

    async fn update_current_user(
        &self,
        request: Request<pb::UpdateCurrentUserRequest>,
    ) -> Result<Response<pb::UpdateCurrentUserResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let user = request
            .user
            .ok_or_else(|| status_from(Error::invalid("user", "is required")))?;
        let patch = patch_of(user, request.update_mask).map_err(status_from)?;
        let user = self
            .use_cases
            .users
            .update_current(&caller, patch)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::UpdateCurrentUserResponse {
            user: Some(user_to_pb(&user)),
        }))
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Result<Response<pb::ListUsersResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let page = users_page(request.page_size, &request.page_token).map_err(status_from)?;
        let listed = self
            .use_cases
            .users
            .list(&caller, &request.q, &page)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::ListUsersResponse {
            users: listed.items.iter().map(user_to_pb).collect(),
            next_page_token: users_token(listed.next),
        }))
    }
}
