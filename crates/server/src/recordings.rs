//! `[recordings]`: the recording settings (`ANTEROOM__RECORDINGS__…`), checked at start, and
//! what they build: the domain's recording settings, the notifier (summary service, SMTP
//! relay), the download signer and the S3 output of the egress.

use std::time::Duration;

use anteroom_domain::recording::RecordingSettings;
use anteroom_livekit::{S3Output, VideoEncoding};
use anteroom_notify::{Notifier, NotifierConfig, RetryPolicy, S3Config, S3Signer, SummaryConfig};
use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::smtp::SmtpSettings;

/// `[recordings]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingsSettings {
    /// Whether rooms may be recorded (`ENABLED`; off: start/stop answer NOT_FOUND).
    pub enabled: bool,
    /// The object key prefix of recording files (`OUTPUT_FOLDER`).
    pub output_folder: String,
    /// `[recordings.storage]`: the S3 bucket the egress writes to.
    pub storage: StorageSettings,
    /// `[recordings.storage_events]`: the storage hook.
    pub storage_events: StorageEventsSettings,
    /// After how many days recordings expire (`EXPIRATION_DAYS`; unset: never).
    pub expiration_days: Option<u32>,
    /// Where users download recordings, `<base>/<recording id>` (`DOWNLOAD_BASE_URL`; unset:
    /// mails and the summary service get no link).
    pub download_base_url: Option<String>,
    /// `[recordings.summary]`: the summary (transcription) service.
    pub summary: SummarySettings,
    /// `[recordings.smtp]`: the relay that mails owners.
    pub smtp: SmtpSettings,
    /// How many times a notification is attempted (`NOTIFY_ATTEMPTS`).
    pub notify_attempts: u32,
    /// How long the notifications of one recording may take, retries included
    /// (`NOTIFY_DEADLINE_SECS`).
    pub notify_deadline_secs: u64,
    /// The encoding of video recordings (`VIDEO_ENCODING`): `h264_720p_30`, `h264_720p_60`,
    /// `h264_1080p_30` or `h264_1080p_60`; unset → LiveKit's default (H.264 1080p 30 fps).
    pub video_encoding: Option<String>,
}

impl Default for RecordingsSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            output_folder: "recordings".to_owned(),
            storage: StorageSettings::default(),
            storage_events: StorageEventsSettings::default(),
            expiration_days: None,
            download_base_url: None,
            summary: SummarySettings::default(),
            smtp: SmtpSettings::default(),
            notify_attempts: 3,
            notify_deadline_secs: 30,
            video_encoding: None,
        }
    }
}

/// `[recordings.storage]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// The bucket (`BUCKET`).
    pub bucket: String,
    /// An S3-compatible endpoint (`ENDPOINT`, `http://minio:9000`); unset: AWS.
    pub endpoint: Option<String>,
    /// The region (`REGION`; default `us-east-1`).
    pub region: Option<String>,
    /// The access key id (`ACCESS_KEY`).
    pub access_key: Option<String>,
    /// The secret access key (`SECRET_KEY`).
    pub secret_key: Option<SecretString>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            bucket: "anteroom-recordings".to_owned(),
            endpoint: None,
            region: None,
            access_key: None,
            secret_key: None,
        }
    }
}

/// `[recordings.storage_events]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageEventsSettings {
    /// Whether the storage hook finalises recordings (`ENABLED`; off: `egress_ended` does).
    pub enabled: bool,
    /// The bearer token the hook requires (`TOKEN`).
    pub token: Option<SecretString>,
}

/// `[recordings.summary]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummarySettings {
    /// The service's endpoint (`URL`; unset: summaries fail and recordings stay `saved`).
    pub url: Option<String>,
    /// The bearer token sent to it (`TOKEN`).
    pub token: Option<SecretString>,
    /// The bearer token its callback presents (`CALLBACK_TOKEN`).
    pub callback_token: Option<SecretString>,
    /// The timeout of one request, in seconds (`TIMEOUT_SECS`).
    pub timeout_secs: u64,
}

impl Default for SummarySettings {
    fn default() -> Self {
        Self {
            url: None,
            token: None,
            callback_token: None,
            timeout_secs: 10,
        }
    }
}

fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

impl RecordingsSettings {
    /// Checks the values, naming the key of the first invalid one.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        self.video_encoding()?;
        let folder = self.output_folder.trim_matches('/');
        if folder.is_empty() || folder.contains("//") {
            bail!(
                "recordings.output_folder (ANTEROOM__RECORDINGS__OUTPUT_FOLDER) must be a non-empty key prefix"
            );
        }
        if self.storage.bucket.trim().is_empty() {
            bail!(
                "recordings.storage.bucket (ANTEROOM__RECORDINGS__STORAGE__BUCKET) must not be empty"
            );
        }
        if let Some(endpoint) = &self.storage.endpoint
            && !is_http(endpoint)
        {
            bail!(
                "recordings.storage.endpoint (ANTEROOM__RECORDINGS__STORAGE__ENDPOINT) must start with http:// or https://"
            );
        }
        if self.storage.access_key.is_some() != self.storage.secret_key.is_some() {
            bail!(
                "recordings.storage.access_key and recordings.storage.secret_key (ANTEROOM__RECORDINGS__STORAGE__ACCESS_KEY, __SECRET_KEY) go together"
            );
        }
        if self.storage_events.enabled && self.storage_events.token.is_none() {
            bail!(
                "recordings.storage_events.token (ANTEROOM__RECORDINGS__STORAGE_EVENTS__TOKEN) is required when storage events are enabled"
            );
        }
        if self.expiration_days == Some(0) {
            bail!(
                "recordings.expiration_days (ANTEROOM__RECORDINGS__EXPIRATION_DAYS) must be positive"
            );
        }
        if let Some(base) = &self.download_base_url
            && !is_http(base)
        {
            bail!(
                "recordings.download_base_url (ANTEROOM__RECORDINGS__DOWNLOAD_BASE_URL) must start with http:// or https://"
            );
        }
        if let Some(url) = &self.summary.url {
            if !is_http(url) {
                bail!(
                    "recordings.summary.url (ANTEROOM__RECORDINGS__SUMMARY__URL) must start with http:// or https://"
                );
            }
            if self.summary.token.is_none() {
                bail!(
                    "recordings.summary.token (ANTEROOM__RECORDINGS__SUMMARY__TOKEN) is required with recordings.summary.url"
                );
            }
        }
        self.smtp.validate("recordings")?;
        if self.summary.timeout_secs == 0 {
            bail!(
                "recordings.summary.timeout_secs (ANTEROOM__RECORDINGS__SUMMARY__TIMEOUT_SECS) must be positive"
            );
        }
        if self.notify_attempts == 0 || self.notify_deadline_secs == 0 {
            bail!(
                "recordings.notify_attempts and recordings.notify_deadline_secs (ANTEROOM__RECORDINGS__NOTIFY_ATTEMPTS, __NOTIFY_DEADLINE_SECS) must be positive"
            );
        }
        // Fails on an unreadable relay URL or sender address, naming the key.
        self.notifier()?;
        Ok(())
    }

    /// The domain's recording settings.
    pub(crate) fn domain(&self) -> RecordingSettings {
        let secret = |s: &Option<SecretString>| s.as_ref().map(|s| s.expose_secret().to_owned());
        RecordingSettings {
            enabled: self.enabled,
            output_folder: self.output_folder.trim_matches('/').to_owned(),
            bucket: self.storage.bucket.clone(),
            storage_events_enabled: self.storage_events.enabled,
            storage_events_token: secret(&self.storage_events.token),
            summary_callback_token: secret(&self.summary.callback_token),
            expiration_days: self.expiration_days,
            download_base_url: self.download_base_url.clone(),
        }
    }

    /// The notifier of stored recordings.
    ///
    /// # Errors
    ///
    /// An unreadable relay URL or sender address, naming the key.
    pub(crate) fn notifier(&self) -> anyhow::Result<Notifier> {
        let summary = match (&self.summary.url, &self.summary.token) {
            (Some(url), Some(token)) => Some(SummaryConfig {
                url: url.clone(),
                token: token.expose_secret().to_owned(),
                timeout: Duration::from_secs(self.summary.timeout_secs),
            }),
            _ => None,
        };
        Notifier::new(NotifierConfig {
            summary,
            smtp: self.smtp.config(),
            retry: RetryPolicy {
                attempts: self.notify_attempts,
                first_delay: Duration::from_millis(500),
                deadline: Duration::from_secs(self.notify_deadline_secs),
            },
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn region(&self) -> String {
        self.storage
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned())
    }

    /// The download signer (refusing every download without storage credentials).
    pub(crate) fn signer(&self) -> S3Signer {
        match (&self.storage.access_key, &self.storage.secret_key) {
            (Some(access_key), Some(secret_key)) => S3Signer::new(S3Config {
                endpoint: self.storage.endpoint.clone(),
                region: self.region(),
                bucket: self.storage.bucket.clone(),
                access_key: access_key.clone(),
                secret_key: secret_key.expose_secret().to_owned(),
            }),
            _ => S3Signer::unconfigured(),
        }
    }

    /// Where the egress uploads files: the bucket, when storage credentials are set (else
    /// the egress writes a local file named by the key).
    /// The encoding preset of video recordings.
    ///
    /// # Errors
    ///
    /// When `recordings.video_encoding` names no preset.
    pub(crate) fn video_encoding(&self) -> anyhow::Result<Option<VideoEncoding>> {
        self.video_encoding
            .as_deref()
            .map(|name| {
                VideoEncoding::from_name(name).ok_or_else(|| {
                    anyhow::anyhow!(
                        "recordings.video_encoding (ANTEROOM__RECORDINGS__VIDEO_ENCODING) must be h264_720p_30, h264_720p_60, h264_1080p_30 or h264_1080p_60"
                    )
                })
            })
            .transpose()
    }

    pub(crate) fn egress_output(&self) -> Option<S3Output> {
        let (Some(access_key), Some(secret_key)) =
            (&self.storage.access_key, &self.storage.secret_key)
        else {
            return None;
        };
        Some(S3Output {
            access_key: access_key.clone(),
            secret: secret_key.expose_secret().to_owned(),
            region: self.region(),
            endpoint: self.storage.endpoint.clone().unwrap_or_default(),
            bucket: self.storage.bucket.clone(),
            force_path_style: self.storage.endpoint.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::from_toml;

    #[test]
    fn recordings_are_off_by_default() {
        let settings = from_toml("").unwrap();
        let domain = settings.recordings.domain();
        assert!(!domain.enabled && !domain.storage_events_enabled);
        assert_eq!(domain.output_folder, "recordings");
        assert_eq!(domain.bucket, "anteroom-recordings");
        assert!(settings.recordings.egress_output().is_none());
    }

    #[test]
    fn the_section_sets_everything() {
        let settings = from_toml(
            r#"
[recordings]
enabled = true
output_folder = "/media/rec/"
expiration_days = 30
download_base_url = "https://meet.example/recordings"
[recordings.storage]
bucket = "b"
endpoint = "http://minio:9000"
access_key = "ak"
secret_key = "sk"
[recordings.storage_events]
enabled = true
token = "st"
[recordings.summary]
url = "http://summary/api/"
token = "t"
callback_token = "cb"
[recordings.smtp]
url = "smtp://relay:25"
from = "Meet <meet@example.org>"
"#,
        )
        .unwrap();
        let domain = settings.recordings.domain();
        assert!(domain.enabled && domain.storage_events_enabled);
        assert_eq!(domain.output_folder, "media/rec");
        assert_eq!(domain.storage_events_token.as_deref(), Some("st"));
        assert_eq!(domain.summary_callback_token.as_deref(), Some("cb"));
        assert_eq!(domain.expiration_days, Some(30));
        let output = settings.recordings.egress_output().unwrap();
        assert_eq!(output.bucket, "b");
        assert_eq!(output.region, "us-east-1");
        assert!(output.force_path_style);
        assert!(!format!("{settings:?}").contains("\"sk\""));
    }

    #[test]
    fn invalid_recording_settings_name_the_key() {
        for (toml, key) in [
            (
                "[recordings]\noutput_folder = \"/\"\n",
                "recordings.output_folder",
            ),
            (
                "[recordings.storage]\nendpoint = \"minio:9000\"\n",
                "recordings.storage.endpoint",
            ),
            (
                "[recordings.storage]\naccess_key = \"ak\"\n",
                "recordings.storage.access_key",
            ),
            (
                "[recordings.storage_events]\nenabled = true\n",
                "recordings.storage_events.token",
            ),
            (
                "[recordings.summary]\nurl = \"http://s\"\n",
                "recordings.summary.token",
            ),
            (
                "[recordings.smtp]\nurl = \"http://relay\"\n",
                "recordings.smtp.url",
            ),
            (
                "[recordings.smtp]\nurl = \"smtp://relay\"\nfrom = \"nobody\"\n",
                "recordings.smtp.from",
            ),
            (
                "[recordings]\nexpiration_days = 0\n",
                "recordings.expiration_days",
            ),
            (
                "[recordings]\nnotify_attempts = 0\n",
                "recordings.notify_attempts",
            ),
            ("[recordings]\nenabledd = true\n", "enabledd"),
        ] {
            let error = format!("{:#}", from_toml(toml).unwrap_err());
            assert!(error.contains(key), "{error} should name {key}");
        }
    }
}
