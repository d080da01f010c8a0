//! The invitation a mailer sends.

use super::Recipients;
use crate::room::{RoomName, Slug};
use crate::user::{Email, Language, User};

/// Who invites: the caller, as the mail names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// Its e-mail address.
    pub email: Option<Email>,
    /// Its full name, else its short name.
    pub name: Option<String>,
}

impl Sender {
    /// The sender of an invitation made by `user`.
    pub fn of(user: &User) -> Self {
        let name = [&user.full_name, &user.short_name]
            .into_iter()
            .flatten()
            .map(|name| name.trim())
            .find(|name| !name.is_empty())
            .map(str::to_owned);
        Self {
            email: user.email.clone(),
            name,
        }
    }

    /// How the mail names the sender: its address, else its name; `None` when it has neither.
    pub fn label(&self) -> Option<&str> {
        self.email
            .as_ref()
            .map(Email::as_str)
            .or(self.name.as_deref())
    }
}

/// One e-mail inviting every recipient (each hidden from the others) to join a room's meeting
/// at `<frontend>/<slug>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The room's slug: the last segment of the link.
    pub room_slug: Slug,
    /// The room's name.
    pub room_name: RoomName,
    /// Who invites.
    pub sender: Sender,
    /// Who is invited.
    pub recipients: Recipients,
    /// The language of the mail.
    pub language: Language,
}
