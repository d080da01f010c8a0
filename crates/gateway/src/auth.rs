//! Who is calling: the credentials of a request, resolved by the domain's authenticator.
//!
//! `Authorization: Bearer <JWT>` wins; without it, a browser session (the `sessionid` cookie
//! set by the OIDC login flow, see [`crate::session`]) authenticates the request; a request
//! with neither is anonymous. Handlers only ask for the caller.

use anteroom_domain::id::ParticipantId;
use anteroom_domain::{Caller, Error};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::AppState;
use crate::error::ApiError;

/// The lobby participant cookie.
pub(crate) const LOBBY_COOKIE: &str = "lobbyParticipantId";

/// The credentials a request presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credentials<'a> {
    /// None: the caller is anonymous.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
}

/// Reads the credentials of a request.
///
/// # Errors
///
/// [`Error::Unauthenticated`] for an `Authorization` header that is not `Bearer <token>`.
pub(crate) fn credentials(headers: &HeaderMap) -> Result<Credentials<'_>, Error> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(Credentials::None);
    };
    let malformed = || {
        Error::Unauthenticated(
            "Invalid token header. The header must be `Bearer <token>`.".to_owned(),
        )
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(Credentials::Bearer(token))
}

/// Whether a bearer token is a LiveKit access token: LiveKit signs with HMAC (`HS256`), the
/// identity provider's tokens are RS256 or ES256.
pub(crate) fn is_livekit_token(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok())
        .and_then(|h| h.get("alg").and_then(|a| a.as_str()).map(str::to_owned))
        .is_some_and(|alg| alg.starts_with("HS"))
}

/// The value of the first cookie called `name` among the `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim())
}

/// The lobby participant id of the `lobbyParticipantId` cookie (an invalid value reads as
/// absent: the server issues a new id).
pub(crate) fn lobby_cookie(headers: &HeaderMap) -> Option<ParticipantId> {
    cookie(headers, LOBBY_COOKIE).and_then(|value| value.parse().ok())
}

impl AppState {
    /// The caller behind a request.
    pub(crate) async fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        self.caller_with_participant(headers, None).await
    }

    /// The caller behind a request that may carry a lobby participant id.
    pub(crate) async fn caller_with_participant(
        &self,
        headers: &HeaderMap,
        participant: Option<ParticipantId>,
    ) -> Result<Caller, ApiError> {
        let bearer = match credentials(headers)? {
            Credentials::None => None,
            Credentials::Bearer(token) => Some(token),
        };
        if bearer.is_none()
            && let Some(session) = crate::session::current().await?
        {
            return Ok(self
                .use_cases
                .auth
                .authenticate_session(session.user, participant)
                .await?);
        }
        Ok(self
            .use_cases
            .auth
            .authenticate(bearer, participant)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(name: axum::http::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn reads_bearer_tokens_and_refuses_other_schemes() {
        assert_eq!(credentials(&HeaderMap::new()).unwrap(), Credentials::None);
        assert_eq!(
            credentials(&with(AUTHORIZATION, "Bearer abc")).unwrap(),
            Credentials::Bearer("abc")
        );
        assert_eq!(
            credentials(&with(AUTHORIZATION, "bearer abc")).unwrap(),
            Credentials::Bearer("abc")
        );
        for bad in ["Basic abc", "Bearer ", "abc"] {
            assert!(credentials(&with(AUTHORIZATION, bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn tells_livekit_tokens_by_their_algorithm() {
        let hs = format!(
            "{}.e30.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#)
        );
        let rs = format!(
            "{}.e30.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#)
        );
        assert!(is_livekit_token(&hs));
        assert!(!is_livekit_token(&rs));
        assert!(!is_livekit_token("garbage"));
    }

    #[test]
    fn reads_the_lobby_cookie() {
        let id = ParticipantId::random();
        let headers = with(COOKIE, &format!("a=b; {LOBBY_COOKIE}={id}; c=d"));
        assert_eq!(lobby_cookie(&headers), Some(id));
        assert_eq!(
            lobby_cookie(&with(COOKIE, &format!("{LOBBY_COOKIE}=nope"))),
            None
        );
        assert_eq!(lobby_cookie(&HeaderMap::new()), None);
    }
}
