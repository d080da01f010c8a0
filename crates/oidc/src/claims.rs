//! The claims Anteroom reads from identity tokens.

use anteroom_domain::auth::IdentityClaims;
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use serde::Deserialize;

/// The subset of a token's claims that identifies its user.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenClaims {
    sub: String,
    email: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    usual_name: Option<String>,
    name: Option<String>,
}

impl TokenClaims {
    pub(crate) fn into_identity(self) -> IdentityClaims {
        IdentityClaims {
            subject: self.sub,
            email: self.email,
            given_name: self.given_name,
            family_name: self.family_name,
            usual_name: self.usual_name,
            name: self.name,
        }
    }
}

/// A short, safe reason for a refusal (never the token itself).
pub(crate) fn reason(error: &JwtError) -> &'static str {
    match error.kind() {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::ImmatureSignature => "not valid yet",
        ErrorKind::MissingRequiredClaim(_) => "missing claim",
        _ => "malformed",
    }
}
