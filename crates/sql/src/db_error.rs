//! The one place where database errors become domain errors.
//!
//! Constraint violations are recognised portably: PostgreSQL names the violated constraint
//! (`duplicate key value violates unique constraint "rooms_slug_key"`), SQLite names the
//! columns (`UNIQUE constraint failed: rooms.slug`); [`UNIQUE_CONSTRAINTS`] lists both spellings
//! of every unique constraint a caller can hit.

use anteroom_domain::Error;
use sea_orm::{DbErr, RuntimeErr, SqlxError};

/// The dependency name shown in [`Error::Unavailable`].
pub(crate) const DATABASE: &str = "database";

/// What a violated unique constraint means to the caller.
#[derive(Debug, Clone, Copy)]
enum Taken {
    /// A unique field is taken: [`Error::AlreadyExists`].
    Field {
        field: &'static str,
        message: &'static str,
    },
    /// A concurrent change won: [`Error::Conflict`].
    Conflict(&'static str),
}

/// The message when a recording is started on a room that has one in progress.
pub(crate) const RECORDING_IN_PROGRESS: &str = "A recording is already in progress for this room.";

/// Every unique constraint a caller can violate, with the ways each backend names it: the
/// PostgreSQL constraint or index name, then SQLite's `table.column[, table.column]` list.
const UNIQUE_CONSTRAINTS: &[(&[&str], Taken)] = &[
    (
        &["rooms_slug_key", "rooms.slug"],
        Taken::Field {
            field: "slug",
            message: "Room with this Slug already exists.",
        },
    ),
    (
        &["rooms_pin_code_key", "rooms.pin_code"],
        Taken::Field {
            field: "pin_code",
            message: "Room with this Pin code already exists.",
        },
    ),
    (
        &["users_sub_key", "users.sub"],
        Taken::Field {
            field: "sub",
            message: "User with this Sub already exists.",
        },
    ),
    (
        &[
            "resource_accesses_room_user_key",
            "resource_accesses.room_id, resource_accesses.user_id",
        ],
        Taken::Field {
            field: "user",
            message: "This user already has an access to this room.",
        },
    ),
    (
        &[
            "recordings_external_process_id_key",
            "recordings.external_process_id",
        ],
        Taken::Field {
            field: "external_process_id",
            message: "Recording with this External process id already exists.",
        },
    ),
    (
        &["recordings_one_in_progress_per_room", "recordings.room_id"],
        Taken::Conflict(RECORDING_IN_PROGRESS),
    ),
];

/// SQLite result codes meaning "the database is busy": `SQLITE_BUSY`, `SQLITE_LOCKED` and
/// their extended codes (`BUSY_RECOVERY`, `BUSY_SNAPSHOT`, `BUSY_TIMEOUT`, `LOCKED_SHAREDCACHE`).
const SQLITE_BUSY_CODES: &[&str] = &["5", "6", "261", "517", "773", "262"];

/// PostgreSQL SQLSTATEs meaning the server cannot serve: too many connections, shutting down,
/// cannot connect now; class 08 (connection exceptions) is matched by prefix.
const PG_UNAVAILABLE_CODES: &[&str] = &["53300", "57P01", "57P02", "57P03"];

/// Translates a database error into the domain's categories.
///
/// Unique violations become [`Error::AlreadyExists`] (or [`Error::Conflict`] for the
/// one-recording-per-room index), foreign-key violations [`Error::NotFound`], connection, pool
/// and I/O failures [`Error::Unavailable`], anything else [`Error::Internal`].
pub(crate) fn translate(err: DbErr) -> Error {
    let runtime = match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return unavailable(err),
        DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return Error::internal(err),
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return Error::internal(err);
    };
    match sqlx.as_ref() {
        SqlxError::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.is_unique_violation() {
                let described = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
                return unique_violation(&described).unwrap_or_else(|| Error::internal(err));
            }
            if db.is_foreign_key_violation() {
                return Error::NotFound(
                    "A referenced room, user or recording does not exist.".to_owned(),
                );
            }
            if SQLITE_BUSY_CODES.contains(&code.as_ref())
                || PG_UNAVAILABLE_CODES.contains(&code.as_ref())
                || (code.len() == 5 && code.starts_with("08"))
            {
                return unavailable(err);
            }
            Error::internal(err)
        }
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::Protocol(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed
        | SqlxError::BeginFailed => unavailable(err),
        _ => Error::internal(err),
    }
}

/// The domain error of a violated unique constraint, given its backend's description.
fn unique_violation(described: &str) -> Option<Error> {
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|(names, _)| names.iter().any(|name| described.contains(name)))
        .map(|(_, taken)| match *taken {
            Taken::Field { field, message } => Error::AlreadyExists {
                field,
                message: message.to_owned(),
            },
            Taken::Conflict(message) => Error::Conflict(message.to_owned()),
        })
}

/// The database cannot be reached.
/// `NotFound` with `missing` when a write by key touched no row (the row does not exist).
pub(crate) fn found(rows_affected: u64, missing: &str) -> Result<(), Error> {
    if rows_affected == 0 {
        Err(Error::NotFound(missing.to_owned()))
    } else {
        Ok(())
    }
}

pub(crate) fn unavailable(source: impl Into<anteroom_domain::error::BoxError>) -> Error {
    Error::unavailable(DATABASE, source)
}

/// A stored value that the domain refuses: the row is corrupt.
pub(crate) fn corrupt(table: &str, column: &str, reason: impl std::fmt::Display) -> Error {
    Error::internal(format!(
        "corrupt {table}.{column} in the database: {reason}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_spellings_are_recognised() {
        for (described, field) in [
            (
                "rooms_slug_key duplicate key value violates unique constraint \"rooms_slug_key\"",
                "slug",
            ),
            (" UNIQUE constraint failed: rooms.slug", "slug"),
            (" UNIQUE constraint failed: rooms.pin_code", "pin_code"),
            (" UNIQUE constraint failed: users.sub", "sub"),
            (
                " UNIQUE constraint failed: recordings.external_process_id",
                "external_process_id",
            ),
            (
                " UNIQUE constraint failed: resource_accesses.room_id, resource_accesses.user_id",
                "user",
            ),
        ] {
            match unique_violation(described) {
                Some(Error::AlreadyExists { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{described}: {other:?}"),
            }
        }
        assert!(matches!(
            unique_violation(" UNIQUE constraint failed: recordings.room_id"),
            Some(Error::Conflict(_))
        ));
        assert!(matches!(
            unique_violation("recordings_one_in_progress_per_room duplicate key"),
            Some(Error::Conflict(_))
        ));
        assert!(unique_violation("UNIQUE constraint failed: recordings.id").is_none());
    }
}
