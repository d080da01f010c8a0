//! Anteroom's database schema: one sea-orm migration set that runs on PostgreSQL and SQLite.
//!
//! The server (and the SQL adapter's `migrate`) runs `Migrator::up(&db, None)`; applied
//! migrations are recorded in `seaql_migrations`, so running it again is a no-op.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;

/// Every migration, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261122_000001_initial::Migration)]
    }
}
