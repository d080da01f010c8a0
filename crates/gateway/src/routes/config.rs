//! `GET /api/v1.0/config/`: what the frontend needs to know about this deployment.

use anteroom_domain::room::MediaSource;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;

/// The frontend configuration (the reference's keys; recording, telephony, subtitles,
/// background images and the connection test are not offered yet, so reported disabled).
#[utoipa::path(
    get,
    path = "/api/v1.0/config/",
    tag = "config",
    responses((status = 200, description = "The frontend configuration", body = Object))
)]
pub(crate) async fn config(State(state): State<AppState>) -> Json<Value> {
    let frontend = &state.settings.frontend;
    let sources: Vec<Value> = MediaSource::ALL
        .iter()
        .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
        .collect();
    Json(json!({
        "LANGUAGE_CODE": frontend.language_code,
        "recording": {
            "is_enabled": false,
            "available_modes": [],
            "expiration_days": null,
            "max_duration": null,
        },
        "background_image": {
            "upload_is_enabled": false,
            "max_count_by_user": null,
            "max_size": null,
            "allowed_extensions": [],
            "allowed_mimetypes": [],
        },
        "telephony": { "enabled": false },
        "resource": { "default_access_level": frontend.default_access_level.as_str() },
        "subtitle": { "enabled": false },
        "diagnostics": { "connection_test_enabled": false },
        "livekit": {
            "url": frontend.livekit_url,
            "force_wss_protocol": false,
            "enable_firefox_proxy_workaround": false,
            "default_sources": sources,
        },
        "authenticated_users_can_edit_display_name": frontend.authenticated_can_edit_name,
        "max_participants_for_sound": 5,
        "auto_mute_on_join_threshold": 50,
    }))
}
