//! The domain error: one enum whose variants are the categories every adapter maps to a wire
//! status (see the table in the overview spec).

use std::time::Duration;

/// A boxed cause kept for logs; never sent to clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist, or the caller may not know that it exists.
    #[error("{0}")]
    NotFound(String),
    /// Creating or renaming would duplicate a unique value.
    #[error("{message}")]
    AlreadyExists {
        /// The field whose value is taken.
        field: &'static str,
        /// A message for the caller.
        message: String,
    },
    /// A concurrent or contradictory change already took effect.
    #[error("{0}")]
    Conflict(String),
    /// The input is invalid; one violation per offending field.
    #[error("invalid argument: {}", describe(.0))]
    Invalid(Vec<FieldViolation>),
    /// The operation is not allowed in the current state.
    #[error("{0}")]
    FailedPrecondition(String),
    /// No valid credentials were presented.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but not allowed.
    #[error("{0}")]
    PermissionDenied(String),
    /// Too many requests; try again after the delay.
    #[error("too many requests, retry in {} s", retry_after.as_secs())]
    RateLimited {
        /// How long to wait before the next attempt.
        retry_after: Duration,
    },
    /// A dependency (database, Redis, LiveKit, identity provider) cannot be reached.
    #[error("{dependency} is unavailable")]
    Unavailable {
        /// The dependency's name, shown to callers.
        dependency: &'static str,
        /// The underlying cause, logged only.
        #[source]
        source: BoxError,
    },
    /// A dependency answered, but could not do what was asked (the media server refused to
    /// start a recording): REST 502, gRPC UNAVAILABLE. The message is shown to callers, the
    /// cause is logged only.
    #[error("{message}")]
    Upstream {
        /// A message for the caller.
        message: String,
        /// The underlying cause, logged only.
        #[source]
        source: BoxError,
    },
    /// A bug or broken invariant; the cause is logged, the caller sees a generic message.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    /// A dependency failure with its cause.
    pub fn unavailable(dependency: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            dependency,
            source: source.into(),
        }
    }

    /// A failure answered by a dependency, with a message for the caller and the cause.
    pub fn upstream(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Upstream {
            message: message.into(),
            source: source.into(),
        }
    }

    /// An internal failure with its cause.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::Internal(source.into())
    }
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field's name as the caller wrote it (`name`, `configuration.can_publish_sources`).
    pub field: String,
    /// Why it is invalid.
    pub description: String,
}

/// Why a value was refused by a value type's constructor; [`Invalid::at`] names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    /// Creates the refusal with its reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }

    /// Attaches the request field the value came from.
    pub fn at(self, field: impl Into<String>) -> Error {
        Error::invalid(field, self.0)
    }
}
