//! Access-token authentication and per-method grant checks, as livekit-server does them.
//!
//! The middleware (`pkg/service/auth.go`) runs before routing: an `Authorization` header that is
//! not `Bearer <jwt>`, a token that does not parse, an unknown API key (`iss`) or a failed
//! verification answers **HTTP 401 with a plain-text body**. A request without any token goes on
//! without grants. Inside the handlers a missing grant is a Twirp `unauthenticated` error with the
//! message `permissions denied`.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Sha256, Sha384, Sha512};

use crate::twirp::TwirpError;

/// go-jose's default clock leeway for `exp`, `nbf` and `iat`.
const LEEWAY_SECS: i64 = 60;

/// The video grant of a LiveKit access token (only what the server API checks, plus a few
/// informative fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(clippy::struct_excessive_bools)] // mirrors the JWT claim
pub struct VideoGrant {
    /// May create and delete rooms.
    pub room_create: bool,
    /// May list rooms.
    pub room_list: bool,
    /// May use the Egress service.
    pub room_record: bool,
    /// May administer the room named in `room`.
    pub room_admin: bool,
    /// May join the room named in `room`.
    pub room_join: bool,
    /// The room the grant is about.
    pub room: String,
    /// Destination room of forward/move.
    pub destination_room: String,
    /// May use the Ingress service.
    pub ingress_admin: bool,
}

/// The SIP grant of a LiveKit access token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipGrant {
    /// May manage trunks and dispatch rules.
    pub admin: bool,
    /// May place outbound calls.
    pub call: bool,
}

/// The claims of a verified access token that the fake cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Claims {
    /// The API key the token was signed with.
    pub iss: String,
    /// The identity (`sub`).
    pub sub: String,
    /// The display name.
    pub name: String,
    /// The video grant, if any.
    pub video: Option<VideoGrant>,
    /// The SIP grant, if any.
    pub sip: Option<SipGrant>,
    /// Body checksum (webhooks).
    pub sha256: String,
}

/// Registered JWT claims read for validation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Registered {
    iss: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
}

/// A request the auth middleware refuses: 401 with this plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unauthorized(pub(crate) String);

/// What the middleware found on a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grants {
    /// The verified claims; `None` when the request carried no token at all.
    pub(crate) claims: Option<Claims>,
}

/// Runs the auth middleware on a request's `Authorization` header (or `access_token` query
/// parameter when there is no header).
pub(crate) fn authenticate(
    authorization: Option<&str>,
    access_token_param: Option<&str>,
    keys: &HashMap<String, String>,
) -> Result<Grants, Unauthorized> {
    let token = match authorization {
        Some(header) if !header.is_empty() => match header.strip_prefix("Bearer ") {
            Some(token) => token.to_owned(),
            None => {
                return Err(Unauthorized(
                    "invalid authorization header. Must start with Bearer ".to_owned(),
                ));
            }
        },
        _ => access_token_param.unwrap_or_default().to_owned(),
    };
    if token.is_empty() {
        return Ok(Grants::default());
    }
    let invalid = || Unauthorized("invalid authorization token".to_owned());
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(invalid());
    };
    let header: Header = decode_segment(header_b64).ok_or_else(invalid)?;
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| invalid())?;
    if !matches!(header.alg.as_str(), "HS256" | "HS384" | "HS512") {
        return Err(invalid());
    }
    let registered: Registered = serde_json::from_slice(&payload).map_err(|_| invalid())?;
    let api_key = registered.iss.clone().unwrap_or_default();
    let Some(secret) = keys.get(&api_key).filter(|s| !s.is_empty()) else {
        return Err(Unauthorized(format!("invalid API key: {api_key}")));
    };
    let fail = |reason: &str| Unauthorized(format!("invalid token: {token}, error: {reason}"));
    let signing_input = format!("{header_b64}.{payload_b64}");
    if !verify_hmac(&header.alg, secret, signing_input.as_bytes(), &signature) {
        return Err(fail("go-jose/go-jose: error in cryptographic primitive"));
    }
    let claims: Claims =
        serde_json::from_slice(&payload).map_err(|e| fail(&format!("json: {e}")))?;
    let now = unix_now();
    if registered.exp.is_some_and(|exp| now >= exp + LEEWAY_SECS) {
        return Err(fail(
            "go-jose/go-jose/jwt: validation failed, token is expired (exp)",
        ));
    }
    if registered.nbf.is_some_and(|nbf| now + LEEWAY_SECS < nbf) {
        return Err(fail(
            "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)",
        ));
    }
    if registered.iat.is_some_and(|iat| now + LEEWAY_SECS < iat) {
        return Err(fail(
            "go-jose/go-jose/jwt: validation field, token issued in the future (iat)",
        ));
    }
    Ok(Grants {
        claims: Some(claims),
    })
}

fn decode_segment<T: for<'de> Deserialize<'de>>(segment: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn verify_hmac(alg: &str, secret: &str, input: &[u8], signature: &[u8]) -> bool {
    fn check<M: Mac + hmac::digest::KeyInit>(secret: &str, input: &[u8], signature: &[u8]) -> bool {
        <M as Mac>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
            mac.update(input);
            mac.verify_slice(signature).is_ok()
        })
    }
    match alg {
        "HS256" => check::<Hmac<Sha256>>(secret, input, signature),
        "HS384" => check::<Hmac<Sha384>>(secret, input, signature),
        "HS512" => check::<Hmac<Sha512>>(secret, input, signature),
        _ => false,
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Signs `claims` (a JSON object) as an HS256 JWT.
pub(crate) fn sign_hs256(claims: &serde_json::Value, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let signature = match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Base64 (standard alphabet, padded) of the SHA-256 of `body`, as webhooks carry it.
pub(crate) fn body_sha256(body: &[u8]) -> String {
    use sha2::Digest as _;
    STANDARD.encode(Sha256::digest(body))
}

fn denied() -> TwirpError {
    TwirpError::unauthenticated("permissions denied")
}

impl Grants {
    fn video(&self) -> Option<&VideoGrant> {
        self.claims.as_ref()?.video.as_ref()
    }

    fn sip(&self) -> Option<&SipGrant> {
        self.claims.as_ref()?.sip.as_ref()
    }

    /// `EnsureCreatePermission`: `video.roomCreate`.
    pub(crate) fn ensure_create(&self) -> Result<(), TwirpError> {
        self.video()
            .filter(|v| v.room_create)
            .map(|_| ())
            .ok_or_else(denied)
    }

    /// `EnsureListPermission`: `video.roomList`.
    pub(crate) fn ensure_list(&self) -> Result<(), TwirpError> {
        self.video()
            .filter(|v| v.room_list)
            .map(|_| ())
            .ok_or_else(denied)
    }

    /// `EnsureRecordPermission`: `video.roomRecord`.
    pub(crate) fn ensure_record(&self) -> Result<(), TwirpError> {
        self.video()
            .filter(|v| v.room_record)
            .map(|_| ())
            .ok_or_else(denied)
    }

    /// `EnsureAdminPermission`: `video.roomAdmin` and `video.room == room` exactly.
    pub(crate) fn ensure_admin(&self, room: &str) -> Result<(), TwirpError> {
        self.video()
            .filter(|v| v.room_admin && v.room == room)
            .map(|_| ())
            .ok_or_else(denied)
    }

    /// `EnsureSIPAdminPermission`: `sip.admin`.
    pub(crate) fn ensure_sip_admin(&self) -> Result<(), TwirpError> {
        self.sip()
            .filter(|s| s.admin)
            .map(|_| ())
            .ok_or_else(denied)
    }

    /// `EnsureSIPCallPermission`: `sip.call`.
    pub(crate) fn ensure_sip_call(&self) -> Result<(), TwirpError> {
        self.sip().filter(|s| s.call).map(|_| ()).ok_or_else(denied)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys() -> HashMap<String, String> {
        HashMap::from([(
            "key".to_owned(),
            "secret-secret-secret-secret-0123".to_owned(),
        )])
    }

    fn token(claims: &serde_json::Value) -> String {
        sign_hs256(claims, "secret-secret-secret-secret-0123")
    }

    #[test]
    fn no_token_means_no_grants() {
        let grants = authenticate(None, None, &keys()).expect("passes");
        assert!(grants.claims.is_none());
        assert!(grants.ensure_list().is_err());
    }

    #[test]
    fn a_header_without_bearer_is_refused() {
        let err = authenticate(Some("Token abc"), None, &keys()).expect_err("refused");
        assert_eq!(
            err.0,
            "invalid authorization header. Must start with Bearer "
        );
    }

    #[test]
    fn garbage_unknown_keys_and_bad_signatures_are_refused() {
        let err = authenticate(Some("Bearer nope"), None, &keys()).expect_err("refused");
        assert_eq!(err.0, "invalid authorization token");
        let other = sign_hs256(&json!({"iss": "other", "exp": unix_now() + 60}), "x");
        let err =
            authenticate(Some(&format!("Bearer {other}")), None, &keys()).expect_err("refused");
        assert_eq!(err.0, "invalid API key: other");
        let forged = sign_hs256(&json!({"iss": "key", "exp": unix_now() + 60}), "wrong");
        let err =
            authenticate(Some(&format!("Bearer {forged}")), None, &keys()).expect_err("refused");
        assert!(err.0.starts_with("invalid token: "), "{}", err.0);
        assert!(
            err.0.ends_with("error in cryptographic primitive"),
            "{}",
            err.0
        );
    }

    #[test]
    fn expiry_is_checked_with_a_minute_of_leeway() {
        let expired = token(&json!({"iss": "key", "exp": unix_now() - 120}));
        let err =
            authenticate(Some(&format!("Bearer {expired}")), None, &keys()).expect_err("expired");
        assert!(err.0.ends_with("token is expired (exp)"), "{}", err.0);
        let recent = token(&json!({"iss": "key", "exp": unix_now() - 10}));
        assert!(authenticate(Some(&format!("Bearer {recent}")), None, &keys()).is_ok());
    }

    #[test]
    fn grants_are_checked_like_the_server() {
        let jwt = token(&json!({
            "iss": "key", "exp": unix_now() + 600,
            "video": {"roomAdmin": true, "room": "a", "roomList": true},
            "sip": {"call": true}
        }));
        let grants = authenticate(None, Some(&jwt), &keys()).expect("valid");
        assert!(grants.ensure_list().is_ok());
        assert!(grants.ensure_admin("a").is_ok());
        assert!(grants.ensure_admin("b").is_err());
        assert!(grants.ensure_create().is_err());
        assert!(grants.ensure_record().is_err());
        assert!(grants.ensure_sip_call().is_ok());
        let err = grants.ensure_sip_admin().expect_err("denied");
        assert_eq!(
            (err.code.as_str(), err.msg.as_str()),
            ("unauthenticated", "permissions denied")
        );
    }
}
