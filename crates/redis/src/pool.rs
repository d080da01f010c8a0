//! Connecting to Redis: the configuration, the connection pool every adapter shares, and how
//! failures become domain errors.
//!
//! Every call made through [`RedisPool`] is bounded by [`RedisConfig::timeout`] from start to
//! end (waiting for a pooled connection, opening one, and the command itself), so an outage is
//! a fast [`Error::Unavailable`] rather than a hang. A connection that failed at the transport
//! level is taken out of the pool instead of being returned to it, and the pool checks every
//! idle connection with a `PING` before lending it again: when Redis comes back, the next call
//! opens a fresh connection and service resumes by itself.

use std::fmt;
use std::time::Duration;

use anteroom_domain::Error;
use deadpool_redis::redis::{
    self, AsyncConnectionConfig, Cmd, ErrorKind, FromRedisValue, RedisError, ScriptInvocation,
};
use deadpool_redis::{Connection, Manager, Pool, PoolError, Runtime};
use tokio::time::{Instant, timeout_at};

/// The dependency name that [`Error::Unavailable`] carries for Redis failures.
pub const DEPENDENCY: &str = "redis";

/// How to reach Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// The server's URL, `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS
    /// if the `redis` crate was built with TLS support).
    pub url: String,
    /// The most connections kept open by the pool (at least 1).
    pub pool_size: usize,
    /// The longest any single call may take, including waiting for a pooled connection and
    /// opening a new one. Past it the call fails with [`Error::Unavailable`].
    pub timeout: Duration,
}

impl RedisConfig {
    /// The default pool size.
    pub const DEFAULT_POOL_SIZE: usize = 16;
    /// The default timeout of every call.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// The configuration of the server at `url`, with the default pool size and timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }
}

impl Default for RedisConfig {
    /// `redis://127.0.0.1:6379`, 16 connections, 2 s.
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".to_owned(),
            pool_size: Self::DEFAULT_POOL_SIZE,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

/// Builds the pool and checks once that Redis answers `PING`.
///
/// # Errors
///
/// - [`Error::Invalid`] when the URL cannot be parsed;
/// - [`Error::Unavailable`] when Redis does not answer within the timeout.
pub async fn connect(config: &RedisConfig) -> Result<RedisPool, Error> {
    let pool = RedisPool::new(config)?;
    pool.ping().await?;
    Ok(pool)
}

/// A pool of Redis connections with the call timeout, shared by the adapters of this crate.
///
/// Cheap to clone: clones share the pool. Build it with [`connect`] (which checks that Redis
/// answers) or [`RedisPool::new`] (which does no I/O; connections are opened on demand).
#[derive(Clone)]
pub struct RedisPool {
    pool: Pool,
    client: redis::Client,
    timeout: Duration,
}

impl fmt::Debug for RedisPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisPool")
            .field("status", &self.pool.status())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisPool {
    /// Builds the pool without connecting: connections are opened by the first calls.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when the URL cannot be parsed.
    pub fn new(config: &RedisConfig) -> Result<Self, Error> {
        let invalid_url = |err: RedisError| Error::invalid("redis.url", err.to_string());
        let timeout = config.timeout;
        let connection = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let manager =
            Manager::new_with_config(config.url.as_str(), connection).map_err(invalid_url)?;
        let client = redis::Client::open(config.url.as_str()).map_err(invalid_url)?;
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|err| Error::internal(format!("building the Redis pool: {err}")))?;
        Ok(Self {
            pool,
            client,
            timeout,
        })
    }

    /// The longest any call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Checks that Redis answers `PING` (for readiness probes).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when Redis does not answer within the timeout.
    pub async fn ping(&self) -> Result<(), Error> {
        let reply: String = self.query(&redis::cmd("PING")).await?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(Error::internal(format!(
                "Redis answered PING with {reply:?}"
            )))
        }
    }

    /// The client that opens dedicated connections (pub/sub).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs one command.
    pub(crate) async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, Error> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.checkout(deadline).await?;
        let result = timeout_at(deadline, cmd.query_async(&mut conn)).await;
        self.settle(conn, result)
    }

    /// Runs one Lua script (`EVALSHA`, loading the script when the server does not have it,
    /// for example after a restart).
    pub(crate) async fn invoke<T: FromRedisValue>(
        &self,
        script: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.checkout(deadline).await?;
        let result = timeout_at(deadline, script.invoke_async(&mut conn)).await;
        self.settle(conn, result)
    }

    /// A pooled connection, by `deadline`.
    async fn checkout(&self, deadline: Instant) -> Result<Connection, Error> {
        match timeout_at(deadline, self.pool.get()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(unavailable(Failure::Pool(err))),
            Err(_) => Err(unavailable(Failure::TimedOut(self.timeout))),
        }
    }

    /// Maps the outcome of a call; a connection that failed at the transport level, or whose
    /// reply did not come in time, is taken out of the pool rather than lent again.
    fn settle<T>(
        &self,
        conn: Connection,
        result: Result<Result<T, RedisError>, tokio::time::error::Elapsed>,
    ) -> Result<T, Error> {
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                if breaks_connection(&err) {
                    discard(conn);
                }
                Err(from_redis(err))
            }
            Err(_) => {
                discard(conn);
                Err(unavailable(Failure::TimedOut(self.timeout)))
            }
        }
    }
}

/// Takes a connection out of the pool for good (the pool may open a new one in its place).
fn discard(conn: Connection) {
    drop(Connection::take(conn));
}

/// Whether the connection that returned `err` is no longer usable.
fn breaks_connection(err: &RedisError) -> bool {
    err.is_io_error() || err.is_connection_dropped() || err.is_unrecoverable_error()
}

/// Why Redis could not serve a call (the source of [`Error::Unavailable`], logged only).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The call did not finish within the timeout.
    #[error("Redis did not answer within {0:?}")]
    TimedOut(Duration),
    /// No pooled connection could be had.
    #[error("no Redis connection: {0}")]
    Pool(#[source] PoolError),
    /// Redis or the connection to it failed.
    #[error("Redis failed: {0}")]
    Redis(#[source] RedisError),
}

/// The domain error for a Redis failure.
pub(crate) fn unavailable(failure: Failure) -> Error {
    Error::unavailable(DEPENDENCY, failure)
}

/// Maps a Redis error: a reply this crate could not decode is a bug ([`Error::Internal`]);
/// anything else (I/O, refused or dropped connections, a server that is loading, read-only,
/// out of memory, refusing the credentials, ...) makes Redis unavailable.
pub(crate) fn from_redis(err: RedisError) -> Error {
    match err.kind() {
        ErrorKind::UnexpectedReturnType | ErrorKind::Client => {
            Error::internal(format!("unexpected Redis reply: {err}"))
        }
        _ => unavailable(Failure::Redis(err)),
    }
}

/// Converts a [`Duration`] to whole milliseconds for `PEXPIRE`/`PX`: at least 1 (Redis
/// refuses 0) and at most about 100 years (longer settings are capped).
pub(crate) fn millis(duration: Duration) -> u64 {
    const MAX: u64 = 100 * 365 * 24 * 3600 * 1000;
    u64::try_from(duration.as_millis()).map_or(MAX, |ms| ms.clamp(1, MAX))
}
