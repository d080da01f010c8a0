//! The process's life: graceful shutdown, settings that fail fast, `migrate`, an unreachable
//! database, JSON logs, and secrets kept out of the logs.

use std::time::Duration;

use anteroom_testkit::TokenClaims;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::harness::{Options, ROOM_SERVICE, Server, expect_code, run_in, run_to_exit, unique};

/// How long a refused start may take.
const FAIL_FAST: Duration = Duration::from_secs(5);

#[tokio::test]
async fn sigterm_drains_and_exits_zero() {
    let mut server = Server::start(Options::embedded()).await;
    // A call, with its connection kept open through the shutdown.
    let session = server.anonymous();
    expect_code(session.get_room("nowhere").await, Code::NotFound);

    let status = server
        .terminate(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{}", server.log()));
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    let log = server.log();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(
        server.health(ROOM_SERVICE).await != Ok(ServingStatus::Serving),
        "nothing serves after the exit"
    );
}

#[test]
fn invalid_settings_fail_fast_naming_the_key() {
    for (key, value, named) in [
        ("ANTEROOM__GRPC__ADDR", "nowhere", "grpc.addr"),
        (
            "ANTEROOM__ROOMS__DEFAULT_ACCESS_LEVEL",
            "open",
            "rooms.default_access_level",
        ),
        ("ANTEROOM__DATABASE__URLL", "x", "urll"),
        ("ANTEROOM__DATABASE__URL", "mysql://x", "database.url"),
        ("ANTEROOM__LOG__FORMAT", "xml", "log.format"),
        ("ANTEROOM__LIVEKIT__URL", "http://x", "livekit.url"),
    ] {
        let (output, took) = run_to_exit(&["serve"], &[(key, value)], Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{key}={value} was accepted: {stderr}"
        );
        assert!(
            took < FAIL_FAST,
            "{key}={value}: refused only after {took:?}"
        );
        assert!(
            stderr.contains(named),
            "{key}={value}: stderr should name {named}: {stderr}"
        );
    }
}

#[test]
fn migrate_on_a_fresh_sqlite_file_exits_zero() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = [("ANTEROOM__DATABASE__URL", "sqlite://db/fresh.db?mode=rwc")];
    for attempt in ["first", "again"] {
        let (output, _) = run_in(dir.path(), &["migrate"], &env, Duration::from_secs(30));
        assert!(
            output.status.success(),
            "{attempt} migrate: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let file = dir.path().join("db").join("fresh.db");
    assert!(file.is_file(), "{} should exist", file.display());
}

#[test]
fn migrate_on_a_fresh_postgres_database_exits_zero() {
    let Some(pg) = anteroom_testkit::shared_postgres() else {
        return;
    };
    let url = pg.create_database();
    let (output, _) = run_to_exit(
        &["migrate"],
        &[("ANTEROOM__DATABASE__URL", &url)],
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db = url.rsplit('/').next().expect("a database name");
    let tables = pg
        .psql(
            db,
            "select count(*) from information_schema.tables where table_schema = 'public'",
        )
        .expect("psql");
    assert_ne!(tables, "0", "migrate created no table");
}

#[test]
fn an_unreachable_database_fails_the_start() {
    let (output, took) = run_to_exit(
        &["serve"],
        &[(
            "ANTEROOM__DATABASE__URL",
            "postgres://postgres@127.0.0.1:1/x",
        )],
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "served without a database: {stderr}"
    );
    assert!(
        took < Duration::from_secs(10),
        "gave up only after {took:?}"
    );
    assert!(stderr.contains("database"), "{stderr}");
    // The password-less URL is fine to show, but the message must say what failed.
    assert!(stderr.contains("connect"), "{stderr}");
}

#[tokio::test]
async fn json_logs_are_json_lines() {
    let mut server = Server::start(
        Options::embedded()
            .with_issuer()
            .env("ANTEROOM__LOG__FORMAT", "json"),
    )
    .await;
    let alice = server.user("alice").await;
    alice
        .create_named(&format!("Logged {}", unique()))
        .await
        .expect("created");
    let status = server.terminate(Duration::from_secs(10)).await;
    assert!(status.is_some_and(|s| s.success()), "{}", server.log());

    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{log}");
    let mut messages = Vec::new();
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(value.get("level").is_some(), "no level: {line}");
        assert!(value.get("timestamp").is_some(), "no timestamp: {line}");
        if let Some(message) = value.pointer("/fields/message").and_then(|m| m.as_str()) {
            messages.push(message.to_owned());
        }
    }
    assert!(
        messages.iter().any(|m| m.contains("gRPC listening")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("room created")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("shutting down")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn bearer_tokens_never_reach_the_logs() {
    let mut server = Server::start(
        Options::embedded()
            .with_issuer()
            .env("ANTEROOM__LOG__LEVEL", "debug"),
    )
    .await;
    let sub = format!("secretive-{}", unique());
    let token = server.token(&TokenClaims::user(&sub));
    let expired = server.token(&TokenClaims::user(&sub).expires_in(-600));
    let foreign = server.token(&TokenClaims::user(&sub).audience("someone-else"));

    let good = server.bearer(&token);
    let room = good
        .create_named(&format!("Secret {}", unique()))
        .await
        .expect("created");
    good.get_room(&room.id).await.expect("read");
    good.me().await.expect("read");
    expect_code(
        good.grant(&room.id, "nope", anteroom_proto::v1::Role::Member)
            .await,
        Code::InvalidArgument,
    );
    for bad in [&expired, &foreign] {
        expect_code(server.bearer(bad).me().await, Code::Unauthenticated);
    }
    expect_code(
        server
            .authorization("Basic c2VjcmV0OnNlY3JldA==")
            .me()
            .await,
        Code::Unauthenticated,
    );
    server.terminate(Duration::from_secs(10)).await;

    let log = server.log();
    assert!(log.contains("room created"), "the log is live: {log}");
    for secret in [&token, &expired, &foreign] {
        let signature = secret.rsplit('.').next().expect("a JWT");
        assert!(
            !log.contains(secret.as_str()),
            "a token is in the log:\n{log}"
        );
        assert!(
            !log.contains(signature),
            "a token signature is in the log:\n{log}"
        );
    }
    assert!(
        !log.contains("c2VjcmV0OnNlY3JldA"),
        "basic credentials are in the log"
    );
}
