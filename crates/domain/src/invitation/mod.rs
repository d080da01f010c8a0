//! E-mail invitations: a room's administrator or owner e-mails people a link to the room's
//! meeting. This module holds the validated recipients ([`Recipients`]), the mail to send
//! ([`Invitation`]), the port of the relay that sends it ([`InvitationMailer`]) and the use
//! case ([`InvitationService`]).

mod model;
mod ports;
mod recipients;
mod service;

pub use model::{Invitation, Sender};
pub use ports::InvitationMailer;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockInvitationMailer;
pub use recipients::{MAX_RECIPIENTS, Recipients};
pub use service::{InvitationService, InviteToRoom};
