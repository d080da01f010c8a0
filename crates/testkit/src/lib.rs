//! Test-only support for Anteroom (never a runtime dependency).
//!
//! This crate holds the fixtures that integration tests share:
//!
//! - [`postgres`]: a throwaway PostgreSQL server started from the locally
//!   installed binaries, with one fresh database per test
//!   ([`shared_postgres`], [`TestPostgres::create_database`]).
//! - [`redis`]: a throwaway `redis-server` that can be stopped and restarted
//!   on the same port for outage tests ([`TestRedis`]).
//! - [`oidc`]: a test OIDC issuer with embedded test-only RSA and EC keys, a
//!   JWKS file, and helpers that mint RS256/ES256 bearer tokens
//!   ([`TestIssuer`], [`TokenClaims`]).
//! - [`smtp`]: a minimal SMTP relay on a loopback port that keeps the mails
//!   it accepts ([`TestSmtpRelay`]).
//! - [`contract`]: port contract suites that every adapter runs, e.g. the
//!   lobby store's ([`lobby_contract_tests!`]).
//!
//! Servers are child processes of the test process. Each one is watched by a
//! small shell watchdog that stops it and removes its data directory once
//! the test process is gone, so instances kept in a `static` for the whole
//! test run do not outlive it.
//!
//! When a server binary is missing, the `*_or_skip`/`shared_*` entry points
//! print a loud `SKIPPED:` line and return `None`, except when the
//! environment variable `CI` is `true`: then they panic, so CI never
//! silently skips.

pub mod contract;
pub mod oidc;
pub mod postgres;
pub mod redis;
pub mod smtp;

mod availability;
mod process;

pub use oidc::{Alg, TestIssuer, TokenClaims};
pub use postgres::{TestPostgres, shared_postgres};
pub use redis::{TestRedis, redis_available};
pub use smtp::{ReceivedMail, TestSmtpRelay};
