//! A test OIDC issuer: mints RS256/ES256 bearer JWTs with embedded
//! test-only keys and publishes their JWKS as a file, so a server under test
//! can be pointed at it with
//! `ANTEROOM__AUTH__OIDC__JWKS_URL=<TestIssuer::jwks_url()>`.
//!
//! ```
//! use anteroom_testkit::{Alg, TestIssuer, TokenClaims};
//!
//! let issuer = TestIssuer::new();
//! let token = issuer.token(&TokenClaims::user("sub-123").alg(Alg::Es256));
//! assert_eq!(token.split('.').count(), 3);
//! ```

pub mod keys;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value};

/// The issuer (`iss`) that [`TestIssuer::new`] uses.
pub const DEFAULT_ISSUER: &str = "https://issuer.anteroom.test";

/// The audience (`aud`) that [`TestIssuer::new`] uses.
pub const DEFAULT_AUDIENCE: &str = "anteroom";

/// The signature algorithm of a test token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, key id `test-rsa`.
    #[default]
    Rs256,
    /// ECDSA P-256 with SHA-256, key id `test-ec`.
    Es256,
}

impl Alg {
    /// The matching `jsonwebtoken` algorithm.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Self::Rs256 => Algorithm::RS256,
            Self::Es256 => Algorithm::ES256,
        }
    }

    /// The key id (`kid`) of the embedded key for this algorithm.
    pub fn kid(self) -> &'static str {
        match self {
            Self::Rs256 => keys::RSA_KID,
            Self::Es256 => keys::EC_KID,
        }
    }

    /// The embedded private key for this algorithm.
    fn encoding_key(self) -> EncodingKey {
        match self {
            Self::Rs256 => EncodingKey::from_rsa_pem(keys::RSA_PRIVATE_KEY_PEM.as_bytes())
                .expect("embedded RSA test key is valid PEM"),
            Self::Es256 => EncodingKey::from_ec_pem(keys::EC_PRIVATE_KEY_PEM.as_bytes())
                .expect("embedded EC test key is valid PEM"),
        }
    }
}

/// What goes into a test token. Build one with [`TokenClaims::user`] and
/// adjust it with the builder methods or by setting fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenClaims {
    /// Subject (`sub`).
    pub sub: String,
    /// `email` claim; omitted when `None`.
    pub email: Option<String>,
    /// `given_name` claim; omitted when `None`.
    pub given_name: Option<String>,
    /// `family_name` claim; omitted when `None`.
    pub family_name: Option<String>,
    /// `name` claim; omitted when `None`.
    pub name: Option<String>,
    /// Signature algorithm (and so signing key).
    pub alg: Alg,
    /// Seconds from now until `exp`; negative for an expired token (mind
    /// the verifier's leeway, 60 s by default in `jsonwebtoken`).
    pub expires_in_secs: i64,
    /// `aud` instead of the issuer's audience.
    pub audience: Option<String>,
    /// `iss` instead of the issuer's own.
    pub issuer: Option<String>,
    /// Further claims, added last (they override the ones above).
    pub extra: Map<String, Value>,
}

impl TokenClaims {
    /// Claims of a typical user `sub`: email `<sub>@example.test`, given
    /// name `Test`, family name `User`, name `Test User`, RS256, valid for
    /// one hour, the issuer's own `iss` and `aud`.
    pub fn user(sub: &str) -> Self {
        Self {
            sub: sub.to_owned(),
            email: Some(format!("{sub}@example.test")),
            given_name: Some(String::from("Test")),
            family_name: Some(String::from("User")),
            name: Some(String::from("Test User")),
            alg: Alg::Rs256,
            expires_in_secs: 3600,
            audience: None,
            issuer: None,
            extra: Map::new(),
        }
    }

    /// Sets the signature algorithm.
    #[must_use]
    pub fn alg(mut self, alg: Alg) -> Self {
        self.alg = alg;
        self
    }

    /// Sets the lifetime in seconds (negative: already expired).
    #[must_use]
    pub fn expires_in(mut self, secs: i64) -> Self {
        self.expires_in_secs = secs;
        self
    }

    /// Sets (or with `None` removes) the `email` claim.
    #[must_use]
    pub fn email(mut self, email: Option<&str>) -> Self {
        self.email = email.map(str::to_owned);
        self
    }

    /// Sets the given, family and display names (`None` removes each).
    #[must_use]
    pub fn names(
        mut self,
        given_name: Option<&str>,
        family_name: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        self.given_name = given_name.map(str::to_owned);
        self.family_name = family_name.map(str::to_owned);
        self.name = name.map(str::to_owned);
        self
    }

    /// Overrides the audience (`aud`).
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = Some(audience.to_owned());
        self
    }

    /// Overrides the issuer (`iss`).
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_owned());
        self
    }

    /// Adds any other claim.
    #[must_use]
    pub fn claim(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
}

/// A test OIDC issuer. Its JWKS lives in a file shared by all issuers and
/// test runs (named after a hash of the content, in the system temporary
/// directory), so an issuer kept in a `static` leaves nothing new behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestIssuer {
    /// The `iss` of its tokens.
    pub issuer: String,
    /// The default `aud` of its tokens.
    pub audience: String,
    /// The file holding [`keys::JWKS_JSON`].
    pub jwks_path: PathBuf,
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestIssuer {
    /// An issuer with [`DEFAULT_ISSUER`] and [`DEFAULT_AUDIENCE`].
    ///
    /// # Panics
    ///
    /// Panics when the JWKS file cannot be written.
    pub fn new() -> Self {
        Self::with(DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    }

    /// An issuer with the given `iss` and `aud`.
    ///
    /// # Panics
    ///
    /// Panics when the JWKS file cannot be written.
    pub fn with(issuer: &str, audience: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            jwks_path: jwks_file().to_path_buf(),
        }
    }

    /// The JWKS location as a `file://` URL.
    pub fn jwks_url(&self) -> String {
        format!("file://{}", self.jwks_path.display())
    }

    /// The public JWKS document.
    pub fn jwks_json(&self) -> &'static str {
        keys::JWKS_JSON
    }

    /// A signed token (compact JWS) for `claims`, with header `kid` set to
    /// the key of `claims.alg`.
    pub fn token(&self, claims: &TokenClaims) -> String {
        let alg = claims.alg;
        self.sign(claims, alg.kid(), &alg.encoding_key())
    }

    /// An RS256 token whose header names `kid` `test-rsa` but which is
    /// signed by a key that is not in the JWKS: its signature must not
    /// verify. `claims.alg` is ignored.
    pub fn token_signed_by_unknown_key(&self, claims: &TokenClaims) -> String {
        let key = EncodingKey::from_rsa_pem(keys::UNKNOWN_RSA_PRIVATE_KEY_PEM.as_bytes())
            .expect("embedded unknown RSA test key is valid PEM");
        let claims = claims.clone().alg(Alg::Rs256);
        self.sign(&claims, keys::RSA_KID, &key)
    }

    /// A correctly signed token whose header `kid` is `unknown-kid`, which
    /// the JWKS does not list.
    pub fn token_with_unknown_kid(&self, claims: &TokenClaims) -> String {
        let alg = claims.alg;
        self.sign(claims, "unknown-kid", &alg.encoding_key())
    }

    /// The JSON payload for `claims`, with `iat`/`nbf` now and `exp`
    /// `expires_in_secs` later.
    pub fn payload(&self, claims: &TokenClaims) -> Map<String, Value> {
        let now = i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("clock after 1970")
                .as_secs(),
        )
        .expect("timestamp fits i64");
        let mut payload = Map::new();
        let iss = claims.issuer.as_deref().unwrap_or(&self.issuer);
        let aud = claims.audience.as_deref().unwrap_or(&self.audience);
        payload.insert("iss".to_owned(), iss.into());
        payload.insert("aud".to_owned(), aud.into());
        payload.insert("sub".to_owned(), claims.sub.clone().into());
        payload.insert("iat".to_owned(), now.into());
        payload.insert("nbf".to_owned(), now.into());
        payload.insert(
            "exp".to_owned(),
            now.saturating_add(claims.expires_in_secs).into(),
        );
        let optional = [
            ("email", &claims.email),
            ("given_name", &claims.given_name),
            ("family_name", &claims.family_name),
            ("name", &claims.name),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                payload.insert(key.to_owned(), value.clone().into());
            }
        }
        payload.extend(claims.extra.clone());
        payload
    }

    fn sign(&self, claims: &TokenClaims, kid: &str, key: &EncodingKey) -> String {
        let mut header = Header::new(claims.alg.algorithm());
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &self.payload(claims), key).expect("signing a test token")
    }
}

/// The shared JWKS file, written on first use in this process.
///
/// It is reused when it already holds exactly [`keys::JWKS_JSON`];
/// otherwise it is written to a unique file and renamed into place, so
/// concurrent test processes never see a partial file.
fn jwks_file() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "anteroom-testkit-jwks-{:016x}.json",
            fnv1a(keys::JWKS_JSON.as_bytes())
        ));
        if std::fs::read_to_string(&path).is_ok_and(|content| content == keys::JWKS_JSON) {
            return path;
        }
        let staged = dir.join(format!(
            "anteroom-testkit-jwks-{}.tmp",
            uuid::Uuid::new_v4().simple()
        ));
        let written =
            std::fs::write(&staged, keys::JWKS_JSON).and_then(|()| std::fs::rename(&staged, &path));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&staged);
            panic!("cannot write the test JWKS file {}: {err}", path.display());
        }
        path
    })
}

/// 64-bit FNV-1a hash: a stable content fingerprint for the file name.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};

    use super::*;

    /// Verifies `token` the way the server does: key from the JWKS file by
    /// `kid`, then issuer, audience and expiry.
    fn verify(
        issuer: &TestIssuer,
        token: &str,
    ) -> jsonwebtoken::errors::Result<Map<String, Value>> {
        let jwks: JwkSet = serde_json::from_str(
            &std::fs::read_to_string(&issuer.jwks_path).expect("JWKS file readable"),
        )
        .expect("JWKS parses");
        let header = decode_header(token)?;
        let kid = header.kid.expect("kid set");
        let Some(jwk) = jwks.find(&kid) else {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into());
        };
        let key = DecodingKey::from_jwk(jwk)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&issuer.issuer]);
        validation.set_audience(&[&issuer.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        decode::<Map<String, Value>>(token, &key, &validation).map(|data| data.claims)
    }

    #[test]
    fn tokens_of_both_algorithms_verify_against_the_jwks() {
        let issuer = TestIssuer::new();
        for alg in [Alg::Rs256, Alg::Es256] {
            let token = issuer.token(&TokenClaims::user("sub-123").alg(alg));
            let header = decode_header(&token).expect("header");
            assert_eq!(header.alg, alg.algorithm());
            assert_eq!(header.kid.as_deref(), Some(alg.kid()));
            let claims = verify(&issuer, &token).expect("token verifies");
            assert_eq!(claims["sub"], "sub-123");
            assert_eq!(claims["email"], "sub-123@example.test");
            assert_eq!(claims["given_name"], "Test");
            assert_eq!(claims["family_name"], "User");
            assert_eq!(claims["name"], "Test User");
            assert_eq!(claims["iss"], DEFAULT_ISSUER);
            assert_eq!(claims["aud"], DEFAULT_AUDIENCE);
        }
    }

    #[test]
    fn jwks_keys_are_well_formed() {
        let jwks: JwkSet = serde_json::from_str(keys::JWKS_JSON).expect("JWKS parses");
        assert_eq!(jwks.keys.len(), 2);
        for kid in [keys::RSA_KID, keys::EC_KID] {
            let jwk = jwks.find(kid).expect("kid present");
            DecodingKey::from_jwk(jwk).expect("usable key");
        }
        let issuer = TestIssuer::new();
        assert!(issuer.jwks_url().starts_with("file:///"));
        assert_eq!(
            std::fs::read_to_string(&issuer.jwks_path).expect("JWKS file readable"),
            keys::JWKS_JSON
        );
        assert_eq!(TestIssuer::new().jwks_path, issuer.jwks_path);
    }

    #[test]
    fn bad_tokens_are_rejected() {
        let issuer = TestIssuer::new();
        let user = || TokenClaims::user("sub-1");
        let bad = [
            issuer.token_signed_by_unknown_key(&user()),
            issuer.token_with_unknown_kid(&user()),
            issuer.token(&user().expires_in(-120)),
            issuer.token(&user().audience("someone-else")),
            issuer.token(&user().issuer("https://evil.test")),
        ];
        for token in bad {
            assert!(verify(&issuer, &token).is_err(), "accepted: {token}");
        }
    }

    #[test]
    fn optional_and_extra_claims() {
        let issuer = TestIssuer::with("https://other.test", "aud-2");
        let claims = TokenClaims::user("u")
            .email(None)
            .names(None, None, Some("Only Name"))
            .claim("email_verified", true);
        let payload = verify(&issuer, &issuer.token(&claims)).expect("token verifies");
        assert!(!payload.contains_key("email"));
        assert!(!payload.contains_key("given_name"));
        assert_eq!(payload["name"], "Only Name");
        assert_eq!(payload["email_verified"], true);
        assert_eq!(payload["iss"], "https://other.test");
    }
}
