//! End-to-end tests of the `anteroom` binary: each test starts (or shares) a real
//! `anteroom serve` process and drives it over gRPC, or over the REST gateway (`http_*`).
//!
//! Build the binary first: `cargo build -p anteroom-server`.

mod accesses;
mod creation_callback;
mod embedded;
mod harness;
mod http_accounts;
mod http_lobby;
mod http_login;
mod http_moderation;
mod http_ops;
mod http_recordings;
mod http_rooms;
mod http_support;
mod invitations;
mod lifecycle;
mod lobby;
mod matrix;
mod moderation;
mod recordings;
mod replicas;
mod rooms;
mod user_listing;
mod users;
mod validation;
