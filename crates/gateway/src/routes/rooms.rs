//! `/api/v1.0/rooms/`: list, create, read, update and delete rooms.

use anteroom_domain::access::Role;
use anteroom_domain::room::{AccessLevel, CreateRoom, RoomConfiguration, RoomPatch, RoomView};
use anteroom_domain::{Caller, Error, Invalid};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::body::{DetailBody, RoomBody};
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParam, QueryParams, required};
use crate::page::{PageQuery, Pager, Paginated, read_all};
use crate::routes::creation_callback::callback_id_text;
use crate::routes::users::present;

/// `?username=`: the display name placed in the LiveKit token.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsernameQuery {
    /// The display name in the meeting.
    username: Option<String>,
}

/// The writable fields of a room; `id`, `slug`, `pin_code` are read-only and ignored, as
/// every unknown key.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct RoomInput {
    /// 1 to 500 characters; on creation, absent → a random `abc-defg-hij` slug is the name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name: Option<Value>,
    /// `public`, `trusted` or `restricted`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    access_level: Option<Value>,
    /// `can_publish_sources`, `everyone_can_mute`, `max_participants`,
    /// `enable_transcription`; unknown keys are refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    configuration: Option<Value>,
    /// On creation only (not a room field): the new room's slug is left under this id for
    /// `POST /rooms/creation-callback/`; absent, `null` or empty → none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    callback_id: Option<Value>,
}

/// The parsed fields: name, access level, configuration (`None` = not sent).
type Fields = (
    Option<String>,
    Option<AccessLevel>,
    Option<RoomConfiguration>,
);

impl RoomInput {
    fn parse(self) -> Result<Fields, Error> {
        let name = match self.name {
            None => None,
            Some(Value::String(name)) => Some(name),
            Some(Value::Null) => return Err(Error::invalid("name", "This field may not be null.")),
            Some(_) => return Err(Error::invalid("name", "Not a valid string.")),
        };
        let access_level = match self.access_level {
            None | Some(Value::Null) => None,
            Some(Value::String(level)) => {
                Some(level.parse().map_err(|e: Invalid| e.at("access_level"))?)
            }
            Some(other) => {
                return Err(
                    Invalid::new(format!("\"{other}\" is not a valid choice.")).at("access_level")
                );
            }
        };
        let configuration = self
            .configuration
            .map(|v| RoomConfiguration::from_json(&v).map_err(|e| e.at("configuration")))
            .transpose()?;
        Ok((name, access_level, configuration))
    }
}

/// The payload of a room for `caller`, with a fresh token when it may join.
pub(crate) fn room_body(
    state: &AppState,
    caller: &Caller,
    view: &RoomView,
    username: Option<&str>,
) -> Result<RoomBody, ApiError> {
    let livekit = state.use_cases.rooms.join_answer(caller, view, username)?;
    Ok(RoomBody::new(view, livekit))
}

/// The caller's rooms, by name.
#[utoipa::path(
    get,
    path = "/api/v1.0/rooms/",
    tag = "rooms",
    params(PageQuery, UsernameQuery),
    responses(
        (status = 200, description = "The rooms on which the caller has a role (empty for anonymous callers)", body = Paginated<RoomBody>),
        (status = 404, description = "Invalid page", body = DetailBody),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(query): QueryParams<UsernameQuery>,
) -> Result<Json<Paginated<RoomBody>>, ApiError> {
    let pager = Pager::new(&page, true, &uri, &headers)?;
    let caller = state.caller(&headers).await?;
    let rooms = &state.use_cases.rooms;
    let views = {
        let caller = &caller;
        read_all(|request| async move { rooms.list(caller, &request).await }).await?
    };
    let (views, envelope) = pager.cut(views)?;
    let mut results = Vec::with_capacity(views.len());
    for view in views {
        // Listings carry no accesses; administrators see them, so read those rooms whole.
        let view = if view.caller_role.is_some_and(Role::is_privileged) {
            rooms.get(&caller, &view.room.id.to_string()).await?
        } else {
            view
        };
        results.push(room_body(
            &state,
            &caller,
            &view,
            query.username.as_deref(),
        )?);
    }
    Ok(Json(envelope.with(results)))
}

/// Creates a room owned by the caller.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/",
    tag = "rooms",
    request_body = RoomInput,
    responses(
        (status = 201, description = "The room", body = RoomBody),
        (status = 400, description = "Invalid field (`{\"slug\": [\"Room with this Slug already exists.\"]}`)"),
        (status = 401, description = "Not authenticated", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(mut input): JsonBody<RoomInput>,
) -> Result<(StatusCode, Json<RoomBody>), ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let callback_id = input
        .callback_id
        .take()
        .map(callback_id_text)
        .transpose()?
        .flatten();
    let (name, access_level, configuration) = input.parse()?;
    let request = CreateRoom {
        name,
        access_level,
        configuration,
        callback_id,
    };
    let view = state.use_cases.rooms.create(&caller, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(room_body(&state, &caller, &view, None)?),
    ))
}

/// Reads a room by id (with or without dashes) or slug.
#[utoipa::path(
    get,
    path = "/api/v1.0/rooms/{id}/",
    tag = "rooms",
    params(("id" = String, Path, description = "The room's id or slug"), UsernameQuery),
    responses(
        (status = 200, description = "The room (`livekit` and `pin_code` only for callers who may join, `accesses` only for its administrators)", body = RoomBody),
        (status = 404, description = "No such room", body = DetailBody),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn retrieve(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<UsernameQuery>,
) -> Result<Json<RoomBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    let view = state.use_cases.rooms.get(&caller, &id).await?;
    Ok(Json(room_body(
        &state,
        &caller,
        &view,
        query.username.as_deref(),
    )?))
}

async fn apply(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    input: RoomInput,
    full: bool,
) -> Result<Json<RoomBody>, ApiError> {
    let caller = state.caller(headers).await?;
    caller.require_user()?;
    let (name, access_level, configuration) = input.parse()?;
    let name = if full {
        Some(required(name, "name")?)
    } else {
        name
    };
    let patch = RoomPatch {
        name,
        access_level,
        configuration,
    };
    let view = state.use_cases.rooms.update(&caller, id, patch).await?;
    Ok(Json(room_body(state, &caller, &view, None)?))
}

/// Replaces a room's name, access level and configuration (`name` required).
#[utoipa::path(
    put,
    path = "/api/v1.0/rooms/{id}/",
    tag = "rooms",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = RoomInput,
    responses(
        (status = 200, description = "The room", body = RoomBody),
        (status = 400, description = "Invalid field"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "No such room", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<RoomInput>,
) -> Result<Json<RoomBody>, ApiError> {
    apply(&state, &id, &headers, input, true).await
}

/// Changes some of a room's name (the slug follows), access level and configuration.
#[utoipa::path(
    patch,
    path = "/api/v1.0/rooms/{id}/",
    tag = "rooms",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = RoomInput,
    responses(
        (status = 200, description = "The room", body = RoomBody),
        (status = 400, description = "Invalid field"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "No such room", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<RoomInput>,
) -> Result<Json<RoomBody>, ApiError> {
    apply(&state, &id, &headers, input, false).await
}

/// Deletes a room (owners only).
#[utoipa::path(
    delete,
    path = "/api/v1.0/rooms/{id}/",
    tag = "rooms",
    params(("id" = String, Path, description = "The room's id or slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not the owner", body = DetailBody),
        (status = 404, description = "No such room", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn destroy(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let caller = state.caller(&headers).await?;
    state.use_cases.rooms.delete(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
