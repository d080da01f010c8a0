//! `[invitations]`: the e-mail invitations to rooms (`ANTEROOM__INVITATIONS__…`), checked at
//! start, and the mailer they build.

use std::sync::Arc;

use anteroom_domain::invitation::InvitationMailer;
use anteroom_notify::{InvitationConfig, SmtpInvitationMailer};
use anyhow::bail;
use serde::Deserialize;

use crate::smtp::SmtpSettings;

/// `[invitations]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvitationsSettings {
    /// `[invitations.smtp]`: the relay that sends them; unset: invitations are refused
    /// (NOT_FOUND, as a disabled feature).
    pub smtp: SmtpSettings,
    /// The frontend's origin, `http(s)://host[:port][/path]` (`APP_BASE_URL`): invitations
    /// link to `<base>/<room slug>`. Required with a relay.
    pub app_base_url: Option<String>,
}

/// Whether `url` is `http(s)://` followed by a host (then an optional port and path).
fn is_base_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !rest.contains(|c: char| c.is_whitespace() || c == '?' || c == '#')
    })
}

impl InvitationsSettings {
    /// Checks the values, naming the key of the first invalid one.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        self.smtp.validate("invitations")?;
        match &self.app_base_url {
            Some(base) if !is_base_url(base) => bail!(
                "invitations.app_base_url (ANTEROOM__INVITATIONS__APP_BASE_URL) must be http(s)://host[:port][/path]"
            ),
            None if self.smtp.url.is_some() => bail!(
                "invitations.app_base_url (ANTEROOM__INVITATIONS__APP_BASE_URL) is required with invitations.smtp.url"
            ),
            _ => {}
        }
        // Fails on an unreadable relay URL or sender address, naming the key.
        self.mailer()?;
        Ok(())
    }

    /// The mailer of invitations; `None` when no relay is configured.
    ///
    /// # Errors
    ///
    /// An unreadable relay URL or sender address, naming the key.
    pub(crate) fn mailer(&self) -> anyhow::Result<Option<Arc<dyn InvitationMailer>>> {
        let (Some(smtp), Some(base)) = (self.smtp.config(), &self.app_base_url) else {
            return Ok(None);
        };
        let mailer = SmtpInvitationMailer::new(InvitationConfig {
            smtp,
            app_base_url: base.clone(),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(Arc::new(mailer)))
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::from_toml;

    #[test]
    fn invitations_are_off_by_default() {
        let settings = from_toml("").unwrap();
        assert!(settings.invitations.mailer().unwrap().is_none());
    }

    #[test]
    fn a_relay_and_a_base_url_make_a_mailer_whose_secret_stays_hidden() {
        let settings = from_toml(
            r#"
[invitations]
app_base_url = "https://meet.example.org/"
[invitations.smtp]
url = "smtps://user:hunter2@relay.example.org:465"
from = "Meet <meet@example.org>"
timeout_secs = 3
"#,
        )
        .unwrap();
        assert!(settings.invitations.mailer().unwrap().is_some());
        assert_eq!(settings.invitations.smtp.timeout_secs, 3);
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn invalid_invitation_settings_name_the_key() {
        for (toml, key) in [
            (
                "[invitations]\napp_base_url = \"https://m.example\"\n[invitations.smtp]\nurl = \"http://relay\"\n",
                "invitations.smtp.url",
            ),
            (
                "[invitations]\napp_base_url = \"https://m.example\"\n[invitations.smtp]\nurl = \"smtp://relay\"\nfrom = \"nobody\"\n",
                "invitations.smtp.from",
            ),
            (
                "[invitations.smtp]\nurl = \"smtp://relay\"\n",
                "invitations.app_base_url",
            ),
            (
                "[invitations]\napp_base_url = \"meet.example.org\"\n",
                "invitations.app_base_url",
            ),
            (
                "[invitations]\napp_base_url = \"https://\"\n",
                "invitations.app_base_url",
            ),
            (
                "[invitations.smtp]\ntimeout_secs = 0\n",
                "invitations.smtp.timeout_secs",
            ),
            ("[invitations]\nlink = \"x\"\n", "link"),
        ] {
            let error = format!("{:#}", from_toml(toml).unwrap_err());
            assert!(error.contains(key), "{error} should name {key}");
        }
    }
}
