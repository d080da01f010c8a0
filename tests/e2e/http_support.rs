//! What the REST gateway tests share: a small JSON client of a server's HTTP listener, users
//! with bearer tokens, and a reader of Server-Sent Events.

use std::time::Duration;

use anteroom_testkit::TokenClaims;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{Server, unique};

/// An answer: status, headers and the JSON body (`Null` when empty, a string when not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub(crate) fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status, body: {}",
            self.body
        );
        self.body
    }

    /// The `lobbyParticipantId` cookie this answer sets, with its attributes.
    pub(crate) fn set_cookie(&self) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("lobbyParticipantId="))
            .map(str::to_owned)
    }
}

/// A caller of a server's REST gateway.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    base: String,
    client: reqwest::Client,
    authorization: Option<String>,
    cookie: Option<String>,
    /// The user's id (empty for anonymous callers).
    pub(crate) id: String,
    /// The user's subject (empty for anonymous callers).
    pub(crate) sub: String,
}

impl Api {
    /// An anonymous caller.
    pub(crate) fn anonymous(server: &Server) -> Self {
        Self {
            base: server.http_url(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
            authorization: None,
            cookie: None,
            id: String::new(),
            sub: String::new(),
        }
    }

    /// The same caller sending `Authorization: Bearer <token>`.
    pub(crate) fn bearer(&self, token: &str) -> Self {
        Self {
            authorization: Some(format!("Bearer {token}")),
            ..self.clone()
        }
    }

    /// The bearer token this caller sends, if any.
    pub(crate) fn bearer_token(&self) -> Option<String> {
        self.authorization
            .as_deref()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
    }

    /// The same caller sending this `lobbyParticipantId`.
    pub(crate) fn with_participant(&self, participant: &str) -> Self {
        Self {
            cookie: Some(format!("lobbyParticipantId={participant}")),
            ..self.clone()
        }
    }

    /// A new user (`<name>-<tag>`), provisioned by a first `GET /users/me/`.
    pub(crate) async fn user(server: &Server, name: &str) -> Self {
        let sub = format!("{name}-{}", unique());
        let claims = TokenClaims::user(&sub).names(Some(name), Some("Tester"), None);
        let mut api = Self::anonymous(server).bearer(&server.token(&claims));
        let me = api.get("/api/v1.0/users/me/").await.expect(200);
        me["id"].as_str().expect("an id").clone_into(&mut api.id);
        api.sub = sub;
        api
    }

    /// A request to `path` (under the server's HTTP URL) with this caller's credentials.
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(value) = &self.authorization {
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        request
    }

    /// Sends a request and reads the answer.
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    /// `DELETE path`.
    pub(crate) async fn delete(&self, path: &str) -> Answer {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// `method path` with a JSON body.
    pub(crate) async fn json(&self, method: Method, path: &str, body: &Value) -> Answer {
        self.send(
            self.request(method, path)
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// `POST path` with a JSON body.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Answer {
        self.json(Method::POST, path, body).await
    }

    /// `PATCH path` with a JSON body.
    pub(crate) async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.json(Method::PATCH, path, body).await
    }

    /// Opens an event stream.
    pub(crate) async fn events(&self, path: &str) -> Result<EventReader, Answer> {
        let response = self
            .request(Method::GET, path)
            .send()
            .await
            .expect("the gateway answers");
        if response.status() != StatusCode::OK {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.json().await.unwrap_or(Value::Null);
            return Err(Answer {
                status,
                headers,
                body,
            });
        }
        Ok(EventReader {
            response,
            buffer: String::new(),
        })
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub(crate) struct Sse {
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// Reads the events of a stream.
pub(crate) struct EventReader {
    response: reqwest::Response,
    buffer: String,
}

impl EventReader {
    /// The next event (comments skipped); `None` when the stream ended or nothing came within
    /// `wait`.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        name.trim().clone_into(&mut event);
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                return Some(Sse { event, data });
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Whether the stream ends (cleanly) within `wait`, skipping events.
    pub(crate) async fn ended(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(None)) => return true,
                Ok(Ok(Some(_))) => {}
                Ok(Err(_)) | Err(_) => return false,
            }
        }
    }
}

/// The claims of a JWT (unverified: the gateway's answer is what is under test).
/// Asserts `answer` is the reference's throttling refusal: 429, `Retry-After` within the
/// minute window, `{"detail": "Request was throttled. Expected available in N seconds."}`.
#[track_caller]
pub(crate) fn assert_throttled(answer: &Answer) {
    assert_eq!(answer.status.as_u16(), 429, "{answer:?}");
    let retry_after: u64 = answer.headers["retry-after"]
        .to_str()
        .expect("a header value")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Request was throttled. Expected available in")),
        "{}",
        answer.body
    );
}

pub(crate) fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let raw = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("base64url");
    serde_json::from_slice(&raw).expect("JSON claims")
}

/// A unique room name.
pub(crate) fn room_name(what: &str) -> String {
    format!("{what} {}", unique())
}

/// Creates a room with `access_level` as `owner`; returns its payload.
pub(crate) async fn create_room(owner: &Api, what: &str, access_level: &str) -> Value {
    owner
        .post(
            "/api/v1.0/rooms/",
            &serde_json::json!({"name": room_name(what), "access_level": access_level}),
        )
        .await
        .expect(201)
}

/// Grants `user` a role on `room` as `granter`; returns the access.
pub(crate) async fn grant(granter: &Api, room: &Value, user: &Api, role: &str) -> Value {
    granter
        .post(
            "/api/v1.0/resource-accesses/",
            &serde_json::json!({"user": user.id, "resource": room["id"], "role": role}),
        )
        .await
        .expect(201)
}
