//! Recordings: `POST /rooms/{id}/start-recording/` and `/stop-recording/`, `GET /recordings/`,
//! `GET|DELETE /recordings/{id}/`, the storage's and the summary service's hooks, and the
//! download authorisation a reverse proxy asks for (`GET /recordings/media-auth/`).
//!
//! The reference's views answer with different keys: `{"message": …}` on success,
//! `{"error": …}` for a conflict or a worker failure, DRF's `{"detail": …}` otherwise.

use anteroom_domain::id::RecordingId;
use anteroom_domain::recording::{
    ExternalProcessRef, ExternalProcessResult, RecordingMode, RecordingOptions, RecordingView,
    StartRecording, StorageEventOutcome,
};
use anteroom_domain::room::RoomRef;
use anteroom_domain::{Caller, Error};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Timelike as _, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Credentials, credentials};
use crate::body::{DetailBody, ErrorBody, MessageBody};
use crate::error::{ApiError, Key};
use crate::extract::{PathParam, QueryParams, RawBody};
use crate::page::{PageQuery, Pager, Paginated, read_all};

/// The header a reverse proxy's `auth_request` forwards the downloaded URL in.
const ORIGINAL_URL: &str = "x-original-url";

/// `{"mode": "screen_recording" | "transcript", "options": {…} | null}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct StartInput {
    /// `screen_recording` (an mp4 of the whole room) or `transcript` (an ogg of its audio).
    #[schema(value_type = String)]
    #[serde(default)]
    mode: Option<Value>,
    /// `language` (string or null), `transcribe`, `collect_metadata` (booleans or null),
    /// `original_mode` (one of the two modes, or null); other keys are refused.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    options: Option<Value>,
}

/// The summary service's report: `{"job_id": "…", "type": "transcript", "status":
/// "success" | "failure"}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ExternalProcessInput {
    /// The job id the summary service answered when it was notified.
    job_id: Option<String>,
    /// The kind of job (`transcript`).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `success` or `failure` (anything else changes nothing).
    status: Option<String>,
}

/// The room of a recording.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecordingRoomBody {
    id: Uuid,
    name: String,
    slug: String,
    /// `public`, `trusted` or `restricted`.
    access_level: String,
}

/// A recording, as its owners and administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecordingBody {
    id: Uuid,
    room: RecordingRoomBody,
    created_at: String,
    updated_at: String,
    /// `initiated`, `active`, `stopped`, `saved`, `aborted`, `failed_to_start`,
    /// `failed_to_stop`, `notification_succeeded`, `external_process_successful` or
    /// `external_process_failed`.
    status: String,
    /// `screen_recording` or `transcript`.
    mode: String,
    #[schema(value_type = Object)]
    options: Value,
    /// The object key of its file (`<folder>/<id>.<mp4|ogg>`).
    key: String,
    is_expired: bool,
    /// When it expires (null when recordings do not expire).
    expired_at: Option<String>,
}

/// A date as Django REST framework writes it (ISO 8601, `Z`, microseconds when any).
fn date(at: DateTime<Utc>) -> String {
    let precision = if at.nanosecond() / 1000 == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Micros
    };
    at.to_rfc3339_opts(precision, true)
}

impl From<&RecordingView> for RecordingBody {
    fn from(view: &RecordingView) -> Self {
        let recording = &view.recording;
        Self {
            id: recording.id.as_uuid(),
            room: RecordingRoomBody {
                id: view.room.id.as_uuid(),
                name: view.room.name.as_str().to_owned(),
                slug: view.room.slug.as_str().to_owned(),
                access_level: view.room.access_level.as_str().to_owned(),
            },
            created_at: date(recording.created_at),
            updated_at: date(recording.updated_at),
            status: recording.status.as_str().to_owned(),
            mode: recording.mode.as_str().to_owned(),
            options: serde_json::to_value(&recording.options)
                .unwrap_or_else(|_| Value::Object(serde_json::Map::new())),
            key: view.key.clone(),
            is_expired: view.is_expired,
            expired_at: view.expires_at.map(date),
        }
    }
}

fn message(text: String) -> Json<MessageBody> {
    Json(MessageBody { message: text })
}

/// A JSON body read after the caller was checked (the reference authenticates, and checks
/// its feature flags, before it reads the body): empty → `{}`; a content type other than
/// JSON → 415; not JSON → 400, as the gateway's other bodies.
fn json_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if !is_json {
        return Err(ApiError::Http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{content_type}\" in request."),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("JSON parse error - {e}")))
}

/// The bearer token of a machine caller (the scheme is case-insensitive).
fn machine_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    Ok(match credentials(headers)? {
        Credentials::Bearer(token) => Some(token),
        Credentials::None => None,
    })
}

/// Reads a start request; anything wrong is the reference's one `Invalid request.`.
fn start_request(body: Value) -> Result<StartRecording, ApiError> {
    let invalid = || ApiError::bad_request("Invalid request.");
    let input: StartInput = serde_json::from_value(body).map_err(|_| invalid())?;
    let mode: RecordingMode = input
        .mode
        .and_then(|mode| serde_json::from_value(mode).ok())
        .ok_or_else(invalid)?;
    let options = match input.options {
        None | Some(Value::Null) => RecordingOptions::default(),
        Some(options @ Value::Object(_)) => {
            RecordingOptions::from_json(&options).map_err(|_| invalid())?
        }
        Some(_) => return Err(invalid()),
    };
    Ok(StartRecording { mode, options })
}

/// Starts recording a room (its administrators and owners); the caller owns the recording.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/start-recording/",
    tag = "recordings",
    params(("id" = String, Path, description = "The room's id or slug")),
    request_body = StartInput,
    responses(
        (status = 201, description = "`Recording successfully started for room <slug>`", body = MessageBody),
        (status = 400, description = "`Invalid request.`", body = DetailBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner of the room", body = DetailBody),
        (status = 404, description = "Recordings are disabled, or no such room", body = DetailBody),
        (status = 409, description = "`A recording is already in progress for room <slug>`", body = ErrorBody),
        (status = 502, description = "`Recording failed to start for room <slug>`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn start(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<(StatusCode, Json<MessageBody>), ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let recordings = &state.use_cases.recordings;
    // The reference checks its feature flag before the body.
    if !recordings.settings().enabled {
        return Err(ApiError::not_found("Not found."));
    }
    let request = start_request(json_body(&headers, &bytes)?)?;
    let view = recordings
        .start(&caller, &RoomRef::parse(&id), request)
        .await
        .map_err(|error| match error {
            Error::Conflict(_) | Error::Upstream { .. } => ApiError::Domain(error, Key::Error),
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        message(format!(
            "Recording successfully started for room {}",
            view.room.slug.as_str()
        )),
    ))
}

/// Stops the room's active recording (its administrators and owners).
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/stop-recording/",
    tag = "recordings",
    params(("id" = String, Path, description = "The room's id or slug")),
    responses(
        (status = 200, description = "`Recording stopped for room <slug>.`", body = MessageBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner of the room", body = DetailBody),
        (status = 404, description = "Recordings are disabled, no such room, or `No active recording found for this room.`", body = DetailBody),
        (status = 500, description = "`Recording failed to stop for room <slug>`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn stop(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<Json<MessageBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    match state
        .use_cases
        .recordings
        .stop(&caller, &RoomRef::parse(&id))
        .await
    {
        Ok(view) => Ok(message(format!(
            "Recording stopped for room {}.",
            view.room.slug.as_str()
        ))),
        Err(error @ Error::Internal(_)) => {
            // The reference names the room by its slug; the cause stays in the logs.
            let slug = state
                .use_cases
                .rooms
                .get(&Caller::anonymous(), &id)
                .await
                .map_or_else(|_| id.clone(), |view| view.room.slug.as_str().to_owned());
            Err(ApiError::Worded(
                error,
                Key::Error,
                format!("Recording failed to stop for room {slug}"),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// The recordings the caller has any access to, newest first.
#[utoipa::path(
    get,
    path = "/api/v1.0/recordings/",
    tag = "recordings",
    params(PageQuery),
    responses(
        (status = 200, description = "The caller's recordings", body = Paginated<RecordingBody>),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 404, description = "Invalid page", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    QueryParams(page): QueryParams<PageQuery>,
) -> Result<Json<Paginated<RecordingBody>>, ApiError> {
    let pager = Pager::new(&page, true, &uri, &headers)?;
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let recordings = &state.use_cases.recordings;
    let views = {
        let caller = &caller;
        read_all(|request| async move { recordings.list(caller, &request).await }).await?
    };
    let (views, envelope) = pager.cut(views)?;
    Ok(Json(
        envelope.with(views.iter().map(RecordingBody::from).collect()),
    ))
}

/// A recording id of the path; anything else names no recording (DRF's bare `Not found.`
/// for a lookup value that is not a UUID).
fn recording_id(raw: &str) -> Result<RecordingId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Not found."))
}

/// Reads a recording (its owners and administrators, in any status).
#[utoipa::path(
    get,
    path = "/api/v1.0/recordings/{id}/",
    tag = "recordings",
    params(("id" = String, Path, description = "The recording's id")),
    responses(
        (status = 200, description = "The recording", body = RecordingBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "A member of the recording", body = DetailBody),
        (status = 404, description = "No such recording, or none the caller has a role on", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retrieve(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Result<Json<RecordingBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let id = recording_id(&id)?;
    let view = state.use_cases.recordings.get(&caller, id).await?;
    Ok(Json(RecordingBody::from(&view)))
}

/// Deletes a finished recording (the row; the file stays in the storage).
#[utoipa::path(
    delete,
    path = "/api/v1.0/recordings/{id}/",
    tag = "recordings",
    params(("id" = String, Path, description = "The recording's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "A member, or the recording is in progress", body = DetailBody),
        (status = 404, description = "No such recording, or none the caller has a role on", body = DetailBody),
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
    let id = recording_id(&id)?;
    state.use_cases.recordings.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The object storage's bucket notification (MinIO or S3 format): a stored recording file
/// finalises its recording.
#[utoipa::path(
    post,
    path = "/api/v1.0/recordings/storage-hook/",
    tag = "recordings",
    request_body(content = Object, description = "`{\"Records\": [{\"s3\": {\"bucket\": {\"name\": …}, \"object\": {\"key\": …, \"contentType\": …}}}]}`"),
    responses(
        (status = 200, description = "`Event processed.` or `Notification ignored.`", body = MessageBody),
        (status = 401, description = "Missing or wrong token", body = DetailBody),
        (status = 403, description = "`Invalid request data.`, `Invalid bucket specified.`, or a recording that cannot be saved", body = DetailBody),
        (status = 404, description = "Storage events are disabled, or no such recording", body = DetailBody),
    ),
    security(("storage_token" = []))
)]
pub(crate) async fn storage_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<Json<MessageBody>, ApiError> {
    let token = machine_token(&headers)?;
    // Whatever is not JSON is a malformed notification (403), as any other malformed one.
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let outcome = state
        .use_cases
        .recordings
        .storage_hook(token, &body)
        .await?;
    Ok(message(
        match outcome {
            StorageEventOutcome::Ignored(reason) => {
                tracing::info!(reason = %reason, "storage notification ignored");
                "Notification ignored."
            }
            StorageEventOutcome::Finalised(_) => "Event processed.",
        }
        .to_owned(),
    ))
}

/// The summary service's report on a job: `status=success` (of a `transcript` job) →
/// `external_process_successful`, `status=failure` → `external_process_failed`; anything
/// else, an unknown job or a recording in another status changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1.0/recordings/external-process-hook/",
    tag = "recordings",
    request_body = ExternalProcessInput,
    responses(
        (status = 200, description = "`Event processed.`", body = MessageBody),
        (status = 400, description = "`job_id` missing"),
        (status = 401, description = "Missing or wrong token", body = DetailBody),
    ),
    security(("summary_token" = []))
)]
pub(crate) async fn external_process_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> Result<Json<MessageBody>, ApiError> {
    let token = machine_token(&headers)?;
    let recordings = &state.use_cases.recordings;
    recordings.check_summary_token(token)?;
    let input: ExternalProcessInput = serde_json::from_value(json_body(&headers, &bytes)?)
        .map_err(|e| ApiError::bad_request(format!("Invalid data: {e}")))?;
    let Some(job) = input.job_id.filter(|job| !job.is_empty()) else {
        return Err(ApiError::field("job_id", "This field is required."));
    };
    let result = match (input.kind.as_deref(), input.status.as_deref()) {
        (Some("transcript"), Some("success")) => Some(ExternalProcessResult::Succeeded),
        (_, Some("failure")) => Some(ExternalProcessResult::Failed),
        _ => None,
    };
    if let Some(result) = result {
        match recordings
            .external_process_hook(token, &ExternalProcessRef::Job(job), result)
            .await
        {
            Ok(outcome) => tracing::debug!(outcome = ?outcome, "summary result taken"),
            // The reference answers 200 whatever the recording's status.
            Err(Error::FailedPrecondition(reason)) => {
                tracing::info!(reason = %reason, "summary result not applied");
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        tracing::info!(
            kind = ?input.kind,
            status = ?input.status,
            "summary report without result ignored"
        );
    }
    Ok(message("Event processed.".to_owned()))
}

/// Authorises a download for a reverse proxy's `auth_request`: the URL forwarded in
/// `X-Original-URL` must be `…/media/<folder>/<id>.<ext>` of a stored recording the caller
/// owns or administers; the answer carries the S3 SigV4 headers to fetch it with.
#[utoipa::path(
    get,
    path = "/api/v1.0/recordings/media-auth/",
    tag = "recordings",
    params(("X-Original-URL" = String, Header, description = "The URL being downloaded")),
    responses(
        (status = 200, description = "`\"authorized\"`, with `Authorization`, `X-Amz-Date` and `X-Amz-Content-SHA256` headers"),
        (status = 400, description = "`Unsupported extension.`", body = DetailBody),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not a recording URL, not the caller's, or not stored yet", body = DetailBody),
        (status = 404, description = "No such recording (or not of this extension)", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn media_auth(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = state.caller(&headers).await?;
    let url = headers.get(ORIGINAL_URL).and_then(|v| v.to_str().ok());
    let signed = state
        .use_cases
        .recordings
        .authorize_download(&caller, url)
        .await
        .map_err(|error| match error {
            Error::Invalid(violations) => ApiError::bad_request(
                violations
                    .into_iter()
                    .next()
                    .map_or_else(|| "Invalid request.".to_owned(), |v| v.description),
            ),
            other => other.into(),
        })?;
    let mut response = Json("authorized").into_response();
    for (name, value) in signed.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(Error::internal)?;
        let value = HeaderValue::from_str(&value).map_err(Error::internal)?;
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

// Named so that `cargo test http_recordings` runs them with the end-to-end tests.
#[cfg(test)]
mod http_recordings;
