//! Users: their profile value types, the repository port and the current-user use cases.

mod email;
mod language;
mod model;
mod ports;
mod service;
mod subject;
mod timezone;

pub use email::Email;
pub use language::Language;
pub use model::{User, UserPatch};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockUserRepository;
pub use ports::UserRepository;
pub use service::{Provisioning, UserService};
pub use subject::Subject;
pub use timezone::Timezone;
