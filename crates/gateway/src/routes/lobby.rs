//! The lobby: asking to enter, and hosts listing and deciding (one or all).

use anteroom_domain::id::ParticipantId;
use anteroom_domain::lobby::EntryDecision;
use anteroom_domain::room::RoomRef;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{LOBBY_COOKIE, lobby_cookie};
use crate::body::{DecidedBody, DetailBody, EntryBody, MessageBody, ParticipantsBody};
use crate::error::{ApiError, Key};
use crate::extract::{JsonBody, PathParam, required};

/// `{"username": "..."}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct RequestEntry {
    /// The display name (1 to 255 characters).
    username: Option<String>,
}

/// `{"participant_id": "...", "allow_entry": true}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Enter {
    /// The waiting participant's id.
    participant_id: Option<String>,
    /// Admit (true) or deny (false).
    allow_entry: Option<bool>,
}

/// `{"allow_entry": true}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct EnterAll {
    /// Admit (true) or deny (false) everyone waiting now.
    allow_entry: Option<bool>,
}

fn decision(allow: bool) -> EntryDecision {
    if allow {
        EntryDecision::Admit
    } else {
        EntryDecision::Deny
    }
}

/// The `Set-Cookie` value that keeps the participant id (a session cookie).
pub(crate) fn participant_cookie(participant: ParticipantId, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{LOBBY_COOKIE}={participant}; Path=/; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Asks to enter a room: accepted directly when its access level lets the caller in, else
/// waiting until a host decides. Always (re)sets the `lobbyParticipantId` cookie.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/request-entry/",
    tag = "lobby",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = RequestEntry,
    responses(
        (status = 200, description = "The participant's status (`livekit` once accepted)", body = EntryBody),
        (status = 400, description = "Missing username"),
        (status = 404, description = "No such room", body = DetailBody),
        (status = 429, description = "Too many requests (`Retry-After`)", body = DetailBody),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn request_entry(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RequestEntry>,
) -> Result<Response, ApiError> {
    let username = required(body.username, "username")?;
    let participant = lobby_cookie(&headers);
    let caller = state.caller_with_participant(&headers, participant).await?;
    let outcome = state
        .use_cases
        .lobby
        .join(&caller, &RoomRef::parse(&id), &username, participant)
        .await?;
    let cookie = participant_cookie(outcome.participant, state.settings.secure_cookies);
    let mut response = Json(EntryBody::from(outcome)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Admits or denies one waiting participant.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/enter/",
    tag = "lobby",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = Enter,
    responses(
        (status = 200, description = "`{\"message\": \"Participant was updated.\"}`", body = MessageBody),
        (status = 400, description = "Invalid body"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "`Room has no lobby system.` or `Participant not found.`", body = MessageBody),
        (status = 409, description = "The opposite decision took effect", body = MessageBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn enter(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Enter>,
) -> Result<Json<MessageBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let participant: ParticipantId = required(body.participant_id, "participant_id")?
        .parse()
        .map_err(|_| ApiError::field("participant_id", "Must be a valid UUID."))?;
    let allow = required(body.allow_entry, "allow_entry")?;
    state
        .use_cases
        .lobby
        .decide(&caller, &RoomRef::parse(&id), participant, decision(allow))
        .await
        .map_err(ApiError::keyed(Key::Message))?;
    Ok(Json(MessageBody {
        message: "Participant was updated.".to_owned(),
    }))
}

/// Admits or denies everyone waiting at this instant, atomically.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/enter-all/",
    tag = "lobby",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = EnterAll,
    responses(
        (status = 200, description = "The ids of the participants decided", body = DecidedBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "`Room has no lobby system.`", body = MessageBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn enter_all(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<EnterAll>,
) -> Result<Json<DecidedBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let allow = required(body.allow_entry, "allow_entry")?;
    let decided = state
        .use_cases
        .lobby
        .decide_all(&caller, &RoomRef::parse(&id), decision(allow))
        .await
        .map_err(ApiError::keyed(Key::Message))?;
    Ok(Json(DecidedBody {
        participants: decided.iter().map(|e| e.participant.as_uuid()).collect(),
    }))
}

/// The participants waiting, in arrival order (always empty for a public room).
#[utoipa::path(
    get,
    path = "/api/v1.0/rooms/{id}/waiting-participants/",
    tag = "lobby",
    params(("id" = String, Path, description = "The room's id or slug")),
    responses(
        (status = 200, description = "The waiting participants", body = ParticipantsBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "No such room", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn waiting(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<Json<ParticipantsBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    let waiting = state
        .use_cases
        .lobby
        .list_waiting(&caller, &RoomRef::parse(&id))
        .await?;
    Ok(Json(ParticipantsBody {
        participants: waiting.iter().map(Into::into).collect(),
    }))
}
