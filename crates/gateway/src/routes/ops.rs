//! Operations: health (`/__heartbeat__`, `/__lbheartbeat__`), Prometheus metrics, and the
//! OpenAPI document.

use anteroom_domain::id::{ParticipantId, RoomId};
use anteroom_domain::room::{AccessLevel, Room, RoomConfiguration, RoomName, Slug};
use anteroom_domain::{Caller, Error};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::metrics::Metrics;
use crate::openapi;

/// The outcome of one dependency check.
fn check(result: Result<(), Error>) -> (bool, Value) {
    match result {
        Ok(()) => (true, json!("ok")),
        Err(error) => {
            tracing::warn!(error = %error, "heartbeat check failed");
            (false, json!(error.to_string()))
        }
    }
}

/// The database answers: reading a room that does not exist is a not-found, not a failure.
async fn database(state: &AppState) -> Result<(), Error> {
    let probe = RoomId::new().to_string();
    match state
        .use_cases
        .rooms
        .get(&Caller::anonymous(), &probe)
        .await
    {
        Ok(_) | Err(Error::NotFound(_)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The lobby store answers: reading an entry of a room that does not exist finds nothing.
async fn lobby(state: &AppState) -> Result<(), Error> {
    let name = RoomName::parse("heartbeat").map_err(Error::internal)?;
    let slug = Slug::from_name("heartbeat").map_err(Error::internal)?;
    let now = chrono::Utc::now();
    let probe = Room {
        id: RoomId::new(),
        name,
        slug,
        slug_is_random: false,
        access_level: AccessLevel::Restricted,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: now,
        updated_at: now,
    };
    state
        .use_cases
        .lobby
        .keep_alive(&probe, ParticipantId::random())
        .await
        .map(drop)
}

/// Checks the dependencies the use cases reach: 200 when all answer, else 503. LiveKit is not
/// checked (no use case reaches it without a caller's room).
#[utoipa::path(
    get,
    path = "/__heartbeat__",
    tag = "operations",
    responses(
        (status = 200, description = "Every dependency answers", body = Object),
        (status = 503, description = "A dependency does not answer", body = Object),
    )
)]
pub(crate) async fn heartbeat(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (database_ok, database) = check(database(&state).await);
    let (lobby_ok, lobby) = check(lobby(&state).await);
    let healthy = database_ok && lobby_ok;
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if healthy { "ok" } else { "error" },
        "checks": { "database": database, "lobby": lobby },
        "not_checked": ["livekit"],
    });
    (status, Json(body))
}

/// The process is alive.
#[utoipa::path(
    get,
    path = "/__lbheartbeat__",
    tag = "operations",
    responses((status = 200, description = "Alive", body = Object))
)]
pub(crate) async fn lbheartbeat() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Request counts and latencies per route, in Prometheus' text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String))
)]
pub(crate) fn metrics(metrics: &Metrics) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

/// The OpenAPI 3.1 document of every route.
#[utoipa::path(
    get,
    path = "/api/v1.0/swagger.json",
    tag = "operations",
    responses((status = 200, description = "This document", body = Object))
)]
pub(crate) async fn openapi() -> Json<Value> {
    Json(openapi::document())
}
