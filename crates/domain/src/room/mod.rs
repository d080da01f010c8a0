//! Rooms: their value types, the repository port and the room use cases, with the read-once
//! creation callback.

mod access_level;
mod callback_id;
mod configuration;
mod creation_callback;
mod model;
mod name;
mod ports;
mod service;
mod slug;

pub use access_level::AccessLevel;
pub use callback_id::CallbackId;
pub use configuration::{MediaSource, RoomConfiguration};
pub use creation_callback::{CreationCallbackService, CreationCallbackSettings};
pub use model::{PinCode, Room, RoomCursor, RoomRef, RoomView};
pub use name::RoomName;
pub use ports::{CreationCallbacks, RoomRepository};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockCreationCallbacks, MockRoomRepository};
pub use service::{CreateRoom, RoomMedia, RoomPatch, RoomService, RoomSettings};
pub use slug::Slug;
