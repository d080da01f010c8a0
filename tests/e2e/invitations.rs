//! E-mail invitations against the real binary and a local SMTP relay in the test process
//! (`anteroom_testkit::TestSmtpRelay`): one mail per invitation with the distinct recipients
//! in blind copy, the reference's answers over REST, the same over gRPC, the language, and
//! the relay down or not configured.
//!
//! The relay is shared by the tests of this module: each test names its own unique
//! recipients and reads only the mails sent to them.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anteroom_proto::v1::InviteToRoomRequest;
use anteroom_testkit::{ReceivedMail, TestSmtpRelay};
use reqwest::Method;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use serde_json::{Value, json};
use tonic::{Code, Status};

use crate::harness::{
    Options, Server, Session, SharedGuard, SharedServer, expect_code, expect_invalid, free_port,
    unique,
};
use crate::http_support::{Answer, Api, create_room, grant};

/// The frontend's origin the links point to.
const APP: &str = "https://meet.example.test";
/// The sender of invitations.
const FROM: &str = "Anteroom <noreply@anteroom.test>";

static SERVER: SharedServer = SharedServer::const_new();

/// The relay of the shared server (never dropped: it lives as long as the test process).
fn relay() -> &'static TestSmtpRelay {
    static RELAY: OnceLock<TestSmtpRelay> = OnceLock::new();
    RELAY.get_or_init(TestSmtpRelay::start)
}

fn with_relay(options: Options, url: &str) -> Options {
    options
        .env("ANTEROOM__INVITATIONS__SMTP__URL", url)
        .env("ANTEROOM__INVITATIONS__SMTP__FROM", FROM)
        .env("ANTEROOM__INVITATIONS__APP_BASE_URL", APP)
}

/// The binary on PostgreSQL (else SQLite) with the relay configured.
async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        let options = Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer());
        Some(with_relay(options, &relay().url()))
    })
    .await
}

/// `n` addresses unique to this call.
fn addresses(n: usize) -> Vec<String> {
    let tag = unique();
    (0..n)
        .map(|i| format!("guest{i}-{tag}@example.org"))
        .collect()
}

/// The mails the relay received for `address`.
fn mails_to(address: &str) -> Vec<ReceivedMail> {
    relay()
        .mails()
        .into_iter()
        .filter(|mail| mail.recipients().iter().any(|r| r == address))
        .collect()
}

fn invite_path(room: &Value) -> String {
    format!(
        "/api/v1.0/rooms/{}/invite/",
        room["id"].as_str().expect("a room id")
    )
}

async fn invite(caller: &Api, room: &Value, body: &Value) -> Answer {
    caller.post(&invite_path(room), body).await
}

/// `InviteToRoom` as `session`.
async fn invite_rpc(
    session: &Session,
    room: &str,
    emails: &[String],
    language: &str,
) -> Result<(), Status> {
    session
        .rooms()
        .invite_to_room(session.request(InviteToRoomRequest {
            room: room.to_owned(),
            emails: emails.to_vec(),
            language: language.to_owned(),
        }))
        .await
        .map(|_| ())
}

/// The gRPC session of a REST caller (same bearer token).
fn grpc_of(server: &Server, api: &Api) -> Session {
    server.bearer(&api.bearer_token().expect("a bearer token"))
}

#[tokio::test]
async fn hosts_invite_once_in_blind_copy_with_the_room_link() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Invitations", "restricted").await;
    let guests = addresses(2);
    let answer = invite(
        &owner,
        &room,
        &json!({"emails": [guests[0], guests[1], guests[0]]}),
    )
    .await
    .expect(200);
    assert_eq!(
        answer,
        json!({"status": "success", "message": "invitations sent"})
    );

    let mails = mails_to(&guests[0]);
    assert_eq!(mails.len(), 1, "one mail for every recipient: {mails:?}");
    let mail = &mails[0];
    assert_eq!(
        mail.recipients(),
        guests,
        "the distinct addresses, once each"
    );
    assert_eq!(mail.header("To"), None, "no To: {}", mail.data);
    assert_eq!(mail.header("Bcc"), None, "blind copies: {}", mail.data);
    assert_eq!(mail.header("From").as_deref(), Some(FROM));
    assert_eq!(mail.from, "<noreply@anteroom.test>");
    let sender = format!("{}@example.test", owner.sub);
    assert_eq!(
        mail.header("Subject"),
        Some(format!(
            "Video call in progress: {sender} is waiting for you to connect"
        ))
    );
    let link = format!("{APP}/{}", room["slug"].as_str().expect("a slug"));
    let text = mail.part("text/plain").expect("a text part");
    assert!(text.contains(&format!("JOIN THE CALL: {link}\n")), "{text}");
    let html = mail.part("text/html").expect("an HTML part");
    assert!(html.contains(&format!("<a href=\"{link}\"")), "{html}");

    // By slug too, and administrators may invite.
    let admin = Api::user(&server, "admin").await;
    grant(&owner, &room, &admin, "administrator").await;
    let more = addresses(1);
    admin
        .post(
            &format!("/api/v1.0/rooms/{}/invite/", room["slug"].as_str().unwrap()),
            &json!({"emails": more}),
        )
        .await
        .expect(200);
    assert_eq!(mails_to(&more[0]).len(), 1);
}

#[tokio::test]
async fn the_mail_speaks_the_requests_language_else_the_senders() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Sprachen", "public").await;
    let french = addresses(1);
    let answer = owner
        .send(
            owner
                .request(Method::POST, &invite_path(&room))
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9,en;q=0.8")
                .body(json!({"emails": french}).to_string()),
        )
        .await;
    answer.expect(200);
    let mail = &mails_to(&french[0])[0];
    let subject = mail.header("Subject").expect("a subject");
    assert!(
        subject.ends_with("attend que vous vous connectiez"),
        "{subject}"
    );
    let text = mail.part("text/plain").expect("a text part");
    assert!(text.contains("REJOINDRE L'APPEL: "), "{text}");

    // No Accept-Language: the sender's own language.
    owner
        .patch(
            &format!("/api/v1.0/users/{}/", owner.id),
            &json!({"language": "de-de"}),
        )
        .await
        .expect(200);
    let german = addresses(1);
    invite(&owner, &room, &json!({"emails": german}))
        .await
        .expect(200);
    let mail = &mails_to(&german[0])[0];
    let subject = mail.header("Subject").expect("a subject");
    assert!(
        subject.ends_with("wartet darauf, dass Sie sich verbinden"),
        "{subject}"
    );
}

#[tokio::test]
async fn only_administrators_and_owners_invite() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Private", "restricted").await;
    let member = Api::user(&server, "member").await;
    grant(&owner, &room, &member, "member").await;
    let stranger = Api::user(&server, "stranger").await;
    let guests = addresses(1);
    let body = json!({"emails": guests});

    let anonymous = invite(&Api::anonymous(&server), &room, &body)
        .await
        .expect(401);
    assert_eq!(
        anonymous,
        json!({"detail": "Authentication credentials were not provided."})
    );
    for caller in [&member, &stranger] {
        let refused = invite(caller, &room, &body).await.expect(403);
        assert_eq!(
            refused,
            json!({"detail": "You do not have permission to perform this action."})
        );
    }
    assert!(mails_to(&guests[0]).is_empty(), "nothing was sent");
    let missing = owner
        .post(
            &format!("/api/v1.0/rooms/nothing-{}/invite/", unique()),
            &body,
        )
        .await
        .expect(404);
    assert_eq!(
        missing,
        json!({"detail": "No Room matches the given query."})
    );
}

#[tokio::test]
async fn bad_lists_are_refused_naming_emails() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Lists", "public").await;
    let too_many = addresses(101);
    for (body, message) in [
        (json!({"emails": []}), "This list may not be empty."),
        (
            json!({"emails": ["ok@example.org", "not-an-address"]}),
            "Enter a valid email address.",
        ),
        (json!({}), "This field is required."),
        (
            json!({"emails": "ok@example.org"}),
            "Expected a list of items but got type \"str\".",
        ),
        (
            json!({"emails": too_many}),
            "Ensure this field has no more than 100 elements.",
        ),
    ] {
        let refused = invite(&owner, &room, &body).await.expect(400);
        assert_eq!(refused, json!({"emails": [message]}), "{body}");
    }
    assert!(mails_to(&too_many[0]).is_empty());
}

#[tokio::test]
async fn grpc_invites_and_refuses_like_rest() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Over gRPC", "trusted").await;
    let id = room["id"].as_str().expect("a room id");
    let rpc = grpc_of(&server, &owner);
    let guests = addresses(2);
    let emails = vec![guests[1].clone(), guests[0].clone(), guests[1].clone()];
    invite_rpc(&rpc, id, &emails, "nl-nl")
        .await
        .expect("invited");
    let mails = mails_to(&guests[0]);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].recipients(),
        [guests[1].clone(), guests[0].clone()]
    );
    let subject = mails[0].header("Subject").expect("a subject");
    assert!(
        subject.ends_with("wacht tot je verbinding maakt"),
        "{subject}"
    );

    let stranger = grpc_of(&server, &Api::user(&server, "stranger").await);
    expect_code(
        invite_rpc(&stranger, id, &emails, "").await,
        Code::PermissionDenied,
    );
    expect_code(
        invite_rpc(&server.anonymous(), id, &emails, "").await,
        Code::Unauthenticated,
    );
    expect_invalid(invite_rpc(&rpc, id, &[], "").await, "emails");
    expect_invalid(invite_rpc(&rpc, id, &emails, "klingon").await, "language");
}

#[tokio::test]
async fn a_relay_down_answers_503_at_once() {
    // A port nobody listens on.
    let down = format!("smtp://127.0.0.1:{}", free_port());
    let server = Server::start(with_relay(Options::embedded().with_issuer(), &down)).await;
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "Down", "public").await;
    let started = Instant::now();
    let refused = invite(&owner, &room, &json!({"emails": addresses(1)}))
        .await
        .expect(503);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(refused, json!({"detail": "mail relay is unavailable"}));
    let id = room["id"].as_str().expect("a room id");
    expect_code(
        invite_rpc(&grpc_of(&server, &owner), id, &addresses(1), "").await,
        Code::Unavailable,
    );
}

#[tokio::test]
async fn without_a_relay_invitations_are_not_found() {
    let server = Server::start(Options::embedded().with_issuer()).await;
    let owner = Api::user(&server, "owner").await;
    let room = create_room(&owner, "No relay", "public").await;
    let body = json!({"emails": addresses(1)});
    let off = invite(&owner, &room, &body).await.expect(404);
    assert_eq!(
        off,
        json!({"detail": "E-mail invitations are not enabled on this server."})
    );
    invite(&Api::anonymous(&server), &room, &body)
        .await
        .expect(401);
    let id = room["id"].as_str().expect("a room id");
    let status = expect_code(
        invite_rpc(&grpc_of(&server, &owner), id, &addresses(1), "").await,
        Code::NotFound,
    );
    assert_eq!(
        status.message(),
        "E-mail invitations are not enabled on this server."
    );
}
