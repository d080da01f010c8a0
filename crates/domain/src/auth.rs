//! Authentication: turning presented credentials into a [`Caller`].

use std::sync::Arc;

use async_trait::async_trait;

use crate::id::{ParticipantId, UserId};
use crate::user::UserService;
use crate::{Caller, Error};

/// The identity a verified bearer token vouches for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityClaims {
    /// The `sub` claim.
    pub subject: String,
    /// The `email` claim.
    pub email: Option<String>,
    /// The `given_name` claim.
    pub given_name: Option<String>,
    /// The `family_name` claim.
    pub family_name: Option<String>,
    /// The `usual_name` claim (preferred over `family_name`).
    pub usual_name: Option<String>,
    /// The `name` claim, used when neither given nor family name is present.
    pub name: Option<String>,
}

/// Verifies bearer tokens issued by the configured identity provider.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BearerVerifier: Send + Sync {
    /// Checks the token's signature, expiry, issuer and audience and returns its identity.
    ///
    /// # Errors
    ///
    /// - [`Error::Unauthenticated`] when the token is malformed, expired, signed by an unknown
    ///   key or for another issuer or audience;
    /// - [`Error::Unavailable`] when the signing keys cannot be fetched.
    async fn verify(&self, token: &str) -> Result<IdentityClaims, Error>;
}

/// Resolves callers from credentials.
#[derive(Clone)]
pub struct Authenticator {
    verifier: Option<Arc<dyn BearerVerifier>>,
    users: UserService,
}

impl Authenticator {
    /// Builds the authenticator; without verifier, bearer tokens are refused.
    pub fn new(verifier: Option<Arc<dyn BearerVerifier>>, users: UserService) -> Self {
        Self { verifier, users }
    }

    /// The caller behind a request: anonymous without bearer token, else the provisioned user.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for a token that does not verify (or when no identity
    /// provider is configured); [`Error::PermissionDenied`] for inactive users;
    /// [`Error::Unavailable`].
    pub async fn authenticate(
        &self,
        bearer: Option<&str>,
        participant: Option<ParticipantId>,
    ) -> Result<Caller, Error> {
        let Some(token) = bearer else {
            return Ok(Caller::Anonymous { participant });
        };
        let verifier = self.verifier.as_ref().ok_or_else(|| {
            Error::Unauthenticated(
                "Bearer tokens are not accepted: no identity provider is configured.".to_owned(),
            )
        })?;
        let claims = verifier.verify(token).await?;
        Ok(Caller::User(self.users.provision(&claims).await?))
    }

    /// The caller behind a signed-in browser session: its user while it exists and is
    /// active, else anonymous (the session outlived its user, as an expired one).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`].
    pub async fn authenticate_session(
        &self,
        user: UserId,
        participant: Option<ParticipantId>,
    ) -> Result<Caller, Error> {
        Ok(match self.users.active(user).await? {
            Some(user) => Caller::User(user),
            None => Caller::Anonymous { participant },
        })
    }
}
