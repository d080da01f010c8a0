//! The embedded default: no configuration at all besides the listener.

use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_reflection::pb::{v1, v1alpha};

use crate::harness::{
    ACCESS_SERVICE, Options, ROOM_SERVICE, Server, USER_SERVICE, expect_code, unique,
};

/// The services listed by gRPC reflection v1.
async fn reflected_services_v1(server: &Server) -> Vec<String> {
    use v1::server_reflection_client::ServerReflectionClient;
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1 answers")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("a reflection v1 answer")
        .expect("one message");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection v1 answer {other:?}"),
    }
}

/// The services listed by gRPC reflection v1alpha.
async fn reflected_services_v1alpha(server: &Server) -> Vec<String> {
    use v1alpha::server_reflection_client::ServerReflectionClient;
    use v1alpha::server_reflection_request::MessageRequest;
    use v1alpha::server_reflection_response::MessageResponse;

    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1alpha answers")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("a reflection v1alpha answer")
        .expect("one message");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection v1alpha answer {other:?}"),
    }
}

/// The file descriptors reflection v1 returns for `symbol`.
async fn descriptors_of(server: &Server, symbol: &str) -> usize {
    use v1::server_reflection_client::ServerReflectionClient;
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(symbol.to_owned())),
    };
    let mut answers = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1 answers")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("a reflection v1 answer")
        .expect("one message");
    match answer.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => files.file_descriptor_proto.len(),
        other => panic!("unexpected reflection v1 answer for {symbol}: {other:?}"),
    }
}

#[tokio::test]
async fn the_embedded_default_serves_everything_from_a_sqlite_file() {
    let server = Server::start(Options::embedded()).await;

    for service in [ROOM_SERVICE, ACCESS_SERVICE, USER_SERVICE, ""] {
        assert_eq!(
            server.health(service).await,
            Ok(ServingStatus::Serving),
            "health of {service:?}"
        );
    }
    let database = server.dir().join("data").join("anteroom.db");
    assert!(
        database.is_file(),
        "{} should exist (the embedded SQLite file)",
        database.display()
    );

    let v1 = reflected_services_v1(&server).await;
    let v1alpha = reflected_services_v1alpha(&server).await;
    for service in [ROOM_SERVICE, ACCESS_SERVICE, USER_SERVICE] {
        assert!(v1.iter().any(|s| s == service), "{service} in {v1:?}");
        assert!(
            v1alpha.iter().any(|s| s == service),
            "{service} in {v1alpha:?}"
        );
    }
    assert!(descriptors_of(&server, ROOM_SERVICE).await > 0);

    let anonymous = server.anonymous();
    expect_code(
        anonymous
            .get_room(&format!("nothing-here-{}", unique()))
            .await,
        Code::NotFound,
    );
    // Anonymous callers cannot create rooms, and without an identity provider bearer tokens
    // are refused rather than ignored.
    expect_code(anonymous.create_named("Mine").await, Code::Unauthenticated);
    expect_code(
        server.bearer("a.b.c").get_room("anything").await,
        Code::Unauthenticated,
    );
}
