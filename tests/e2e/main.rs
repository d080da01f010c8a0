//! End-to-end tests of the `anteroom` binary: each test starts (or shares) a real
//! `anteroom serve` process and drives it over gRPC only.
//!
//! Build the binary first: `cargo build -p anteroom-server`.

mod accesses;
mod embedded;
mod harness;
mod lifecycle;
mod matrix;
mod rooms;
mod users;
mod validation;
