//! The test-control API: in-process methods on [`FakeLiveKit`] and the same operations over
//! HTTP under `/fake/` (documented in the crate docs).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_protocol as proto;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{
    ControlError, ParticipantSpec, RecordedRequest, SentData, State as FakeState, TrackSpec,
};
use crate::twirp::InjectedFailure;
use crate::{App, FakeLiveKit, egress};

impl FakeLiveKit {
    /// Joins a participant (state `ACTIVE`) to `room`, creating the room if needed; emits
    /// `room_started` (new room) and `participant_joined`.
    pub fn add_participant(
        &self,
        room: &str,
        spec: ParticipantSpec,
    ) -> Result<proto::ParticipantInfo, ControlError> {
        self.app.mutate(|s, e| s.add_participant(room, spec, e))
    }

    /// Disconnects a participant (`participant_left`, reason `CLIENT_INITIATED`).
    pub fn remove_participant(
        &self,
        room: &str,
        identity: &str,
    ) -> Result<proto::ParticipantInfo, ControlError> {
        self.app.mutate(|s, e| {
            s.remove_participant(room, identity, proto::DisconnectReason::ClientInitiated, e)
        })
    }

    /// Publishes a track (`track_published`); returns it with its `TR_` sid.
    pub fn publish_track(
        &self,
        room: &str,
        identity: &str,
        spec: TrackSpec,
    ) -> Result<proto::TrackInfo, ControlError> {
        self.app
            .mutate(|s, e| s.publish_track(room, identity, spec, e))
    }

    /// Unpublishes a track (`track_unpublished`).
    pub fn unpublish_track(
        &self,
        room: &str,
        identity: &str,
        track_sid: &str,
    ) -> Result<proto::TrackInfo, ControlError> {
        self.app
            .mutate(|s, e| s.unpublish_track(room, identity, track_sid, e))
    }

    /// Creates a room as `CreateRoom` would (idempotent; `room_started` when new).
    pub fn create_room(&self, name: &str) -> proto::Room {
        let request = proto::CreateRoomRequest {
            name: name.to_owned(),
            ..Default::default()
        };
        self.app.mutate(|s, e| s.get_or_create_room(&request, e).0)
    }

    /// Closes a room as if its timeout had elapsed (`participant_left`…, `room_finished`).
    pub fn close_room(&self, name: &str) -> Result<(), ControlError> {
        self.app
            .mutate(|s, e| s.delete_room(name, proto::DisconnectReason::RoomClosed, e))
    }

    /// All rooms.
    pub fn rooms(&self) -> Vec<proto::Room> {
        self.app
            .read(|s| s.rooms.values().map(|r| r.to_proto(&s.egress)).collect())
    }

    /// One room.
    pub fn room(&self, name: &str) -> Option<proto::Room> {
        self.app.read(|s| s.room_proto(name))
    }

    /// The participants of a room, in join order.
    pub fn participants(&self, room: &str) -> Vec<proto::ParticipantInfo> {
        self.app.read(|s| {
            s.rooms
                .get(room)
                .map(|r| r.participants.clone())
                .unwrap_or_default()
        })
    }

    /// One participant.
    pub fn participant(&self, room: &str, identity: &str) -> Option<proto::ParticipantInfo> {
        self.participants(room)
            .into_iter()
            .find(|p| p.identity == identity)
    }

    /// The data messages sent to a room with `SendData`.
    pub fn data_messages(&self, room: &str) -> Vec<SentData> {
        self.app
            .read(|s| s.data.iter().filter(|d| d.room == room).cloned().collect())
    }

    /// Every egress, by id.
    pub fn egresses(&self) -> Vec<proto::EgressInfo> {
        self.app.read(|s| s.egress.values().cloned().collect())
    }

    /// One egress.
    pub fn egress(&self, egress_id: &str) -> Option<proto::EgressInfo> {
        self.app.read(|s| s.egress.get(egress_id).cloned())
    }

    /// Moves an egress to `status` and emits the webhook the server would.
    pub fn set_egress_status(
        &self,
        egress_id: &str,
        status: proto::EgressStatus,
    ) -> Result<proto::EgressInfo, ControlError> {
        self.app
            .mutate(|s, e| egress::set_status(s, egress_id, status, e))
    }

    /// The SIP inbound trunks.
    pub fn sip_inbound_trunks(&self) -> Vec<proto::SipInboundTrunkInfo> {
        self.app
            .read(|s| s.inbound_trunks.values().cloned().collect())
    }

    /// The SIP outbound trunks.
    pub fn sip_outbound_trunks(&self) -> Vec<proto::SipOutboundTrunkInfo> {
        self.app
            .read(|s| s.outbound_trunks.values().cloned().collect())
    }

    /// The SIP dispatch rules.
    pub fn sip_dispatch_rules(&self) -> Vec<proto::SipDispatchRuleInfo> {
        self.app
            .read(|s| s.dispatch_rules.values().cloned().collect())
    }

    /// The Twirp requests received so far (after authentication).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.read(|s| s.requests.clone())
    }

    /// The webhook events emitted so far (whether or not any URL is configured).
    pub fn webhook_events(&self) -> Vec<proto::WebhookEvent> {
        self.app.read(|s| s.webhooks.clone())
    }

    /// Makes `method` (`"RoomService/ListRooms"`, …) answer `failure` until cleared with `None`.
    pub fn set_failure(&self, method: &str, failure: Option<InjectedFailure>) {
        self.app.mutate(|s, _| match failure {
            Some(f) => s.failures.insert(method.to_owned(), f),
            None => s.failures.remove(method),
        });
    }

    /// Forgets all state (no webhooks).
    pub fn reset(&self) {
        self.app.mutate(|s, _| *s = FakeState::default());
    }

    /// The state as `GET /fake/state` renders it.
    pub fn state_json(&self) -> Value {
        self.app.read(snapshot)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn snapshot(state: &FakeState) -> Value {
    let rooms: Vec<Value> = state
        .rooms
        .values()
        .map(|entry| {
            let mut room = to_json(&entry.to_proto(&state.egress));
            if let Value::Object(map) = &mut room {
                map.insert("participants".to_owned(), to_json(&entry.participants));
            }
            room
        })
        .collect();
    json!({
        "rooms": rooms,
        "egress": state.egress.values().map(to_json).collect::<Vec<_>>(),
        "sipInboundTrunks": state.inbound_trunks.values().map(to_json).collect::<Vec<_>>(),
        "sipOutboundTrunks": state.outbound_trunks.values().map(to_json).collect::<Vec<_>>(),
        "sipDispatchRules": state.dispatch_rules.values().map(to_json).collect::<Vec<_>>(),
        "dataMessages": state.data.len(),
        "webhookEvents": state.webhooks.len(),
        "requests": state.requests.len(),
    })
}

/// The `/fake` routes.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/state", get(get_state))
        .route("/reset", post(reset))
        .route("/rooms/{room}", delete(close_room))
        .route("/rooms/{room}/participants", post(add_participant))
        .route(
            "/rooms/{room}/participants/{identity}",
            delete(remove_participant),
        )
        .route(
            "/rooms/{room}/participants/{identity}/tracks",
            post(publish_track),
        )
        .route(
            "/rooms/{room}/participants/{identity}/tracks/{sid}",
            delete(unpublish_track),
        )
        .route("/rooms/{room}/data", get(data_messages))
        .route("/egress/{id}/status", post(set_egress_status))
        .route(
            "/failures/{service}/{method}",
            put(set_failure).delete(clear_failure),
        )
        .route("/requests", get(requests))
        .route("/webhooks", get(webhooks))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn control_error(e: &ControlError) -> Response {
    let status = match e {
        ControlError::RoomNotFound(_)
        | ControlError::ParticipantNotFound(_)
        | ControlError::TrackNotFound(_)
        | ControlError::EgressNotFound(_) => StatusCode::NOT_FOUND,
        ControlError::DuplicateIdentity(_) => StatusCode::CONFLICT,
        ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
    };
    error(status, e)
}

fn json_result<T: serde::Serialize>(
    status: StatusCode,
    result: Result<T, ControlError>,
) -> Response {
    match result {
        Ok(value) => (status, Json(to_json(&value))).into_response(),
        Err(e) => control_error(&e),
    }
}

async fn get_state(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.read(snapshot))
}

async fn reset(State(app): State<Arc<App>>) -> StatusCode {
    app.mutate(|s, _| *s = FakeState::default());
    StatusCode::NO_CONTENT
}

async fn close_room(State(app): State<Arc<App>>, Path(room): Path<String>) -> Response {
    match app.mutate(|s, e| s.delete_room(&room, proto::DisconnectReason::RoomClosed, e)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantBody {
    identity: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    metadata: String,
    #[serde(default)]
    attributes: HashMap<String, String>,
    #[serde(default)]
    permission: Option<proto::ParticipantPermission>,
    #[serde(default)]
    kind: Option<String>,
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body)
        .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, format!("invalid body: {e}"))))
}

async fn add_participant(
    State(app): State<Arc<App>>,
    Path(room): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let body: ParticipantBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let kind = match body.kind.as_deref() {
        None => proto::participant_info::Kind::Standard,
        Some(k) => match proto::participant_info::Kind::from_str_name(&k.to_ascii_uppercase()) {
            Some(kind) => kind,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown participant kind {k:?}"),
                );
            }
        },
    };
    let spec = ParticipantSpec {
        identity: body.identity,
        name: body.name,
        metadata: body.metadata,
        attributes: body.attributes,
        permission: body.permission,
        kind,
    };
    json_result(
        StatusCode::CREATED,
        app.mutate(|s, e| s.add_participant(&room, spec, e)),
    )
}

async fn remove_participant(
    State(app): State<Arc<App>>,
    Path((room, identity)): Path<(String, String)>,
) -> Response {
    match app.mutate(|s, e| {
        s.remove_participant(
            &room,
            &identity,
            proto::DisconnectReason::ClientInitiated,
            e,
        )
    }) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    muted: bool,
}

fn track_spec(body: TrackBody) -> Result<TrackSpec, String> {
    let kind = proto::TrackType::from_str_name(&body.kind.to_ascii_uppercase())
        .filter(|k| *k != proto::TrackType::Data)
        .ok_or_else(|| format!("unknown track type {:?} (audio or video)", body.kind))?;
    let source = match body.source.as_deref() {
        Some(s) => proto::TrackSource::from_str_name(&s.to_ascii_uppercase())
            .ok_or_else(|| format!("unknown track source {s:?}"))?,
        None if kind == proto::TrackType::Audio => proto::TrackSource::Microphone,
        None => proto::TrackSource::Camera,
    };
    let name = body
        .name
        .unwrap_or_else(|| source.as_str_name().to_ascii_lowercase());
    Ok(TrackSpec {
        kind,
        source,
        name,
        muted: body.muted,
    })
}

async fn publish_track(
    State(app): State<Arc<App>>,
    Path((room, identity)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let body: TrackBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let spec = match track_spec(body) {
        Ok(spec) => spec,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    json_result(
        StatusCode::CREATED,
        app.mutate(|s, e| s.publish_track(&room, &identity, spec, e)),
    )
}

async fn unpublish_track(
    State(app): State<Arc<App>>,
    Path((room, identity, sid)): Path<(String, String, String)>,
) -> Response {
    match app.mutate(|s, e| s.unpublish_track(&room, &identity, &sid, e)) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(&e),
    }
}

fn data_json(data: &SentData) -> Value {
    json!({
        "room": data.room,
        "dataBase64": STANDARD.encode(&data.data),
        "dataUtf8": std::str::from_utf8(&data.data).ok(),
        "kind": data.kind,
        "topic": data.topic,
        "destinationIdentities": data.destination_identities,
        "nonceBase64": STANDARD.encode(&data.nonce),
    })
}

async fn data_messages(State(app): State<Arc<App>>, Path(room): Path<String>) -> Json<Value> {
    Json(app.read(|s| {
        Value::Array(
            s.data
                .iter()
                .filter(|d| d.room == room)
                .map(data_json)
                .collect(),
        )
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

async fn set_egress_status(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let body: StatusBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let upper = body.status.to_ascii_uppercase();
    let name = if upper.starts_with("EGRESS_") {
        upper
    } else {
        format!("EGRESS_{upper}")
    };
    let Some(status) = proto::EgressStatus::from_str_name(&name) else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown egress status {:?}", body.status),
        );
    };
    json_result(
        StatusCode::OK,
        app.mutate(|s, e| egress::set_status(s, &id, status, e)),
    )
}

async fn set_failure(
    State(app): State<Arc<App>>,
    Path((service, method)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let failure: InjectedFailure = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    app.mutate(|s, _| s.failures.insert(format!("{service}/{method}"), failure));
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_failure(
    State(app): State<Arc<App>>,
    Path((service, method)): Path<(String, String)>,
) -> StatusCode {
    app.mutate(|s, _| s.failures.remove(&format!("{service}/{method}")));
    StatusCode::NO_CONTENT
}

async fn requests(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.read(|s| to_json(&s.requests)))
}

async fn webhooks(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.read(|s| to_json(&s.webhooks)))
}
