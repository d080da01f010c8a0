//! The measured flows, over gRPC and over the REST gateway.

use std::sync::Arc;
use std::time::Duration;

use anteroom_proto::v1::room_service_client::RoomServiceClient;
use anteroom_proto::v1::{AccessLevel, CreateRoomRequest, JoinRoomRequest, LobbyStatus};
use anteroom_testkit::TokenClaims;
use anyhow::Context;
use tonic::Request;

use crate::load::{self, Report};
use crate::server::Deployment;

/// A measured flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// gRPC `JoinRoom` of an anonymous caller on a public room (a token is minted).
    GrpcJoinPublic,
    /// gRPC `JoinRoom` of a new anonymous caller on a restricted room (a new waiter each time).
    GrpcRequestEntry,
    /// `GET /api/v1.0/config/`.
    RestConfig,
    /// Anonymous `GET /api/v1.0/rooms/<slug>/` on a public room (a token is minted).
    RestGetRoom,
    /// Anonymous `POST /api/v1.0/rooms/<slug>/request-entry/` without cookie on a restricted
    /// room (a new waiter each time).
    RestRequestEntry,
    /// Authenticated `POST /api/v1.0/rooms/` with a unique name.
    RestCreateRoom,
}

/// Every scenario, in report order.
pub(crate) const ALL: &[Scenario] = &[
    Scenario::GrpcJoinPublic,
    Scenario::GrpcRequestEntry,
    Scenario::RestConfig,
    Scenario::RestGetRoom,
    Scenario::RestRequestEntry,
    Scenario::RestCreateRoom,
];

impl Scenario {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::GrpcJoinPublic => "gRPC JoinRoom, public room",
            Self::GrpcRequestEntry => "gRPC JoinRoom, restricted room (new waiter)",
            Self::RestConfig => "GET /api/v1.0/config/",
            Self::RestGetRoom => "GET /api/v1.0/rooms/<slug>/ (anonymous, public)",
            Self::RestRequestEntry => "POST /rooms/<slug>/request-entry/ (new waiter)",
            Self::RestCreateRoom => "POST /api/v1.0/rooms/ (authenticated)",
        }
    }
}

fn bearer<T>(message: T, token: &str) -> anyhow::Result<Request<T>> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    Ok(request)
}

/// Creates a room owned by the bench user and returns its slug; restricted rooms also get a
/// live LiveKit room, so waiting participants are announced there.
async fn room(deployment: &Deployment, token: &str, level: AccessLevel) -> anyhow::Result<String> {
    let mut rooms = RoomServiceClient::new(deployment.grpc.clone());
    let created = rooms
        .create_room(bearer(
            CreateRoomRequest {
                name: None,
                access_level: level as i32,
                configuration: None,
                callback_id: None,
            },
            token,
        )?)
        .await
        .context("cannot create the bench room")?
        .into_inner()
        .room
        .context("no room in the answer")?;
    deployment.livekit.create_room(&created.id);
    Ok(created.slug)
}

/// Runs one scenario.
pub(crate) async fn run(
    scenario: Scenario,
    deployment: &Deployment,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Report> {
    let token = deployment.issuer.token(&TokenClaims::user("bench-owner"));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let base = deployment.http.clone();
    Ok(match scenario {
        Scenario::GrpcJoinPublic | Scenario::GrpcRequestEntry => {
            let (level, expected) = if scenario == Scenario::GrpcJoinPublic {
                (AccessLevel::Public, LobbyStatus::Accepted)
            } else {
                (AccessLevel::Restricted, LobbyStatus::Waiting)
            };
            let slug = Arc::new(room(deployment, &token, level).await?);
            let channel = deployment.grpc.clone();
            load::run(concurrency, duration, move |_| {
                let mut rooms = RoomServiceClient::new(channel.clone());
                let slug = slug.clone();
                async move {
                    let answer = rooms
                        .join_room(JoinRoomRequest {
                            room: slug.to_string(),
                            username: "bench".to_owned(),
                            participant_id: String::new(),
                        })
                        .await
                        .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?;
                    if answer.get_ref().status == expected as i32 {
                        Ok(())
                    } else {
                        Err(format!("status {}", answer.get_ref().status))
                    }
                }
            })
            .await
        }
        Scenario::RestConfig => {
            let url = Arc::new(format!("{base}/api/v1.0/config/"));
            load::run(concurrency, duration, move |_| {
                let (http, url) = (http.clone(), url.clone());
                async move { expect(http.get(url.as_str()).send().await, 200).await }
            })
            .await
        }
        Scenario::RestGetRoom => {
            let slug = room(deployment, &token, AccessLevel::Public).await?;
            let url = Arc::new(format!("{base}/api/v1.0/rooms/{slug}/"));
            load::run(concurrency, duration, move |_| {
                let (http, url) = (http.clone(), url.clone());
                async move { expect(http.get(url.as_str()).send().await, 200).await }
            })
            .await
        }
        Scenario::RestRequestEntry => {
            let slug = room(deployment, &token, AccessLevel::Restricted).await?;
            let url = Arc::new(format!("{base}/api/v1.0/rooms/{slug}/request-entry/"));
            load::run(concurrency, duration, move |_| {
                let (http, url) = (http.clone(), url.clone());
                async move {
                    let body = serde_json::json!({"username": "bench"});
                    expect(http.post(url.as_str()).json(&body).send().await, 200).await
                }
            })
            .await
        }
        Scenario::RestCreateRoom => {
            let url = Arc::new(format!("{base}/api/v1.0/rooms/"));
            let token = Arc::new(token);
            load::run(concurrency, duration, move |n| {
                let (http, url, token) = (http.clone(), url.clone(), token.clone());
                async move {
                    let body = serde_json::json!({"name": format!("bench room {n}")});
                    let sent = http
                        .post(url.as_str())
                        .bearer_auth(token.as_str())
                        .json(&body)
                        .send()
                        .await;
                    expect(sent, 201).await
                }
            })
            .await
        }
    })
}

async fn expect(sent: reqwest::Result<reqwest::Response>, status: u16) -> Result<(), String> {
    let response = sent.map_err(|e| e.to_string())?;
    let got = response.status().as_u16();
    // Read the body, as a client would.
    response.bytes().await.map_err(|e| e.to_string())?;
    if got == status {
        Ok(())
    } else {
        Err(format!("HTTP {got}"))
    }
}
