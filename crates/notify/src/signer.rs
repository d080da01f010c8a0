//! [`ObjectSigner`] with S3 Signature Version 4 (`aws-sigv4`): the headers a reverse proxy
//! adds to a `GET` of a recording file so that the object storage serves it.

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use anteroom_domain::Error;
use anteroom_domain::recording::{ObjectSigner, SignedRequest};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use chrono::{DateTime, Utc};

/// The object storage holding recording files.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// An S3-compatible endpoint (`http://minio:9000`), addressed path-style; `None` for AWS
    /// (`https://<bucket>.s3.<region>.amazonaws.com`).
    pub endpoint: Option<String>,
    /// The region (`us-east-1`; anything for MinIO).
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key (never printed by `Debug`).
    pub secret_key: String,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

impl S3Config {
    /// The URL of an object.
    pub fn object_url(&self, key: &str) -> String {
        let key = encode_key(key);
        match &self.endpoint {
            Some(endpoint) => format!(
                "{}/{}/{key}",
                endpoint.trim_end_matches('/'),
                encode_key(&self.bucket)
            ),
            None => format!(
                "https://{}.s3.{}.amazonaws.com/{key}",
                self.bucket, self.region
            ),
        }
    }
}

/// Percent-encodes an object key for a URL path (RFC 3986 unreserved characters and `/`
/// are kept).
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.trim_start_matches('/').bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The header names as the reference's proxies expect them.
fn header_name(name: &str) -> String {
    match name {
        "authorization" => "Authorization".to_owned(),
        "x-amz-date" => "X-Amz-Date".to_owned(),
        "x-amz-content-sha256" => "X-Amz-Content-SHA256".to_owned(),
        "x-amz-security-token" => "X-Amz-Security-Token".to_owned(),
        other => other.to_owned(),
    }
}

/// Signs `GET`s of recording files; without a storage configuration every signature is
/// refused as [`Error::Unavailable`].
#[derive(Debug, Clone, Default)]
pub struct S3Signer {
    config: Option<S3Config>,
}

impl S3Signer {
    /// A signer for this storage.
    pub fn new(config: S3Config) -> Self {
        Self {
            config: Some(config),
        }
    }

    /// A signer for a deployment without object storage credentials.
    pub fn unconfigured() -> Self {
        Self { config: None }
    }
}

impl ObjectSigner for S3Signer {
    fn sign_get(&self, key: &str, at: DateTime<Utc>) -> Result<SignedRequest, Error> {
        let Some(config) = &self.config else {
            return Err(Error::unavailable(
                "storage",
                "no object storage credentials are configured",
            ));
        };
        let url = config.object_url(key);
        let identity = Credentials::new(
            config.access_key.clone(),
            config.secret_key.clone(),
            None,
            None,
            "anteroom-settings",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&config.region)
            .name("s3")
            .time(SystemTime::from(at))
            .settings(settings)
            .build()
            .map_err(Error::internal)?
            .into();
        let request =
            SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(&[]))
                .map_err(Error::internal)?;
        let (instructions, _) = sign(request, &params)
            .map_err(Error::internal)?
            .into_parts();
        let headers = instructions
            .headers()
            .map(|(name, value)| (header_name(name), value.to_owned()))
            .collect();
        Ok(SignedRequest { url, headers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: Option<&str>) -> S3Config {
        S3Config {
            endpoint: endpoint.map(str::to_owned),
            region: "us-east-1".to_owned(),
            bucket: "anteroom-recordings".to_owned(),
            access_key: "AKIDEXAMPLE".to_owned(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
        }
    }

    #[test]
    fn object_urls_are_path_style_on_endpoints_and_virtual_hosted_on_aws() {
        assert_eq!(
            config(Some("http://minio:9000/")).object_url("recordings/a b.mp4"),
            "http://minio:9000/anteroom-recordings/recordings/a%20b.mp4"
        );
        assert_eq!(
            config(None).object_url("recordings/x.ogg"),
            "https://anteroom-recordings.s3.us-east-1.amazonaws.com/recordings/x.ogg"
        );
    }

    #[test]
    fn without_configuration_nothing_is_signed() {
        assert!(matches!(
            S3Signer::unconfigured().sign_get("k", Utc::now()),
            Err(Error::Unavailable { .. })
        ));
        assert!(!format!("{:?}", config(None)).contains("EXAMPLEKEY"));
    }
}
