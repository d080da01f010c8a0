//! A protocol-faithful fake LiveKit server for tests and local development.
//!
//! There is no real LiveKit server on the machines this project runs on, so the LiveKit adapter
//! and the end-to-end tests run against this fake. It reproduces what a client of the server API
//! can observe of livekit-server (see `shared/reference/livekit.md` §2):
//!
//! * **Twirp over HTTP** at `POST /twirp/livekit.<Service>/<Method>`, with `application/protobuf`
//!   and `application/json` bodies answered in the request's encoding. JSON follows the Go server:
//!   requests accept camelCase or snake_case names and ignore unknown fields; responses use the
//!   proto (snake_case) names with every field present, int64 as strings, enums by name.
//!   `bad_route` (404) for a wrong HTTP method, an unknown method or content type; `malformed`
//!   (400) for an undecodable body; `GET /` answers `OK`; other paths Go's plain
//!   `404 page not found`.
//! * **Auth like the server's middleware**: `Authorization: Bearer <jwt>` (or `?access_token=`),
//!   HS256/384/512 with the secret of the key in `iss`, `exp`/`nbf`/`iat` with one minute of
//!   leeway. A bad header, token, key or signature answers **401 with a plain-text body**
//!   (`invalid authorization header. Must start with Bearer `, `invalid authorization token`,
//!   `invalid API key: <key>`, `invalid token: <jwt>, error: …`). Missing grants answer Twirp
//!   `unauthenticated` (401) `permissions denied`: `roomCreate` (CreateRoom, DeleteRoom),
//!   `roomList` (ListRooms), `roomAdmin` with `room` equal to the request's room (the other
//!   RoomService methods), `roomRecord` (Egress), `sip.admin` (trunks, rules), `sip.call`
//!   (CreateSIPParticipant).
//! * **Services**: `RoomService` (CreateRoom, ListRooms, DeleteRoom, ListParticipants,
//!   GetParticipant, RemoveParticipant, MutePublishedTrack, UpdateParticipant,
//!   UpdateSubscriptions, SendData, UpdateRoomMetadata), `Egress` (StartRoomCompositeEgress,
//!   StartWebEgress, StartParticipantEgress, StartTrackCompositeEgress, StartTrackEgress,
//!   ListEgress, StopEgress) and `SIP` (Create/Get/List inbound and outbound trunks,
//!   DeleteSIPTrunk, Create/List/DeleteSIPDispatchRule, CreateSIPParticipant). Other methods of
//!   the mounted services (`RoomService`, `Egress`, `Ingress`, `SIP`, `AgentDispatchService`)
//!   answer Twirp `unimplemented`.
//! * **Webhooks** signed like the server's (see [`webhooks`]): `room_started`, `room_finished`,
//!   `participant_joined`, `participant_left`, `track_published`, `track_unpublished`,
//!   `egress_started`, `egress_updated`, `egress_ended`.
//!
//! There is no WebRTC: participants and tracks are injected through the control API, in process
//! ([`FakeLiveKit::add_participant`], …) or over HTTP.
//!
//! # Control API over HTTP
//!
//! Under `/fake/` (no authentication; JSON in, protojson-style camelCase JSON out):
//!
//! | request | effect |
//! |---|---|
//! | `GET /fake/state` | rooms (with participants and tracks), egress, SIP trunks and rules |
//! | `POST /fake/reset` | forget everything (no webhooks) |
//! | `POST /fake/rooms/{room}/participants` `{"identity", "name"?, "metadata"?, "attributes"?, "permission"?, "kind"?}` | join (creates the room, `room_started`, `participant_joined`); 201 with the `ParticipantInfo` |
//! | `DELETE /fake/rooms/{room}/participants/{identity}` | leave (`participant_left`); 204 |
//! | `POST /fake/rooms/{room}/participants/{identity}/tracks` `{"type": "audio"\|"video", "source"?: "camera"\|"microphone"\|"screen_share"\|"screen_share_audio", "name"?, "muted"?}` | publish (`track_published`); 201 with the `TrackInfo` |
//! | `DELETE /fake/rooms/{room}/participants/{identity}/tracks/{sid}` | unpublish (`track_unpublished`); 204 |
//! | `DELETE /fake/rooms/{room}` | close the room (`participant_left`…, `room_finished`); 204 |
//! | `GET /fake/rooms/{room}/data` | data messages sent with `SendData` (`dataBase64`, `kind`, `topic`, …) |
//! | `POST /fake/egress/{id}/status` `{"status": "EGRESS_ACTIVE"}` | move an egress (emits its webhook) |
//! | `PUT /fake/failures/{Service}/{Method}` `{"kind": "twirp", "code", "msg", "meta"?}` or `{"kind": "http", "status", "body"}` | answer that method with this failure until `DELETE` |
//! | `GET /fake/requests` | the Twirp requests received (service, method, content type, user agent, claims) |
//! | `GET /fake/webhooks` | the webhook events emitted |
//!
//! Errors answer `{"error": "…"}` with 400, 404 or 409.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use anteroom_livekit_fake::{FakeConfig, FakeLiveKit, ParticipantSpec, TrackSpec};
//!
//! let fake = FakeLiveKit::start(FakeConfig::default()).await?;
//! let alice = fake.add_participant("demo", ParticipantSpec::new("alice").with_name("Alice"));
//! let track = fake.publish_track("demo", "alice", TrackSpec::microphone());
//! println!("{} {:?} {:?}", fake.url(), alice, track);
//! # Ok(()) }
//! ```

mod auth;
mod control;
mod egress;
mod ids;
mod protojson;
mod room_service;
mod server;
mod sip;
mod state;
mod twirp;
pub mod webhooks;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use auth::{Claims, SipGrant, VideoGrant};
pub use livekit_protocol as proto;
pub use state::{ControlError, ParticipantSpec, RecordedRequest, SentData, TrackSpec};
pub use twirp::{InjectedFailure, TwirpError};

use state::State;
use tokio::task::JoinHandle;
use webhooks::WebhookEmitter;

/// How to run the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeConfig {
    /// API keys and secrets; the first pair signs webhooks. Default: `devkey` / `secret`, like
    /// `livekit-server --dev`.
    pub keys: Vec<(String, String)>,
    /// Where webhooks are `POST`ed (none by default).
    pub webhook_urls: Vec<String>,
    /// Address to bind (default `127.0.0.1`).
    pub bind: IpAddr,
    /// Port to bind (default 0: any free port).
    pub port: u16,
    /// Delay of the automatic egress transitions STARTING → ACTIVE and ENDING → COMPLETE;
    /// `None` leaves them to [`FakeLiveKit::set_egress_status`]. Default 100 ms.
    pub egress_transition_delay: Option<Duration>,
    /// livekit-server's `room.enable_remote_unmute` (default `false`: unmuting through
    /// `MutePublishedTrack` answers `failed_precondition`).
    pub enable_remote_unmute: bool,
    /// Whether an egress service is connected (default `true`; `false` answers `internal`
    /// "egress not connected (redis required)").
    pub egress_enabled: bool,
    /// Whether a SIP service is connected (default `true`; `false` answers `internal`
    /// "sip not connected (redis required)").
    pub sip_enabled: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            keys: vec![("devkey".to_owned(), "secret".to_owned())],
            webhook_urls: Vec::new(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            egress_transition_delay: Some(Duration::from_millis(100)),
            enable_remote_unmute: false,
            egress_enabled: true,
            sip_enabled: true,
        }
    }
}

impl FakeConfig {
    /// The default configuration with one API key.
    pub fn with_key(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Self {
            keys: vec![(api_key.into(), api_secret.into())],
            ..Self::default()
        }
    }

    /// Adds a webhook URL.
    #[must_use]
    pub fn with_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_urls.push(url.into());
        self
    }
}

/// Shared server state.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) config: FakeConfig,
    pub(crate) keys: HashMap<String, String>,
    state: Mutex<State>,
    webhooks: WebhookEmitter,
}

impl App {
    /// Reads the state.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&state)
    }

    /// Mutates the state; the webhook events the closure pushes are logged and queued, in order.
    pub(crate) fn mutate<T>(
        &self,
        f: impl FnOnce(&mut State, &mut Vec<proto::WebhookEvent>) -> T,
    ) -> T {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut events = Vec::new();
        let result = f(&mut state, &mut events);
        for event in events {
            tracing::info!(event = %event.event, "webhook");
            state.webhooks.push(event.clone());
            self.webhooks.send(event);
        }
        result
    }

    /// The failure injected for `Service/Method`, if any.
    pub(crate) fn injected_failure(&self, method: &str) -> Option<InjectedFailure> {
        self.read(|s| s.failures.get(method).cloned())
    }
}

/// Routes a decoded Twirp request to its service; `None` when the method is not implemented.
pub(crate) fn dispatch(
    app: &Arc<App>,
    grants: &auth::Grants,
    service: &str,
    method: &str,
    body: &[u8],
) -> Option<Result<Vec<u8>, TwirpError>> {
    match service {
        "RoomService" => room_service::handle(app, grants, method, body),
        "Egress" => egress::handle(app, grants, method, body),
        "SIP" => sip::handle(app, grants, method, body),
        _ => None,
    }
}

/// A running fake LiveKit server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeLiveKit {
    app: Arc<App>,
    addr: SocketAddr,
    server: JoinHandle<()>,
    webhook_task: JoinHandle<()>,
}

impl Drop for FakeLiveKit {
    fn drop(&mut self) {
        self.server.abort();
        self.webhook_task.abort();
    }
}

impl FakeLiveKit {
    /// Binds and starts the server (must be called inside a Tokio runtime).
    pub async fn start(config: FakeConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((config.bind, config.port)).await?;
        let addr = listener.local_addr()?;
        let (webhooks, webhook_task) =
            WebhookEmitter::start(config.webhook_urls.clone(), config.keys.first().cloned());
        let app = Arc::new(App {
            keys: config.keys.iter().cloned().collect(),
            config,
            state: Mutex::new(State::default()),
            webhooks,
        });
        let router = server::router(Arc::clone(&app));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "fake LiveKit server stopped");
            }
        });
        tracing::info!(%addr, "fake LiveKit server listening");
        Ok(Self {
            app,
            addr,
            server,
            webhook_task,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the host the server SDKs take.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`, the URL clients would connect to (the fake has no `/rtc`).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The first API key.
    pub fn api_key(&self) -> &str {
        self.app.config.keys.first().map_or("", |(k, _)| k.as_str())
    }

    /// The first API secret.
    pub fn api_secret(&self) -> &str {
        self.app.config.keys.first().map_or("", |(_, s)| s.as_str())
    }

    /// Waits until every queued webhook has been delivered or given up on (at most 10 s).
    pub async fn webhooks_settled(&self) {
        for _ in 0..1000 {
            if self.app.webhooks.pending() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Runs until the server task ends (for the binary).
    pub async fn wait(&mut self) {
        let _ = (&mut self.server).await;
    }
}
