//! OpenID Connect back-channel logout: the identity provider tells Anteroom, server to server,
//! that one of its sessions (or every session of a user) ended, with a signed logout token;
//! the browser sessions opened through it end too.
//!
//! The token's checks (signature, issuer, audience, lifetime, the logout event, no nonce) are
//! the [`LogoutTokenVerifier`] port's; the rules of what ends are [`BackChannelLogout`]'s:
//!
//! - a token naming the provider's session (`sid`) ends the browser sessions opened within it;
//! - a token naming only a subject (`sub`) ends every browser session of that user;
//! - a subject unknown here means nobody to sign out: success, as the specification says;
//! - a token id (`jti`) already handled is refused (replay), and remembered long enough to
//!   outlive any token still acceptable.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::SessionStore;
use crate::Error;
use crate::user::{Subject, UserRepository};
use crate::webhook::EventLedger;

/// How long a handled token id is remembered (longer than any logout token is accepted).
const REPLAY_WINDOW: Duration = Duration::from_mins(10);

/// What a verified logout token says ended: at least one of its two names is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLogout {
    /// The user (`sub`), when named.
    pub subject: Option<Subject>,
    /// The provider's session (`sid`), when named.
    pub provider_session: Option<String>,
    /// The token's unique id (`jti`), when present.
    pub token_id: Option<String>,
}

/// Verifies logout tokens sent by the identity provider.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LogoutTokenVerifier: Send + Sync {
    /// Checks `token` (a JWT signed by the provider, addressed to this client, carrying the
    /// back-channel logout event and no nonce, naming a subject or a session) and answers what
    /// ended.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] on the field `logout_token` when the token is refused.
    /// - [`Error::Unavailable`] when the provider's keys cannot be fetched.
    async fn verify(&self, token: &str) -> Result<ProviderLogout, Error>;
}

/// The back-channel logout use case.
#[derive(Clone)]
pub struct BackChannelLogout {
    verifier: Arc<dyn LogoutTokenVerifier>,
    sessions: Arc<dyn SessionStore>,
    users: Arc<dyn UserRepository>,
    ledger: Arc<dyn EventLedger>,
}

impl BackChannelLogout {
    /// The use case on its ports.
    pub fn new(
        verifier: Arc<dyn LogoutTokenVerifier>,
        sessions: Arc<dyn SessionStore>,
        users: Arc<dyn UserRepository>,
        ledger: Arc<dyn EventLedger>,
    ) -> Self {
        Self {
            verifier,
            sessions,
            users,
            ledger,
        }
    }

    /// Handles a logout token: ends the browser sessions it names; answers how many were live.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] on `logout_token` for a missing, refused or replayed token.
    /// - [`Error::Unavailable`] when the provider's keys, the session store, the users or the
    ///   ledger cannot be reached.
    pub async fn handle(&self, token: &str) -> Result<u64, Error> {
        if token.trim().is_empty() {
            return Err(Error::invalid("logout_token", "This field is required."));
        }
        let logout = self.verifier.verify(token).await?;
        if let Some(id) = &logout.token_id {
            let key = format!("backchannel-logout:{id}");
            if self.ledger.seen(&key).await? {
                return Err(Error::invalid("logout_token", "Token already processed."));
            }
            self.ledger.remember(&key, REPLAY_WINDOW).await?;
        }
        if let Some(provider_session) = &logout.provider_session {
            return self.sessions.end_provider_session(provider_session).await;
        }
        let Some(subject) = &logout.subject else {
            return Err(Error::invalid(
                "logout_token",
                "The token names neither a subject nor a session.",
            ));
        };
        match self.users.get_by_sub(subject).await? {
            Some(user) => self.sessions.end_user_sessions(user.id).await,
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::fixtures;
    use crate::session::MockSessionStore;
    use crate::user::MockUserRepository;
    use crate::webhook::MockEventLedger;

    fn logout(subject: Option<&str>, sid: Option<&str>, jti: Option<&str>) -> ProviderLogout {
        ProviderLogout {
            subject: subject.map(|s| Subject::parse(s).unwrap()),
            provider_session: sid.map(str::to_owned),
            token_id: jti.map(str::to_owned),
        }
    }

    fn verifier(answer: ProviderLogout) -> Arc<dyn LogoutTokenVerifier> {
        let mut verifier = MockLogoutTokenVerifier::new();
        verifier
            .expect_verify()
            .with(eq("t.o.k"))
            .return_once(move |_| Ok(answer));
        Arc::new(verifier)
    }

    fn fresh_ledger() -> MockEventLedger {
        let mut ledger = MockEventLedger::new();
        ledger.expect_seen().returning(|_| Ok(false));
        ledger
            .expect_remember()
            .withf(|key, ttl| key == "backchannel-logout:jti-1" && *ttl == REPLAY_WINDOW)
            .times(1)
            .returning(|_, _| Ok(()));
        ledger
    }

    #[test]
    fn a_session_id_ends_that_provider_session_only() {
        let mut sessions = MockSessionStore::new();
        sessions
            .expect_end_provider_session()
            .with(eq("sid-1"))
            .return_once(|_| Ok(1));
        sessions.expect_end_user_sessions().never();
        let logout = BackChannelLogout::new(
            verifier(logout(Some("ana"), Some("sid-1"), Some("jti-1"))),
            Arc::new(sessions),
            Arc::new(MockUserRepository::new()),
            Arc::new(fresh_ledger()),
        );
        assert_eq!(fixtures::block_on(logout.handle("t.o.k")).unwrap(), 1);
    }

    #[test]
    fn a_subject_alone_ends_every_session_of_its_user() {
        let user = fixtures::user("ana");
        let id = user.id;
        let mut users = MockUserRepository::new();
        users
            .expect_get_by_sub()
            .withf(|sub| sub.as_str() == "ana")
            .return_once(move |_| Ok(Some(user)));
        let mut sessions = MockSessionStore::new();
        sessions
            .expect_end_user_sessions()
            .with(eq(id))
            .return_once(|_| Ok(2));
        let logout = BackChannelLogout::new(
            verifier(logout(Some("ana"), None, Some("jti-1"))),
            Arc::new(sessions),
            Arc::new(users),
            Arc::new(fresh_ledger()),
        );
        assert_eq!(fixtures::block_on(logout.handle("t.o.k")).unwrap(), 2);
    }

    #[test]
    fn an_unknown_subject_is_already_signed_out() {
        let mut users = MockUserRepository::new();
        users.expect_get_by_sub().return_once(|_| Ok(None));
        let mut sessions = MockSessionStore::new();
        sessions.expect_end_user_sessions().never();
        let logout = BackChannelLogout::new(
            verifier(logout(Some("nobody"), None, Some("jti-1"))),
            Arc::new(sessions),
            Arc::new(users),
            Arc::new(fresh_ledger()),
        );
        assert_eq!(fixtures::block_on(logout.handle("t.o.k")).unwrap(), 0);
    }

    #[test]
    fn a_replayed_token_is_refused_and_ends_nothing() {
        let mut ledger = MockEventLedger::new();
        ledger
            .expect_seen()
            .with(eq("backchannel-logout:jti-1"))
            .returning(|_| Ok(true));
        ledger.expect_remember().never();
        let mut sessions = MockSessionStore::new();
        sessions.expect_end_provider_session().never();
        let logout = BackChannelLogout::new(
            verifier(logout(None, Some("sid-1"), Some("jti-1"))),
            Arc::new(sessions),
            Arc::new(MockUserRepository::new()),
            Arc::new(ledger),
        );
        let error = fixtures::block_on(logout.handle("t.o.k")).unwrap_err();
        assert!(
            matches!(&error, Error::Invalid(v) if v[0].field == "logout_token"),
            "{error:?}"
        );
    }

    #[test]
    fn a_missing_token_is_refused_before_any_check() {
        let mut verifier = MockLogoutTokenVerifier::new();
        verifier.expect_verify().never();
        let logout = BackChannelLogout::new(
            Arc::new(verifier),
            Arc::new(MockSessionStore::new()),
            Arc::new(MockUserRepository::new()),
            Arc::new(MockEventLedger::new()),
        );
        let error = fixtures::block_on(logout.handle("  ")).unwrap_err();
        assert!(
            matches!(&error, Error::Invalid(v) if v[0].field == "logout_token"),
            "{error:?}"
        );
    }

    #[test]
    fn a_refused_token_ends_nothing() {
        let mut verifier = MockLogoutTokenVerifier::new();
        verifier
            .expect_verify()
            .return_once(|_| Err(Error::invalid("logout_token", "bad signature")));
        let logout = BackChannelLogout::new(
            Arc::new(verifier),
            Arc::new(MockSessionStore::new()),
            Arc::new(MockUserRepository::new()),
            Arc::new(MockEventLedger::new()),
        );
        assert!(matches!(
            fixtures::block_on(logout.handle("t.o.k")),
            Err(Error::Invalid(_))
        ));
    }
}
