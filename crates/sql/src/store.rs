//! The store: a connection pool to PostgreSQL or SQLite, and its life cycle.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr,
    SqliteTransactionMode, SqlxError, TransactionOptions, TransactionTrait,
};

use crate::db_error::{self, translate};

/// How the pool connects and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// The most connections the pool opens (an in-memory SQLite database always uses one).
    pub max_connections: u32,
    /// How long connecting may take before the store is reported unavailable.
    pub connect_timeout: Duration,
    /// How long a request waits for a free connection (and, on SQLite, for the write lock)
    /// before the store is reported unavailable.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The SQL implementation of the room, access, user and recording repositories.
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) db: DatabaseConnection,
}

impl SqlStore {
    /// Connects to `url`: `postgres://…`, `sqlite://<path>?mode=rwc` or `sqlite::memory:`.
    ///
    /// SQLite connections enforce foreign keys; a file database uses the WAL journal and waits
    /// up to `acquire_timeout` for the write lock; an in-memory database lives in one shared
    /// connection that is never recycled (so it lives as long as the store).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] (dependency `database`) when the database cannot be reached
    ///   within `connect_timeout`;
    /// - [`Error::Internal`] when the URL is not understood.
    pub async fn connect(url: &str, options: &PoolOptions) -> Result<Self, Error> {
        let mut connect = ConnectOptions::new(url);
        connect
            .max_connections(options.max_connections.max(1))
            .min_connections(0)
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            let busy_timeout = options.acquire_timeout;
            if is_in_memory(url) {
                // Each connection to `:memory:` would be its own database: keep exactly one,
                // forever.
                connect
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                connect.map_sqlx_sqlite_opts(move |opts| {
                    opts.pragma("foreign_keys", "ON").busy_timeout(busy_timeout)
                });
            } else {
                connect.map_sqlx_sqlite_opts(move |opts| {
                    opts.pragma("foreign_keys", "ON")
                        .pragma("journal_mode", "WAL")
                        .pragma("synchronous", "NORMAL")
                        .busy_timeout(busy_timeout)
                });
            }
        }
        let db = tokio::time::timeout(options.connect_timeout, Database::connect(connect))
            .await
            .map_err(|elapsed| {
                db_error::unavailable(format!("connecting to the database: {elapsed}"))
            })?
            .map_err(connect_error)?;
        Ok(Self { db })
    }

    /// Brings the schema up to date (runs the pending `anteroom-migrations`); a no-op when it
    /// is.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the database cannot be reached;
    /// - [`Error::Internal`] when a migration fails.
    pub async fn migrate(&self) -> Result<(), Error> {
        Migrator::up(&self.db, None).await.map_err(translate)
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), Error> {
        self.db.ping().await.map_err(db_error::unavailable)
    }

    /// Starts a transaction that will write.
    ///
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`, waiting up to the busy
    /// timeout), so that concurrent read-then-write transactions serialize instead of failing
    /// with "database is locked" when they upgrade; PostgreSQL ignores the mode.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, Error> {
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
            .map_err(translate)
    }
}

/// The domain error of a failed connection: a URL or configuration the driver does not
/// understand is [`Error::Internal`]; anything else (refused, unreachable, timed out, a file that
/// cannot be opened) is [`Error::Unavailable`].
fn connect_error(err: DbErr) -> Error {
    let misconfigured = match &err {
        DbErr::Conn(RuntimeErr::Internal(_)) => true,
        DbErr::Conn(RuntimeErr::SqlxError(sqlx)) => {
            matches!(sqlx.as_ref(), SqlxError::Configuration(_))
        }
        _ => false,
    };
    match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) if !misconfigured => {
            db_error::unavailable(err)
        }
        DbErr::Conn(_) => Error::internal(err),
        other => translate(other),
    }
}

/// Whether a SQLite URL names an in-memory database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Ends a transaction: commits it when `result` is a success, rolls it back otherwise (at once,
/// so that the rows and locks it holds are released before the error reaches the caller).
pub(crate) async fn finish<T>(
    txn: DatabaseTransaction,
    result: Result<T, Error>,
) -> Result<T, Error> {
    match result {
        Ok(value) => {
            txn.commit().await.map_err(translate)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed transaction failed");
            }
            Err(err)
        }
    }
}
