//! The one mapping from domain errors (and HTTP-level refusals) to HTTP responses, with the
//! reference's bodies: `{"detail": "..."}` like Django REST framework, field errors as
//! `{"field": ["message"]}`. Internal causes are logged here and never sent.

use std::collections::BTreeMap;

use anteroom_domain::{Error, FieldViolation};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The key that carries a message in an error body. The reference's views differ: DRF's
/// generic errors use `detail`, the lobby's `enter` uses `message`, participant management
/// uses `error`, the webhook endpoint answers `{"status": "error"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `{"detail": "..."}`.
    Detail,
    /// `{"message": "..."}`.
    Message,
    /// `{"error": "..."}`.
    Error,
    /// `{"status": "error", "message": "..."}` (every status).
    Status,
    /// OAuth 2.0 error bodies, `{"error": "invalid_request", "error_description": "..."}`
    /// with `Cache-Control: no-store` (the back-channel logout endpoint, which identity
    /// providers call).
    OAuth,
}

/// An error answer of the gateway.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// A domain error, with the key its route uses for messages.
    Domain(Error, Key),
    /// A refusal of the HTTP layer (malformed body, unknown route, wrong method, ...).
    Http(StatusCode, String),
    /// A domain error told in the route's own words (the reference's message for a failure
    /// whose cause is only logged): status and headers as the domain error's, body
    /// `{"<key>": "<message>"}`.
    Worded(Error, Key, String),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self::Domain(error, Key::Detail)
    }
}

impl ApiError {
    /// Maps a domain error with the route's message key.
    pub(crate) fn keyed(key: Key) -> impl Fn(Error) -> Self {
        move |error| Self::Domain(error, key)
    }

    /// A 400 naming one field, as a serializer's validation error.
    pub(crate) fn field(field: &str, message: &str) -> Self {
        Error::invalid(field, message).into()
    }

    /// A 400 with a `detail`.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::Http(StatusCode::BAD_REQUEST, detail.into())
    }

    /// A 404 with a `detail`.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::Http(StatusCode::NOT_FOUND, detail.into())
    }
}

/// Renames the fields of a validation error (the domain's `user_id` is the API's `user`).
pub(crate) fn rename_field(from: &'static str, to: &'static str) -> impl Fn(Error) -> Error {
    move |error| match error {
        Error::Invalid(violations) => Error::Invalid(
            violations
                .into_iter()
                .map(|mut v| {
                    if v.field == from {
                        to.clone_into(&mut v.field);
                    }
                    v
                })
                .collect(),
        ),
        other => other,
    }
}

/// `{"field": ["message", ...], ...}`.
fn field_errors(violations: Vec<FieldViolation>) -> Value {
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for violation in violations {
        fields
            .entry(violation.field)
            .or_default()
            .push(violation.description);
    }
    json!(fields)
}

fn keyed_body(key: Key, message: &str) -> Value {
    match key {
        Key::Detail => json!({ "detail": message }),
        Key::Message => json!({ "message": message }),
        Key::Error => json!({ "error": message }),
        Key::Status => json!({ "status": "error", "message": message }),
        Key::OAuth => json!({ "error": "invalid_request", "error_description": message }),
    }
}

/// An OAuth 2.0 error answer: a refused request is `invalid_request` (400), an unreachable
/// dependency `temporarily_unavailable` (503, the provider may retry); other failures keep
/// their status with the `server_error` code. Never cached.
fn oauth_response(error: Error) -> Response {
    let (status, code, description) = match error {
        Error::Invalid(violations) => (
            StatusCode::BAD_REQUEST,
            "invalid_request",
            violations
                .into_iter()
                .map(|v| v.description)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        error @ Error::Unavailable { .. } => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "dependency unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                error.to_string(),
            )
        }
        other => {
            let status = domain_response(other, Key::Detail).status();
            (status, "server_error", "The request failed.".to_owned())
        }
    };
    let mut response = (
        status,
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The status and body of a domain error: the table of the overview spec.
fn domain_response(error: Error, key: Key) -> Response {
    if key == Key::OAuth {
        return oauth_response(error);
    }
    let (status, body) = match error {
        Error::NotFound(message) => (StatusCode::NOT_FOUND, keyed_body(key, &message)),
        Error::AlreadyExists { field, message } => (
            StatusCode::BAD_REQUEST,
            field_errors(vec![FieldViolation {
                field: field.to_owned(),
                description: message,
            }]),
        ),
        Error::Conflict(message) => (StatusCode::CONFLICT, keyed_body(key, &message)),
        error @ Error::Invalid(_) if key == Key::Status => {
            (StatusCode::BAD_REQUEST, keyed_body(key, &error.to_string()))
        }
        Error::Invalid(violations) => (StatusCode::BAD_REQUEST, field_errors(violations)),
        Error::FailedPrecondition(message) => (StatusCode::BAD_REQUEST, keyed_body(key, &message)),
        Error::Unauthenticated(message) => {
            let key = if key == Key::Status { key } else { Key::Detail };
            let mut response =
                (StatusCode::UNAUTHORIZED, Json(keyed_body(key, &message))).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
            return response;
        }
        Error::PermissionDenied(message) => {
            let key = if key == Key::Status { key } else { Key::Detail };
            (StatusCode::FORBIDDEN, keyed_body(key, &message))
        }
        Error::RateLimited { retry_after } => {
            let seconds = retry_after.as_secs().max(1);
            let message =
                format!("Request was throttled. Expected available in {seconds} seconds.");
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(keyed_body(Key::Detail, &message)),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return response;
        }
        error @ Error::Unavailable { .. } => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "dependency unavailable");
            let key = if key == Key::Status { key } else { Key::Detail };
            (
                StatusCode::SERVICE_UNAVAILABLE,
                keyed_body(key, &error.to_string()),
            )
        }
        Error::Upstream { message, source } => {
            tracing::warn!(error = %message, cause = %source, "dependency answered with a failure");
            (StatusCode::BAD_GATEWAY, keyed_body(key, &message))
        }
        Error::Internal(cause) => {
            tracing::error!(cause = %cause, "internal error");
            let key = if key == Key::Status { key } else { Key::Detail };
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                keyed_body(key, "A server error occurred."),
            )
        }
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Domain(error, key) => domain_response(error, key),
            Self::Worded(error, key, message) => {
                let (parts, _) = domain_response(error, key).into_parts();
                (parts, Json(keyed_body(key, &message))).into_response()
            }
            Self::Http(status, detail) => {
                (status, Json(json!({ "detail": detail }))).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::to_bytes;

    use super::*;

    async fn render(error: ApiError) -> (StatusCode, http::HeaderMap, Value) {
        let response = error.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn every_category_has_its_status_and_body() {
        let io = || std::io::Error::other("secret cause");
        let cases: Vec<(Error, StatusCode, Value)> = vec![
            (
                Error::NotFound("No Room matches the given query.".into()),
                StatusCode::NOT_FOUND,
                json!({"detail": "No Room matches the given query."}),
            ),
            (
                Error::AlreadyExists {
                    field: "slug",
                    message: "Room with this Slug already exists.".into(),
                },
                StatusCode::BAD_REQUEST,
                json!({"slug": ["Room with this Slug already exists."]}),
            ),
            (
                Error::Conflict("Participant was already admitted.".into()),
                StatusCode::CONFLICT,
                json!({"detail": "Participant was already admitted."}),
            ),
            (
                Error::Invalid(vec![
                    FieldViolation {
                        field: "name".into(),
                        description: "blank".into(),
                    },
                    FieldViolation {
                        field: "name".into(),
                        description: "short".into(),
                    },
                ]),
                StatusCode::BAD_REQUEST,
                json!({"name": ["blank", "short"]}),
            ),
            (
                Error::FailedPrecondition("not now".into()),
                StatusCode::BAD_REQUEST,
                json!({"detail": "not now"}),
            ),
            (
                Error::Unauthenticated("Authentication credentials were not provided.".into()),
                StatusCode::UNAUTHORIZED,
                json!({"detail": "Authentication credentials were not provided."}),
            ),
            (
                Error::PermissionDenied("no".into()),
                StatusCode::FORBIDDEN,
                json!({"detail": "no"}),
            ),
            (
                Error::unavailable("database", io()),
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"detail": "database is unavailable"}),
            ),
            (
                Error::upstream("Recording failed to start.", io()),
                StatusCode::BAD_GATEWAY,
                json!({"detail": "Recording failed to start."}),
            ),
            (
                Error::internal(io()),
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"detail": "A server error occurred."}),
            ),
        ];
        for (error, status, body) in cases {
            let (got_status, headers, got_body) = render(error.into()).await;
            assert_eq!(got_status, status);
            assert_eq!(got_body, body);
            assert!(!got_body.to_string().contains("secret cause"));
            assert_eq!(
                headers.contains_key(header::WWW_AUTHENTICATE),
                status == StatusCode::UNAUTHORIZED
            );
        }
    }

    #[tokio::test]
    async fn rate_limits_carry_retry_after() {
        let (status, headers, body) = render(
            Error::RateLimited {
                retry_after: Duration::from_secs(7),
            }
            .into(),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "7");
        assert_eq!(
            body,
            json!({"detail": "Request was throttled. Expected available in 7 seconds."})
        );
    }

    #[tokio::test]
    async fn routes_choose_their_message_key() {
        let not_found = || Error::NotFound("Participant not found.".into());
        let (_, _, body) = render(ApiError::keyed(Key::Message)(not_found())).await;
        assert_eq!(body, json!({"message": "Participant not found."}));
        let (_, _, body) = render(ApiError::keyed(Key::Error)(not_found())).await;
        assert_eq!(body, json!({"error": "Participant not found."}));
        let (status, _, body) = render(ApiError::keyed(Key::Status)(Error::Unauthenticated(
            "x".into(),
        )))
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["status"], "error");
        // Authentication and permission refusals keep DRF's `detail` on other routes.
        let (_, _, body) = render(ApiError::keyed(Key::Message)(Error::PermissionDenied(
            "no".into(),
        )))
        .await;
        assert_eq!(body, json!({"detail": "no"}));
    }

    #[test]
    fn fields_are_renamed() {
        let renamed = rename_field("user_id", "user")(Error::invalid("user_id", "unknown"));
        assert!(matches!(renamed, Error::Invalid(v) if v[0].field == "user"));
    }
}
