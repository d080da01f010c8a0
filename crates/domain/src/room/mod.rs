//! Rooms: their value types, the repository port and the room use cases.

mod access_level;
mod configuration;
mod model;
mod name;
mod ports;
mod service;
mod slug;

pub use access_level::AccessLevel;
pub use configuration::{MediaSource, RoomConfiguration};
pub use model::{PinCode, Room, RoomCursor, RoomRef, RoomView};
pub use name::RoomName;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockRoomRepository;
pub use ports::RoomRepository;
pub use service::{CreateRoom, RoomMedia, RoomPatch, RoomService, RoomSettings};
pub use slug::Slug;
