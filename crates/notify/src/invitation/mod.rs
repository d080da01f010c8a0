//! [`InvitationMailer`] over an SMTP relay: one message per invitation, from the configured
//! sender, every recipient in `Bcc` and no `To` (as the reference), plain text and HTML
//! alternatives, in the invitation's language.
//!
//! `lettre` builds the SMTP envelope from the `To`, `Cc` and `Bcc` headers (at least one
//! recipient among them) and drops the `Bcc` header from the message it sends, so each
//! recipient gets the message without seeing the others, and the message carries no
//! recipient header at all (Django does the same with `to=[]`).
//!
//! The relay is tried once: the caller is waiting for the answer. Any SMTP failure (no
//! connection, timeout, refusal) is [`Error::Unavailable`].

mod render;

use std::fmt;

use anteroom_domain::Error;
use anteroom_domain::invitation::{Invitation, InvitationMailer};
use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use crate::mail::{Mailer, SmtpConfig};

/// The name of the relay in errors.
const RELAY: &str = "mail relay";

/// Where invitations are sent from, and where their link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationConfig {
    /// The relay and the sender.
    pub smtp: SmtpConfig,
    /// The frontend's origin (`https://meet.example.org`): the link is `<base>/<slug>`.
    pub app_base_url: String,
}

/// Sends invitations through an SMTP relay.
#[derive(Clone)]
pub struct SmtpInvitationMailer {
    mailer: Mailer,
    app_base_url: String,
}

impl fmt::Debug for SmtpInvitationMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpInvitationMailer")
            .field("mailer", &self.mailer)
            .field("app_base_url", &self.app_base_url)
            .finish()
    }
}

impl SmtpInvitationMailer {
    /// A mailer over `config`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `invitations.smtp.url` or `invitations.smtp.from` when the relay
    /// URL or the sender address cannot be read.
    pub fn new(config: InvitationConfig) -> Result<Self, Error> {
        Ok(Self {
            mailer: Mailer::new(&config.smtp, "invitations")?,
            app_base_url: config.app_base_url,
        })
    }

    /// The message of `invitation`.
    fn message(&self, invitation: &Invitation) -> Result<Message, Error> {
        let link = render::room_link(&self.app_base_url, invitation);
        let mail = render::render(invitation, &link);
        let mut builder = Message::builder()
            .from(self.mailer.sender().clone())
            .subject(mail.subject);
        for recipient in invitation.recipients.as_slice() {
            let address = recipient
                .as_str()
                .parse::<Address>()
                .map_err(|_| Error::invalid("emails", "Enter a valid email address."))?;
            builder = builder.bcc(Mailbox::new(None, address));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(Error::internal)
    }
}

#[async_trait]
impl InvitationMailer for SmtpInvitationMailer {
    async fn send(&self, invitation: &Invitation) -> Result<(), Error> {
        let message = self.message(invitation)?;
        self.mailer
            .deliver(message)
            .await
            .map_err(|error| Error::unavailable(RELAY, error))
    }
}
