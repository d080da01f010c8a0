//! Every route of the gateway, by area.

pub(crate) mod accesses;
pub(crate) mod config;
pub(crate) mod creation_callback;
pub(crate) mod events;
pub(crate) mod invitations;
pub(crate) mod lobby;
pub(crate) mod moderation;
pub(crate) mod ops;
pub(crate) mod recordings;
pub(crate) mod rooms;
pub(crate) mod users;
pub(crate) mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post, put};

use crate::AppState;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::session::routes as login;

/// Every route as `(method, path)`, the OpenAPI document's checklist.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1.0/authenticate/"),
    ("get", "/api/v1.0/callback/"),
    ("get", "/api/v1.0/logout/"),
    ("post", "/api/v1.0/logout/"),
    ("get", "/api/v1.0/logout-callback/"),
    ("post", "/api/v1.0/backchannel-logout/"),
    ("get", "/api/v1.0/config/"),
    ("get", "/api/v1.0/users/"),
    ("get", "/api/v1.0/users/me/"),
    ("put", "/api/v1.0/users/{id}/"),
    ("patch", "/api/v1.0/users/{id}/"),
    ("get", "/api/v1.0/rooms/"),
    ("post", "/api/v1.0/rooms/"),
    ("get", "/api/v1.0/rooms/{id}/"),
    ("put", "/api/v1.0/rooms/{id}/"),
    ("patch", "/api/v1.0/rooms/{id}/"),
    ("delete", "/api/v1.0/rooms/{id}/"),
    ("post", "/api/v1.0/rooms/{id}/request-entry/"),
    ("post", "/api/v1.0/rooms/{id}/enter/"),
    ("post", "/api/v1.0/rooms/{id}/enter-all/"),
    ("get", "/api/v1.0/rooms/{id}/waiting-participants/"),
    ("get", "/api/v1.0/rooms/{id}/events/"),
    ("post", "/api/v1.0/rooms/{id}/mute-participant/"),
    ("post", "/api/v1.0/rooms/{id}/update-participant/"),
    ("post", "/api/v1.0/rooms/{id}/remove-participant/"),
    ("post", "/api/v1.0/rooms/{id}/update-participant-role/"),
    ("post", "/api/v1.0/rooms/{id}/toggle-hand/"),
    ("post", "/api/v1.0/rooms/{id}/rename/"),
    ("post", "/api/v1.0/rooms/{id}/invite/"),
    ("post", "/api/v1.0/rooms/webhooks-livekit/"),
    ("post", "/api/v1.0/rooms/creation-callback/"),
    ("post", "/api/v1.0/rooms/{id}/start-recording/"),
    ("post", "/api/v1.0/rooms/{id}/stop-recording/"),
    ("get", "/api/v1.0/recordings/"),
    ("get", "/api/v1.0/recordings/{id}/"),
    ("delete", "/api/v1.0/recordings/{id}/"),
    ("post", "/api/v1.0/recordings/storage-hook/"),
    ("post", "/api/v1.0/recordings/external-process-hook/"),
    ("get", "/api/v1.0/recordings/media-auth/"),
    ("get", "/api/v1.0/resource-accesses/"),
    ("post", "/api/v1.0/resource-accesses/"),
    ("get", "/api/v1.0/resource-accesses/{id}/"),
    ("put", "/api/v1.0/resource-accesses/{id}/"),
    ("patch", "/api/v1.0/resource-accesses/{id}/"),
    ("delete", "/api/v1.0/resource-accesses/{id}/"),
    ("get", "/api/v1.0/swagger.json"),
    ("get", "/__heartbeat__"),
    ("get", "/__lbheartbeat__"),
    ("get", "/metrics"),
];

/// The router of every route, with JSON answers for unknown routes and wrong methods.
pub(crate) fn all(metrics: Arc<Metrics>) -> Router<AppState> {
    const ROOM: &str = "/api/v1.0/rooms/{id}";
    Router::new()
        .route("/api/v1.0/authenticate/", get(login::authenticate))
        .route("/api/v1.0/callback/", get(login::callback))
        .route(
            "/api/v1.0/logout/",
            get(login::logout).post(login::logout_post),
        )
        .route("/api/v1.0/logout-callback/", get(login::logout_callback))
        .route(
            "/api/v1.0/backchannel-logout/",
            post(login::backchannel_logout),
        )
        .route("/api/v1.0/config/", get(config::config))
        .route("/api/v1.0/users/", get(users::list))
        .route("/api/v1.0/users/me/", get(users::me))
        .route(
            "/api/v1.0/users/{id}/",
            put(users::update).patch(users::update),
        )
        .route("/api/v1.0/rooms/", get(rooms::list).post(rooms::create))
        .route(
            "/api/v1.0/rooms/{id}/",
            get(rooms::retrieve)
                .put(rooms::replace)
                .patch(rooms::update)
                .delete(rooms::destroy),
        )
        .route(
            &format!("{ROOM}/request-entry/"),
            post(lobby::request_entry),
        )
        .route(&format!("{ROOM}/enter/"), post(lobby::enter))
        .route(&format!("{ROOM}/enter-all/"), post(lobby::enter_all))
        .route(
            &format!("{ROOM}/waiting-participants/"),
            get(lobby::waiting),
        )
        .route(&format!("{ROOM}/events/"), get(events::events))
        .route(&format!("{ROOM}/mute-participant/"), post(moderation::mute))
        .route(
            &format!("{ROOM}/update-participant/"),
            post(moderation::update),
        )
        .route(
            &format!("{ROOM}/remove-participant/"),
            post(moderation::remove),
        )
        .route(
            &format!("{ROOM}/update-participant-role/"),
            post(moderation::set_role),
        )
        .route(
            &format!("{ROOM}/toggle-hand/"),
            post(moderation::toggle_hand),
        )
        .route(&format!("{ROOM}/rename/"), post(moderation::rename))
        .route("/api/v1.0/rooms/webhooks-livekit/", post(webhooks::receive))
        .route(creation_callback::PATH, post(creation_callback::take))
        .route(&format!("{ROOM}/invite/"), post(invitations::invite))
        .route(&format!("{ROOM}/start-recording/"), post(recordings::start))
        .route(&format!("{ROOM}/stop-recording/"), post(recordings::stop))
        .route("/api/v1.0/recordings/", get(recordings::list))
        .route(
            "/api/v1.0/recordings/{id}/",
            get(recordings::retrieve).delete(recordings::destroy),
        )
        .route(
            "/api/v1.0/recordings/storage-hook/",
            post(recordings::storage_hook),
        )
        .route(
            "/api/v1.0/recordings/external-process-hook/",
            post(recordings::external_process_hook),
        )
        .route(
            "/api/v1.0/recordings/media-auth/",
            get(recordings::media_auth),
        )
        .route(
            "/api/v1.0/resource-accesses/",
            get(accesses::list).post(accesses::create),
        )
        .route(
            "/api/v1.0/resource-accesses/{id}/",
            get(accesses::retrieve)
                .put(accesses::replace)
                .patch(accesses::update)
                .delete(accesses::destroy),
        )
        .route("/api/v1.0/swagger.json", get(ops::openapi))
        .route("/__heartbeat__", get(ops::heartbeat))
        .route("/__lbheartbeat__", get(ops::lbheartbeat))
        .route(
            "/metrics",
            get(move || async move { ops::metrics(&metrics) }),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::not_found("Not found.")
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::Http(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method \"{method}\" not allowed."),
    )
}
