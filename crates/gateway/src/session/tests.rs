//! Sessions and CSRF through the router, over an in-memory session store (no identity
//! provider: the flow's provider side is tested end to end against a real one).

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::access::MockAccessRepository;
use anteroom_domain::clock::SystemClock;
use anteroom_domain::id::UserId;
use anteroom_domain::lobby::RateLimit;
use anteroom_domain::media::{
    MockMediaServer, MockMediaTokenVerifier, MockRecordingEgress, MockTokenIssuer,
    MockWebhookVerifier,
};
use anteroom_domain::recording::{
    MockObjectSigner, MockRecordingNotifier, MockRecordingRepository,
};
use anteroom_domain::room::{MockRoomRepository, RoomConfiguration};
use anteroom_domain::session::{
    BackChannelLogout, MockLogoutTokenVerifier, PendingLogin, ProviderLogout, Session, SessionKey,
    SessionStore, UserSession, random_token,
};
use anteroom_domain::user::{Email, Language, MockUserRepository, Subject, Timezone, User};
use anteroom_domain::{Ports, Settings, UseCases};
use anteroom_memory::{
    MemoryCreationCallbacks, MemoryEventBus, MemoryEventLedger, MemoryLobbyStore,
    MemoryRateLimiter, MemorySessionStore,
};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::routes::return_target;
use super::{LoginSettings, set_cookie};
use crate::{GatewaySettings, router};

/// An identity provider that is not there (a closed port): discovery fails fast.
const NO_PROVIDER: &str = "http://127.0.0.1:9";

fn ana() -> User {
    let now = chrono::Utc::now();
    User {
        id: UserId::new(),
        sub: Some(Subject::parse("ana").unwrap()),
        email: Some(Email::parse("ana@example.org").unwrap()),
        full_name: Some("Ana Lopes".to_owned()),
        short_name: Some("Ana".to_owned()),
        language: Language::EnUs,
        timezone: Timezone::default(),
        default_room_access_level: None,
        default_room_configuration: RoomConfiguration::default(),
        is_active: true,
        created_at: now,
        updated_at: now,
    }
}

fn use_cases(users: MockUserRepository) -> Arc<UseCases> {
    let ports = Ports {
        rooms: Arc::new(MockRoomRepository::new()),
        accesses: Arc::new(MockAccessRepository::new()),
        users: Arc::new(users),
        verifier: None,
        media: Arc::new(MockMediaServer::new()),
        tokens: Arc::new(MockTokenIssuer::new()),
        media_tokens: Arc::new(MockMediaTokenVerifier::new()),
        webhooks: Arc::new(MockWebhookVerifier::new()),
        lobby: Arc::new(MemoryLobbyStore::new()),
        events: Arc::new(MemoryEventBus::new()),
        limiter: Arc::new(MemoryRateLimiter::new()),
        creation_callbacks: Arc::new(MemoryCreationCallbacks::new()),
        ledger: Arc::new(MemoryEventLedger::new()),
        clock: Arc::new(SystemClock),
        recordings: Arc::new(MockRecordingRepository::new()),
        egress: Arc::new(MockRecordingEgress::new()),
        notifier: Arc::new(MockRecordingNotifier::new()),
        signer: Arc::new(MockObjectSigner::new()),
        invitations: None,
    };
    Arc::new(UseCases::new(ports, Settings::default()))
}

/// A back-channel logout whose token verifier answers `answer` for the token `t.o.k`.
fn back_channel(
    store: Arc<MemorySessionStore>,
    users: MockUserRepository,
    answer: Option<ProviderLogout>,
) -> BackChannelLogout {
    let mut verifier = MockLogoutTokenVerifier::new();
    verifier
        .expect_verify()
        .returning(move |token| match &answer {
            Some(logout) if token == "t.o.k" => Ok(logout.clone()),
            _ => Err(Error::invalid(
                "logout_token",
                "Invalid logout token: bad signature.",
            )),
        });
    BackChannelLogout::new(
        Arc::new(verifier),
        store,
        Arc::new(users),
        Arc::new(MemoryEventLedger::new()),
    )
}

fn login(store: Arc<MemorySessionStore>) -> LoginSettings {
    login_with(
        store.clone(),
        back_channel(store, MockUserRepository::new(), None),
    )
}

fn login_with(store: Arc<MemorySessionStore>, back_channel: BackChannelLogout) -> LoginSettings {
    LoginSettings {
        issuer: NO_PROVIDER.to_owned(),
        client_id: "anteroom".to_owned(),
        client_secret: Some("secret".to_owned()),
        redirect_url: "https://meet.example.org/api/v1.0/callback/".to_owned(),
        allowed_return_origins: vec!["https://app.example.org".to_owned()],
        post_logout_redirect_url: None,
        logout_redirect_url: "/goodbye".to_owned(),
        session_lifetime: Duration::from_hours(12),
        fallback_to_email: false,
        store,
        limiter: Arc::new(MemoryRateLimiter::new()),
        login_rate: RateLimit {
            limit: 3,
            window: Duration::from_mins(1),
        },
        back_channel,
    }
}

/// A router with login, a signed-in session of `user` (its key and CSRF token) and the store.
async fn signed_in(user: &User) -> (Router, SessionKey, String, Arc<MemorySessionStore>) {
    let found = user.clone();
    let mut users = MockUserRepository::new();
    users.expect_get().returning(move |_| Ok(found.clone()));
    let store = Arc::new(MemorySessionStore::new());
    let key = SessionKey::random();
    let csrf = random_token();
    let session = Session::User(UserSession {
        user: user.id,
        csrf_token: csrf.clone(),
        id_token: None,
        provider_session: Some("sid-ana".to_owned()),
    });
    store
        .put(&key, &session, Duration::from_mins(5))
        .await
        .unwrap();
    let settings = GatewaySettings {
        login: Some(login(store.clone())),
        ..GatewaySettings::default()
    };
    (router(use_cases(users), settings), key, csrf, store)
}

fn request(method: Method, uri: &str, cookies: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if !cookies.is_empty() {
        builder = builder.header(header::COOKIE, cookies);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Vec<String>, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let location = response.headers().get(header::LOCATION).cloned();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = if let Some(location) = location {
        json!({ "location": location.to_str().unwrap() })
    } else if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, cookies, body)
}

#[tokio::test]
async fn a_session_cookie_authenticates_every_route() {
    let user = ana();
    let (app, key, _, _) = signed_in(&user).await;
    let cookie = format!("sessionid={}", key.as_str());
    let (status, _, me) = send(
        &app,
        request(Method::GET, "/api/v1.0/users/me/", &cookie, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], user.id.to_string());
    assert_eq!(me["email"], "ana@example.org");

    // Unknown or malformed keys are anonymous.
    for stale in [SessionKey::random().as_str().to_owned(), "nope".to_owned()] {
        let (status, _, _) = send(
            &app,
            request(
                Method::GET,
                "/api/v1.0/users/me/",
                &format!("sessionid={stale}"),
                &[],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_deactivated_user_s_session_is_anonymous() {
    let mut user = ana();
    user.is_active = false;
    let (app, key, _, _) = signed_in(&user).await;
    let cookie = format!("sessionid={}", key.as_str());
    let (status, _, _) = send(
        &app,
        request(Method::GET, "/api/v1.0/users/me/", &cookie, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Cookies, headers, and the expected refusal reason.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn unsafe_requests_with_a_session_need_the_csrf_double_submit() {
    let (app, key, csrf, _) = signed_in(&ana()).await;
    let session = format!("sessionid={}", key.as_str());
    let with_cookie = format!("{session}; csrftoken={csrf}");
    let other = random_token();
    let with_other_cookie = format!("{session}; csrftoken={other}");
    let cases: [Case<'_>; 4] = [
        (
            &session,
            vec![("x-csrftoken", &csrf)],
            "CSRF cookie not set.",
        ),
        (&with_cookie, vec![], "CSRF token missing."),
        (
            &with_cookie,
            vec![("x-csrftoken", &other)],
            "CSRF token incorrect.",
        ),
        // Cookie and header agree, but not with the session: a planted cookie does not pass.
        (
            &with_other_cookie,
            vec![("x-csrftoken", &other)],
            "CSRF token incorrect.",
        ),
    ];
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        for (cookies, headers, reason) in &cases {
            let (status, _, body) = send(
                &app,
                request(method.clone(), "/api/v1.0/rooms/", cookies, headers),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {cookies}");
            assert_eq!(body, json!({ "detail": format!("CSRF Failed: {reason}") }));
        }
    }
}

#[tokio::test]
async fn bearer_and_anonymous_requests_are_not_subject_to_csrf() {
    let (app, key, _, _) = signed_in(&ana()).await;
    let session = format!("sessionid={}", key.as_str());
    // A bearer token wins over the cookie: no CSRF check (here no provider: 401).
    let (status, _, body) = send(
        &app,
        request(
            Method::POST,
            "/api/v1.0/rooms/",
            &session,
            &[("authorization", "Bearer abc.def.ghi")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // A stale session cookie is anonymous: the route's own answer.
    let stale = format!("sessionid={}", SessionKey::random().as_str());
    let (status, _, body) =
        send(&app, request(Method::POST, "/api/v1.0/rooms/", &stale, &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
    // Safe methods never need the token.
    let (status, _, _) = send(
        &app,
        request(Method::GET, "/api/v1.0/users/me/", &session, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logout_deletes_the_session_and_clears_the_cookies() {
    let (app, key, csrf, store) = signed_in(&ana()).await;
    let cookies = format!("sessionid={}; csrftoken={csrf}", key.as_str());
    // POST needs the token like every unsafe method.
    let (status, _, _) = send(
        &app,
        request(Method::POST, "/api/v1.0/logout/", &cookies, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, set, body) = send(
        &app,
        request(
            Method::POST,
            "/api/v1.0/logout/",
            &cookies,
            &[("x-csrftoken", &csrf)],
        ),
    )
    .await;
    // The provider cannot be discovered: the local logout still happens, to the post-logout
    // landing (by default the gateway's logout-callback, next to its login callback).
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        body,
        json!({"location": "https://meet.example.org/api/v1.0/logout-callback/"})
    );
    assert!(
        set.iter()
            .any(|c| c.starts_with("sessionid=;") && c.contains("Max-Age=0"))
    );
    assert!(
        set.iter()
            .any(|c| c.starts_with("csrftoken=;") && c.contains("Max-Age=0"))
    );
    assert_eq!(store.get(&key).await.unwrap(), None);
    let (status, _, _) = send(
        &app,
        request(Method::GET, "/api/v1.0/users/me/", &cookies, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Logging out again, or anonymously, is harmless.
    let (status, _, _) = send(
        &app,
        request(Method::GET, "/api/v1.0/logout/", &cookies, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
}

#[tokio::test]
async fn the_callback_refuses_without_a_matching_login_in_progress() {
    let (app, _, _, store) = signed_in(&ana()).await;
    let (status, _, body) = send(
        &app,
        request(Method::GET, "/api/v1.0/callback/?code=c&state=s", "", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"detail": "Login failed: no login in progress in this browser."})
    );

    let key = SessionKey::random();
    let pending = Session::Login(PendingLogin {
        state: random_token(),
        nonce: random_token(),
        pkce_verifier: random_token(),
        return_to: "/".to_owned(),
    });
    store
        .put(&key, &pending, Duration::from_mins(5))
        .await
        .unwrap();
    let cookie = format!("anteroom_login={}", key.as_str());
    let (status, set, body) = send(
        &app,
        request(
            Method::GET,
            &format!("/api/v1.0/callback/?code=c&state={}", random_token()),
            &cookie,
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"detail": "Login failed: the state does not match the login in progress."})
    );
    assert!(set.iter().any(|c| c.starts_with("anteroom_login=;")));
    assert!(!set.iter().any(|c| c.starts_with("sessionid=")));
    assert_eq!(store.get(&key).await.unwrap(), None, "used once");
}

#[tokio::test]
async fn an_unreachable_provider_is_503_and_no_login_is_404() {
    let (app, _, _, _) = signed_in(&ana()).await;
    let (status, _, body) = send(
        &app,
        request(Method::GET, "/api/v1.0/authenticate/?returnTo=/x", "", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"detail": "identity provider is unavailable"}));

    let without = router(
        use_cases(MockUserRepository::new()),
        GatewaySettings::default(),
    );
    for uri in [
        "/api/v1.0/authenticate/",
        "/api/v1.0/callback/",
        "/api/v1.0/logout/",
        "/api/v1.0/logout-callback/",
    ] {
        let (status, _, body) = send(&without, request(Method::GET, uri, "", &[])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body, json!({"detail": "Login is not configured."}));
    }
}

#[tokio::test]
async fn the_logout_callback_lands_on_the_after_logout_url_and_signs_nobody_out() {
    let (app, key, _, store) = signed_in(&ana()).await;
    let cookie = format!("sessionid={}", key.as_str());
    let (status, set, body) = send(
        &app,
        request(
            Method::GET,
            "/api/v1.0/logout-callback/?state=x",
            &cookie,
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(body, json!({"location": "/goodbye"}));
    assert!(set.is_empty(), "{set:?}");
    assert!(
        store.get(&key).await.unwrap().is_some(),
        "a link cannot sign out"
    );
}

#[test]
fn the_logout_callback_sits_next_to_the_login_callback() {
    use super::routes::logout_callback_url;
    assert_eq!(
        logout_callback_url("https://meet.example.org/api/v1.0/callback/").as_deref(),
        Some("https://meet.example.org/api/v1.0/logout-callback/")
    );
    assert_eq!(
        logout_callback_url("http://127.0.0.1:8080/prefix/api/v1.0/callback").as_deref(),
        Some("http://127.0.0.1:8080/prefix/api/v1.0/logout-callback/")
    );
    assert_eq!(logout_callback_url("not a url"), None);
}

/// A form POST to the back-channel logout endpoint.
fn logout_form(body: &str, content_type: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1.0/backchannel-logout/")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn a_back_channel_logout_ends_the_provider_session_s_browser_sessions() {
    let user = ana();
    let (_, key, _, store) = signed_in(&user).await;
    let other = SessionKey::random();
    let elsewhere = Session::User(UserSession {
        user: user.id,
        csrf_token: random_token(),
        id_token: None,
        provider_session: Some("sid-other".to_owned()),
    });
    store
        .put(&other, &elsewhere, Duration::from_mins(5))
        .await
        .unwrap();
    let verified = ProviderLogout {
        subject: Some(Subject::parse("ana").unwrap()),
        provider_session: Some("sid-ana".to_owned()),
        token_id: Some("jti-1".to_owned()),
    };
    let settings = GatewaySettings {
        login: Some(login_with(
            store.clone(),
            back_channel(store.clone(), MockUserRepository::new(), Some(verified)),
        )),
        ..GatewaySettings::default()
    };
    let app = router(use_cases(MockUserRepository::new()), settings);
    let form = "application/x-www-form-urlencoded";

    // No CSRF token, no cookie: the provider calls server to server.
    let response = app
        .clone()
        .oneshot(logout_form("logout_token=t.o.k", form))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(store.get(&key).await.unwrap(), None, "ended");
    assert!(
        store.get(&other).await.unwrap().is_some(),
        "another provider session stays"
    );

    let (status, _, body) = send(&app, logout_form("logout_token=t.o.k", form)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a replay");
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "Token already processed."})
    );
    let (status, _, body) = send(&app, logout_form("logout_token=forged", form)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "Invalid logout token: bad signature."
    );
    let (status, _, body) = send(&app, logout_form("other=1", form)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_description"], "This field is required.");
    let (status, _, body) = send(
        &app,
        logout_form("{\"logout_token\":\"t.o.k\"}", "application/json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error_description"],
        "The request must be application/x-www-form-urlencoded."
    );
}

#[tokio::test]
async fn starting_logins_is_throttled_per_client_address() {
    let (app, _, _, _) = signed_in(&ana()).await;
    // The provider is unreachable (503) but each start counts; the fourth is refused first.
    for _ in 0..3 {
        let (status, _, _) = send(
            &app,
            request(Method::GET, "/api/v1.0/authenticate/", "", &[]),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let response = app
        .clone()
        .oneshot(request(Method::GET, "/api/v1.0/authenticate/", "", &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
}

#[test]
fn return_to_is_a_path_or_an_allowed_origin_never_elsewhere() {
    let own = "https://meet.example.org";
    let allowed = vec!["https://app.example.org".to_owned()];
    let target = |raw: Option<&str>| return_target(raw, own, &allowed);
    assert_eq!(target(None), "/");
    assert_eq!(target(Some("")), "/");
    assert_eq!(target(Some("/rooms/abc?x=1")), "/rooms/abc?x=1");
    assert_eq!(
        target(Some("https://meet.example.org/r/1")),
        "https://meet.example.org/r/1"
    );
    assert_eq!(
        target(Some("https://app.example.org/home")),
        "https://app.example.org/home"
    );
    for foreign in [
        "https://evil.example.com/",
        "//evil.example.com/x",
        "/\\evil.example.com",
        "https://app.example.org.evil.com/",
        "http://app.example.org/",
        "https://user@app.example.org/",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=y",
        "rooms/relative",
    ] {
        assert_eq!(target(Some(foreign)), "/", "{foreign}");
    }
}

#[test]
fn cookies_are_lax_and_secure_unless_told() {
    let cookie = set_cookie("sessionid", "k", Duration::from_hours(12), true, true);
    assert_eq!(
        cookie,
        "sessionid=k; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure"
    );
    let cookie = set_cookie("csrftoken", "t", Duration::ZERO, false, false);
    assert_eq!(cookie, "csrftoken=t; Path=/; Max-Age=0; SameSite=Lax");
}
