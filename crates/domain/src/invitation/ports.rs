//! The port of the relay that sends invitations.

use async_trait::async_trait;

use super::Invitation;
use crate::Error;

/// Sends invitation e-mails.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InvitationMailer: Send + Sync {
    /// Sends one message to every recipient of `invitation` (blind copies: no recipient sees
    /// the others), from the configured sender.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the relay cannot be reached, does not answer in time, or
    ///   refuses the message or one of its recipients (nothing is retried);
    /// - [`Error::Invalid`] on `emails` when the relay's address syntax refuses a recipient
    ///   that [`Recipients`](super::Recipients) accepted.
    async fn send(&self, invitation: &Invitation) -> Result<(), Error>;
}
