//! Users: their profile value types, the repository port, the current-user use cases and the
//! user listing (off unless the deployment allows it).

mod email;
mod language;
mod model;
mod ports;
mod search;
mod service;
mod subject;
mod timezone;

pub use email::Email;
pub use language::Language;
pub use model::{User, UserCursor, UserPatch};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockUserRepository;
pub use ports::UserRepository;
pub use search::EmailFragment;
pub use service::{Provisioning, UserService, UserSettings};
pub use subject::Subject;
pub use timezone::Timezone;
