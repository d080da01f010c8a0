//! `/api/v1.0/authenticate/`, `/api/v1.0/callback/`, `/api/v1.0/logout/`,
//! `/api/v1.0/logout-callback/` and `/api/v1.0/backchannel-logout/`: the browser login flow
//! (authorization code with PKCE), its logout, and the provider's back-channel logout.

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::session::{
    PendingLogin, Session, SessionKey, UserSession, random_token, secrets_match,
};
use anteroom_domain::user::Provisioning;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openidconnect::url::Url;
use serde::Deserialize;

use super::oidc::Refusal;
use super::{CSRF_COOKIE, LOGIN_COOKIE, LOGIN_TTL, Login, SESSION_COOKIE, set_cookie};
use crate::AppState;
use crate::auth::cookie;
use crate::body::{DetailBody, OAuthErrorBody};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, Key};
use crate::extract::{QueryParams, RawBody};

/// Where the browser goes when `returnTo` is absent or not allowed.
const DEFAULT_RETURN: &str = "/";

/// `?returnTo=...`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthenticateQuery {
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
}

/// What the provider sends back.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// The issuer (RFC 9207), when the provider identifies itself.
    iss: Option<String>,
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL without credentials.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none();
    plain.then(|| url.origin().ascii_serialization())
}

/// `.../logout-callback/` next to the login's redirect URL `.../callback/`.
pub(crate) fn logout_callback_url(redirect_url: &str) -> Option<String> {
    origin_of(redirect_url)?;
    let url = Url::parse(redirect_url).ok()?;
    let base = if url.path().ends_with('/') {
        url.join("../").ok()?
    } else {
        url.join("./").ok()?
    };
    Some(base.join("logout-callback/").ok()?.to_string())
}

/// Where to send the browser after login: `raw` when it is a path of this site or a URL of
/// this gateway's origin or an allowed one, else `/` (never an open redirect).
pub(crate) fn return_target(raw: Option<&str>, own_origin: &str, allowed: &[String]) -> String {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return DEFAULT_RETURN.to_owned();
    };
    if raw.chars().any(|c| c.is_control() || c == '\\') {
        return DEFAULT_RETURN.to_owned();
    }
    if raw.starts_with('/') {
        // `//host/...` is another site.
        return if raw.starts_with("//") {
            DEFAULT_RETURN
        } else {
            raw
        }
        .to_owned();
    }
    match origin_of(raw) {
        Some(origin)
            if origin == own_origin
                || allowed
                    .iter()
                    .any(|a| origin_of(a).is_some_and(|a| a == origin)) =>
        {
            raw.to_owned()
        }
        _ => DEFAULT_RETURN.to_owned(),
    }
}

/// A 302 to `location` with cookies.
fn redirect(location: &str, cookies: impl IntoIterator<Item = HeaderValue>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(LOCATION, value);
        }
        Err(_) => {
            headers.insert(LOCATION, HeaderValue::from_static(DEFAULT_RETURN));
        }
    }
    for cookie in cookies {
        headers.append(SET_COOKIE, cookie);
    }
    response
}

impl AppState {
    /// The login flow, when configured.
    fn login(&self) -> Result<Arc<Login>, ApiError> {
        self.login
            .clone()
            .ok_or_else(|| ApiError::not_found("Login is not configured."))
    }
}

fn refused(reason: &str) -> ApiError {
    ApiError::bad_request(format!("Login failed: {reason}"))
}

/// Starts a login: redirects to the identity provider (authorization code, PKCE S256, state
/// and nonce); the browser comes back to `/api/v1.0/callback/`, then goes to `returnTo` (a
/// path of this site or an allowed origin, else `/`).
#[utoipa::path(
    get,
    path = "/api/v1.0/authenticate/",
    tag = "auth",
    params(("returnTo" = Option<String>, Query, description = "Where to go once signed in")),
    responses(
        (status = 302, description = "To the identity provider's authorization endpoint"),
        (status = 404, description = "No login configured", body = DetailBody),
        (status = 429, description = "Too many logins started from this address", body = DetailBody),
        (status = 503, description = "The identity provider cannot be reached", body = DetailBody),
    )
)]
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    QueryParams(query): QueryParams<AuthenticateQuery>,
) -> Result<Response, ApiError> {
    let login = state.login()?;
    let settings = &login.settings;
    // Each start stores a pending login: bounded per client address.
    if let Some(retry_after) = settings
        .limiter
        .hit(&format!("login:{client}"), settings.login_rate)
        .await?
    {
        return Err(anteroom_domain::Error::RateLimited { retry_after }.into());
    }
    let return_to = return_target(
        query.return_to.as_deref(),
        &login.origin,
        &settings.allowed_return_origins,
    );
    let (login_state, nonce) = (random_token(), random_token());
    let authorization = login.provider.authorize(&login_state, &nonce).await?;
    let key = SessionKey::random();
    let pending = Session::Login(PendingLogin {
        state: login_state,
        nonce,
        pkce_verifier: authorization.pkce_verifier,
        return_to,
    });
    settings.store.put(&key, &pending, LOGIN_TTL).await?;
    let secure = state.settings.secure_cookies;
    Ok(redirect(
        &authorization.url,
        [set_cookie(
            LOGIN_COOKIE,
            key.as_str(),
            LOGIN_TTL,
            true,
            secure,
        )],
    ))
}

/// Ends a login: checks the state against the login in progress (used once), exchanges the
/// code, checks the ID token, creates or refreshes the user, opens a session (cookies
/// `sessionid` and `csrftoken`) and redirects to `returnTo`.
#[utoipa::path(
    get,
    path = "/api/v1.0/callback/",
    tag = "auth",
    params(
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state sent with the authorization request"),
        ("error" = Option<String>, Query, description = "The provider's error code"),
        ("iss" = Option<String>, Query, description = "The provider's issuer (RFC 9207)"),
    ),
    responses(
        (status = 302, description = "Signed in: to `returnTo`"),
        (status = 400, description = "No matching login in progress, or the provider refused", body = DetailBody),
        (status = 403, description = "Inactive user, or e-mail shared by several users", body = DetailBody),
        (status = 404, description = "No login configured", body = DetailBody),
        (status = 503, description = "The identity provider cannot be reached", body = DetailBody),
    )
)]
pub(crate) async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<CallbackQuery>,
) -> Result<Response, ApiError> {
    let login = state.login()?;
    let secure = state.settings.secure_cookies;
    let clear_login = set_cookie(LOGIN_COOKIE, "", Duration::ZERO, true, secure);
    match open_session(&state, &login, &headers, query).await {
        Ok((return_to, session_key, csrf_token)) => {
            let lifetime = login.settings.session_lifetime;
            Ok(redirect(
                &return_to,
                [
                    clear_login,
                    set_cookie(SESSION_COOKIE, session_key.as_str(), lifetime, true, secure),
                    set_cookie(CSRF_COOKIE, &csrf_token, lifetime, false, secure),
                ],
            ))
        }
        Err(error) => {
            let mut response = error.into_response();
            response.headers_mut().append(SET_COOKIE, clear_login);
            Ok(response)
        }
    }
}

/// The callback's checks and the new session: `(returnTo, session key, CSRF token)`.
async fn open_session(
    state: &AppState,
    login: &Login,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<(String, SessionKey, String), ApiError> {
    let store = &login.settings.store;
    let pending = match cookie(headers, LOGIN_COOKIE).and_then(SessionKey::parse) {
        Some(key) => store.take(&key).await?,
        None => None,
    };
    let Some(Session::Login(pending)) = pending else {
        return Err(refused("no login in progress in this browser."));
    };
    if !query
        .state
        .as_deref()
        .is_some_and(|s| secrets_match(s, &pending.state))
    {
        return Err(refused("the state does not match the login in progress."));
    }
    if let Some(iss) = &query.iss
        && iss.trim_end_matches('/') != login.settings.issuer.trim_end_matches('/')
    {
        return Err(refused("the answer comes from another identity provider."));
    }
    if let Some(error) = query.error {
        let error: String = error.chars().take(64).collect();
        return Err(refused(&format!("the identity provider answered {error}.")));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Err(refused("no authorization code."));
    };
    let identity = login
        .provider
        .exchange(&code, &pending.pkce_verifier, &pending.nonce)
        .await
        .map_err(|refusal| match refusal {
            Refusal::Refused(reason) => refused(&reason),
            Refusal::Failed(error) => error.into(),
        })?;
    let user = state
        .use_cases
        .users
        .provision_with(
            &identity.claims,
            Provisioning {
                fallback_to_email: login.settings.fallback_to_email,
            },
        )
        .await?;
    // A new key at each login: a session id known before login is worth nothing after.
    if let Some(old) = cookie(headers, SESSION_COOKIE).and_then(SessionKey::parse) {
        store.take(&old).await?;
    }
    let key = SessionKey::random();
    let csrf_token = random_token();
    let session = Session::User(UserSession {
        user: user.id,
        csrf_token: csrf_token.clone(),
        id_token: Some(identity.id_token),
        provider_session: identity.provider_session,
    });
    store
        .put(&key, &session, login.settings.session_lifetime)
        .await?;
    tracing::info!(user = %user.id, "browser session opened");
    Ok((pending.return_to, key, csrf_token))
}

/// Signs out: deletes the session, clears the cookies and redirects to the provider's
/// end-session endpoint (when signed in and the provider has one), else to the post-logout
/// URL or `/`.
#[utoipa::path(
    get,
    path = "/api/v1.0/logout/",
    tag = "auth",
    responses(
        (status = 302, description = "Signed out"),
        (status = 404, description = "No login configured", body = DetailBody),
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let login = state.login()?;
    let mut signed_in = None;
    if let Some(key) = cookie(&headers, SESSION_COOKIE).and_then(SessionKey::parse)
        && let Some(Session::User(session)) = login.settings.store.take(&key).await?
    {
        tracing::info!(user = %session.user, "browser session closed");
        signed_in = Some(session);
    }
    let post_logout = login.post_logout.as_str();
    let target = match &signed_in {
        Some(session) => {
            login
                .provider
                .end_session_url(session.id_token.as_deref(), Some(post_logout))
                .await
        }
        None => None,
    }
    .unwrap_or_else(|| post_logout.to_owned());
    let secure = state.settings.secure_cookies;
    Ok(redirect(
        &target,
        [
            set_cookie(SESSION_COOKIE, "", Duration::ZERO, true, secure),
            set_cookie(CSRF_COOKIE, "", Duration::ZERO, false, secure),
        ],
    ))
}

/// `POST /api/v1.0/logout/`: as `GET` (with the CSRF token when signed in).
#[utoipa::path(
    post,
    path = "/api/v1.0/logout/",
    tag = "auth",
    responses(
        (status = 302, description = "Signed out"),
        (status = 403, description = "Signed in, without the CSRF token", body = DetailBody),
        (status = 404, description = "No login configured", body = DetailBody),
    )
)]
pub(crate) async fn logout_post(state: State<AppState>, headers: HeaderMap) -> Response {
    match logout(state, headers).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// Where the provider sends the browser back after logout: on to the after-logout URL. The
/// session already ended at `logout/`; nothing else happens here (so a link to this route
/// cannot sign anyone out).
#[utoipa::path(
    get,
    path = "/api/v1.0/logout-callback/",
    tag = "auth",
    responses(
        (status = 302, description = "To the after-logout URL"),
        (status = 404, description = "No login configured", body = DetailBody),
    )
)]
pub(crate) async fn logout_callback(State(state): State<AppState>) -> Result<Response, ApiError> {
    let login = state.login()?;
    Ok(redirect(&login.settings.logout_redirect_url, []))
}

/// The identity provider's back-channel logout (OpenID Connect Back-Channel Logout 1.0): a
/// form-encoded `logout_token` whose checks pass ends the browser sessions it names. 204 when
/// done (also when nobody was signed in), 400 `invalid_request` for a missing, refused or
/// replayed token, 503 when the provider's keys or the session store cannot be reached.
#[utoipa::path(
    post,
    path = "/api/v1.0/backchannel-logout/",
    tag = "auth",
    request_body(
        content = String,
        content_type = "application/x-www-form-urlencoded",
        description = "`logout_token=<JWT>`"
    ),
    responses(
        (status = 204, description = "The sessions named by the token ended"),
        (status = 400, description = "Missing, refused or replayed logout token", body = OAuthErrorBody),
        (status = 404, description = "No login configured", body = DetailBody),
        (status = 503, description = "The provider's keys or the session store cannot be reached", body = OAuthErrorBody),
    )
)]
pub(crate) async fn backchannel_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let login = state.login()?;
    let oauth = ApiError::keyed(Key::OAuth);
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return Err(oauth(anteroom_domain::Error::invalid(
            "logout_token",
            "The request must be application/x-www-form-urlencoded.",
        )));
    }
    let token = openidconnect::url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "logout_token")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let ended = login
        .settings
        .back_channel
        .handle(&token)
        .await
        .map_err(oauth)?;
    tracing::info!(sessions = ended, "back-channel logout");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
