//! The browser login over the REST gateway, against a real OpenID Provider: the npm
//! `oidc-provider` package run by `scripts/oidc/provider.mjs` (installed by
//! `scripts/oidc/install.sh`, which `scripts/bootstrap` calls). A cookie-keeping client plays
//! the browser: authenticate → provider (login and consent are automatic) → callback.
//!
//! Without node or the installed package the tests print `SKIPPED:` and pass, except with
//! `CI=true`, where they fail and say to run `scripts/bootstrap`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use crate::harness::{Options, Server, free_port, unique};

const CLIENT_ID: &str = "anteroom-e2e";
const CLIENT_SECRET: &str = "anteroom-e2e-secret";

/// Kills the provider once the test process (`$1`) is gone.
const WATCHDOG_SCRIPT: &str = r#"
while kill -0 "$1" 2>/dev/null; do sleep 1; done
kill -KILL "$2" 2>/dev/null
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate lives in the workspace")
        .to_path_buf()
}

/// The test user the provider signs in.
#[derive(Debug, Clone)]
struct Account {
    sub: String,
    email: String,
    given_name: String,
    family_name: String,
}

impl Account {
    fn new(tag: &str) -> Self {
        Self {
            sub: format!("ana-{tag}"),
            email: format!("ana.{tag}@example.org"),
            given_name: "Ana".to_owned(),
            family_name: "Lopes".to_owned(),
        }
    }
}

/// The route `name` next to the login callback `redirect_uri` (`.../api/v1.0/callback/`).
fn sibling(redirect_uri: &str, name: &str) -> String {
    let base = redirect_uri
        .strip_suffix("callback/")
        .expect("the redirect URI ends with callback/");
    format!("{base}{name}")
}

/// A running `scripts/oidc/provider.mjs`, killed on drop.
struct Provider {
    child: Child,
    issuer: String,
    log: tempfile::NamedTempFile,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Provider {
    /// Starts the provider for a client whose redirect URI is `redirect_uri`; `None` (after a
    /// `SKIPPED:` line) when node or `oidc-provider` is missing and `CI` is not `true`.
    async fn start(redirect_uri: &str, account: &Account) -> Option<Self> {
        let modules = workspace().join("target/oidc/node_modules/oidc-provider/package.json");
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !node || !modules.is_file() {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
            assert!(
                !ci,
                "node or npm oidc-provider is missing ({}): run scripts/bootstrap",
                modules.display()
            );
            eprintln!(
                "SKIPPED: browser login tests: node or npm oidc-provider is missing (run scripts/bootstrap)"
            );
            return None;
        }
        let port = free_port();
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let out = File::create(log.path()).expect("the log file");
        let err = out.try_clone().expect("the log file, twice");
        let child = Command::new("node")
            .arg(workspace().join("scripts/oidc/provider.mjs"))
            .args(["--port", &port.to_string()])
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .args(["--redirect-uri", redirect_uri])
            .args([
                "--post-logout-redirect-uri",
                &sibling(redirect_uri, "logout-callback/"),
            ])
            .args([
                "--backchannel-logout-uri",
                &sibling(redirect_uri, "backchannel-logout/"),
            ])
            .args(["--sub", &account.sub, "--email", &account.email])
            .args(["--given-name", &account.given_name])
            .args(["--family-name", &account.family_name])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("node starts");
        Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("anteroom-e2e-oidc-watchdog")
            .arg(std::process::id().to_string())
            .arg(child.id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        let mut provider = Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            log,
        };
        provider.wait_ready().await;
        Some(provider)
    }

    async fn wait_ready(&mut self) {
        let discovery = format!("{}/.well-known/openid-configuration", self.issuer);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("the provider exited ({status}):\n{}", self.log());
            }
            if reqwest::get(&discovery)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the provider is not ready:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Signs another user in from now on.
    async fn switch_account(&self, account: &Account) {
        let status = reqwest::Client::new()
            .post(format!("{}/__test__/account", self.issuer))
            .json(&json!({
                "sub": account.sub,
                "email": account.email,
                "given_name": account.given_name,
                "family_name": account.family_name,
            }))
            .send()
            .await
            .expect("the provider answers")
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
}

/// A provider and an `anteroom serve` that logs browsers in through it.
async fn start(account: &Account, env: &[(&str, &str)]) -> Option<(Provider, Server)> {
    let http = format!("127.0.0.1:{}", free_port());
    // The default redirect URL: derived from http.addr.
    let callback = format!("http://{http}/api/v1.0/callback/");
    let provider = Provider::start(&callback, account).await?;
    let mut options = Options::embedded()
        .env("ANTEROOM__HTTP__ADDR", &http)
        .env("ANTEROOM__HTTP__SECURE_COOKIES", "false")
        .env("ANTEROOM__AUTH__OIDC__ISSUER", &provider.issuer)
        .env("ANTEROOM__AUTH__OIDC__CLIENT_ID", CLIENT_ID)
        .env("ANTEROOM__AUTH__OIDC__CLIENT_SECRET", CLIENT_SECRET);
    for (key, value) in env {
        options = options.env(key, value);
    }
    let server = Server::start(options).await;
    Some((provider, server))
}

/// A browser: keeps cookies, follows no redirect by itself.
struct Browser {
    client: reqwest::Client,
    jar: Arc<Jar>,
}

/// An answer: status, `Location`, `Set-Cookie` values and the JSON body.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: Value,
}

impl Answer {
    /// The `Set-Cookie` value of cookie `name`.
    fn cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.cookies
            .iter()
            .find(|c| c.starts_with(&prefix))
            .map(String::as_str)
    }
}

impl Browser {
    fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Self { client, jar }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("an answer");
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            location,
            cookies,
            body,
        }
    }

    async fn get(&self, url: &str) -> Answer {
        self.send(self.client.get(url)).await
    }

    /// The value of the cookie `name` this browser would send to `url`.
    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let url = Url::parse(url).expect("a URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(found, _)| *found == name)
            .map(|(_, value)| value.to_owned())
    }

    /// Starts a login with `returnTo`, goes through the provider, and returns the
    /// authorization redirect and the callback URL the provider sends the browser to (not
    /// visited yet).
    async fn through_provider(&self, server: &Server, return_to: &str) -> (Answer, String) {
        let mut url =
            Url::parse(&format!("{}/api/v1.0/authenticate/", server.http_url())).expect("a URL");
        url.query_pairs_mut().append_pair("returnTo", return_to);
        let start = self.get(url.as_str()).await;
        assert_eq!(start.status, StatusCode::FOUND, "{:?}", start.body);
        let callback = format!("{}/api/v1.0/callback/", server.http_url());
        let mut next = Url::parse(start.location.as_deref().expect("a Location")).expect("a URL");
        for _ in 0..12 {
            let answer = self.get(next.as_str()).await;
            assert!(
                answer.status.is_redirection(),
                "the provider answered {}: {:?}",
                answer.status,
                answer.body
            );
            next = next
                .join(answer.location.as_deref().expect("a Location"))
                .expect("a URL");
            if next.as_str().starts_with(&callback) {
                return (start, next.to_string());
            }
        }
        panic!("the provider never sent the browser back to {callback}");
    }

    /// Ends this browser's session at the provider (its end-session page, then the
    /// confirmation form with `logout=yes`): the confirmation's answer. The provider sends its
    /// back-channel logout tokens before answering.
    async fn end_provider_session(&self, end_session_url: &str) -> Answer {
        let page = self.get(end_session_url).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        let html = page.body.as_str().expect("an HTML page");
        let xsrf = html
            .split("name=\"xsrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the logout form's xsrf");
        let confirm = Url::parse(end_session_url)
            .expect("a URL")
            .join("/session/end/confirm")
            .expect("a URL");
        self.send(
            self.client
                .post(confirm)
                .form(&[("xsrf", xsrf), ("logout", "yes")]),
        )
        .await
    }

    /// A whole login: the callback's answer.
    async fn login(&self, server: &Server, return_to: &str) -> Answer {
        let (_, callback) = self.through_provider(server, return_to).await;
        self.get(&callback).await
    }
}

fn query(url: &str) -> Vec<(String, String)> {
    Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The redirect of `authenticate`: to the provider's authorization endpoint, with the code
/// flow, PKCE S256, state, nonce, scopes and redirect URI; the login cookie is set.
fn assert_authorization_request(start: &Answer, provider: &Provider, api: &str) {
    let authorize = start.location.clone().expect("a Location");
    assert!(authorize.starts_with(&format!("{}/auth?", provider.issuer)));
    let params = query(&authorize);
    assert_eq!(param(&params, "response_type"), Some("code"));
    assert_eq!(param(&params, "client_id"), Some(CLIENT_ID));
    assert_eq!(param(&params, "code_challenge_method"), Some("S256"));
    assert!(param(&params, "code_challenge").is_some());
    assert!(param(&params, "state").is_some_and(|s| s.len() >= 32));
    assert!(param(&params, "nonce").is_some_and(|s| s.len() >= 32));
    assert_eq!(
        param(&params, "redirect_uri"),
        Some(format!("{api}/api/v1.0/callback/").as_str())
    );
    let scopes: Vec<&str> = param(&params, "scope").unwrap_or("").split(' ').collect();
    for scope in ["openid", "email", "profile"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
    let pending = start.cookie("anteroom_login").expect("the login cookie");
    assert!(pending.contains("HttpOnly") && pending.contains("SameSite=Lax"));
}

/// The end-session redirect of `logout/` carries the ID token hint, the client id and the
/// logout callback; the provider ends its own session and sends the browser to the logout
/// callback, which lands on the after-logout URL.
async fn assert_provider_logout_lands_home(browser: &Browser, end: &str, api: &str) {
    let end_params = query(end);
    assert!(param(&end_params, "id_token_hint").is_some());
    assert_eq!(param(&end_params, "client_id"), Some(CLIENT_ID));
    let logout_callback = format!("{api}/api/v1.0/logout-callback/");
    assert_eq!(
        param(&end_params, "post_logout_redirect_uri"),
        Some(logout_callback.as_str())
    );
    let ended = browser.end_provider_session(end).await;
    assert!(ended.status.is_redirection(), "{:?}", ended.body);
    let back = ended.location.clone().expect("a Location");
    assert!(back.starts_with(&logout_callback), "{back}");
    let landed = browser.get(&back).await;
    assert_eq!(landed.status, StatusCode::FOUND);
    assert_eq!(landed.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn a_browser_logs_in_works_with_its_session_and_csrf_and_logs_out() {
    let tag = unique();
    let account = Account::new(&tag);
    let Some((provider, server)) = start(
        &account,
        &[("ANTEROOM__AUTH__OIDC__FALLBACK_TO_EMAIL", "true")],
    )
    .await
    else {
        return;
    };
    let api = server.http_url();
    let browser = Browser::new();

    // authenticate → the provider's authorization endpoint, code flow with PKCE S256.
    let (start, callback) = browser
        .through_provider(&server, "/rooms/after-login")
        .await;
    assert_authorization_request(&start, &provider, &api);

    // callback → session and CSRF cookies, then returnTo.
    let done = browser.get(&callback).await;
    assert_eq!(done.status, StatusCode::FOUND, "{:?}", done.body);
    assert_eq!(done.location.as_deref(), Some("/rooms/after-login"));
    let session = done.cookie("sessionid").expect("the session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Max-Age=43200"), "{session}");
    assert!(!session.contains("Secure"), "secure cookies are off here");
    let csrf_cookie = done.cookie("csrftoken").expect("the CSRF cookie");
    assert!(!csrf_cookie.contains("HttpOnly"), "the frontend reads it");
    let session_id = browser.cookie(&api, "sessionid").expect("kept");
    let csrf = browser.cookie(&api, "csrftoken").expect("kept");

    // The session alone authenticates: the provider's user.
    let me = browser.get(&format!("{api}/api/v1.0/users/me/")).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["email"], account.email);
    assert_eq!(me.body["full_name"], "Ana Lopes");
    assert_eq!(me.body["short_name"], "Ana");
    let id = me.body["id"].as_str().expect("an id").to_owned();

    // Unsafe methods need the double submit.
    let rooms = format!("{api}/api/v1.0/rooms/");
    let body = json!({ "name": format!("login {tag}") });
    let refused = browser.send(browser.client.post(&rooms).json(&body)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("CSRF Failed: ")),
        "{:?}",
        refused.body
    );
    let created = browser
        .send(
            browser
                .client
                .post(&rooms)
                .header("X-CSRFToken", &csrf)
                .json(&body),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let listed = browser.get(&rooms).await;
    assert_eq!(listed.body["count"], 1, "{:?}", listed.body);

    // Logout: the session is gone, the provider's end-session endpoint is next.
    let out = browser.get(&format!("{api}/api/v1.0/logout/")).await;
    assert_eq!(out.status, StatusCode::FOUND);
    let end = out.location.clone().expect("a Location");
    assert!(
        end.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{end}"
    );
    assert!(
        out.cookie("sessionid")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    let me = browser.get(&format!("{api}/api/v1.0/users/me/")).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let replayed = reqwest::Client::new()
        .get(format!("{api}/api/v1.0/users/me/"))
        .header(COOKIE, format!("sessionid={session_id}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED, "deleted");
    assert_provider_logout_lands_home(&browser, &end, &api).await;

    // Another subject with the same e-mail (other case) and a new given name, in another
    // browser: the e-mail fallback finds the same user, whose names are refreshed.
    let renamed = Account {
        sub: format!("ana-other-{tag}"),
        email: account.email.to_uppercase(),
        given_name: "Anabela".to_owned(),
        ..account.clone()
    };
    provider.switch_account(&renamed).await;
    let other = Browser::new();
    let done = other.login(&server, "/").await;
    assert_eq!(done.status, StatusCode::FOUND, "{:?}", done.body);
    let me = other.get(&format!("{api}/api/v1.0/users/me/")).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["id"], id.as_str(), "the same user");
    assert_eq!(me.body["full_name"], "Anabela Lopes");
    assert_eq!(me.body["short_name"], "Anabela");
    drop(server);
}

#[tokio::test]
async fn tampered_states_and_foreign_return_targets_are_refused() {
    let account = Account::new(&unique());
    let Some((_provider, server)) = start(&account, &[]).await else {
        return;
    };
    let api = server.http_url();
    let browser = Browser::new();

    // A callback whose state was changed is refused, and spends the login in progress.
    let (_, callback) = browser.through_provider(&server, "/").await;
    let mut tampered = Url::parse(&callback).expect("a URL");
    let pairs: Vec<(String, String)> = query(&callback)
        .into_iter()
        .map(|(k, v)| {
            if k == "state" {
                (k, format!("{v}x"))
            } else {
                (k, v)
            }
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = browser.get(tampered.as_str()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        json!({"detail": "Login failed: the state does not match the login in progress."})
    );
    assert!(refused.cookie("sessionid").is_none());
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        replay.body,
        json!({"detail": "Login failed: no login in progress in this browser."})
    );
    let me = browser.get(&format!("{api}/api/v1.0/users/me/")).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);

    // A callback from another browser (no login cookie) is refused too.
    let (_, callback) = browser.through_provider(&server, "/").await;
    let stranger = Browser::new().get(&callback).await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);

    // A foreign returnTo is not followed: the browser lands on `/`.
    for foreign in ["https://evil.example.com/steal", "//evil.example.com/x"] {
        let done = Browser::new().login(&server, foreign).await;
        assert_eq!(done.status, StatusCode::FOUND, "{:?}", done.body);
        assert_eq!(done.location.as_deref(), Some("/"), "{foreign}");
        assert!(done.cookie("sessionid").is_some());
    }
    // Its own origin is fine.
    let own = format!("{api}/rooms/x");
    let done = Browser::new().login(&server, &own).await;
    assert_eq!(done.location.as_deref(), Some(own.as_str()));
}

#[tokio::test]
async fn a_logout_at_the_provider_ends_the_sessions_opened_in_it_over_the_back_channel() {
    let account = Account::new(&unique());
    let Some((provider, server)) = start(&account, &[]).await else {
        return;
    };
    let api = server.http_url();
    let me = format!("{api}/api/v1.0/users/me/");
    // The same user in two browsers: two sessions at the provider, two here.
    let (first, second) = (Browser::new(), Browser::new());
    for browser in [&first, &second] {
        let done = browser.login(&server, "/").await;
        assert_eq!(done.status, StatusCode::FOUND, "{:?}", done.body);
        assert_eq!(browser.get(&me).await.status, StatusCode::OK);
    }

    // The first browser signs out at the provider itself (not through Anteroom): the
    // provider's logout token ends the session it names here, and only that one.
    let ended = first
        .end_provider_session(&format!("{}/session/end", provider.issuer))
        .await;
    assert!(ended.status.is_redirection(), "{:?}", ended.body);
    assert!(
        !provider.log().contains("backchannel.error"),
        "the provider's back-channel call failed: {}",
        provider.log()
    );
    assert_eq!(first.get(&me).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        second.get(&me).await.status,
        StatusCode::OK,
        "its own session stays"
    );

    // Tokens the provider did not sign, or no token, are refused with OAuth errors.
    let backchannel = format!("{api}/api/v1.0/backchannel-logout/");
    let client = reqwest::Client::new();
    for (form, description) in [
        (
            vec![("logout_token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")],
            "Invalid logout token",
        ),
        (vec![], "This field is required."),
    ] {
        let answer = client
            .post(&backchannel)
            .form(&form)
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        assert_eq!(answer.headers()["cache-control"], "no-store");
        let body: Value = answer.json().await.expect("JSON");
        assert_eq!(body["error"], "invalid_request");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| d.starts_with(description)),
            "{body}"
        );
    }
    assert_eq!(second.get(&me).await.status, StatusCode::OK);
}

#[tokio::test]
async fn starting_logins_is_throttled_per_client_address() {
    let account = Account::new(&unique());
    let Some((_provider, server)) =
        start(&account, &[("ANTEROOM__AUTH__OIDC__LOGIN_RATE_LIMIT", "2")]).await
    else {
        return;
    };
    let authenticate = format!("{}/api/v1.0/authenticate/", server.http_url());
    let browser = Browser::new();
    for _ in 0..2 {
        assert_eq!(browser.get(&authenticate).await.status, StatusCode::FOUND);
    }
    let refused = browser.get(&authenticate).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Request was throttled.")),
        "{:?}",
        refused.body
    );
}
