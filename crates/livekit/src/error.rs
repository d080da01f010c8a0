//! The one place where LiveKit's errors become domain errors.
//!
//! | LiveKit says | domain error |
//! |---|---|
//! | Twirp `not_found` | [`Error::NotFound`] (the server's message) |
//! | Twirp `already_exists` | [`Error::AlreadyExists`] |
//! | Twirp `failed_precondition` | [`Error::FailedPrecondition`] (the server's message) |
//! | any other Twirp code (`unauthenticated` "permissions denied", `internal`, …) | [`Error::Unavailable`] `livekit` |
//! | connection refused, timeout, TLS failure | [`Error::Unavailable`] `livekit` |
//! | a body that does not decode (the real server's plain-text 401 for bad credentials, a 200 with a bad protobuf) | [`Error::Unavailable`] `livekit` |
//! | a request token that cannot be signed (empty key or secret) | [`Error::Unavailable`] `livekit` |

use anteroom_domain::Error;
use livekit_api::services::{ServerError, ServerErrorCode, ServiceError};

/// The dependency name shown to callers.
pub(crate) const DEPENDENCY: &str = "livekit";

/// Translates a service error; `already_exists` names `field`.
pub(crate) fn translate_with(error: ServiceError, field: &'static str) -> Error {
    if let ServiceError::Twirp(ServerError::Twirp(code)) = &error {
        match code.code.as_str() {
            ServerErrorCode::NOT_FOUND => return Error::NotFound(code.msg.clone()),
            ServerErrorCode::ALREADY_EXISTS => {
                return Error::AlreadyExists {
                    field,
                    message: code.msg.clone(),
                };
            }
            ServerErrorCode::FAILED_PRECONDITION => {
                return Error::FailedPrecondition(code.msg.clone());
            }
            _ => {}
        }
    }
    tracing::warn!(error = %error, "LiveKit request failed");
    Error::unavailable(DEPENDENCY, error)
}

/// Translates a service error (`already_exists` names `name`).
pub(crate) fn translate(error: ServiceError) -> Error {
    translate_with(error, "name")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn twirp(code: &str) -> ServiceError {
        ServiceError::Twirp(ServerError::Twirp(ServerErrorCode {
            code: code.to_owned(),
            msg: format!("{code} message"),
            meta: HashMap::new(),
        }))
    }

    #[test]
    fn maps_twirp_codes() {
        assert!(
            matches!(translate(twirp("not_found")), Error::NotFound(m) if m == "not_found message")
        );
        assert!(matches!(
            translate_with(twirp("already_exists"), "pin"),
            Error::AlreadyExists { field: "pin", .. }
        ));
        assert!(matches!(
            translate(twirp("failed_precondition")),
            Error::FailedPrecondition(_)
        ));
        for other in [
            "unauthenticated",
            "permission_denied",
            "internal",
            "invalid_argument",
        ] {
            assert!(
                matches!(
                    translate(twirp(other)),
                    Error::Unavailable {
                        dependency: "livekit",
                        ..
                    }
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn maps_decode_and_token_errors_to_unavailable() {
        let bad = <livekit_protocol::Room as prost::Message>::decode(&[0xff_u8][..])
            .expect_err("not a message");
        let prost = ServiceError::Twirp(ServerError::Prost(bad));
        assert!(matches!(translate(prost), Error::Unavailable { .. }));
        let keys =
            ServiceError::AccessToken(livekit_api::access_token::AccessTokenError::InvalidKeys);
        assert!(matches!(translate(keys), Error::Unavailable { .. }));
    }
}
