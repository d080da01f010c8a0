//! `/api/v1.0/users/`: the current user reads and updates itself; listing is disabled.

use anteroom_domain::room::{AccessLevel, RoomConfiguration};
use anteroom_domain::user::{Language, Timezone, UserPatch};
use anteroom_domain::{Error, Invalid};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::body::UserBody;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParam};
use crate::page::Paginated;

/// Present (even `null`) → `Some`; absent → `None` (with `#[serde(default)]`).
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The writable fields of a user; `id`, `email`, `full_name`, `short_name` are read-only and
/// ignored, as every unknown key.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    timezone: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    language: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    default_room_access_level: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    default_room_configuration: Option<Value>,
}

fn text<'a>(value: &'a Value, field: &str) -> Result<&'a str, Error> {
    value
        .as_str()
        .ok_or_else(|| Invalid::new("Not a valid string.").at(field))
}

fn patch_of(body: UpdateUser) -> Result<UserPatch, Error> {
    Ok(UserPatch {
        language: body
            .language
            .map(|v| {
                text(&v, "language")?
                    .parse::<Language>()
                    .map_err(|e| e.at("language"))
            })
            .transpose()?,
        timezone: body
            .timezone
            .map(|v| Timezone::parse(text(&v, "timezone")?).map_err(|e| e.at("timezone")))
            .transpose()?,
        default_room_access_level: body
            .default_room_access_level
            .map(|v| match v {
                Value::Null => Ok(None),
                other => text(&other, "default_room_access_level")?
                    .parse::<AccessLevel>()
                    .map(Some)
                    .map_err(|e| e.at("default_room_access_level")),
            })
            .transpose()?,
        default_room_configuration: body
            .default_room_configuration
            .map(|v| {
                RoomConfiguration::from_json(&v).map_err(|e| e.at("default_room_configuration"))
            })
            .transpose()?,
    })
}

/// Lists users: always an empty page (listing users is disabled).
#[utoipa::path(
    get,
    path = "/api/v1.0/users/",
    tag = "users",
    responses(
        (status = 200, description = "An empty page", body = Paginated<UserBody>),
        (status = 401, description = "Not authenticated", body = crate::body::DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Paginated<UserBody>>, ApiError> {
    let caller = state.caller(&headers).await?;
    state.use_cases.users.current(&caller)?;
    Ok(Json(Paginated {
        count: 0,
        next: None,
        previous: None,
        results: Vec::new(),
    }))
}

/// The current user.
#[utoipa::path(
    get,
    path = "/api/v1.0/users/me/",
    tag = "users",
    responses(
        (status = 200, description = "The current user", body = UserBody),
        (status = 401, description = "Not authenticated", body = crate::body::DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<UserBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    let user = state.use_cases.users.current(&caller)?;
    Ok(Json(UserBody::from(&user)))
}

/// Updates the current user (`{id}` must be the caller's own id); PUT and PATCH alike, every
/// writable field being optional.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1.0/users/{id}/",
    tag = "users",
    params(("id" = String, Path, description = "The user's id (the caller's own)")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The updated user", body = UserBody),
        (status = 400, description = "Invalid field"),
        (status = 401, description = "Not authenticated", body = crate::body::DetailBody),
        (status = 403, description = "Another user", body = crate::body::DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateUser>,
) -> Result<Json<UserBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    let user = caller.require_user()?;
    if id.parse().ok() != Some(user.id) {
        return Err(Error::PermissionDenied(
            "You do not have permission to perform this action.".to_owned(),
        )
        .into());
    }
    let patch = patch_of(body)?;
    let user = state.use_cases.users.update_current(&caller, patch).await?;
    Ok(Json(UserBody::from(&user)))
}
