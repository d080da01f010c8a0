//! The bundle of use cases both inbound adapters (gRPC and REST) serve.

use std::sync::Arc;

use crate::access::{AccessRepository, AccessService};
use crate::auth::{Authenticator, BearerVerifier};
use crate::clock::Clock;
use crate::invitation::{InvitationMailer, InvitationService};
use crate::lobby::{EventBus, LobbyPorts, LobbyService, LobbySettings, LobbyStore, RateLimiter};
use crate::media::{
    MediaServer, MediaTokenVerifier, RecordingEgress, TokenIssuer, WebhookKind, WebhookVerifier,
};
use crate::moderation::{ModerationPorts, ModerationService};
use crate::recording::{
    ObjectSigner, RecordingNotifier, RecordingPorts, RecordingRepository, RecordingService,
    RecordingSettings,
};
use crate::room::{
    CreationCallbackService, CreationCallbacks, RoomMedia, RoomRepository, RoomService,
    RoomSettings,
};
use crate::user::{UserRepository, UserService, UserSettings};
use crate::webhook::{
    EgressEnded, EgressUpdated, EventLedger, RoomFilter, RoomFinished, RoomStarted, WebhookService,
};

/// The outbound ports the use cases run on.
#[derive(Clone)]
pub struct Ports {
    /// Rooms.
    pub rooms: Arc<dyn RoomRepository>,
    /// Accesses.
    pub accesses: Arc<dyn AccessRepository>,
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Bearer token verification; `None` when no identity provider is configured.
    pub verifier: Option<Arc<dyn BearerVerifier>>,
    /// The media server's rooms and participants.
    pub media: Arc<dyn MediaServer>,
    /// Join tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// LiveKit tokens presented by participants.
    pub media_tokens: Arc<dyn MediaTokenVerifier>,
    /// LiveKit webhooks.
    pub webhooks: Arc<dyn WebhookVerifier>,
    /// The lobby.
    pub lobby: Arc<dyn LobbyStore>,
    /// Lobby events, shared by replicas.
    pub events: Arc<dyn EventBus>,
    /// Request rates, shared by replicas.
    pub limiter: Arc<dyn RateLimiter>,
    /// New rooms' slugs left for the creation callback, shared by replicas.
    pub creation_callbacks: Arc<dyn CreationCallbacks>,
    /// Handled event ids.
    pub ledger: Arc<dyn EventLedger>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Recordings and their accesses.
    pub recordings: Arc<dyn RecordingRepository>,
    /// The media server's recording egress.
    pub egress: Arc<dyn RecordingEgress>,
    /// Notifications of stored recordings (summary service, owners' e-mails).
    pub notifier: Arc<dyn RecordingNotifier>,
    /// Signatures of recording downloads.
    pub signer: Arc<dyn ObjectSigner>,
    /// The relay of e-mail invitations; `None` when none is configured (invitations are then
    /// refused).
    pub invitations: Option<Arc<dyn InvitationMailer>>,
}

/// Deployment choices the use cases follow.
#[derive(Clone, Default)]
pub struct Settings {
    /// Rooms and join tokens.
    pub rooms: RoomSettings,
    /// The lobby's lifetimes and rate limit.
    pub lobby: LobbySettings,
    /// The LiveKit rooms whose webhooks are handled here (`None` → all).
    pub webhook_room_filter: Option<Arc<dyn RoomFilter>>,
    /// Recordings: feature flag, storage, hooks' tokens.
    pub recordings: RecordingSettings,
    /// Users: whether they may be listed.
    pub users: UserSettings,
}

/// Every use case, wired to its ports.
#[derive(Clone)]
pub struct UseCases {
    /// Room use cases.
    pub rooms: RoomService,
    /// The room creation callback (read-once slugs).
    pub creation_callbacks: CreationCallbackService,
    /// Access use cases.
    pub accesses: AccessService,
    /// Current-user use cases.
    pub users: UserService,
    /// Caller resolution.
    pub auth: Authenticator,
    /// Moderation of live meetings.
    pub moderation: ModerationService,
    /// LiveKit webhook intake.
    pub webhooks: WebhookService,
    /// Joining rooms and their lobbies.
    pub lobby: LobbyService,
    /// Recordings.
    pub recordings: RecordingService,
    /// E-mail invitations to rooms.
    pub invitations: InvitationService,
}

impl UseCases {
    /// Wires the use cases to their ports.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        let users = UserService::new(ports.users.clone(), ports.clock.clone(), settings.users);
        let invitations = InvitationService::new(
            ports.rooms.clone(),
            ports.accesses.clone(),
            ports.invitations,
        );
        let creation_callbacks = CreationCallbackService::new(
            ports.creation_callbacks,
            ports.limiter.clone(),
            settings.rooms.creation_callback,
        );
        let media = RoomMedia {
            server: ports.media.clone(),
            tokens: ports.tokens.clone(),
        };
        let lobby = LobbyService::new(
            LobbyPorts {
                rooms: ports.rooms.clone(),
                accesses: ports.accesses.clone(),
                store: ports.lobby.clone(),
                events: ports.events,
                limiter: ports.limiter,
                tokens: ports.tokens,
                media: ports.media.clone(),
                clock: ports.clock.clone(),
            },
            LobbySettings {
                join: settings.rooms.join,
                ..settings.lobby
            },
        );
        let recordings = RecordingService::new(
            RecordingPorts {
                recordings: ports.recordings,
                rooms: ports.rooms.clone(),
                accesses: ports.accesses.clone(),
                users: ports.users.clone(),
                egress: ports.egress,
                media: ports.media.clone(),
                notifier: ports.notifier,
                signer: ports.signer,
                clock: ports.clock.clone(),
            },
            settings.recordings,
        );
        let webhooks =
            WebhookService::new(ports.webhooks, ports.ledger, settings.webhook_room_filter)
                .with_handler(WebhookKind::RoomStarted, Arc::new(RoomStarted))
                .with_handler(
                    WebhookKind::RoomFinished,
                    Arc::new(RoomFinished::new(ports.lobby.clone())),
                )
                .with_handler(
                    WebhookKind::EgressUpdated,
                    Arc::new(EgressUpdated::new(recordings.clone())),
                )
                .with_handler(
                    WebhookKind::EgressEnded,
                    Arc::new(EgressEnded::new(recordings.clone())),
                );
        Self {
            rooms: RoomService::new(
                ports.rooms.clone(),
                ports.accesses.clone(),
                media,
                creation_callbacks.clone(),
                ports.clock.clone(),
                settings.rooms,
            ),
            creation_callbacks,
            moderation: ModerationService::new(ModerationPorts {
                rooms: ports.rooms.clone(),
                accesses: ports.accesses.clone(),
                users: ports.users.clone(),
                media: ports.media,
                media_tokens: ports.media_tokens,
                lobby: ports.lobby,
                clock: ports.clock.clone(),
            }),
            accesses: AccessService::new(ports.rooms, ports.accesses, ports.users, ports.clock),
            auth: Authenticator::new(ports.verifier, users.clone()),
            users,
            webhooks,
            lobby,
            recordings,
            invitations,
        }
    }
}
