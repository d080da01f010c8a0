//! The repository contract suites of `anteroom-testkit` against [`SqlStore`], on three
//! backends: SQLite in memory, a SQLite file (migrated twice) and PostgreSQL (a throwaway server
//! from the local binaries, one database per test; skipped with a `SKIPPED:` line when the
//! binaries are missing, a failure when `CI=true`). Plus the connection behaviours that only
//! the SQL store has.

use std::borrow::Borrow;
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_sql::{PoolOptions, SqlStore};
use anteroom_testkit::contract::Repositories;
use tempfile::TempDir;

/// Connects to `url` and migrates.
async fn migrated(url: &str) -> SqlStore {
    let store = SqlStore::connect(url, &PoolOptions::default())
        .await
        .unwrap_or_else(|err| panic!("connect to {url}: {err:?}"));
    store.migrate().await.expect("migrate");
    store
}

/// A fresh in-memory SQLite store.
async fn sqlite_memory_repositories() -> Repositories {
    Repositories::from_store(migrated("sqlite::memory:").await)
}

/// A SQLite file store and the directory that holds its file.
struct SqliteFile {
    repositories: Repositories,
    _dir: TempDir,
}

impl Borrow<Repositories> for SqliteFile {
    fn borrow(&self) -> &Repositories {
        &self.repositories
    }
}

/// A fresh SQLite file in a temporary directory, migrated twice (the second time is a no-op).
async fn sqlite_file_repositories() -> SqliteFile {
    let dir = tempfile::Builder::new()
        .prefix("anteroom-sql-")
        .tempdir()
        .expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("anteroom.sqlite3").display()
    );
    let store = migrated(&url).await;
    store.migrate().await.expect("migrating again is a no-op");
    SqliteFile {
        repositories: Repositories::from_store(store),
        _dir: dir,
    }
}

/// The URL of a fresh database on the shared test PostgreSQL server, or `None` (after a
/// `SKIPPED:` line) when PostgreSQL is not installed; panics instead when `CI=true`.
async fn postgres_url() -> Option<String> {
    tokio::task::spawn_blocking(|| {
        anteroom_testkit::shared_postgres().map(anteroom_testkit::TestPostgres::create_database)
    })
    .await
    .expect("starting the test PostgreSQL server")
}

/// A fresh PostgreSQL store, or `None` when PostgreSQL is not installed.
async fn postgres_repositories() -> Option<Repositories> {
    let url = postgres_url().await?;
    Some(Repositories::from_store(migrated(&url).await))
}

mod sqlite_memory {
    use super::*;

    anteroom_testkit::repository_contract_tests!(sqlite_memory_repositories().await);
}

mod sqlite_file {
    use super::*;

    anteroom_testkit::repository_contract_tests!(sqlite_file_repositories().await);
}

mod postgres {
    use super::*;

    anteroom_testkit::repository_contract_tests!(match postgres_repositories().await {
        Some(repositories) => repositories,
        None => return,
    });

    /// Running the migrations again on PostgreSQL changes nothing.
    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        let Some(url) = postgres_url().await else {
            return;
        };
        let store = migrated(&url).await;
        store.migrate().await.expect("migrating again is a no-op");
        store.ping().await.expect("ping");
    }
}

/// A database that cannot be reached is `Unavailable` (dependency `database`), within the
/// connect timeout.
#[tokio::test]
async fn unreachable_database_is_unavailable_quickly() {
    let options = PoolOptions {
        max_connections: 2,
        connect_timeout: Duration::from_secs(2),
        acquire_timeout: Duration::from_secs(2),
    };
    let started = Instant::now();
    let result = SqlStore::connect("postgres://postgres@127.0.0.1:1/x", &options).await;
    let elapsed = started.elapsed();
    match result {
        Err(Error::Unavailable { dependency, .. }) => assert_eq!(dependency, "database"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(
        elapsed < Duration::from_secs(4),
        "gave up after {elapsed:?}, the timeout is 2 s"
    );
}

/// A SQLite file in a directory that does not exist cannot be opened: `Unavailable`.
#[tokio::test]
async fn unopenable_sqlite_file_is_unavailable() {
    let result = SqlStore::connect(
        "sqlite:///nonexistent-anteroom-dir/db.sqlite3?mode=rwc",
        &PoolOptions::default(),
    )
    .await;
    match result {
        Err(Error::Unavailable { dependency, .. }) => assert_eq!(dependency, "database"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

/// An in-memory store answers pings and migrates twice without harm.
#[tokio::test]
async fn in_memory_store_pings_and_migrates_twice() {
    let store = migrated("sqlite::memory:").await;
    store.migrate().await.expect("migrating again is a no-op");
    store.ping().await.expect("ping");
    assert_eq!(
        PoolOptions::default(),
        PoolOptions {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    );
}
