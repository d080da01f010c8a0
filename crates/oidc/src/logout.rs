//! Verification of back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0, §2.6):
//! a JWT signed with one of the provider's keys, issued by the configured issuer, addressed to
//! this client (`aud` holds the client id), with `iat` and `exp` (and not expired), carrying
//! the `http://schemas.openid.net/event/backchannel-logout` event as a JSON object, without
//! `nonce` (so an ID token cannot pass for a logout token), naming a subject or a session.

use anteroom_domain::Error;
use anteroom_domain::session::{LogoutTokenVerifier, ProviderLogout};
use anteroom_domain::user::Subject;
use async_trait::async_trait;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::OidcSettings;
use crate::claims;
use crate::keys::{KeyCache, KeySource};

/// The event a logout token must carry.
const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The claims read from a logout token.
#[derive(Debug, Deserialize)]
struct LogoutClaims {
    sub: Option<String>,
    sid: Option<String>,
    jti: Option<String>,
    events: Option<Map<String, Value>>,
    nonce: Option<Value>,
}

/// Verifies logout tokens with the identity provider's JWKS.
pub struct JwksLogoutVerifier {
    issuer: String,
    client_id: String,
    keys: KeyCache,
}

impl std::fmt::Debug for JwksLogoutVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksLogoutVerifier")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl JwksLogoutVerifier {
    /// A verifier of tokens from the provider of `settings` (its issuer and keys) addressed to
    /// `client_id`; keys are fetched on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `auth.oidc.jwks_url` when the URL's scheme is not supported;
    /// [`Error::Internal`] when the HTTP client cannot be built.
    pub fn new(settings: &OidcSettings, client_id: &str) -> Result<Self, Error> {
        let keys = KeyCache::new(
            KeySource::from_settings(settings)?,
            settings.fetch_timeout,
            settings.min_refresh_interval,
        )?;
        Ok(Self {
            issuer: settings.issuer.clone(),
            client_id: client_id.to_owned(),
            keys,
        })
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
        validation.leeway = 30;
        validation
    }
}

fn refused(reason: &str) -> Error {
    Error::invalid("logout_token", format!("Invalid logout token: {reason}."))
}

impl LogoutClaims {
    /// The claims' checks beyond the signature and the registered claims.
    fn into_logout(self) -> Result<ProviderLogout, Error> {
        let event = self
            .events
            .as_ref()
            .and_then(|events| events.get(LOGOUT_EVENT));
        if !matches!(event, Some(Value::Object(_))) {
            return Err(refused("no back-channel logout event"));
        }
        if self.nonce.is_some() {
            return Err(refused("a nonce is forbidden"));
        }
        let subject = match self.sub.filter(|s| !s.is_empty()) {
            Some(sub) => Some(Subject::parse(&sub).map_err(|_| refused("malformed subject"))?),
            None => None,
        };
        let provider_session = self.sid.filter(|s| !s.is_empty() && s.len() <= 255);
        if subject.is_none() && provider_session.is_none() {
            return Err(refused("neither a subject nor a session"));
        }
        Ok(ProviderLogout {
            subject,
            provider_session,
            token_id: self.jti.filter(|j| !j.is_empty() && j.len() <= 255),
        })
    }
}

#[async_trait]
impl LogoutTokenVerifier for JwksLogoutVerifier {
    async fn verify(&self, token: &str) -> Result<ProviderLogout, Error> {
        let header = decode_header(token).map_err(|_| refused("malformed"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(refused("unsupported algorithm"));
        }
        let jwk = self.keys.find(header.kid.as_deref(), header.alg).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| refused("unusable key"))?;
        let data =
            decode::<LogoutClaims>(token, &key, &self.validation(header.alg)).map_err(|e| {
                tracing::debug!(error = %e, "logout token refused");
                refused(claims::reason(&e))
            })?;
        data.claims.into_logout()
    }
}

#[cfg(test)]
mod tests {
    use anteroom_testkit::oidc::{Alg, TestIssuer, TokenClaims};
    use serde_json::json;

    use super::*;

    fn verifier(issuer: &TestIssuer) -> JwksLogoutVerifier {
        let settings = OidcSettings::new(issuer.issuer.clone(), Some(issuer.jwks_url()), None);
        JwksLogoutVerifier::new(&settings, &issuer.audience).unwrap()
    }

    /// A logout token as an OpenID provider sends it.
    fn logout_claims(sub: &str) -> TokenClaims {
        TokenClaims::user(sub)
            .email(None)
            .names(None, None, None)
            .expires_in(120)
            .claim("events", json!({ LOGOUT_EVENT: {} }))
            .claim("jti", "jti-1")
            .claim("sid", "sid-1")
    }

    fn refusal(result: Result<ProviderLogout, Error>) -> String {
        match result {
            Err(Error::Invalid(violations)) => {
                assert_eq!(violations[0].field, "logout_token");
                violations[0].description.clone()
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn reads_subject_session_and_id_of_a_valid_token_in_both_algorithms() {
        let issuer = TestIssuer::new();
        let verifier = verifier(&issuer);
        for alg in [Alg::Rs256, Alg::Es256] {
            let token = issuer.token(&logout_claims("ana-1").alg(alg));
            let logout = verifier.verify(&token).await.unwrap();
            assert_eq!(logout.subject.unwrap().as_str(), "ana-1");
            assert_eq!(logout.provider_session.as_deref(), Some("sid-1"));
            assert_eq!(logout.token_id.as_deref(), Some("jti-1"));
        }
    }

    #[tokio::test]
    async fn refuses_tokens_that_are_not_logout_tokens_for_this_client() {
        let issuer = TestIssuer::new();
        let verifier = verifier(&issuer);
        let cases = [
            ("no event", TokenClaims::user("a").claim("sid", "s")),
            (
                "event not an object",
                logout_claims("a").claim("events", json!({ LOGOUT_EVENT: "yes" })),
            ),
            (
                "other event",
                logout_claims("a").claim("events", json!({"http://example/other": {}})),
            ),
            (
                "an ID token (nonce)",
                logout_claims("a").claim("nonce", "n-1"),
            ),
            (
                "another client",
                logout_claims("a").audience("someone-else"),
            ),
            (
                "another issuer",
                logout_claims("a").issuer("https://evil.example"),
            ),
            ("expired", logout_claims("a").expires_in(-3600)),
        ];
        for (case, claims) in cases {
            let description = refusal(verifier.verify(&issuer.token(&claims)).await);
            assert!(
                description.starts_with("Invalid logout token"),
                "{case}: {description}"
            );
        }
        let forged = issuer.token_signed_by_unknown_key(&logout_claims("a"));
        assert!(refusal(verifier.verify(&forged).await).contains("bad signature"));
        assert!(refusal(verifier.verify("not-a-jwt").await).contains("malformed"));
        let good = issuer.token(&logout_claims("a"));
        let mut tampered = good.clone();
        tampered.insert(good.find('.').unwrap() + 2, 'x');
        refusal(verifier.verify(&tampered).await);
    }

    #[tokio::test]
    async fn a_token_naming_only_a_session_or_only_a_subject_is_accepted() {
        let issuer = TestIssuer::new();
        let verifier = verifier(&issuer);
        let subject_only = issuer.token(&logout_claims("ana-1").claim("sid", Value::Null));
        let logout = verifier.verify(&subject_only).await.unwrap();
        assert_eq!(logout.provider_session, None);
        assert!(logout.subject.is_some());
        let session_only = issuer.token(&logout_claims("ana-1").claim("sub", ""));
        let logout = verifier.verify(&session_only).await.unwrap();
        assert_eq!(logout.subject, None);
        assert_eq!(logout.provider_session.as_deref(), Some("sid-1"));
        let neither = issuer.token(&logout_claims("ana-1").claim("sub", "").claim("sid", ""));
        assert!(refusal(verifier.verify(&neither).await).contains("neither"));
    }
}
