//! Browser sessions: the OIDC login flow that opens them ([`routes`]), the cookies that carry
//! them, the layer that recognises them on every request and enforces the CSRF double submit
//! ([`csrf`]).
//!
//! - `GET /api/v1.0/authenticate/?returnTo=...` stores a pending login (state, nonce, PKCE
//!   verifier, the checked `returnTo`) under a random key set in the `anteroom_login` cookie,
//!   and redirects to the provider.
//! - `GET /api/v1.0/callback/` takes that pending login (once), checks the state, exchanges the
//!   code, checks the ID token, provisions the user through the domain, and opens a session:
//!   cookie `sessionid` (HttpOnly, SameSite=Lax, Secure) and cookie `csrftoken` (readable by
//!   the frontend), then redirects to `returnTo`.
//! - `GET|POST /api/v1.0/logout/` deletes the session, clears the cookies and redirects to the
//!   provider's end-session endpoint (or the post-logout URL), which sends the browser back to
//!   `GET /api/v1.0/logout-callback/`, on to the after-logout URL.
//! - `POST /api/v1.0/backchannel-logout/`: the provider's logout token (OpenID Connect
//!   back-channel logout) ends the sessions opened within the provider session it names, or
//!   every session of the user it names.
//!
//! Starting a login stores a pending login: `authenticate/` is throttled per client address.
//!
//! Sessions live in the domain's [`SessionStore`] (Redis when configured, so every replica
//! sees them). A request that presents `sessionid` and no `Authorization` header is
//! authenticated by its session; bearer tokens keep working and are never subject to CSRF.

mod csrf;
mod oidc;
pub(crate) mod routes;

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::lobby::{RateLimit, RateLimiter};
use anteroom_domain::session::{BackChannelLogout, Session, SessionKey, SessionStore, UserSession};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::OnceCell;

use crate::AppState;
use crate::auth::cookie;
use crate::error::ApiError;

/// The session cookie (Django's name, which the reference frontend expects).
pub(crate) const SESSION_COOKIE: &str = "sessionid";
/// The CSRF cookie, echoed by the frontend in `X-CSRFToken`.
pub(crate) const CSRF_COOKIE: &str = "csrftoken";
/// The cookie of a login in progress.
pub(crate) const LOGIN_COOKIE: &str = "anteroom_login";
/// How long a login may stay in progress at the provider.
pub(crate) const LOGIN_TTL: Duration = Duration::from_mins(10);

/// The browser login: the identity provider's client and the sessions it opens.
#[derive(Clone)]
pub struct LoginSettings {
    /// The provider's issuer URL (OpenID discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// This client's id at the provider.
    pub client_id: String,
    /// This client's secret (confidential clients).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: this gateway's public
    /// `.../api/v1.0/callback/`. Its origin is the gateway's own (always allowed in `returnTo`).
    pub redirect_url: String,
    /// Other origins `returnTo` may point at (`https://host[:port]`).
    pub allowed_return_origins: Vec<String>,
    /// Where the provider sends the browser after logout (must be registered there), and
    /// where logout goes when the provider has no end-session endpoint; `None` → this
    /// gateway's `.../api/v1.0/logout-callback/` (next to the redirect URL).
    pub post_logout_redirect_url: Option<String>,
    /// Where `logout-callback/` sends the browser (a path of this site or an allowed origin).
    pub logout_redirect_url: String,
    /// How long a session lasts (from login; not extended by use).
    pub session_lifetime: Duration,
    /// Whether a login whose subject is unknown takes the one user with the same e-mail.
    pub fallback_to_email: bool,
    /// Where sessions are kept.
    pub store: Arc<dyn SessionStore>,
    /// Counts the logins each client address starts.
    pub limiter: Arc<dyn RateLimiter>,
    /// How many logins a client address may start per window.
    pub login_rate: RateLimit,
    /// The back-channel logout use case (on the same session store).
    pub back_channel: BackChannelLogout,
}

impl std::fmt::Debug for LoginSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("allowed_return_origins", &self.allowed_return_origins)
            .field("session_lifetime", &self.session_lifetime)
            .field("fallback_to_email", &self.fallback_to_email)
            .field("logout_redirect_url", &self.logout_redirect_url)
            .field("login_rate", &self.login_rate)
            .finish_non_exhaustive()
    }
}

/// The login at run time: its settings and the provider.
pub(crate) struct Login {
    pub(crate) settings: LoginSettings,
    pub(crate) provider: oidc::Provider,
    /// The gateway's own origin (of the redirect URL).
    pub(crate) origin: String,
    /// Where the provider sends the browser after logout.
    pub(crate) post_logout: String,
}

impl Login {
    /// Builds the login of `settings`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an issuer or redirect URL that is not a URL.
    pub(crate) fn new(settings: LoginSettings) -> Result<Self, Error> {
        let provider = oidc::Provider::new(
            &settings.issuer,
            &settings.client_id,
            settings.client_secret.as_deref(),
            &settings.redirect_url,
        )?;
        let origin = routes::origin_of(&settings.redirect_url)
            .ok_or_else(|| Error::invalid("redirect_url", "must be an http(s) URL"))?;
        let post_logout = match &settings.post_logout_redirect_url {
            Some(url) => url.clone(),
            None => routes::logout_callback_url(&settings.redirect_url)
                .ok_or_else(|| Error::invalid("redirect_url", "must be an http(s) URL"))?,
        };
        Ok(Self {
            settings,
            provider,
            origin,
            post_logout,
        })
    }
}

/// The session a request presents, resolved at most once per request.
struct Presented {
    key: SessionKey,
    login: Arc<Login>,
    resolved: OnceCell<Option<UserSession>>,
}

impl Presented {
    async fn user_session(&self) -> Result<Option<UserSession>, Error> {
        self.resolved
            .get_or_try_init(|| async {
                Ok(match self.login.settings.store.get(&self.key).await? {
                    Some(Session::User(session)) => Some(session),
                    Some(Session::Login(_)) | None => None,
                })
            })
            .await
            .cloned()
    }
}

tokio::task_local! {
    /// The session presented by the request being handled.
    static PRESENTED: Arc<Presented>;
}

/// The signed-in session of the request being handled, if it presents one (and no
/// `Authorization` header).
///
/// # Errors
///
/// [`Error::Unavailable`] when the session store cannot be reached.
pub(crate) async fn current() -> Result<Option<UserSession>, Error> {
    let Ok(presented) = PRESENTED.try_with(Arc::clone) else {
        return Ok(None);
    };
    presented.user_session().await
}

/// Whether a method changes state (and so needs the CSRF token with a session).
fn is_unsafe(method: &axum::http::Method) -> bool {
    !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// The session key of the `sessionid` cookie, unless an `Authorization` header is present
/// (bearer tokens win and are not subject to CSRF).
fn presented_key(headers: &HeaderMap) -> Option<SessionKey> {
    if headers.contains_key(AUTHORIZATION) {
        return None;
    }
    cookie(headers, SESSION_COOKIE).and_then(SessionKey::parse)
}

/// The layer of every route: makes the presented session available to the handler
/// ([`current`]) and refuses unsafe requests authenticated by a session without the CSRF
/// token (403).
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(login) = state.login.clone() else {
        return next.run(request).await;
    };
    let Some(key) = presented_key(request.headers()) else {
        return next.run(request).await;
    };
    let presented = Arc::new(Presented {
        key,
        login,
        resolved: OnceCell::new(),
    });
    if is_unsafe(request.method()) {
        match presented.user_session().await {
            Ok(Some(session)) => {
                if let Err(refusal) = csrf::check(request.headers(), &session) {
                    return refusal.into_response();
                }
            }
            Ok(None) => {}
            Err(error) => return ApiError::from(error).into_response(),
        }
    }
    PRESENTED.scope(presented, next.run(request)).await
}

/// A `Set-Cookie` value for the whole site, SameSite=Lax; `max_age` zero clears it.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age: Duration,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={}{http_only}; SameSite=Lax{secure}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests;
