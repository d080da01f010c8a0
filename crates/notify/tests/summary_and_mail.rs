//! The notifier against real local servers started by the tests: an HTTP summary service
//! (axum) that records what it receives, and the testkit's minimal SMTP relay that records
//! the mails. No mock of any client.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anteroom_domain::id::{RecordingId, UserId};
use anteroom_domain::recording::{
    Notification, NotificationTarget, OwnerEmail, RecordingMode, RecordingNotifier, SummaryRequest,
};
use anteroom_domain::user::Language;
use anteroom_notify::{Notifier, NotifierConfig, RetryPolicy, SmtpConfig, SummaryConfig};
use anteroom_testkit::TestSmtpRelay;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{FixedOffset, TimeZone, Utc};
use serde_json::{Value, json};
use tokio::net::TcpListener;

// --- a summary service ---------------------------------------------------------------------

/// A request the summary service received: its `authorization` header and its body.
type Received = (Option<String>, Value);

/// What the fake summary service received, and how it answers the n-th request.
#[derive(Clone)]
struct Summary {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Vec<(StatusCode, Value, Duration)>>>,
}

async fn summary_handler(
    State(state): State<Summary>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.received.lock().unwrap().push((authorization, body));
    let (status, answer, delay) = {
        let mut answers = state.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers[0].clone()
        }
    };
    tokio::time::sleep(delay).await;
    (status, Json(answer))
}

/// Starts a summary service answering `answers` in turn (the last one repeats).
async fn summary_service(answers: Vec<(StatusCode, Value, Duration)>) -> (String, Summary) {
    let state = Summary {
        received: Arc::default(),
        answers: Arc::new(Mutex::new(answers)),
    };
    let app = axum::Router::new()
        .route("/tasks/", post(summary_handler))
        .with_state(state.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/tasks/"), state)
}

// --- fixtures ------------------------------------------------------------------------------

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_delay: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
    }
}

fn summary_request() -> SummaryRequest {
    SummaryRequest {
        recording_id: RecordingId::new(),
        mode: RecordingMode::Transcript,
        recording_filename: "recordings/x.ogg".to_owned(),
        room_name: "Planning".to_owned(),
        owner_id: UserId::new(),
        owner_sub: Some("ana-sub".to_owned()),
        owner_email: Some("ana@example.org".to_owned()),
        owner_timezone: "Europe/Paris".to_owned(),
        language: "fr".to_owned(),
        download_link: None,
        recorded_at: Utc::now(),
    }
}

fn owner_email(to: &str, language: Language) -> OwnerEmail {
    OwnerEmail {
        recording_id: RecordingId::new(),
        owner_id: UserId::new(),
        to: to.to_owned(),
        owner_name: Some("Ana Lopez".to_owned()),
        language,
        room_name: "Planning".to_owned(),
        recorded_at: FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 22, 11, 5, 0)
            .unwrap(),
        download_link: Some("https://meet.example/recordings/abc".to_owned()),
        expiration_days: Some(30),
    }
}

fn summary_config(url: &str, timeout: Duration) -> SummaryConfig {
    SummaryConfig {
        url: url.to_owned(),
        token: "summary-secret".to_owned(),
        timeout,
    }
}

fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Anteroom <noreply@anteroom.test>".to_owned(),
        timeout: Duration::from_secs(5),
    }
}

fn notifier(summary: Option<SummaryConfig>, smtp: Option<SmtpConfig>) -> Notifier {
    Notifier::new(NotifierConfig {
        summary,
        smtp,
        retry: quick_retries(),
    })
    .unwrap()
}

// --- summary service -----------------------------------------------------------------------

#[tokio::test]
async fn the_summary_service_gets_the_recording_with_the_bearer_and_answers_a_job() {
    let (url, state) = summary_service(vec![(
        StatusCode::OK,
        json!({"job_id": "job-42"}),
        Duration::ZERO,
    )])
    .await;
    let request = summary_request();
    let report = notifier(Some(summary_config(&url, Duration::from_secs(5))), None)
        .notify(vec![Notification::Summary(request.clone())])
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(report.summary_job_id.as_deref(), Some("job-42"));
    let received = state.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (authorization, body) = &received[0];
    assert_eq!(authorization.as_deref(), Some("Bearer summary-secret"));
    assert_eq!(body["recording_id"], request.recording_id.to_string());
    assert_eq!(body["recording_filename"], "recordings/x.ogg");
    assert_eq!(body["room"], "Planning");
    assert_eq!(body["email"], "ana@example.org");
    assert_eq!(body["sub"], "ana-sub");
    assert_eq!(body["language"], "fr");
    assert_eq!(body["owner_timezone"], "Europe/Paris");
    assert_eq!(body["mode"], "transcript");
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let (url, state) = summary_service(vec![
        (StatusCode::SERVICE_UNAVAILABLE, json!({}), Duration::ZERO),
        (StatusCode::BAD_GATEWAY, json!({}), Duration::ZERO),
        (
            StatusCode::CREATED,
            json!({"job_id": "job-3"}),
            Duration::ZERO,
        ),
    ])
    .await;
    let started = Instant::now();
    let report = notifier(Some(summary_config(&url, Duration::from_secs(5))), None)
        .notify(vec![Notification::Summary(summary_request())])
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(report.summary_job_id.as_deref(), Some("job-3"));
    assert_eq!(state.received.lock().unwrap().len(), 3);
    // 20 ms, then 40 ms of backoff.
    assert!(started.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn refusals_are_not_retried_and_failures_are_reported() {
    let (url, state) =
        summary_service(vec![(StatusCode::BAD_REQUEST, json!({}), Duration::ZERO)]).await;
    let report = notifier(Some(summary_config(&url, Duration::from_secs(5))), None)
        .notify(vec![Notification::Summary(summary_request())])
        .await;
    assert_eq!(state.received.lock().unwrap().len(), 1);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(
        report.failures[0].target,
        NotificationTarget::SummaryService
    );
    assert!(report.failures[0].reason.contains("400"), "{report:?}");
    assert_eq!(report.summary_job_id, None);
}

#[tokio::test]
async fn a_slow_service_times_out_on_every_attempt() {
    let (url, state) = summary_service(vec![(
        StatusCode::OK,
        json!({"job_id": "late"}),
        Duration::from_secs(3),
    )])
    .await;
    let started = Instant::now();
    let report = notifier(Some(summary_config(&url, Duration::from_millis(200))), None)
        .notify(vec![Notification::Summary(summary_request())])
        .await;
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(report.failures[0].reason.contains("after 3 attempts"));
    assert_eq!(state.received.lock().unwrap().len(), 3);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn an_unreachable_or_unconfigured_service_is_a_failure() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tasks/", closed.local_addr().unwrap());
    drop(closed);
    let report = notifier(Some(summary_config(&url, Duration::from_secs(1))), None)
        .notify(vec![Notification::Summary(summary_request())])
        .await;
    assert!(
        report.failures[0].reason.contains("unreachable"),
        "{report:?}"
    );

    let report = notifier(None, None)
        .notify(vec![
            Notification::Summary(summary_request()),
            Notification::OwnerEmail(owner_email("a@example.org", Language::EnUs)),
        ])
        .await;
    let reasons: Vec<&str> = report.failures.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "no summary service is configured",
            "no SMTP relay is configured"
        ]
    );
}

// --- e-mail --------------------------------------------------------------------------------

#[tokio::test]
async fn owners_get_a_mail_through_the_relay() {
    let relay = TestSmtpRelay::start();
    let port = relay.port();
    let mail = owner_email("ana@example.org", Language::EnUs);
    let report = notifier(None, Some(smtp_config(port)))
        .notify(vec![Notification::OwnerEmail(mail)])
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    let mails = relay.mails();
    assert_eq!(mails.len(), 1);
    let received = &mails[0];
    assert_eq!(received.from, "<noreply@anteroom.test>");
    assert_eq!(received.to, ["<ana@example.org>"]);
    assert!(
        received.data.contains("Subject: Your recording is ready"),
        "{}",
        received.data
    );
    assert!(
        received.data.contains("To: ana@example.org"),
        "{}",
        received.data
    );
    assert!(
        received.data.contains("Hello Ana Lopez,"),
        "{}",
        received.data
    );
    assert!(
        received
            .data
            .contains("https://meet.example/recordings/abc"),
        "{}",
        received.data
    );
}

#[tokio::test]
async fn mails_are_written_in_the_owners_language() {
    let relay = TestSmtpRelay::start();
    let port = relay.port();
    let report = notifier(None, Some(smtp_config(port)))
        .notify(vec![
            Notification::OwnerEmail(owner_email("ana@example.org", Language::FrFr)),
            Notification::OwnerEmail(owner_email("jan@example.org", Language::NlNl)),
            Notification::OwnerEmail(owner_email("max@example.org", Language::DeDe)),
        ])
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    let mails = relay.mails();
    assert_eq!(mails.len(), 3);
    let of = |to: &str| {
        mails
            .iter()
            .find(|m| m.to == [format!("<{to}>")])
            .unwrap_or_else(|| panic!("a mail to {to}"))
            .data
            .clone()
    };
    // Non-ASCII words are RFC 2047 encoded ("prêt"), bodies quoted-printable.
    assert!(of("jan@example.org").contains("Subject: Je opname is klaar"));
    assert!(of("jan@example.org").contains("22-11-2026 om 11:05"));
    let french = of("ana@example.org");
    assert!(
        french.contains("Subject: Votre enregistrement est =?utf-8?b?cHLDqnQ=?="),
        "{french}"
    );
    assert!(french.contains("Bonjour Ana Lopez,"), "{french}");
    assert!(french.contains("22/11/2026 =C3=A0 11:0"), "{french}");
    assert!(of("max@example.org").contains("Subject: Ihre Aufzeichnung ist fertig"));
}

#[tokio::test]
async fn transient_relay_refusals_are_retried_and_permanent_ones_are_not() {
    let relay = TestSmtpRelay::answering_mail_from(&["451 try again later", "250 OK"]);
    let port = relay.port();
    let report = notifier(None, Some(smtp_config(port)))
        .notify(vec![Notification::OwnerEmail(owner_email(
            "ana@example.org",
            Language::EnUs,
        ))])
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(relay.mails().len(), 1);
    assert_eq!(relay.connections(), 2);

    let relay = TestSmtpRelay::answering_mail_from(&["550 no such sender"]);
    let port = relay.port();
    let owner = owner_email("ana@example.org", Language::EnUs);
    let owner_id = owner.owner_id;
    let report = notifier(None, Some(smtp_config(port)))
        .notify(vec![Notification::OwnerEmail(owner)])
        .await;
    assert_eq!(report.failures.len(), 1);
    assert_eq!(
        report.failures[0].target,
        NotificationTarget::Owner(owner_id)
    );
    assert!(report.failures[0].reason.contains("refused"), "{report:?}");
    assert_eq!(relay.connections(), 1);
    assert!(relay.mails().is_empty());
}

#[tokio::test]
async fn a_batch_sends_everything_and_reports_each_failure() {
    let (url, _) = summary_service(vec![(
        StatusCode::OK,
        json!({"job_id": "job-9"}),
        Duration::ZERO,
    )])
    .await;
    let relay = TestSmtpRelay::start();
    let port = relay.port();
    let broken = owner_email("not an address", Language::EnUs);
    let broken_id = broken.owner_id;
    let report = notifier(
        Some(summary_config(&url, Duration::from_secs(5))),
        Some(smtp_config(port)),
    )
    .notify(vec![
        Notification::Summary(summary_request()),
        Notification::OwnerEmail(owner_email("ana@example.org", Language::EnUs)),
        Notification::OwnerEmail(broken),
    ])
    .await;
    assert_eq!(report.summary_job_id.as_deref(), Some("job-9"));
    assert_eq!(report.failures.len(), 1);
    assert_eq!(
        report.failures[0].target,
        NotificationTarget::Owner(broken_id)
    );
    assert_eq!(relay.mails().len(), 1);
}

#[test]
fn invalid_relay_settings_name_their_key() {
    let bad_url = Notifier::new(NotifierConfig {
        smtp: Some(SmtpConfig {
            url: "ftp://relay".to_owned(),
            ..smtp_config(25)
        }),
        ..NotifierConfig::default()
    });
    assert!(format!("{:?}", bad_url.unwrap_err()).contains("recordings.smtp.url"));
    let bad_from = Notifier::new(NotifierConfig {
        smtp: Some(SmtpConfig {
            from: "nobody".to_owned(),
            ..smtp_config(25)
        }),
        ..NotifierConfig::default()
    });
    assert!(format!("{:?}", bad_from.unwrap_err()).contains("recordings.smtp.from"));
}
