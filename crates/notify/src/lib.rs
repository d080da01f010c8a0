//! Anteroom's outbound adapter for mail and finished recordings:
//!
//! - [`Notifier`] implements the domain's
//!   [`RecordingNotifier`](anteroom_domain::recording::RecordingNotifier): it asks the summary
//!   (transcription) service to process a recording (HTTP `POST` of JSON with a bearer token,
//!   the answer's `job_id` kept) and e-mails the recording's owners through an SMTP relay
//!   (`lettre`), in each owner's language (English, French, Dutch, German). Every
//!   notification is retried with exponential backoff a bounded number of times, and the whole
//!   batch is bounded in time ([`RetryPolicy`]); what failed is reported, never raised.
//! - [`S3Signer`] implements [`ObjectSigner`](anteroom_domain::recording::ObjectSigner): S3
//!   Signature Version 4 headers (`aws-sigv4`) for a `GET` of a recording file, which a
//!   reverse proxy forwards to the object storage.
//! - [`SmtpInvitationMailer`] implements
//!   [`InvitationMailer`](anteroom_domain::invitation::InvitationMailer): one e-mail per
//!   room invitation (every recipient in `Bcc`, plain text and HTML, in the request's
//!   language) through an SMTP relay, tried once.
//!
//! It depends on the domain only; the server wires it.

mod invitation;
mod mail;
mod notifier;
mod retry;
mod signer;
mod summary;

pub use invitation::{InvitationConfig, SmtpInvitationMailer};
pub use mail::{SmtpConfig, render};
pub use notifier::{Notifier, NotifierConfig};
pub use retry::RetryPolicy;
pub use signer::{S3Config, S3Signer};
pub use summary::{SummaryConfig, summary_body};
