//! Browser sessions: what the REST gateway's login flow keeps on the server between requests,
//! and the port of the store that keeps it (in process, or in Redis for replicas).
//!
//! A session is found by an unguessable [`SessionKey`] that the browser presents in a cookie.
//! Two kinds exist: a login in progress ([`PendingLogin`]: what the OIDC callback must find
//! again — state, nonce, PKCE verifier, where to go next) and a signed-in user
//! ([`UserSession`]). Sessions expire by themselves after the lifetime they were stored with,
//! or end when the identity provider says its session ended ([`logout`]: OpenID Connect
//! back-channel logout).

mod logout;

#[cfg(any(test, feature = "mocks"))]
pub use logout::MockLogoutTokenVerifier;
pub use logout::{BackChannelLogout, LogoutTokenVerifier, ProviderLogout};

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::id::UserId;

/// How many random bytes a key or a token carries (256 bits).
const RANDOM_BYTES: usize = 32;

/// 256 random bits as 64 lowercase hexadecimal digits.
fn random_hex() -> String {
    let mut bytes = [0_u8; RANDOM_BYTES];
    rand::fill(&mut bytes);
    bytes
        .iter()
        .fold(String::with_capacity(2 * RANDOM_BYTES), |mut s, b| {
            use fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The key a session is stored under: 256 random bits, 64 lowercase hexadecimal digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionKey(String);

impl SessionKey {
    /// A new random key.
    pub fn random() -> Self {
        Self(random_hex())
    }

    /// Reads a key presented by a browser; anything but 64 lowercase hexadecimal digits is
    /// `None` (and never reaches the store).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (raw.len() == 2 * RANDOM_BYTES
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(raw.to_owned()))
    }

    /// The key as text (the cookie's value).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionKey {
    /// Never shows the key: it is a credential.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// A random secret token (CSRF token, OIDC state or nonce): 256 bits, 64 hexadecimal digits.
pub fn random_token() -> String {
    random_hex()
}

/// Compares two secrets in time independent of where they differ.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A login in progress, between the redirect to the identity provider and its callback.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The `state` sent to the provider; the callback must bring it back.
    pub state: String,
    /// The `nonce` sent to the provider; the ID token must carry it.
    pub nonce: String,
    /// The PKCE code verifier whose S256 challenge was sent.
    pub pkce_verifier: String,
    /// Where the browser goes once signed in (already checked: relative or allowed).
    pub return_to: String,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

/// A signed-in browser.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSession {
    /// The user.
    pub user: UserId,
    /// The CSRF token: unsafe requests authenticated by this session must echo it.
    pub csrf_token: String,
    /// The ID token of the login, sent back to the provider as `id_token_hint` at logout.
    pub id_token: Option<String>,
    /// The provider's session this login belongs to (the ID token's `sid`), which a
    /// back-channel logout may name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_session: Option<String>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What a session holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Session {
    /// A login in progress.
    Login(PendingLogin),
    /// A signed-in user.
    User(UserSession),
}

/// Keeps sessions until they expire (shared by replicas when Redis is configured).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores `session` under `key` for `ttl`, replacing what the key held.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn put(&self, key: &SessionKey, session: &Session, ttl: Duration) -> Result<(), Error>;

    /// The session under `key`, unless it expired or was removed.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, key: &SessionKey) -> Result<Option<Session>, Error>;

    /// Removes the session under `key` and returns it: of concurrent takers, exactly one gets
    /// it (a login's state is used once).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn take(&self, key: &SessionKey) -> Result<Option<Session>, Error>;

    /// Ends every signed-in session of `user`; answers how many were live.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn end_user_sessions(&self, user: UserId) -> Result<u64, Error>;

    /// Ends every signed-in session opened within the provider's session `provider_session`
    /// (see [`UserSession::provider_session`]); answers how many were live.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn end_provider_session(&self, provider_session: &str) -> Result<u64, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_parse_back() {
        let (a, b) = (SessionKey::random(), SessionKey::random());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 64);
        assert_eq!(SessionKey::parse(a.as_str()), Some(a.clone()));
        assert!(!format!("{a:?}").contains(a.as_str()));
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(65)] {
            assert_eq!(SessionKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_compare_exactly() {
        let token = random_token();
        assert!(secrets_match(&token, &token.clone()));
        assert!(!secrets_match(&token, &random_token()));
        assert!(!secrets_match(&token, &token[1..]));
        assert!(!secrets_match("", "a"));
    }

    #[test]
    fn sessions_round_trip_as_json_and_hide_their_secrets() {
        let login = Session::Login(PendingLogin {
            state: "s3cret-state".to_owned(),
            nonce: "n".to_owned(),
            pkce_verifier: "v".to_owned(),
            return_to: "/rooms".to_owned(),
        });
        let user = Session::User(UserSession {
            user: UserId::new(),
            csrf_token: "csrf-s3cret".to_owned(),
            id_token: Some("a.b.c".to_owned()),
            provider_session: Some("sid-1".to_owned()),
        });
        for session in [login, user] {
            let json = serde_json::to_string(&session).unwrap();
            assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), session);
            let shown = format!("{session:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }
}
