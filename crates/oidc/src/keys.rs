//! The identity provider's signing keys: where they are, fetching and caching them.

use std::time::{Duration, Instant};

use anteroom_domain::Error;
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::OidcSettings;

const DEPENDENCY: &str = "identity provider";

/// Where the JWKS is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An `http://` or `https://` URL.
    Http(String),
    /// A local file (`file:///path`).
    File(String),
    /// OpenID discovery from the issuer (`<issuer>/.well-known/openid-configuration`).
    Discovery(String),
}

impl KeySource {
    pub(crate) fn from_settings(settings: &OidcSettings) -> Result<Self, Error> {
        match settings.jwks_url.as_deref() {
            None => Ok(Self::Discovery(
                settings.issuer.trim_end_matches('/').to_owned(),
            )),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Self::Http(url.to_owned()))
            }
            Some(url) => match url.strip_prefix("file://") {
                Some(path) => Ok(Self::File(path.to_owned())),
                None => Err(Error::invalid(
                    "auth.oidc.jwks_url",
                    "must start with https://, http:// or file://",
                )),
            },
        }
    }
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

struct Cached {
    set: JwkSet,
    fetched_at: Instant,
}

/// A cache of the provider's keys, refreshed on unknown key ids.
pub(crate) struct KeyCache {
    source: KeySource,
    client: reqwest::Client,
    min_refresh_interval: Duration,
    cached: Mutex<Option<Cached>>,
}

impl KeyCache {
    pub(crate) fn new(
        source: KeySource,
        timeout: Duration,
        min_refresh_interval: Duration,
    ) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(Error::internal)?;
        Ok(Self {
            source,
            client,
            min_refresh_interval,
            cached: Mutex::new(None),
        })
    }

    /// The key a token names (by `kid`, or the only key of its algorithm when it names none).
    pub(crate) async fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<Jwk, Error> {
        let mut cached = self.cached.lock().await;
        if let Some(key) = cached.as_ref().and_then(|c| select(&c.set, kid, alg)) {
            return Ok(key);
        }
        let stale = cached
            .as_ref()
            .is_none_or(|c| c.fetched_at.elapsed() >= self.min_refresh_interval);
        if stale {
            let set = self.fetch().await?;
            *cached = Some(Cached {
                set,
                fetched_at: Instant::now(),
            });
        }
        cached
            .as_ref()
            .and_then(|c| select(&c.set, kid, alg))
            .ok_or_else(|| Error::Unauthenticated("Invalid bearer token: unknown key.".to_owned()))
    }

    async fn fetch(&self) -> Result<JwkSet, Error> {
        let body = match &self.source {
            KeySource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| Error::unavailable(DEPENDENCY, e))?,
            KeySource::Http(url) => self.get(url).await?,
            KeySource::Discovery(issuer) => {
                let url = format!("{issuer}/.well-known/openid-configuration");
                let discovery: Discovery = serde_json::from_slice(&self.get(&url).await?)
                    .map_err(|e| Error::unavailable(DEPENDENCY, e))?;
                self.get(&discovery.jwks_uri).await?
            }
        };
        serde_json::from_slice(&body).map_err(|e| Error::unavailable(DEPENDENCY, e))
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, Error> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| Error::unavailable(DEPENDENCY, e))?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::unavailable(DEPENDENCY, e))?;
        Ok(bytes.to_vec())
    }
}

fn select(set: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
    if let Some(kid) = kid {
        return set.find(kid).cloned();
    }
    let mut matching = set.keys.iter().filter(|k| key_algorithm(k) == Some(alg));
    let only = matching.next()?;
    matching.next().is_none().then(|| only.clone())
}

fn key_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Some(Algorithm::ES256)
        }
        _ => None,
    }
}
