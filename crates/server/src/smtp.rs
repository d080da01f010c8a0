//! `[<section>.smtp]`: a mail relay, the same shape wherever mail is sent from
//! (`[recordings.smtp]` for owners' mails, `[invitations.smtp]` for room invitations).

use std::time::Duration;

use anteroom_notify::SmtpConfig;
use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// `[<section>.smtp]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// The relay (`URL`): `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465`; unset: no mail is sent from this section (owners
    /// are not mailed and recordings stay `saved`; invitations are refused).
    pub url: Option<SecretString>,
    /// The sender (`FROM`).
    pub from: String,
    /// The timeout of one SMTP exchange, in seconds (`TIMEOUT_SECS`).
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            url: None,
            from: "Anteroom <noreply@localhost>".to_owned(),
            timeout_secs: 10,
        }
    }
}

impl SmtpSettings {
    /// Checks the values, naming the key under `section` (`recordings`, `invitations`). The
    /// sender and the URL's details are read by the mailer, which names its key too.
    pub(crate) fn validate(&self, section: &str) -> anyhow::Result<()> {
        let env = section.to_ascii_uppercase();
        if let Some(url) = &self.url {
            let url = url.expose_secret();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                bail!(
                    "{section}.smtp.url (ANTEROOM__{env}__SMTP__URL) must start with smtp:// or smtps://"
                );
            }
        }
        if self.timeout_secs == 0 {
            bail!(
                "{section}.smtp.timeout_secs (ANTEROOM__{env}__SMTP__TIMEOUT_SECS) must be positive"
            );
        }
        Ok(())
    }

    /// The relay's configuration, when a relay is set.
    pub(crate) fn config(&self) -> Option<SmtpConfig> {
        self.url.as_ref().map(|url| SmtpConfig {
            url: url.expose_secret().to_owned(),
            from: self.from.clone(),
            timeout: Duration::from_secs(self.timeout_secs),
        })
    }
}
