//! How the adapter reaches LiveKit: URLs, credentials, token lifetime, timeouts, storage.

use std::fmt;
use std::time::Duration;

/// The default lifetime of a join token (LiveKit's SDK default).
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_hours(6);

/// The default timeout of one server API request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Where room composite egresses upload their file: an S3-compatible bucket.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Output {
    /// The access key id.
    pub access_key: String,
    /// The secret access key (never printed by `Debug`).
    pub secret: String,
    /// The region (`us-east-1`, or anything for MinIO).
    pub region: String,
    /// The endpoint of an S3-compatible store; empty for AWS.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// Path-style addressing (`endpoint/bucket/key`), needed by MinIO.
    pub force_path_style: bool,
}

impl fmt::Debug for S3Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Output")
            .field("access_key", &self.access_key)
            .field("secret", &"<redacted>")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("force_path_style", &self.force_path_style)
            .finish()
    }
}

/// The LiveKit settings.
#[derive(Clone, PartialEq, Eq)]
pub struct LivekitConfig {
    /// The URL given to clients (`ws://` or `wss://`).
    pub url: String,
    /// The URL of the server API (`http://` or `https://`).
    pub api_url: String,
    /// The API key (the `iss` of every token).
    pub api_key: String,
    /// The API secret (HS256 key; never printed by `Debug`).
    pub api_secret: String,
    /// The lifetime of a join token when the grant does not carry one (default 6 h).
    pub token_ttl: Duration,
    /// The timeout of one server API request (default 5 s).
    pub request_timeout: Duration,
    /// Where egresses upload; `None` → a plain file output whose path is the object key.
    pub egress_storage: Option<S3Output>,
    /// The encoding of video recordings; `None` → LiveKit's default (H.264 1080p 30 fps).
    pub video_encoding: Option<VideoEncoding>,
}

/// An encoding preset of video recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoEncoding {
    /// H.264, 1280×720, 30 fps.
    H264720p30,
    /// H.264, 1280×720, 60 fps.
    H264720p60,
    /// H.264, 1920×1080, 30 fps.
    H2641080p30,
    /// H.264, 1920×1080, 60 fps.
    H2641080p60,
}

impl VideoEncoding {
    /// The preset's setting name (`h264_720p_30`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::H264720p30 => "h264_720p_30",
            Self::H264720p60 => "h264_720p_60",
            Self::H2641080p30 => "h264_1080p_30",
            Self::H2641080p60 => "h264_1080p_60",
        }
    }

    /// The preset of a setting name, if known.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::H264720p30,
            Self::H264720p60,
            Self::H2641080p30,
            Self::H2641080p60,
        ]
        .into_iter()
        .find(|preset| preset.name() == name)
    }

    /// The egress encoding options of the preset.
    pub(crate) fn options(self) -> livekit_api::services::egress::encoding::EncodingOptions {
        use livekit_api::services::egress::encoding;
        match self {
            Self::H264720p30 => encoding::H264_720P_30,
            Self::H264720p60 => encoding::H264_720P_60,
            Self::H2641080p30 => encoding::H264_1080P_30,
            Self::H2641080p60 => encoding::H264_1080P_60,
        }
    }
}

impl LivekitConfig {
    /// Settings with the API URL derived from `url` ([`api_url_from`]) and default TTL and
    /// timeout.
    pub fn new(
        url: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        let url = url.into();
        Self {
            api_url: api_url_from(&url),
            url,
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            token_ttl: DEFAULT_TOKEN_TTL,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            egress_storage: None,
            video_encoding: None,
        }
    }

    /// The same settings with another server API request timeout.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The same settings with another default token lifetime.
    #[must_use]
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The same settings with video recordings in another encoding.
    #[must_use]
    pub fn with_video_encoding(mut self, encoding: VideoEncoding) -> Self {
        self.video_encoding = Some(encoding);
        self
    }

    /// The same settings with egresses uploading to an S3 bucket.
    #[must_use]
    pub fn with_egress_storage(mut self, storage: S3Output) -> Self {
        self.egress_storage = Some(storage);
        self
    }
}

impl fmt::Debug for LivekitConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivekitConfig")
            .field("url", &self.url)
            .field("api_url", &self.api_url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("token_ttl", &self.token_ttl)
            .field("request_timeout", &self.request_timeout)
            .field("egress_storage", &self.egress_storage)
            .field("video_encoding", &self.video_encoding)
            .finish()
    }
}

/// The server API URL for a client URL: `ws://` → `http://`, `wss://` → `https://`; any
/// other URL is returned unchanged. A trailing `/` is dropped.
pub fn api_url_from(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_api_url_from_the_client_url() {
        assert_eq!(
            api_url_from("wss://lk.example.org"),
            "https://lk.example.org"
        );
        assert_eq!(
            api_url_from("ws://127.0.0.1:7880/"),
            "http://127.0.0.1:7880"
        );
        assert_eq!(
            api_url_from("https://lk.example.org"),
            "https://lk.example.org"
        );
        let config = LivekitConfig::new("ws://localhost:7880", "key", "secret");
        assert_eq!(config.api_url, "http://localhost:7880");
        assert_eq!(config.token_ttl, DEFAULT_TOKEN_TTL);
        assert_eq!(config.request_timeout, DEFAULT_REQUEST_TIMEOUT);
    }

    #[test]
    fn debug_hides_the_secrets() {
        let config =
            LivekitConfig::new("ws://x", "key", "top-secret").with_egress_storage(S3Output {
                secret: "s3-secret".to_owned(),
                ..S3Output::default()
            });
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("top-secret") && !shown.contains("s3-secret"),
            "{shown}"
        );
    }
}
