//! Verification of bearer tokens issued by the configured OIDC identity provider.
//!
//! [`JwksVerifier`] implements the domain's [`BearerVerifier`] port: it checks a JWT's
//! signature (RS256 or ES256) with the provider's published keys (JWKS, from `https://`,
//! `http://` or `file://`, or found through OpenID discovery), its expiry, issuer and
//! audience, and hands the identity claims to the domain. Keys are cached and refetched when a
//! token names an unknown key id (at most once per [`OidcSettings::min_refresh_interval`]), so
//! key rotation needs no restart.
//!
//! [`JwksLogoutVerifier`] implements the domain's
//! [`LogoutTokenVerifier`](anteroom_domain::session::LogoutTokenVerifier) port with the same
//! keys: the logout tokens the provider sends to the back-channel logout endpoint.

mod claims;
mod keys;
mod logout;

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::auth::{BearerVerifier, IdentityClaims};
use async_trait::async_trait;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

use claims::TokenClaims;
use keys::KeyCache;
pub use keys::KeySource;
pub use logout::JwksLogoutVerifier;

/// What the verifier checks tokens against.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The expected `iss` claim.
    pub issuer: String,
    /// Where the keys are; `None` → OpenID discovery from the issuer.
    pub jwks_url: Option<String>,
    /// The expected `aud` claim; `None` → not checked.
    pub audience: Option<String>,
    /// Timeout of each key fetch.
    pub fetch_timeout: Duration,
    /// The shortest interval between two refetches caused by unknown key ids.
    pub min_refresh_interval: Duration,
}

impl OidcSettings {
    /// Settings with the default timeouts.
    pub fn new(issuer: String, jwks_url: Option<String>, audience: Option<String>) -> Self {
        Self {
            issuer,
            jwks_url,
            audience,
            fetch_timeout: Duration::from_secs(5),
            min_refresh_interval: Duration::from_secs(30),
        }
    }
}

/// Verifies bearer JWTs with the identity provider's JWKS.
pub struct JwksVerifier {
    settings: OidcSettings,
    keys: KeyCache,
}

impl JwksVerifier {
    /// Builds the verifier; keys are fetched on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `auth.oidc.jwks_url` when the URL's scheme is not supported;
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(settings: OidcSettings) -> Result<Self, Error> {
        let source = KeySource::from_settings(&settings)?;
        let keys = KeyCache::new(
            source,
            settings.fetch_timeout,
            settings.min_refresh_interval,
        )?;
        Ok(Self { settings, keys })
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 30;
        match &self.settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        validation
    }
}

fn unauthenticated(reason: &str) -> Error {
    Error::Unauthenticated(format!("Invalid bearer token: {reason}."))
}

#[async_trait]
impl BearerVerifier for JwksVerifier {
    async fn verify(&self, token: &str) -> Result<IdentityClaims, Error> {
        let header = decode_header(token).map_err(|_| unauthenticated("malformed"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(unauthenticated("unsupported algorithm"));
        }
        let jwk = self.keys.find(header.kid.as_deref(), header.alg).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| unauthenticated("unusable key"))?;
        let data =
            decode::<TokenClaims>(token, &key, &self.validation(header.alg)).map_err(|e| {
                tracing::debug!(error = %e, "bearer token refused");
                unauthenticated(claims::reason(&e))
            })?;
        Ok(data.claims.into_identity())
    }
}

#[cfg(test)]
mod tests;
