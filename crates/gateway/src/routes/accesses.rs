//! `/api/v1.0/resource-accesses/`: roles on rooms.

use anteroom_domain::access::{AccessWithUser, Role};
use anteroom_domain::id::{AccessId, RoomId, UserId};
use anteroom_domain::room::RoomRef;
use anteroom_domain::{Caller, Error, Invalid};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::body::{AccessBody, DetailBody};
use crate::error::{ApiError, rename_field};
use crate::extract::{JsonBody, PathParam, QueryParams, required};
use crate::page::{PageQuery, Pager, Paginated, read_all};

/// `{"user": "...", "resource": "...", "role": "..."}`; on update only `role` counts.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct AccessInput {
    /// The user's id (ignored on update).
    user: Option<String>,
    /// The room's id (ignored on update).
    resource: Option<String>,
    /// `member`, `administrator` or `owner`.
    role: Option<String>,
}

/// `?resource=`: only the accesses of this room.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResourceQuery {
    /// A room's id.
    resource: Option<String>,
}

const NOT_FOUND: &str = "No ResourceAccess matches the given query.";

fn uuid_field<T: std::str::FromStr>(raw: Option<String>, field: &str) -> Result<T, ApiError> {
    required(raw, field)?
        .parse()
        .map_err(|_| ApiError::field(field, "Must be a valid UUID."))
}

fn role(raw: Option<String>) -> Result<Role, ApiError> {
    Ok(required(raw, "role")?
        .parse()
        .map_err(|e: Invalid| e.at("role"))?)
}

fn access_id(raw: &str) -> Result<AccessId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(NOT_FOUND))
}

/// Every access the caller administers (optionally of one room).
async fn administered(
    state: &AppState,
    caller: &Caller,
    room: Option<&RoomRef>,
) -> Result<Vec<AccessWithUser>, Error> {
    let accesses = &state.use_cases.accesses;
    read_all(|page| async move { accesses.list(caller, room, &page).await }).await
}

/// One access the caller administers.
async fn find(state: &AppState, caller: &Caller, id: AccessId) -> Result<AccessBody, ApiError> {
    administered(state, caller, None)
        .await?
        .iter()
        .find(|a| a.access.id == id)
        .map(|a| AccessBody::from(&a.access))
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))
}

/// The accesses of the rooms the caller administers (members and strangers see none).
#[utoipa::path(
    get,
    path = "/api/v1.0/resource-accesses/",
    tag = "accesses",
    params(PageQuery, ResourceQuery),
    responses(
        (status = 200, description = "The accesses", body = Paginated<AccessBody>),
        (status = 401, description = "Not authenticated", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(query): QueryParams<ResourceQuery>,
) -> Result<Json<Paginated<AccessBody>>, ApiError> {
    let pager = Pager::new(&page, false, &uri, &headers)?;
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let room = match query.resource.as_deref() {
        None | Some("") => None,
        Some(raw) => {
            Some(RoomRef::Id(raw.parse::<RoomId>().map_err(|_| {
                ApiError::field("resource", "Must be a valid UUID.")
            })?))
        }
    };
    let accesses = administered(&state, &caller, room.as_ref()).await?;
    let (accesses, envelope) = pager.cut(accesses)?;
    Ok(Json(
        envelope.with(
            accesses
                .iter()
                .map(|a| AccessBody::from(&a.access))
                .collect(),
        ),
    ))
}

/// Grants a user a role on a room the caller administers.
#[utoipa::path(
    post,
    path = "/api/v1.0/resource-accesses/",
    tag = "accesses",
    request_body = AccessInput,
    responses(
        (status = 201, description = "The access", body = AccessBody),
        (status = 400, description = "Invalid field or duplicate access"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed to grant this role here", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<AccessInput>,
) -> Result<(StatusCode, Json<AccessBody>), ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let user: UserId = uuid_field(input.user, "user")?;
    let resource: RoomId = uuid_field(input.resource, "resource")?;
    let role = role(input.role)?;
    let created = state
        .use_cases
        .accesses
        .create(&caller, &RoomRef::Id(resource), user, role)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::invalid(
                "resource",
                format!("Invalid pk \"{resource}\" - object does not exist."),
            ),
            other => rename_field("user_id", "user")(other),
        })?;
    Ok((StatusCode::CREATED, Json(AccessBody::from(&created.access))))
}

/// One access of a room the caller administers.
#[utoipa::path(
    get,
    path = "/api/v1.0/resource-accesses/{id}/",
    tag = "accesses",
    params(("id" = String, Path, description = "The access's id")),
    responses(
        (status = 200, description = "The access", body = AccessBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 404, description = "Unknown, or not administered by the caller", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retrieve(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<Json<AccessBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    Ok(Json(find(&state, &caller, access_id(&id)?).await?))
}

async fn apply(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    role: Option<Role>,
) -> Result<Json<AccessBody>, ApiError> {
    let caller = state.caller(headers).await?;
    caller.require_user()?;
    let id = access_id(id)?;
    let Some(role) = role else {
        return Ok(Json(find(state, &caller, id).await?));
    };
    let updated = state.use_cases.accesses.update(&caller, id, role).await?;
    Ok(Json(AccessBody::from(&updated.access)))
}

/// Changes an access's role (`role` required; `user` and `resource` never change).
#[utoipa::path(
    put,
    path = "/api/v1.0/resource-accesses/{id}/",
    tag = "accesses",
    params(("id" = String, Path, description = "The access's id")),
    request_body = AccessInput,
    responses(
        (status = 200, description = "The access", body = AccessBody),
        (status = 400, description = "Invalid role"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed", body = DetailBody),
        (status = 404, description = "Unknown access", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<AccessInput>,
) -> Result<Json<AccessBody>, ApiError> {
    let role = role(input.role)?;
    apply(&state, &id, &headers, Some(role)).await
}

/// Changes an access's role when `role` is sent.
#[utoipa::path(
    patch,
    path = "/api/v1.0/resource-accesses/{id}/",
    tag = "accesses",
    params(("id" = String, Path, description = "The access's id")),
    request_body = AccessInput,
    responses(
        (status = 200, description = "The access", body = AccessBody),
        (status = 400, description = "Invalid role"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed", body = DetailBody),
        (status = 404, description = "Unknown access", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<AccessInput>,
) -> Result<Json<AccessBody>, ApiError> {
    let role = input.role.map(|r| role(Some(r))).transpose()?;
    apply(&state, &id, &headers, role).await
}

/// Removes an access.
#[utoipa::path(
    delete,
    path = "/api/v1.0/resource-accesses/{id}/",
    tag = "accesses",
    params(("id" = String, Path, description = "The access's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not allowed (another owner's, or the last owner)", body = DetailBody),
        (status = 404, description = "Unknown access", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn destroy(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let id = access_id(&id)?;
    state.use_cases.accesses.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
