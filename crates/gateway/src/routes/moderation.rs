//! Moderation of live meetings, and the in-meeting actions authenticated by the caller's
//! LiveKit token (`Authorization: Bearer <LiveKit token>`, as the reference).

use std::collections::BTreeMap;

use anteroom_domain::media::{ParticipantPermission, ParticipantUpdate};
use anteroom_domain::room::RoomRef;
use anteroom_domain::{Caller, Error, Invalid};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Credentials, credentials, is_livekit_token};
use crate::body::{DetailBody, StatusBody};
use crate::error::{ApiError, Key};
use crate::extract::{JsonBody, PathParam, required};

/// The longest identity or track sid accepted.
const MAX_REFERENCE_CHARS: usize = 255;

/// `{"participant_identity": "...", "track_sid": "..."}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Mute {
    participant_identity: Option<String>,
    track_sid: Option<String>,
}

/// `{"participant_identity": "..."}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Remove {
    participant_identity: Option<String>,
}

/// A participant change: at least one of `metadata`, `attributes`, `permission`, `name`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Update {
    participant_identity: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
    attributes: Option<BTreeMap<String, String>>,
    /// `can_subscribe`, `can_publish`, `can_publish_data`, `can_publish_sources`,
    /// `can_update_metadata`, `can_subscribe_metrics` (`hidden`, `recorder`, `agent` refused).
    #[schema(value_type = Option<Object>)]
    permission: Option<Value>,
    name: Option<String>,
}

/// `{"participant_identity": "...", "role": "member" | "administrator"}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct SetRole {
    participant_identity: Option<String>,
    role: Option<String>,
}

/// `{"role": "...", "livekit_synced": true}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RoleBody {
    role: String,
    livekit_synced: bool,
}

/// `{"raised": true}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ToggleHand {
    raised: Option<bool>,
}

/// `{"name": "..."}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Rename {
    name: Option<String>,
}

fn identity(raw: Option<String>) -> Result<String, ApiError> {
    let identity = required(raw, "participant_identity")?;
    if identity.is_empty() || identity.chars().count() > MAX_REFERENCE_CHARS {
        return Err(ApiError::field(
            "participant_identity",
            "Ensure this field has 1 to 255 characters.",
        ));
    }
    Ok(identity)
}

/// The LiveKit token of a LiveKit-token route.
fn livekit_bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let invalid =
        |reason: &str| Error::PermissionDenied(format!("Invalid LiveKit token: {reason}"));
    match credentials(headers) {
        Ok(Credentials::Bearer(token)) => Ok(token),
        Ok(Credentials::None) => Err(invalid("Authorization header missing.").into()),
        Err(_) => Err(invalid("the header must be `Bearer <token>`.").into()),
    }
}

/// Mutes a participant's track: hosts always; any participant presenting its LiveKit token
/// for this room when `everyone_can_mute` is not false.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/mute-participant/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = Mute,
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed, or an invalid LiveKit token", body = DetailBody),
        (status = 404, description = "Participant not found", body = crate::body::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn mute(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Mute>,
) -> Result<Json<StatusBody>, ApiError> {
    let livekit_token = match credentials(&headers)? {
        Credentials::Bearer(token) if is_livekit_token(token) => Some(token),
        _ => None,
    };
    let caller = if livekit_token.is_some() {
        Caller::anonymous()
    } else {
        state.caller(&headers).await?
    };
    let identity = identity(body.participant_identity)?;
    let track_sid = required(body.track_sid, "track_sid")?;
    if track_sid.is_empty() || track_sid.chars().count() > MAX_REFERENCE_CHARS {
        return Err(ApiError::field(
            "track_sid",
            "Ensure this field has 1 to 255 characters.",
        ));
    }
    state
        .use_cases
        .moderation
        .mute(
            &caller,
            livekit_token,
            &RoomRef::parse(&id),
            &identity,
            &track_sid,
        )
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(StatusBody::success()))
}

/// Changes a participant's metadata, attributes, permission or name.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/update-participant/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = Update,
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 400, description = "Nothing to change, or an invalid permission"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "Participant not found", body = crate::body::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Update>,
) -> Result<Json<StatusBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let identity = identity(body.participant_identity)?;
    let metadata = match body.metadata {
        None => None,
        Some(value @ Value::Object(_)) => Some(value.to_string()),
        Some(_) => return Err(ApiError::field("metadata", "Must be an object.")),
    };
    let update = ParticipantUpdate {
        metadata,
        attributes: body.attributes,
        permission: body
            .permission
            .map(|p| ParticipantPermission::from_json(&p).map_err(|e| e.at("permission")))
            .transpose()?,
        name: body.name,
    };
    state
        .use_cases
        .moderation
        .update(&caller, &RoomRef::parse(&id), &identity, update)
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(StatusBody::success()))
}

/// Removes a participant from the meeting (and its lobby entry).
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/remove-participant/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = Remove,
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "Participant not found", body = crate::body::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Remove>,
) -> Result<Json<StatusBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let identity = identity(body.participant_identity)?;
    state
        .use_cases
        .moderation
        .remove(&caller, &RoomRef::parse(&id), &identity)
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(StatusBody::success()))
}

/// Gives a connected participant the member or administrator role.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/update-participant-role/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = SetRole,
    responses(
        (status = 200, description = "The role, and whether LiveKit follows", body = RoleBody),
        (status = 400, description = "Invalid role"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed (oneself, an owner, not in the meeting)", body = DetailBody),
        (status = 404, description = "Participant not found or without account", body = crate::body::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn set_role(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SetRole>,
) -> Result<Json<RoleBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let identity = identity(body.participant_identity)?;
    let role = required(body.role, "role")?
        .parse()
        .map_err(|e: Invalid| e.at("role"))?;
    let change = state
        .use_cases
        .moderation
        .set_role(&caller, &RoomRef::parse(&id), &identity, role)
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(RoleBody {
        role: change.role.as_str().to_owned(),
        livekit_synced: change.livekit_synced,
    }))
}

/// Raises or lowers the hand of the participant whose LiveKit token is presented.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/toggle-hand/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = ToggleHand,
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 403, description = "`Invalid LiveKit token: …`", body = DetailBody),
        (status = 404, description = "No such room, or the participant left", body = crate::body::ErrorBody),
    ),
    security(("livekit" = []))
)]
pub(crate) async fn toggle_hand(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ToggleHand>,
) -> Result<Json<StatusBody>, ApiError> {
    let token = livekit_bearer(&headers)?;
    let raised = required(body.raised, "raised")?;
    state
        .use_cases
        .moderation
        .toggle_hand(token, &RoomRef::parse(&id), raised)
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(StatusBody::success()))
}

/// Renames the participant whose LiveKit token is presented.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/rename/",
    tag = "moderation",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = Rename,
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 400, description = "Invalid name"),
        (status = 403, description = "`Invalid LiveKit token: …`", body = DetailBody),
        (status = 404, description = "No such room, or the participant left", body = crate::body::ErrorBody),
    ),
    security(("livekit" = []))
)]
pub(crate) async fn rename(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Rename>,
) -> Result<Json<StatusBody>, ApiError> {
    let token = livekit_bearer(&headers)?;
    let name = required(body.name, "name")?;
    state
        .use_cases
        .moderation
        .rename(token, &RoomRef::parse(&id), &name)
        .await
        .map_err(ApiError::keyed(Key::Error))?;
    Ok(Json(StatusBody::success()))
}
