//! The one mapping from domain errors to gRPC status codes.

use anteroom_domain::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Translates a domain error into the status a client sees. Internal causes are logged here
/// and never sent.
pub fn status_from(error: Error) -> Status {
    match error {
        Error::NotFound(message) => Status::not_found(message),
        Error::AlreadyExists { field, message } => {
            let mut details = ErrorDetails::new();
            details.add_bad_request_violation(field, message.clone());
            Status::with_error_details(Code::AlreadyExists, message, details)
        }
        Error::Conflict(message) => Status::aborted(message),
        error @ Error::Invalid(_) => {
            let message = error.to_string();
            let mut details = ErrorDetails::new();
            if let Error::Invalid(violations) = error {
                for violation in violations {
                    details.add_bad_request_violation(violation.field, violation.description);
                }
            }
            Status::with_error_details(Code::InvalidArgument, message, details)
        }
        Error::FailedPrecondition(message) => Status::failed_precondition(message),
        Error::Unauthenticated(message) => Status::unauthenticated(message),
        Error::PermissionDenied(message) => Status::permission_denied(message),
        error @ Error::RateLimited { retry_after } => {
            let details = ErrorDetails::with_retry_info(Some(retry_after));
            Status::with_error_details(Code::ResourceExhausted, error.to_string(), details)
        }
        error @ Error::Unavailable { .. } => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "dependency unavailable");
            Status::unavailable(error.to_string())
        }
        Error::Upstream { message, source } => {
            tracing::warn!(error = %message, cause = %source, "dependency answered with a failure");
            Status::unavailable(message)
        }
        Error::Internal(cause) => {
            tracing::error!(cause = %cause, "internal error");
            Status::internal("internal error")
        }
    }
}

/// Prefixes the fields of a validation error with the request field that holds them
/// (`name` → `room.name`).
pub(crate) fn within(prefix: &'static str) -> impl Fn(Error) -> Error {
    move |error| match error {
        Error::Invalid(violations) => Error::Invalid(
            violations
                .into_iter()
                .map(|mut v| {
                    v.field = format!("{prefix}.{}", v.field);
                    v
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_category_has_its_code() {
        let io = || std::io::Error::other("secret cause");
        let cases = [
            (Error::NotFound("x".into()), Code::NotFound),
            (
                Error::AlreadyExists {
                    field: "slug",
                    message: "taken".into(),
                },
                Code::AlreadyExists,
            ),
            (Error::Conflict("x".into()), Code::Aborted),
            (Error::invalid("name", "blank"), Code::InvalidArgument),
            (
                Error::FailedPrecondition("x".into()),
                Code::FailedPrecondition,
            ),
            (Error::Unauthenticated("x".into()), Code::Unauthenticated),
            (Error::PermissionDenied("x".into()), Code::PermissionDenied),
            (
                Error::RateLimited {
                    retry_after: Duration::from_secs(3),
                },
                Code::ResourceExhausted,
            ),
            (Error::unavailable("database", io()), Code::Unavailable),
            (Error::upstream("refused", io()), Code::Unavailable),
            (Error::internal(io()), Code::Internal),
        ];
        for (error, code) in cases {
            let status = status_from(error);
            assert_eq!(status.code(), code);
            assert!(!status.message().contains("secret cause"));
        }
    }

    #[test]
    fn validation_errors_name_their_fields() {
        let status = status_from(within("room")(Error::invalid("name", "blank")));
        assert!(status.message().contains("room.name"));
        let details = status.get_error_details();
        let violations = &details.bad_request().expect("bad request").field_violations;
        assert_eq!(violations[0].field, "room.name");
    }

    #[test]
    fn rate_limits_carry_the_retry_delay() {
        let status = status_from(Error::RateLimited {
            retry_after: Duration::from_secs(7),
        });
        let retry = status.get_details_retry_info().expect("retry info");
        assert_eq!(retry.retry_delay, Some(Duration::from_secs(7)));
    }
}
