//! The invitation mailer against the testkit's local SMTP relay (no mock of the client): one
//! message, blind copies, both parts, the language, and every way the relay can fail.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::invitation::{Invitation, InvitationMailer, Recipients, Sender};
use anteroom_domain::room::{RoomName, Slug};
use anteroom_domain::user::{Email, Language};
use anteroom_notify::{InvitationConfig, SmtpConfig, SmtpInvitationMailer};
use anteroom_testkit::TestSmtpRelay;
use tokio::net::TcpListener;

fn config(url: &str, timeout: Duration) -> InvitationConfig {
    InvitationConfig {
        smtp: SmtpConfig {
            url: url.to_owned(),
            from: "Anteroom <noreply@anteroom.test>".to_owned(),
            timeout,
        },
        app_base_url: "https://meet.example.org/".to_owned(),
    }
}

fn mailer(url: &str) -> SmtpInvitationMailer {
    SmtpInvitationMailer::new(config(url, Duration::from_secs(5))).unwrap()
}

fn invitation(recipients: &[&str], language: Language) -> Invitation {
    Invitation {
        room_slug: Slug::from_name("Daily standup").unwrap(),
        room_name: RoomName::parse("Daily standup").unwrap(),
        sender: Sender {
            email: Some(Email::parse("ana@example.org").unwrap()),
            name: Some("Ana Lopez".to_owned()),
        },
        recipients: Recipients::parse(recipients).unwrap(),
        language,
    }
}

#[track_caller]
fn assert_unavailable(result: &Result<(), Error>) {
    assert!(
        matches!(
            result,
            Err(Error::Unavailable {
                dependency: "mail relay",
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn one_message_goes_to_every_recipient_in_blind_copy() {
    let relay = TestSmtpRelay::start();
    mailer(&relay.url())
        .send(&invitation(
            &["bo@example.org", "cy@example.org"],
            Language::EnUs,
        ))
        .await
        .unwrap();
    let mails = relay.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "<noreply@anteroom.test>");
    assert_eq!(mail.recipients(), ["bo@example.org", "cy@example.org"]);
    assert_eq!(mail.header("To"), None, "{}", mail.data);
    assert_eq!(mail.header("Bcc"), None, "{}", mail.data);
    assert_eq!(mail.header("Cc"), None, "{}", mail.data);
    assert_eq!(
        mail.header("From").as_deref(),
        Some("Anteroom <noreply@anteroom.test>")
    );
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Video call in progress: ana@example.org is waiting for you to connect")
    );
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{}",
        mail.data
    );
    let link = "https://meet.example.org/daily-standup";
    let text = mail.part("text/plain").expect("a text part");
    assert!(
        text.starts_with(
            "ana@example.org invites you to join an ongoing video call: Daily standup\n"
        ),
        "{text}"
    );
    assert!(text.contains(&format!("JOIN THE CALL: {link}\n")), "{text}");
    let html = mail.part("text/html").expect("an HTML part");
    assert!(html.contains(&format!("<a href=\"{link}\"")), "{html}");
    assert!(
        html.contains("<a href=\"mailto:ana@example.org\">ana@example.org</a>"),
        "{html}"
    );
}

#[tokio::test]
async fn the_mail_is_written_in_the_invitations_language() {
    let relay = TestSmtpRelay::start();
    mailer(&relay.url())
        .send(&invitation(&["bo@example.org"], Language::DeDe))
        .await
        .unwrap();
    let subject = relay.mails()[0].header("Subject").unwrap();
    // Non-ASCII words are RFC 2047 encoded ("läuft:").
    assert!(
        subject.starts_with("Videoanruf =?utf-8?b?")
            && subject.ends_with("ana@example.org wartet darauf, dass Sie sich verbinden"),
        "{subject}"
    );
}

#[tokio::test]
async fn a_refusal_is_unavailable_and_not_retried() {
    let relay = TestSmtpRelay::answering_mail_from(&["550 relaying denied"]);
    let result = mailer(&relay.url())
        .send(&invitation(&["bo@example.org"], Language::EnUs))
        .await;
    assert_unavailable(&result);
    assert_eq!(relay.connections(), 1);
    assert!(relay.mails().is_empty());

    let busy = TestSmtpRelay::answering_mail_from(&["451 try again later", "250 OK"]);
    let result = mailer(&busy.url())
        .send(&invitation(&["bo@example.org"], Language::EnUs))
        .await;
    assert_unavailable(&result);
    assert_eq!(busy.connections(), 1, "a transient refusal is not retried");
}

#[tokio::test]
async fn an_unreachable_relay_is_unavailable_at_once() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let started = Instant::now();
    let result = mailer(&url)
        .send(&invitation(&["bo@example.org"], Language::EnUs))
        .await;
    assert_unavailable(&result);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_silent_relay_times_out() {
    // Accepts connections and never greets.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    let result = SmtpInvitationMailer::new(config(&url, Duration::from_millis(300)))
        .unwrap()
        .send(&invitation(&["bo@example.org"], Language::EnUs))
        .await;
    assert_unavailable(&result);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn invalid_settings_name_their_key_and_the_url_stays_secret() {
    let error = |url: &str, from: &str| {
        let mut config = config(url, Duration::from_secs(1));
        from.clone_into(&mut config.smtp.from);
        format!("{:?}", SmtpInvitationMailer::new(config).unwrap_err())
    };
    assert!(error("ftp://relay", "a@b.c").contains("invitations.smtp.url"));
    assert!(error("smtp://relay:25", "nobody").contains("invitations.smtp.from"));
    let mailer = mailer("smtps://user:hunter2@relay.example:465");
    assert!(!format!("{mailer:?}").contains("hunter2"));
}
