//! `POST /api/v1.0/rooms/webhooks-livekit/`: LiveKit's webhooks.

use anteroom_domain::webhook::WebhookOutcome;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::AppState;
use crate::body::StatusBody;
use crate::error::{ApiError, Key};
use crate::extract::RawBody;

/// Verifies (the `Authorization` header is the bare JWT LiveKit signs, carrying the body's
/// hash) and applies one event.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/webhooks-livekit/",
    tag = "webhooks",
    request_body(content = String, content_type = "application/webhook+json", description = "A LiveKit webhook event"),
    responses(
        (status = 200, description = "`{\"status\": \"success\"}`", body = StatusBody),
        (status = 400, description = "Bad signature or body"),
        (status = 401, description = "No Authorization header (`{\"status\": \"error\"}`)"),
        (status = 422, description = "Unknown event type"),
    ),
    security(("livekit_webhook" = []))
)]
pub(crate) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let status_error = ApiError::keyed(Key::Status);
    let body = std::str::from_utf8(&body)
        .map_err(|_| status_error(anteroom_domain::Error::invalid("body", "not UTF-8 text")))?;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let outcome = state
        .use_cases
        .webhooks
        .receive(body, authorization)
        .await
        .map_err(status_error)?;
    Ok(match outcome {
        WebhookOutcome::UnknownEvent(kind) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "status": "error", "message": format!("Unknown event type: {kind}") })),
        ),
        WebhookOutcome::Handled | WebhookOutcome::Duplicate | WebhookOutcome::Ignored => {
            (StatusCode::OK, Json(json!({ "status": "success" })))
        }
    })
}
