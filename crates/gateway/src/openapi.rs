//! The OpenAPI 3.1 document of every route (utoipa, built at compile time; no download).

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::body::{
    AccessBody, DecidedBody, DetailBody, EntryBody, ErrorBody, LivekitBody, LobbyParticipantBody,
    MessageBody, OAuthErrorBody, ParticipantsBody, RoomAccessBody, RoomBody, StatusBody, UserBody,
};
use crate::routes::invitations;
use crate::routes::{
    accesses, config, creation_callback, events, lobby, moderation, ops, recordings, rooms, users,
    webhooks,
};
use crate::session::routes as login;

/// The security schemes: bearer JWTs of the identity provider, LiveKit tokens, and LiveKit's
/// webhook signature.
struct Schemes;

impl Modify for Schemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token of the configured OpenID Connect provider"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "livekit",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The caller's LiveKit access token for this room"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "livekit_webhook",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The bare JWT LiveKit signs, carrying the body's sha256",
            ))),
        );
        components.add_security_scheme(
            "storage_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The storage events token the object storage presents"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "summary_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The callback token the summary service presents"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Anteroom REST API",
        description = "La Suite Meet-compatible room management over LiveKit, with lobby events."
    ),
    paths(
        login::authenticate,
        login::callback,
        login::logout,
        login::logout_post,
        login::logout_callback,
        login::backchannel_logout,
        config::config,
        users::list,
        users::me,
        users::update,
        rooms::list,
        rooms::create,
        rooms::retrieve,
        rooms::replace,
        rooms::update,
        rooms::destroy,
        creation_callback::take,
        lobby::request_entry,
        lobby::enter,
        lobby::enter_all,
        lobby::waiting,
        events::events,
        moderation::mute,
        moderation::update,
        moderation::remove,
        moderation::set_role,
        moderation::toggle_hand,
        moderation::rename,
        invitations::invite,
        webhooks::receive,
        recordings::start,
        recordings::stop,
        recordings::list,
        recordings::retrieve,
        recordings::destroy,
        recordings::storage_hook,
        recordings::external_process_hook,
        recordings::media_auth,
        accesses::list,
        accesses::create,
        accesses::retrieve,
        accesses::replace,
        accesses::update,
        accesses::destroy,
        ops::openapi,
        ops::heartbeat,
        ops::lbheartbeat,
        ops::metrics,
    ),
    components(schemas(
        UserBody,
        RoomBody,
        RoomAccessBody,
        AccessBody,
        LivekitBody,
        LobbyParticipantBody,
        EntryBody,
        ParticipantsBody,
        DecidedBody,
        MessageBody,
        StatusBody,
        DetailBody,
        ErrorBody,
        OAuthErrorBody,
        recordings::RecordingBody,
        recordings::RecordingRoomBody,
        creation_callback::CreationCallbackBody,
        creation_callback::CallbackRoomBody,
    )),
    modifiers(&Schemes),
    tags(
        (name = "auth", description = "Browser login (OpenID Connect) and logout"),
        (name = "config", description = "Frontend configuration"),
        (name = "users", description = "The current user"),
        (name = "rooms", description = "Rooms"),
        (name = "lobby", description = "The waiting room and its live events"),
        (name = "moderation", description = "Live meeting moderation and in-meeting actions"),
        (name = "accesses", description = "Roles on rooms"),
        (name = "recordings", description = "Recordings, their storage and summary hooks, downloads"),
        (name = "webhooks", description = "LiveKit webhooks"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
struct ApiDoc;

/// The document as JSON.
pub(crate) fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null)
}
