//! Who is calling: anonymous (with an optional lobby participant id) or an authenticated user.

use crate::Error;
use crate::id::ParticipantId;
use crate::user::User;

/// The authenticated (or not) origin of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anonymous {
        /// The lobby participant id the caller presented, if any.
        participant: Option<ParticipantId>,
    },
    /// An active user, provisioned from a verified bearer token or a session.
    User(User),
}

impl Caller {
    /// An anonymous caller without participant id.
    pub const fn anonymous() -> Self {
        Self::Anonymous { participant: None }
    }

    /// The user behind the call, if authenticated.
    pub const fn user(&self) -> Option<&User> {
        match self {
            Self::User(user) => Some(user),
            Self::Anonymous { .. } => None,
        }
    }

    /// Whether the caller is authenticated.
    pub const fn is_authenticated(&self) -> bool {
        matches!(self, Self::User(_))
    }

    /// The user behind the call.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers.
    pub fn require_user(&self) -> Result<&User, Error> {
        self.user().ok_or_else(|| {
            Error::Unauthenticated("Authentication credentials were not provided.".to_owned())
        })
    }
}
