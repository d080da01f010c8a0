//! Roles on rooms: resource accesses, their rules and use cases.

mod model;
pub mod policy;
mod ports;
mod role;
mod service;

pub use model::{AccessCursor, AccessWithUser, ResourceAccess};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockAccessRepository;
pub use ports::{AccessRepository, LAST_OWNER};
pub use role::Role;
pub use service::AccessService;
