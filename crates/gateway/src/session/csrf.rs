//! The CSRF double submit of session-authenticated unsafe requests, as the reference frontend
//! performs it: the `X-CSRFToken` header must equal the `csrftoken` cookie — and both the
//! session's own token, so that a cookie planted by a sibling site cannot pass.

use anteroom_domain::session::{UserSession, secrets_match};
use axum::http::{HeaderMap, StatusCode};

use super::CSRF_COOKIE;
use crate::auth::cookie;
use crate::error::ApiError;

/// The header the frontend echoes the token in.
pub(crate) const CSRF_HEADER: &str = "x-csrftoken";

fn failed(reason: &str) -> ApiError {
    ApiError::Http(StatusCode::FORBIDDEN, format!("CSRF Failed: {reason}"))
}

/// Checks the double submit of a request authenticated by `session`.
///
/// # Errors
///
/// 403 `{"detail": "CSRF Failed: ..."}` when the header or the cookie is missing or either
/// differs from the session's token.
pub(crate) fn check(headers: &HeaderMap, session: &UserSession) -> Result<(), ApiError> {
    let Some(cookie) = cookie(headers, CSRF_COOKIE) else {
        return Err(failed("CSRF cookie not set."));
    };
    let Some(header) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(failed("CSRF token missing."));
    };
    let header = header.trim();
    if !secrets_match(header, cookie) || !secrets_match(header, &session.csrf_token) {
        return Err(failed("CSRF token incorrect."));
    }
    Ok(())
}
