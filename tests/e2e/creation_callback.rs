//! The room creation callback: a room created with a `callback_id` leaves its slug under that
//! id, and anyone holding the id takes it exactly once — over REST (La Suite Meet's exact
//! bodies) and gRPC, across two replicas sharing PostgreSQL and Redis, under 20 concurrent
//! takers, and throttled per client address for anonymous takers.

use anteroom_proto::v1::{CreateRoomRequest, TakeCreationCallbackRequest};
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tonic::{Code, Status};

use crate::harness::{
    Options, Server, Session, SharedGuard, SharedServer, expect_code, expect_invalid, unique,
};
use crate::http_support::{Answer, Api, assert_throttled, room_name};

const CALLBACK: &str = "/api/v1.0/rooms/creation-callback/";
const ROOMS: &str = "/api/v1.0/rooms/";

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        Some(Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer()))
    })
    .await
}

/// A callback id no other test uses, as an embedding page would draw it.
fn callback_id() -> String {
    format!("cb-{}-{}", unique(), unique())
}

/// Creates a room with `callback_id` as `owner` over REST; returns its slug.
async fn create_with_callback(owner: &Api, callback_id: &str) -> String {
    let room = owner
        .post(
            ROOMS,
            &json!({"name": room_name("Embedded"), "callback_id": callback_id}),
        )
        .await
        .expect(201);
    room["slug"].as_str().expect("a slug").to_owned()
}

async fn take(caller: &Api, callback_id: &str) -> Answer {
    caller
        .post(CALLBACK, &json!({ "callback_id": callback_id }))
        .await
}

fn found(slug: &str) -> Value {
    json!({"status": "success", "room": {"slug": slug}})
}

fn nothing() -> Value {
    json!({"status": "success", "room": {}})
}

/// `RoomService.TakeCreationCallback`.
async fn take_grpc(session: &Session, callback_id: &str) -> Result<Option<String>, Status> {
    let response = session
        .rooms()
        .take_creation_callback(session.request(TakeCreationCallbackRequest {
            callback_id: callback_id.to_owned(),
        }))
        .await?;
    Ok(response.into_inner().slug)
}

#[tokio::test]
async fn rest_the_slug_is_taken_once_by_an_anonymous_caller() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "embedder").await;
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;

    let anonymous = Api::anonymous(&server);
    assert_eq!(take(&anonymous, &id).await.expect(200), found(&slug));
    assert_eq!(
        take(&anonymous, &id).await.expect(200),
        nothing(),
        "read once"
    );
    assert_eq!(
        take(&anonymous, &callback_id()).await.expect(200),
        nothing(),
        "an unknown id"
    );

    // Authenticated callers may take too; an empty id on creation is no id (as the
    // reference ignores a falsy one).
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;
    assert_eq!(take(&owner, &id).await.expect(200), found(&slug));
    create_with_callback(&owner, "").await;
}

#[tokio::test]
async fn rest_a_missing_or_invalid_callback_id_is_a_400_naming_the_field() {
    let Some(server) = server().await else { return };
    let anonymous = Api::anonymous(&server);
    for (body, message) in [
        (json!({}), "This field is required."),
        (
            json!({"callback_id": "   "}),
            "This field may not be blank.",
        ),
        (json!({"callback_id": null}), "This field may not be null."),
        (json!({"callback_id": ["a"]}), "Not a valid string."),
        (
            json!({"callback_id": "x".repeat(256)}),
            "Ensure this field has no more than 255 characters.",
        ),
    ] {
        let refused = anonymous.post(CALLBACK, &body).await.expect(400);
        assert_eq!(refused, json!({"callback_id": [message]}), "{body}");
    }

    // On creation, an invalid id refuses the room before anything is written.
    let owner = Api::user(&server, "careless").await;
    let name = room_name("Refused");
    let refused = owner
        .post(ROOMS, &json!({"name": name, "callback_id": " \t "}))
        .await
        .expect(400);
    assert_eq!(
        refused,
        json!({"callback_id": ["This field may not be blank."]})
    );
    let listed = owner.get(ROOMS).await.expect(200);
    assert_eq!(listed["count"], 0, "no room was created: {listed}");
}

#[tokio::test]
async fn grpc_the_slug_is_taken_once_and_the_id_is_validated() {
    let Some(server) = server().await else { return };
    let owner = server.user("grpc-embedder").await;
    let id = callback_id();
    let room = owner
        .create_room(CreateRoomRequest {
            name: Some(room_name("Calendar")),
            callback_id: Some(id.clone()),
            ..CreateRoomRequest::default()
        })
        .await
        .expect("the room is created");

    let anonymous = server.anonymous();
    assert_eq!(
        take_grpc(&anonymous, &id).await.expect("taken"),
        Some(room.slug.clone())
    );
    assert_eq!(take_grpc(&anonymous, &id).await.expect("taken again"), None);
    // Both APIs share the store: a REST take after a gRPC creation, and the other way.
    let id = callback_id();
    let rest_room = create_with_callback(&Api::user(&server, "rest").await, &id).await;
    assert_eq!(
        take_grpc(&owner, &id).await.expect("taken"),
        Some(rest_room)
    );
    assert_eq!(
        take(&Api::anonymous(&server), &id).await.expect(200),
        nothing()
    );

    expect_invalid(take_grpc(&anonymous, "").await, "callback_id");
    expect_invalid(
        owner
            .create_room(CreateRoomRequest {
                name: Some(room_name("Refused")),
                callback_id: Some("a\u{1}b".to_owned()),
                ..CreateRoomRequest::default()
            })
            .await,
        "callback_id",
    );
}

#[tokio::test]
async fn of_20_concurrent_takers_exactly_one_gets_the_slug() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "contested").await;
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;
    let mut takers = JoinSet::new();
    for _ in 0..20 {
        let (caller, id) = (Api::anonymous(&server), id.clone());
        takers.spawn(async move { take(&caller, &id).await.expect(200) });
    }
    let mut bodies = Vec::new();
    while let Some(body) = takers.join_next().await {
        bodies.push(body.expect("a taker"));
    }
    let winners: Vec<&Value> = bodies.iter().filter(|b| **b != nothing()).collect();
    assert_eq!(winners, [&found(&slug)], "{bodies:?}");
}

#[tokio::test]
async fn across_replicas_a_slug_left_on_a_is_taken_once_on_b() {
    let Some(r) = crate::replicas::replicas().await else {
        return;
    };
    let owner = Api::user(r.a, "replicated").await;
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;
    assert_eq!(
        take(&Api::anonymous(r.b), &id).await.expect(200),
        found(&slug),
        "taken on B"
    );
    assert_eq!(
        take(&Api::anonymous(r.a), &id).await.expect(200),
        nothing(),
        "gone on A too"
    );

    // Concurrent takers spread over both replicas: still exactly one winner.
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;
    let mut takers = JoinSet::new();
    for n in 0..20 {
        let server = if n % 2 == 0 { r.a } else { r.b };
        let (caller, id) = (Api::anonymous(server), id.clone());
        takers.spawn(async move { take(&caller, &id).await.expect(200) });
    }
    let mut winners = 0;
    while let Some(body) = takers.join_next().await {
        let body = body.expect("a taker");
        if body != nothing() {
            assert_eq!(body, found(&slug));
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn anonymous_takers_are_throttled_per_address_after_the_limit() {
    let server = Server::start(
        Options::embedded()
            .with_issuer()
            .env("ANTEROOM__ROOMS__CREATION_CALLBACK_RATE_LIMIT", "3"),
    )
    .await;
    let owner = Api::user(&server, "throttled").await;
    let id = callback_id();
    let slug = create_with_callback(&owner, &id).await;
    let anonymous = Api::anonymous(&server);
    for _ in 0..3 {
        take(&anonymous, &callback_id()).await.expect(200);
    }
    assert_throttled(&take(&anonymous, &id).await);
    // gRPC from the same address shares the count.
    let status = expect_code(
        take_grpc(&server.anonymous(), &id).await,
        Code::ResourceExhausted,
    );
    assert!(status.message().contains("too many requests"), "{status:?}");
    // The throttled request took nothing; authenticated callers are not throttled.
    assert_eq!(take(&owner, &id).await.expect(200), found(&slug));
}
