//! Anteroom's SQL adapter: the [`RoomRepository`], [`AccessRepository`], [`UserRepository`] and
//! [`RecordingRepository`] ports on PostgreSQL or SQLite, through sea-orm.
//!
//! [`SqlStore::connect`] opens a pool from a URL (`postgres://…`, `sqlite://<path>?mode=rwc`,
//! `sqlite::memory:`), [`SqlStore::migrate`] applies the `anteroom-migrations` schema and the
//! store then implements the four ports. Database errors are translated to the domain's
//! [`Error`](anteroom_domain::Error) categories in one place (unique violations →
//! `AlreadyExists`/`Conflict`, foreign-key violations → `NotFound`, connection failures →
//! `Unavailable`); the invariants that need atomicity are enforced in the database:
//!
//! - a room and its owner access, a recording and its owner access, are written in one
//!   transaction;
//! - a room keeps at least one owner: demotions and deletions of owner accesses lock the room's
//!   owner rows before counting them;
//! - a room has at most one initiated-or-active recording (a partial unique index);
//! - a recording's status changes by compare-and-set.
//!
//! The contract suites of `anteroom-testkit` (`anteroom_testkit::contract`) run against this
//! crate on in-memory SQLite, file SQLite and PostgreSQL (`tests/contract.rs`).
//!
//! [`RoomRepository`]: anteroom_domain::room::RoomRepository
//! [`AccessRepository`]: anteroom_domain::access::AccessRepository
//! [`UserRepository`]: anteroom_domain::user::UserRepository
//! [`RecordingRepository`]: anteroom_domain::recording::RecordingRepository

mod accesses;
mod db_error;
mod entity;
mod recordings;
mod rooms;
mod store;
mod users;

pub use store::{PoolOptions, SqlStore};

#[cfg(test)]
mod tests;
