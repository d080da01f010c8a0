//! `/api/v1.0/users/`: the current user reads and updates itself; users are listed (and
//! searched by e-mail) only when the deployment allows it.

use anteroom_domain::room::{AccessLevel, RoomConfiguration};
use anteroom_domain::user::{Language, Timezone, UserPatch};
use anteroom_domain::{Error, Invalid};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::body::UserBody;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::page::{PageQuery, Pager, Paginated, read_all};

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

/// `?q=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserSearch {
    /// Only users whose e-mail address contains this text, ignoring case (at most 254
    /// characters, surrounding spaces ignored, no NUL).
    q: Option<String>,
}

/// Lists the active users, newest first, optionally searched by e-mail: an empty page unless
/// the deployment allows listing users.
#[utoipa::path(
    get,
    path = "/api/v1.0/users/",
    tag = "users",
    params(UserSearch, PageQuery),
    responses(
        (status = 200, description = "A page of users (always empty unless listing is allowed)", body = Paginated<UserBody>),
        (status = 400, description = "`q` is too long or holds a NUL"),
        (status = 401, description = "Not authenticated", body = crate::body::DetailBody),
        (status = 404, description = "Invalid page", body = crate::body::DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(search): QueryParams<UserSearch>,
) -> Result<Json<Paginated<UserBody>>, ApiError> {
    let caller = state.caller(&headers).await?;
    let pager = Pager::new(&page, true, &uri, &headers)?;
    let users = &state.use_cases.users;
    let query = search.q.unwrap_or_default();
    let listed = {
        let (caller, query) = (&caller, query.as_str());
        read_all(|request| async move { users.list(caller, query, &request).await }).await?
    };
    let (listed, envelope) = pager.cut(listed)?;
    Ok(Json(
        envelope.with(listed.iter().map(UserBody::from).collect()),
    ))
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
