//! Recordings: their status machine, modes and options, their own accesses, and the
//! repository port. (The use cases arrive with the recordings feature.)

mod model;
mod ports;
mod status;

pub use model::{Recording, RecordingAccess, RecordingMode, RecordingOptions};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockRecordingRepository;
pub use ports::RecordingRepository;
pub use status::RecordingStatus;
