//! The invitation use case: a room's administrator or owner e-mails people a link to its
//! meeting.

use std::sync::Arc;

use super::{Invitation, InvitationMailer, Recipients, Sender};
use crate::access::AccessRepository;
use crate::policy::{RoomAction, authorize};
use crate::room::{RoomRef, RoomRepository};
use crate::user::Language;
use crate::{Caller, Error};

/// What a host asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteToRoom {
    /// Who to invite.
    pub recipients: Recipients,
    /// The language of the mail (the request's); `None` → the sender's own language.
    pub language: Option<Language>,
}

/// The invitation use case.
#[derive(Clone)]
pub struct InvitationService {
    rooms: Arc<dyn RoomRepository>,
    accesses: Arc<dyn AccessRepository>,
    mailer: Option<Arc<dyn InvitationMailer>>,
}

impl InvitationService {
    /// Builds the service; without a mailer (no relay configured), invitations are refused.
    pub fn new(
        rooms: Arc<dyn RoomRepository>,
        accesses: Arc<dyn AccessRepository>,
        mailer: Option<Arc<dyn InvitationMailer>>,
    ) -> Self {
        Self {
            rooms,
            accesses,
            mailer,
        }
    }

    /// Sends one e-mail inviting every recipient to join the room's meeting, from the
    /// caller, in the request's language (else the caller's).
    ///
    /// Without a configured relay the feature is off and answers like the reference's
    /// disabled features (not found), after authentication and before the room is looked up.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers; [`Error::NotFound`] ("E-mail
    /// invitations are not enabled on this server.") without a relay, or for an unknown room;
    /// [`Error::PermissionDenied`] for callers who are not administrator or owner of the room;
    /// [`Error::Unavailable`] when a store or the relay cannot be reached, or the relay
    /// refuses the message.
    #[tracing::instrument(skip_all, fields(recipients = request.recipients.as_slice().len()))]
    pub async fn invite(
        &self,
        caller: &Caller,
        room: &RoomRef,
        request: InviteToRoom,
    ) -> Result<(), Error> {
        let user = caller.require_user()?;
        let mailer = self.mailer.as_ref().ok_or_else(|| {
            Error::NotFound("E-mail invitations are not enabled on this server.".to_owned())
        })?;
        let room = room.resolve(self.rooms.as_ref()).await?;
        let role = self.accesses.role_of(room.id, user.id).await?;
        authorize(RoomAction::Invite, true, role)?;
        let invitation = Invitation {
            room_slug: room.slug,
            room_name: room.name,
            sender: Sender::of(user),
            recipients: request.recipients,
            language: request.language.unwrap_or(user.language),
        };
        mailer.send(&invitation).await?;
        tracing::info!(room_id = %room.id, "invitation sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests;
