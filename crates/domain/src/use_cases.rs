//! The bundle of use cases both inbound adapters (gRPC and REST) serve.

use std::sync::Arc;

use crate::access::{AccessRepository, AccessService};
use crate::auth::{Authenticator, BearerVerifier};
use crate::clock::Clock;
use crate::room::{RoomRepository, RoomService, RoomSettings};
use crate::user::{UserRepository, UserService};

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
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// Every use case, wired to its ports.
#[derive(Clone)]
pub struct UseCases {
    /// Room use cases.
    pub rooms: RoomService,
    /// Access use cases.
    pub accesses: AccessService,
    /// Current-user use cases.
    pub users: UserService,
    /// Caller resolution.
    pub auth: Authenticator,
}

impl UseCases {
    /// Wires the use cases to their ports.
    pub fn new(ports: Ports, rooms: RoomSettings) -> Self {
        let users = UserService::new(ports.users.clone(), ports.clock.clone());
        Self {
            rooms: RoomService::new(
                ports.rooms.clone(),
                ports.accesses.clone(),
                ports.clock.clone(),
                rooms,
            ),
            accesses: AccessService::new(ports.rooms, ports.accesses, ports.users, ports.clock),
            auth: Authenticator::new(ports.verifier, users.clone()),
            users,
        }
    }
}
